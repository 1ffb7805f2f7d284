import type { OutboundStatus } from '../core/message-status.js';
import type { BaseChannelConfig } from './channel-config.js';

/** Which of a channel's webhook URLs a request came to. Providers that send every event to one URL use `events`. */
export type WebhookPath = 'inbound' | 'status' | 'events';

/** A webhook request as the adapter sees it: raw bytes first, since signatures cover them. */
export interface WebhookRequest {
  method: string;
  /** Path and query as received, e.g. `/hooks/main/inbound?x=1`. */
  url: string;
  /**
   * The full URL the provider called, e.g. `https://sms.example.com/hooks/main/inbound?x=1`: the
   * channel's `public_url` joined with `url`, or rebuilt from the forwarding headers of a trusted
   * proxy. Schemes that sign the URL (Twilio, Plivo, Bird) check against this.
   */
  publicUrl: string;
  /** Header names in lower case, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  contentType: string | null;
  /** When the request arrived (ms), for timestamp windows. */
  receivedAt: number;
}

/**
 * `retry`: the request is not refused for good — the provider said it sends unsigned webhooks
 * only when its own signing failed (Vonage) — so Parley answers 503 and the provider sends it again.
 */
export type VerifyResult = { ok: true } | { ok: false; reason: string; retry?: boolean };

/** One part of a message the provider delivers in pieces (Vonage's `concat-*`); Parley reassembles them. */
export interface MessagePart {
  /** The provider's reference shared by all parts of one message. */
  reference: string;
  /** 1-based. */
  index: number;
  total: number;
}

/** An inbound message in Parley's one internal model, numbers already in E.164. */
export interface InboundMessage {
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
  providerMessageId: string;
  /** When the provider says it received the message (ms), if it says. */
  providerTime: number | null;
  /** Set when this is one part of a longer message; the parts are joined before routing. */
  part?: MessagePart;
}

/** A delivery receipt in Parley's status set, with the provider's own words kept. */
export interface StatusReceipt {
  providerMessageId: string;
  status: OutboundStatus;
  providerStatus: string;
  errorCode: string | null;
  providerTime: number | null;
  /**
   * Set when the provider reports each part of a multipart message on its own (an Android
   * gateway's `sms:delivered`): the message is delivered once every part is, failed if one fails.
   */
  part?: { key: string; total: number | null };
  /**
   * The provider's id for this notification, stable across its retries, where it has one. Without
   * it, a receipt is a duplicate when the message id, status and part repeat.
   */
  notificationId?: string;
  /**
   * The provider says the recipient has opted out with the provider itself (a STOP it took in
   * directly; Vonage reports it only as a receipt's err-code 9). Parley suppresses the contact too,
   * as it does when a send is refused with `recipient_opted_out`.
   */
  recipientOptedOut?: boolean;
  /**
   * Parley's message id as the provider echoes it back: the client reference Parley set on the
   * send (Vonage `client-ref`, Sinch `client_reference`, smsmode `refClient`). Like the `parley_id`
   * of a per-message callback URL, it lets a receipt find its message before the send has answered.
   */
  parleyMessageId?: string;
}

/** What one webhook request says. */
export type WebhookEvent =
  | { kind: 'inbound'; message: InboundMessage }
  | { kind: 'status'; receipt: StatusReceipt }
  /** An event Parley has no use for (a heartbeat, a read receipt); acknowledged and not stored. */
  | { kind: 'ignored'; reason: string };

/**
 * The query parameter Parley adds to per-message status callback URLs. It is Parley's, not the
 * provider's: schemes that sign the parameters they send leave it out of the signed set.
 */
export const parleyIdParam = 'parley_id';

/** What the provider answered to a send's calls (providers/provider-http.ts). */
export interface ProviderCallsSeen {
  /** The HTTP status of the last answer; null when none came. */
  status: number | null;
}

export interface OutboundRequest {
  /** Parley's message id; providers that support it use it as an idempotency key or client reference. */
  id: string;
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
  /**
   * Where the provider should send this message's delivery receipts, with Parley's message id in
   * it, so a receipt that beats the send call's answer still finds its message. Null when the
   * channel has no `public_url` (receipts then go to the URL set in the provider's console).
   */
  statusCallbackUrl: string | null;
  /**
   * Where the adapter's provider calls note what the provider answered (the HTTP status, for the
   * message's trace): the adapter passes it to `callProvider`.
   */
  seen?: ProviderCallsSeen;
}

export interface SendResult {
  providerMessageId: string;
  status: OutboundStatus;
  /**
   * Every part's provider id, first part first, when the provider splits a long text and reports
   * each part under its own id (Vonage's SMS API). Receipts for any of them then find the message,
   * which is delivered once every part is. `providerMessageId` is the first.
   */
  partIds?: string[];
}

/**
 * Why a send failed, from a closed set: the adapter says what happened, the send job decides what
 * to do (`retryable` ones are tried again with backoff, the others fail the message at once).
 */
export type SendErrorKind =
  | 'connection' // could not reach the provider, or it timed out
  | 'throttled' // 429: the provider asked us to slow down
  | 'provider_unavailable' // 5xx
  | 'rejected' // 4xx: the provider refused this message
  | 'recipient_opted_out' // the provider itself blocks this recipient (e.g. Twilio 21610); Parley suppresses it too
  | 'invalid_response'; // 2xx without what we need (e.g. no message id)

const retryableKinds: ReadonlySet<SendErrorKind> = new Set(['connection', 'throttled', 'provider_unavailable']);

export class SendError extends Error {
  override name = 'SendError';
  readonly retryable: boolean;
  constructor(
    readonly kind: SendErrorKind,
    message: string,
    readonly providerCode: string | null = null,
    /** How long the provider asked Parley to wait (its Retry-After), when it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.retryable = retryableKinds.has(kind);
  }
}

/** The HTTP answer a provider expects once Parley has stored its webhook. */
export interface WebhookAnswer {
  status: number;
  contentType?: string;
  body?: string;
}

/** The same verbs for every provider; a provider differs from another only inside its adapter. */
export interface ProviderAdapter<C extends BaseChannelConfig = BaseChannelConfig> {
  /** How `verify` trusts a webhook, in a few words (shown in a message's trace): header and algorithm. */
  signature: string;
  /**
   * Checks that the request comes from the provider, over the raw bytes. Never throws; a failure
   * says why in `reason` (it is logged, so it must not contain the secret).
   */
  verify(request: WebhookRequest, channel: C): VerifyResult | Promise<VerifyResult>;
  /**
   * Reads a verified webhook. Throws ParleyError (`unsupported_media_type`, `invalid_json`,
   * `invalid_payload`, `invalid_phone_number`) for a request it cannot read.
   */
  parse(request: WebhookRequest, channel: C, path: WebhookPath): WebhookEvent;
  /** Throws SendError. */
  send(message: OutboundRequest, channel: C): Promise<SendResult>;
  /** What to answer once stored; absent means `200 {"ok":true,…}` JSON. */
  answer?: WebhookAnswer;
  /**
   * Query parameters every webhook URL given to this provider must carry, because they are how its
   * webhooks are trusted (smsmode signs nothing: its URLs carry the channel's secret `token`). Their
   * values are secrets: `parley channels` masks them unless asked, and they are left out wherever
   * Parley keeps a webhook's URL, such as an unreadable webhook kept for replay.
   */
  webhookUrlParams?(channel: C): Record<string, string>;
}
