// Every kind of job and the payload it carries. A new kind is added here first; the worker's
// handler map is typed against this, so a kind without a handler does not compile.
export interface JobPayloads {
  /** Route one inbound message (in its contact's turn). */
  'inbound.process': { messageId: string };
  /** Route whatever parts of a multipart message arrived, once waiting for the rest has gone on long enough. */
  'inbound.assemble': { channel: string; from: string; reference: string };
  /** Start a flow for a contact (a keyword rule asked for it). */
  'flow.start': { flow: string; phone: string; channel: string; localNumber: string; messageId: string };
  /** A flow step's wait ran out: move the session on, unless it moved already. */
  'flow.wait': { sessionId: string; version: number };
  /** A session reached its expiry: end it, unless it ended already. */
  'flow.expire': { sessionId: string };
  /** A scheduled message's time came: queue it for sending, unless it was canceled or is too late. */
  'message.release': { messageId: string };
  /** Hand one outbound message to its channel's provider. */
  'message.send': {
    messageId: string;
    /** A slot already reserved on the sender's clocks (outbound/sender-clock.ts). */
    slotAt?: number;
    /** Queued for this time on the sending number's queue clock: its slots are taken then (outbound/sender-clock.ts). */
    queuedAt?: number;
  };
  /** Move a broadcast on by one page: fill recipients, queue their texts, or withdraw them (cancel). */
  'broadcast.run': { broadcastId: string };
  /** Apply one delivery receipt to the message it refers to. */
  'status.apply': { receiptId: number };
  /** Make one attempt to deliver an event to one of the business's endpoints. */
  'webhook.deliver': { deliveryId: string; /** A send slot already reserved under the endpoint's rate limit. */ slotAt?: number };
}

export type JobKind = keyof JobPayloads;

export interface Job<K extends JobKind = JobKind> {
  id: number;
  kind: K;
  payload: JobPayloads[K];
  groupKey: string | null;
  limitKey: string | null;
  attempts: number;
  maxAttempts: number;
  lockedBy: string;
  /**
   * The previous run was cut short without recording how it ended (its process died, or it stalled
   * past its lease): whatever it did outside the database, such as a provider call, may have happened.
   */
  interrupted: boolean;
}
