import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { webhooks } from './api-types.js';

/** Each event type with its payload, as the OpenAPI document's `webhooks` describe them. */
export type ParleyEvents = {
  [Type in keyof webhooks]: webhooks[Type]['post']['requestBody']['content']['application/json'];
};
export type ParleyEventType = keyof ParleyEvents;
/** Any event Parley sends; `type` tells which (a discriminated union). */
export type ParleyEvent = ParleyEvents[ParleyEventType];

/** The request headers Parley signs with (Standard Webhooks). */
type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

export class InvalidWebhookSignature extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWebhookSignature';
  }
}

export interface ParleyReceiver {
  /**
   * The event of a delivery, once its signature holds over the exact bytes received; throws
   * InvalidWebhookSignature otherwise (answer 401, and do not act on it). Verify the raw body,
   * before any JSON parsing: a re-serialized body no longer matches.
   */
  verify(rawBody: string | Uint8Array, headers: Headers): ParleyEvent;
}

function header(headers: Headers, name: string): string {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? '';
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/**
 * A receiver for the endpoint's secret (`whsec_…`, shown when the endpoint was registered or its
 * secret rotated). During a rotation Parley signs with both secrets, so the new one verifies at once.
 */
export function createReceiver(secret: string): ParleyReceiver {
  const webhook = new Webhook(secret);
  return {
    verify(rawBody, headers) {
      const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
      try {
        return webhook.verify(body, {
          'webhook-id': header(headers, 'webhook-id'),
          'webhook-timestamp': header(headers, 'webhook-timestamp'),
          'webhook-signature': header(headers, 'webhook-signature'),
        }) as ParleyEvent;
      } catch (error) {
        if (error instanceof WebhookVerificationError) throw new InvalidWebhookSignature(error.message);
        throw error;
      }
    },
  };
}
