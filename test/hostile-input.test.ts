import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { hmacSha256Hex } from '../src/providers/hmac.js';
import type { Store } from '../src/store/database.js';
import { apiKey, businessNumber, genericChannel, genericSecret, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Hostile input changes nothing: malformed, truncated, huge, deeply nested, wrongly encoded, wrongly
// typed and wrongly signed requests at every public route each get a 4xx JSON error — never a 5xx,
// never a crash — and the database is the same afterwards, row for row. The one exception is by
// design: a correctly signed webhook Parley cannot read is kept in unreadable_webhooks for replay,
// and only such a one.

const tables = [
  'messages',
  'broadcasts',
  'broadcast_recipients',
  'webhook_receipts',
  'status_receipts',
  'inbound_parts',
  'inbound_part_sets',
  'events',
  'jobs',
  'contacts',
  'conversations',
  'suppressions',
  'consent_changes',
  'endpoints',
  'deliveries',
  'delivery_attempts',
  'templates',
  'idempotency_keys',
] as const;

async function unreadableCount(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom('unreadable_webhooks')
    .select(sql<number | string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function rowCounts(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await store.db
      .selectFrom(table)
      .select(sql<number | string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

// Weighted towards what gets past the first checks, so parsing and validation are exercised too.
const contentTypes = fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 4, arbitrary: otherContentTypes() });

function otherContentTypes() {
  return fc.constantFrom(
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/xml',
    '',
    '\u0000',
    'application/vnd.api+json',
  );
}

const validInbound = { from: '+15551234567', to: businessNumber, body: 'Hello', message_id: 'fuzz-1', timestamp: '2026-11-23T10:00:00Z' };

/** Text with a NUL character somewhere: PostgreSQL cannot store it, SQLite can; both must refuse it alike. */
const nulText = fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([before, after]) => `${before}\u0000${after}`);

/** Numbers past what a bigint column holds, or any sane time. */
const outOfRange = fc.constantFrom(1e20, 1e308, -1e20, 2 ** 63, 9.3e18);

/** Bodies that are wrong in one of the ways the wild produces. */
const hostileBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 512 }).map((s) => Buffer.from(s)),
  fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  // Truncated JSON of a real payload.
  fc.nat({ max: JSON.stringify(validInbound).length - 1 }).map((n) => Buffer.from(JSON.stringify(validInbound).slice(0, n))),
  // A real payload with one field of the wrong type, missing, or unreadable.
  fc
    .tuple(
      fc.constantFrom('from', 'to', 'body', 'message_id', 'media_urls', 'part', 'timestamp'),
      fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string(), { maxLength: 3 }),
        fc.object({ maxDepth: 2 }),
        fc.constant(undefined),
      ),
    )
    .map(([field, value]) => {
      const payload: Record<string, unknown> = { ...validInbound, [field]: value };
      // Some substitutions would still be valid (e.g. timestamp: null); make each one surely wrong.
      if (field === 'timestamp' || field === 'media_urls' || field === 'part') payload.from = 'front desk';
      return Buffer.from(JSON.stringify(payload));
    }),
  // A real payload, or a send, with a NUL in a text field or a key.
  fc
    .tuple(fc.constantFrom('from', 'to', 'body', 'message_id'), nulText)
    .map(([field, text]) => Buffer.from(JSON.stringify({ ...validInbound, [field]: text }))),
  nulText.map((text) => Buffer.from(JSON.stringify({ ...validInbound, part: { reference: text, index: 1, total: 2 } }))),
  nulText.map((text) => Buffer.from(JSON.stringify({ to: '+15551234567', body: text }))),
  nulText.map((key) => Buffer.from(JSON.stringify({ ...validInbound, from: 'front desk', [key]: 1 }))),
  // Out-of-range numbers where numbers go (the sender is made wrong too, so none of these is valid).
  fc
    .tuple(fc.constantFrom('timestamp', 'part', 'limit', 'rate_limit'), outOfRange)
    .map(([field, n]) =>
      Buffer.from(
        JSON.stringify({ ...validInbound, from: 'front desk', [field]: field === 'part' ? { reference: 'r', index: n, total: n } : n }),
      ),
    ),
  // Deeply nested, and not UTF-8.
  fc.integer({ min: 1_000, max: 20_000 }).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))),
  fc.constant(Buffer.from([0x7b, 0x22, 0x66, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
  // Over the body limit (64 KiB in these tests).
  fc.integer({ min: 65 * 1024, max: 80 * 1024 }).map((size) => Buffer.alloc(size, 0x61)),
);

const signature = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string>('valid') },
  fc.constant('none'),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
  fc.string({ maxLength: 100 }),
);

function isErrorBody(text: string): boolean {
  try {
    const value = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof value.error?.code === 'string' && typeof value.error.message === 'string';
  } catch {
    return false;
  }
}

forEachStore('hostile input', (stores) => {
  let store: Store;
  let parley: TestParley;

  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, 'http://127.0.0.1:9/send', {
      channels: [
        genericChannel('http://127.0.0.1:9/send'),
        {
          name: 'tw',
          provider: 'twilio',
          numbers: ['+18005550199'],
          account_sid: `AC${'a'.repeat(32)}`,
          auth_token: 'twilio-token-0123456789abcdef',
        },
      ],
    });
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  it('webhooks: every hostile request is a 4xx JSON error, and nothing is stored but signed unreadable ones, kept', async () => {
    const before = await rowCounts(store);
    const unreadableBefore = await unreadableCount(store);
    let signedUnreadable = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 6, arbitrary: fc.constant('POST') }, fc.constantFrom('GET', 'PUT')),
        fc.oneof({ weight: 6, arbitrary: fc.constant('main') }, fc.constantFrom('tw', 'sim', 'nope'), fc.string({ maxLength: 30 })),
        fc.oneof({ weight: 6, arbitrary: fc.constantFrom('inbound', 'status', 'events') }, fc.string({ maxLength: 20 })),
        contentTypes,
        hostileBody,
        signature,
        async (method, channel, path, contentType, body, sig) => {
          const headers: Record<string, string> = {};
          if (contentType !== '') headers['content-type'] = contentType;
          if (sig === 'valid') headers['x-signature'] = hmacSha256Hex(genericSecret, body);
          else if (sig !== 'none') headers['x-signature'] = sig;
          const res = await parley.app.inject({
            method: method as 'POST',
            url: `/hooks/${encodeURIComponent(channel)}/${encodeURIComponent(path)}?${encodeURIComponent(path)}=1`,
            headers,
            ...(method === 'GET' ? {} : { payload: body }),
          });
          assert.ok(
            res.statusCode >= 400 && res.statusCode < 500,
            `${method} ${channel}/${path} answered ${res.statusCode}: ${res.body.slice(0, 200)}`,
          );
          assert.ok(isErrorBody(res.body), `not a JSON error: ${res.body.slice(0, 200)}`);
          const reachedParse =
            sig === 'valid' && channel === 'main' && ['inbound', 'status', 'events'].includes(path) && res.statusCode !== 413;
          if (reachedParse) signedUnreadable += 1;
        },
      ),
      { numRuns: 300 },
    );
    assert.deepEqual(await rowCounts(store), before);
    const kept = (await unreadableCount(store)) - unreadableBefore;
    assert.ok(kept <= signedUnreadable, `${kept} unreadable webhooks kept, but only ${signedUnreadable} signed ones reached the parser`);
    const unsigned = await store.db.selectFrom('unreadable_webhooks').select('channel').where('channel', '!=', 'main').execute();
    assert.deepEqual(unsigned, [], 'nothing is kept for a channel whose signature was not met');
  });

  it('API: garbage bodies, ids and credentials at every route never give a 5xx or change anything', async () => {
    const before = await rowCounts(store);
    const routes = [
      'GET /v1/messages/:id',
      'POST /v1/messages',
      'GET /v1/messages',
      'POST /v1/messages/:id/cancel',
      'GET /v1/templates',
      'POST /v1/templates',
      'GET /v1/templates/:id',
      'PUT /v1/templates/:id',
      'DELETE /v1/templates/:id',
      'POST /v1/templates/:id/preview',
      'POST /v1/templates/preview',
      'POST /v1/contacts',
      'PATCH /v1/contacts/:id',
      'GET /v1/contacts',
      'GET /v1/jobs',
      'POST /v1/jobs/:id/retry',
      'GET /v1/conversations',
      'GET /v1/conversations/:id',
      'POST /v1/conversations/:id/messages',
      'POST /v1/conversations/:id/close',
      'GET /v1/contacts/:id',
      'DELETE /v1/contacts/:id',
      'GET /v1/opt-outs',
      'POST /v1/opt-outs',
      'DELETE /v1/opt-outs/:id',
      'GET /v1/analytics/replies',
      'GET /v1/event-types',
      'POST /v1/endpoints',
      'GET /v1/endpoints/:id',
      'PATCH /v1/endpoints/:id',
      'DELETE /v1/endpoints/:id',
      'POST /v1/endpoints/:id/rotate-secret',
      'GET /v1/endpoints/:id/deliveries',
      'POST /v1/endpoints/:id/recover',
      'GET /v1/deliveries/:id/attempts',
      'POST /v1/deliveries/:id/retry',
      'GET /v1/unreadable-webhooks',
      'GET /v1/unreadable-webhooks/:id',
      'POST /v1/unreadable-webhooks/:id/replay',
      'DELETE /v1/unreadable-webhooks/:id',
      'POST /v1/broadcasts',
      'GET /v1/broadcasts',
      'GET /v1/broadcasts/:id',
      'POST /v1/broadcasts/:id/pause',
      'POST /v1/broadcasts/:id/resume',
      'POST /v1/broadcasts/:id/cancel',
    ];
    const auth = fc.oneof(
      { weight: 8, arbitrary: fc.constant(`Bearer ${apiKey}`) },
      fc.constant(''),
      fc.constant('Bearer '),
      fc.string({ maxLength: 60 }),
      fc.constant(`Basic ${apiKey}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.string({ maxLength: 40 }),
          nulText,
          fc.constantFrom('..', '%00', '\u0000', 'msg_\u0000', 'msg_', '-1', '9'.repeat(30), '1e308'),
        ),
        fc.oneof(
          fc.constant(''),
          fc.string({ maxLength: 40 }).map((q) => `?${q}`),
          fc.constantFrom(
            '?limit=-1',
            '?limit=abc',
            '?limit=1e308',
            '?status=__proto__',
            '?state=dead&state=x',
            '?channel=%00',
            '?contact=a%00',
          ),
        ),
        auth,
        contentTypes,
        hostileBody,
        async (route, id, query, authorization, contentType, body) => {
          const [method, path] = route.split(' ') as [string, string];
          const headers: Record<string, string> = { authorization };
          if (contentType !== '') headers['content-type'] = contentType;
          const res = await parley.app.inject({
            method: method as 'POST',
            url: path.replace(':id', encodeURIComponent(id)) + query,
            headers,
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload: body }),
          });
          assert.ok(res.statusCode < 500, `${route} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
          if (method !== 'GET') assert.ok(res.statusCode >= 400, `${route} accepted garbage: ${res.statusCode} ${res.body.slice(0, 200)}`);
          if (res.statusCode >= 400) assert.ok(isErrorBody(res.body), `not a JSON error: ${res.body.slice(0, 200)}`);
        },
      ),
      { numRuns: 300 },
    );
    assert.deepEqual(await rowCounts(store), before);
  });
});
