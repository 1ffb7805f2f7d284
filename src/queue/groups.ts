// Job groups: a job is claimable only when it is the oldest live job of its group, so a group is
// what runs one at a time, in order. Routing and sending have different groups so a provider that
// is slow or down never delays reading a contact's STOP.

/** The group that serialises everything Parley does in answer to one contact. */
export function contactGroup(phone: string): string {
  return `contact:${phone}`;
}

/** The group that keeps one recipient's outbound messages in order. */
export function sendGroup(phone: string): string {
  return `send:${phone}`;
}
