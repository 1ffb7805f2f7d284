import type { ChannelConfig } from '../config.js';
import type { OutboundStatus } from '../core/message-status.js';

/** A webhook request as the adapter sees it: raw bytes first, since signatures cover them. */
export interface WebhookRequest {
  method: string;
  /** Path and query as received, e.g. `/hooks/main/inbound?x=1`. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  contentType: string | null;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** An inbound message in Parley's one internal model, numbers already in E.164. */
export interface InboundMessage {
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
  providerMessageId: string;
  /** When the provider says it received the message (ms), if it says. */
  providerTime: number | null;
}

/** A delivery receipt in Parley's status set, with the provider's own words kept. */
export interface StatusReceipt {
  providerMessageId: string;
  status: OutboundStatus;
  providerStatus: string;
  errorCode: string | null;
  providerTime: number | null;
}

export interface OutboundRequest {
  /** Parley's message id; providers that support it use it as an idempotency key. */
  id: string;
  from: string;
  to: string;
  body: string;
}

export interface SendResult {
  providerMessageId: string;
  status: OutboundStatus;
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
  | 'invalid_response'; // 2xx without what we need (e.g. no message id)

const retryableKinds: ReadonlySet<SendErrorKind> = new Set(['connection', 'throttled', 'provider_unavailable']);

export class SendError extends Error {
  override name = 'SendError';
  readonly retryable: boolean;
  constructor(
    readonly kind: SendErrorKind,
    message: string,
    readonly providerCode: string | null = null,
  ) {
    super(message);
    this.retryable = retryableKinds.has(kind);
  }
}

/** The same verbs for every provider; a provider differs from another only inside its adapter. */
export interface ProviderAdapter<C extends ChannelConfig = ChannelConfig> {
  verify(request: WebhookRequest, channel: C, secret: string): VerifyResult;
  /** Throws ParleyError (`unsupported_media_type`, `invalid_json`, `invalid_payload`, `invalid_phone_number`). */
  parseInbound(request: WebhookRequest, channel: C): InboundMessage;
  parseStatus(request: WebhookRequest, channel: C): StatusReceipt;
  /** Throws SendError. */
  send(message: OutboundRequest, channel: C): Promise<SendResult>;
}
