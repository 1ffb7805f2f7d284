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

/**
 * A scheduled message's release job is the only job of its group: it must not wait behind, nor hold
 * back, anything else; the group names it, so a cancel or an erasure finds it without reading payloads.
 */
export function releaseGroup(messageId: string): string {
  return `release:${messageId}`;
}

/** A broadcast's own jobs run one at a time, whichever instance claims them. */
export function broadcastGroup(broadcastId: string): string {
  return `broadcast:${broadcastId}`;
}
