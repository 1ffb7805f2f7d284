import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Webhook } from 'standardwebhooks';
import { envelopeSchema, eventCatalog } from '../src/events/catalog.js';
import { withEventTable } from '../src/events/catalog-doc.js';
import { eventTypes, type EventType } from '../src/events/events.js';
import type { Store } from '../src/store/database.js';
import { FakeEndpoint } from './helpers/fake-endpoint.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// The published catalog is what receivers code against: every example must satisfy its schema,
// and every event Parley really sends must too.

const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validators = new Map(eventTypes.map((type) => [type, ajv.compile(envelopeSchema(type))]));

function check(body: unknown): void {
  const type = (body as { type: EventType }).type;
  const validate = validators.get(type);
  assert.ok(validate, `no schema for ${type}`);
  assert.ok(validate(body), `${type}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}

it("docs/webhooks.md's event table is the catalog's (npm run docs:events writes it)", () => {
  const doc = readFileSync('docs/webhooks.md', 'utf8');
  assert.equal(doc, withEventTable(doc), 'docs/webhooks.md differs from src/events/catalog.ts: run npm run docs:events');
  for (const type of eventTypes) assert.ok(doc.includes(`| \`${type}\` |`), `${type} has no row`);
});

it('every example in the catalog satisfies its own schema', () => {
  for (const type of eventTypes) {
    check({ id: 'evt_01KAQ3FD0000000000000000DD', type, timestamp: '2026-11-23T09:30:00.000Z', data: eventCatalog[type].example });
  }
});

it('a schema refuses what a receiver must not get: a missing field, an extra one, a wrong type', () => {
  const validate = validators.get('message.status')!;
  const good = { id: 'evt_1', type: 'message.status', timestamp: '2026-11-23T09:30:00.000Z', data: eventCatalog['message.status'].example };
  assert.equal(validate(good), true);
  assert.equal(validate({ ...good, data: { ...good.data, status: 'teleported' } }), false);
  assert.equal(validate({ ...good, data: { ...good.data, extra: 1 } }), false);
  const { error_code: _dropped, ...missing } = good.data;
  assert.equal(validate({ ...good, data: missing }), false);
  assert.equal(validate({ ...good, type: 'message.sent' }), false);
});

forEachStore('events as sent', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let endpoint: FakeEndpoint;
  let parley: TestParley;

  beforeEach(async () => {
    store = await stores.open();
    provider = await new FakeProvider().start();
    endpoint = await new FakeEndpoint().start();
    parley = await startTestParley(store, provider.url, {
      webhooks: { allow_private_destinations: true },
      automation: { rules: [{ name: 'confirm', intent: 'confirm', reply: 'Thanks, you are confirmed!', event: 'confirmed' }] },
    });
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
    await provider.stop();
    await endpoint.stop();
  });

  it('match the published schemas, and GET /v1/event-types serves the catalog', async () => {
    const registered = (await parley.api('POST', '/v1/endpoints', { url: endpoint.url })).body as { id: string; secret: string };
    const from = '+15556007001';
    for (const text of ['Can I bring my kid?', 'yes', 'STOP', 'START']) {
      await parley.webhook('inbound', inbound(from, text));
      await parley.until(async () => (await store.db.selectFrom('jobs').select('id').execute()).length === 0);
    }
    const conversation = (await parley.api('GET', '/v1/conversations?status=needs_human')).body.data[0];
    assert.equal((await parley.api('POST', `/v1/conversations/${conversation.id}/close`)).status, 200);
    const outbound = await store.db
      .selectFrom('messages')
      .select('provider_message_id')
      .where('direction', '=', 'outbound')
      .executeTakeFirstOrThrow();
    await parley.webhook('status', { message_id: outbound.provider_message_id, status: 'delivered' });

    const expected: EventType[] = [
      'message.received',
      'message.sent',
      'message.status',
      'conversation.needs_human',
      'conversation.closed',
      'contact.opted_out',
      'contact.opted_in',
      'rule.matched',
    ];
    const stored = await parley.until(async () => {
      const rows = await store.db.selectFrom('events').select('type').execute();
      return expected.every((t) => rows.some((r) => r.type === t)) && rows;
    });
    await parley.until(async () => endpoint.received.length >= stored.length);
    const receiver = new Webhook(registered.secret);
    for (const request of endpoint.received) check(receiver.verify(request.body, request.headers as Record<string, string>));

    const catalog = (await parley.api('GET', '/v1/event-types')).body;
    assert.equal(catalog.version, 1);
    assert.deepEqual(
      catalog.data.map((e: { type: string }) => e.type),
      [...eventTypes],
    );
  });
});
