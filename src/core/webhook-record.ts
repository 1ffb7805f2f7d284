import { redactHeaders, redactUrl } from './redact.js';

// What Parley keeps of how a webhook came, for the message's trace: the request line, the headers
// and the signature's outcome. It is built once, when the webhook arrives, with every credential
// already replaced, so no secret ever reaches the database, a spool file or a page.

export interface SignatureOutcome {
  /** How the provider signs (the adapter's `signature`). */
  scheme: string;
  /** The channel's `verify`: `monitor` accepts a webhook whose check failed. */
  mode: 'enforce' | 'monitor';
  verified: boolean;
  /** Why the check failed (accepted in `monitor` mode only). */
  reason?: string;
}

export interface WebhookRequestRecord {
  method: string;
  /** Path and query as received, secret query values replaced. */
  url: string;
  headers: Record<string, string>;
  provider: string;
  signature: SignatureOutcome;
  /** When the request arrived (ms), before it was verified and stored. */
  arrived_at: number;
  /** The request's id, as on its log lines and in its X-Request-Id answer: a log line leads here. */
  request_id?: string;
  /** Set when the webhook was kept unreadable and replayed later: its headers were not kept then. */
  replayed_at?: number;
}

export interface ArrivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  receivedAt: number;
  /** The HTTP request's id (http/request-log.ts). */
  requestId?: string;
}

/** The record of `request`, with the headers and query values that authenticate it replaced. */
export function webhookRecord(
  request: ArrivedRequest,
  provider: string,
  signature: SignatureOutcome,
  /** Query parameters whose values are the channel's secrets whatever their names (smsmode's `token`). */
  secretParams: readonly string[] = [],
): WebhookRequestRecord {
  return {
    method: request.method,
    url: redactUrl(request.url, secretParams),
    headers: redactHeaders(request.headers),
    provider,
    signature,
    arrived_at: request.receivedAt,
    ...(request.requestId ? { request_id: request.requestId } : {}),
  };
}
