import { request } from 'undici';
import { configFromObject } from '../../src/config.js';
import { hmacSha256Hex } from '../../src/providers/hmac.js';
import { startParley, type Parley } from '../../src/server.js';
import type { Store } from '../../src/store/database.js';
import { testLog } from './log.js';

export const apiKey = 'test-api-key-0123456789';
export const genericSecret = 'generic-channel-secret-0123456789';
export const businessNumber = '+18005550100';

export interface TestParley extends Parley {
  base: string;
  /** POSTs a webhook to /hooks/:channel/:kind, signed with the generic channel's secret unless told otherwise. */
  webhook(kind: 'inbound' | 'status' | 'events', payload: unknown, options?: WebhookOptions): Promise<{ status: number; body: any }>;
  api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }>;
  /** Waits until `check` returns a truthy value (the worker runs asynchronously). */
  until<T>(check: () => Promise<T | undefined | null | false>, timeoutMs?: number): Promise<T>;
}

export interface WebhookOptions {
  channel?: string;
  /** Appended to the URL, e.g. `?parley_id=msg_…`. */
  query?: string;
  signature?: string | null;
  contentType?: string;
  raw?: string | Buffer;
}

/** The test's generic channel, for tests that configure it further. */
export function genericChannel(sendUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'main',
    provider: 'generic',
    numbers: [businessNumber],
    secret: genericSecret,
    send_url: sendUrl,
    send_timeout: '2s',
    ...extra,
  };
}

/** Starts a real Parley on a random port with one generic channel sending to `sendUrl`. */
export async function startTestParley(
  store: Store,
  sendUrl: string,
  overrides: Record<string, unknown> = {},
  options: { work?: boolean } = {},
): Promise<TestParley> {
  const config = configFromObject(
    {
      server: { port: 0, host: '127.0.0.1', body_limit: 64 * 1024 },
      api_key: apiKey,
      channels: [genericChannel(sendUrl)],
      queue: { poll_interval: '20ms', retry_base: '20ms', retry_max: '100ms', max_attempts: 4 },
      ...overrides,
    },
    { env: {} },
  );
  const parley = await startParley(config, {
    log: testLog,
    listen: true,
    store,
    shutdownGraceMs: 2_000,
    work: options.work ?? true,
    // Every answer of a test Parley is checked against its route's response schema (http/response-check.ts).
    checkResponses: true,
  });
  const base = parley.url!;
  return {
    ...parley,
    base,
    async webhook(kind, payload, options = {}) {
      const raw = options.raw ?? JSON.stringify(payload);
      const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
      const signature = options.signature === undefined ? hmacSha256Hex(genericSecret, raw) : options.signature;
      if (signature !== null) headers['x-signature'] = signature;
      const res = await request(`${base}/hooks/${options.channel ?? 'main'}/${kind}${options.query ?? ''}`, {
        method: 'POST',
        headers,
        body: raw,
      });
      return { status: res.statusCode, body: await res.body.json() };
    },
    async api(method, path, body, key = apiKey) {
      const res = await request(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.statusCode, body: await res.body.json() };
    },
    async until(check, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 15));
      }
    },
  };
}

let sequence = 0;
/** A generic inbound payload with a fresh provider message id. */
export function inbound(from: string, body: string, extra: Record<string, unknown> = {}) {
  return {
    from,
    to: businessNumber,
    body,
    message_id: `in-${process.pid}-${Date.now()}-${++sequence}`,
    timestamp: new Date().toISOString(),
    ...extra,
  };
}
