import type { IncomingHttpHeaders } from 'node:http';

// What the end-to-end provider test (test/providers-e2e.test.ts) needs from each provider: its
// channel block, webhooks signed the way the provider signs them, and a stand-in for its send API.
// Each provider folder's test-kit.ts implements it; test kits are not part of the build.

export interface SignedRequest {
  method: 'GET' | 'POST';
  /** The full URL to call, query included. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface StandInSend {
  to: string;
  body: string;
  providerMessageId: string;
  /** The per-message status callback URL the request carried, if the provider takes one. */
  statusUrl: string | null;
}

export interface ProviderTestKit {
  provider: string;
  /** Which of the channel's hook URLs the provider sends inbound messages and receipts to. */
  inboundPath: 'inbound' | 'events';
  statusPath: 'status' | 'events';
  /**
   * False for schemes whose signature does not cover the body (httpSMS's JWT): the end-to-end test
   * then proves a request without its credential is refused, instead of a tampered one.
   */
  signsBody?: boolean;
  /**
   * The same request without its credential, for providers whose credential is neither the body's
   * signature nor an Authorization header (smsmode's token in the URL). The end-to-end test sends
   * it and expects a refusal.
   */
  unauthenticated?(request: SignedRequest): SignedRequest;
  /** Work the kit must do before signing for these URLs (e.g. minting a JWT for each), if any. */
  prepare?(urls: string[]): Promise<void>;
  /** The channel's parley.yaml block (credentials made up), sending to `apiUrl` and reached at `publicUrl`. */
  channel(name: string, number: string, apiUrl: string, publicUrl: string): Record<string, unknown>;
  /** An inbound message as the provider would deliver it to `url`, signed. */
  inbound(message: { from: string; to: string; body: string; id: string }, url: string): SignedRequest;
  /** A delivery receipt for a message the stand-in accepted, as the provider would deliver it to `url`, signed. */
  status(receipt: { providerMessageId: string; from: string; to: string; delivered: boolean }, url: string): SignedRequest;
  /**
   * The stand-in send API: checks the request's auth and fields the way the provider's API does,
   * and answers as it would. `sent` is set when the message was accepted.
   */
  answerSend(request: { method: string; path: string; headers: IncomingHttpHeaders; body: string }): {
    status: number;
    contentType: string;
    body: string;
    sent?: StandInSend;
  };
}
