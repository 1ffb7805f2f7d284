import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  allPages,
  createParleyClient,
  createReceiver,
  InvalidWebhookSignature,
  type ParleyClient,
} from '../clients/typescript/src/index.js';
import { clientTypes, clientTypesFile } from '../scripts/client-generate.js';
import { openApiDocument } from '../scripts/openapi-document.js';
import type { Store } from '../src/store/database.js';
import { FakeEndpoint } from './helpers/fake-endpoint.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { apiKey, inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// The TypeScript client (clients/typescript/): its committed types match the live document, and it
// works against a real Parley: a send, a paged list, and the receiver verifying a real delivery.

describe('the TypeScript client types', () => {
  it('are what `npm run client:generate` writes from the live document', async () => {
    const committed = readFileSync(clientTypesFile, 'utf8');
    const live = await clientTypes(await openApiDocument());
    assert.ok(committed === live, 'clients/typescript/src/api-types.ts is stale: run `npm run client:generate`');
  });
});

forEachStore('the TypeScript client', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let endpoint: FakeEndpoint;
  let parley: TestParley;
  let client: ParleyClient;

  before(async () => {
    provider = await new FakeProvider().start();
    endpoint = await new FakeEndpoint().start();
    store = await stores.open();
    parley = await startTestParley(store, provider.url, { webhooks: { allow_private_destinations: true } });
    client = createParleyClient({ baseUrl: parley.base, apiKey });
  });
  after(async () => {
    await parley.close();
    await store.close();
    await provider.stop();
    await endpoint.stop();
  });

  it('sends a message', async () => {
    const { data, error, response } = await client.POST('/v1/messages', { body: { to: '+15550123001', body: 'Hello from the client' } });
    assert.equal(response.status, 202, JSON.stringify(error));
    assert.match(data!.id, /^msg_/);
    assert.equal(data!.direction, 'outbound');
    await parley.until(async () => provider.sends.find((s) => JSON.stringify(s).includes('Hello from the client')));
  });

  it('answers an error in the one error shape', async () => {
    const { error, response } = await client.GET('/v1/messages/{id}', { params: { path: { id: 'msg_missing' } } });
    assert.equal(response.status, 404);
    assert.equal(error?.error.code, 'not_found');
  });

  it('lists conversations page by page', async () => {
    const phones = ['+15550124001', '+15550124002', '+15550124003'];
    for (const phone of phones) assert.equal((await parley.webhook('inbound', inbound(phone, 'hi there'))).status, 200);
    await parley.until(async () => {
      const { data } = await client.GET('/v1/conversations', { params: { query: { limit: 500 } } });
      return data && phones.every((phone) => data.data.some((c) => c.contact_phone === phone));
    });
    const seen: string[] = [];
    let pages = 0;
    for await (const conversation of allPages((cursor) => {
      pages++;
      return client.GET('/v1/conversations', { params: { query: { limit: 1, ...(cursor ? { cursor } : {}) } } });
    })) {
      seen.push(conversation.contact_phone);
    }
    assert.deepEqual([...seen].sort(), [...new Set(seen)].sort(), 'no conversation twice');
    for (const phone of phones) assert.ok(seen.includes(phone), phone);
    assert.ok(pages >= 3);
  });

  it('verifies a real delivery with the receiver, and refuses a tampered one', async () => {
    const { data: registered } = await client.POST('/v1/endpoints', { body: { url: endpoint.url, events: ['message.received'] } });
    assert.ok(registered);
    const receiver = createReceiver(registered.secret);
    assert.equal((await parley.webhook('inbound', inbound('+15550125001', 'hello receiver'))).status, 200);
    const delivery = await parley.until(async () => endpoint.received.find((r) => r.body.includes('hello receiver')));

    const event = receiver.verify(delivery.body, delivery.headers);
    assert.equal(event.type, 'message.received');
    if (event.type === 'message.received') {
      // The union narrows on type: data is the received message's shape.
      assert.equal(event.data.body, 'hello receiver');
      assert.equal(event.data.from, '+15550125001');
    }

    assert.throws(
      () => receiver.verify(delivery.body.replace('hello receiver', 'hello forger'), delivery.headers),
      InvalidWebhookSignature,
    );
    assert.throws(
      () => createReceiver(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(delivery.body, delivery.headers),
      InvalidWebhookSignature,
    );
  });
});
