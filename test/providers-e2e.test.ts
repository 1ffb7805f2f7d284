import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import type { ProviderTestKit, SignedRequest, StandInSend } from '../src/providers/test-kit-contract.js';
import type { Store } from '../src/store/database.js';
import { businessNumber, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Every provider end to end, as it runs in production: the provider's signed inbound webhook over
// HTTP → routing → the reply sent through the provider's API (a local stand-in that checks auth
// and fields) → the provider's signed delivery receipt → the reply is delivered.
// Each provider folder's test-kit.ts says how its provider signs, sends and answers.

const providersDir = new URL('../src/providers/', import.meta.url);
const kits: ProviderTestKit[] = [];
for (const entry of readdirSync(providersDir, { withFileTypes: true })) {
  if (entry.isDirectory() && existsSync(new URL(`${entry.name}/test-kit.ts`, providersDir))) {
    kits.push(((await import(new URL(`${entry.name}/test-kit.ts`, providersDir).href)) as { kit: ProviderTestKit }).kit);
  }
}

/** Providers call the public URL; in the test that is Parley itself behind an imaginary proxy. */
const publicUrl = 'https://sms.example.com';

class StandIn {
  readonly sends: StandInSend[] = [];
  private server: Server | undefined;
  url = '';
  constructor(private readonly kit: ProviderTestKit) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = this.kit.answerSend({
          method: req.method!,
          path: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        if (answer.sent) this.sends.push(answer.sent);
        res.writeHead(answer.status, { 'content-type': answer.contentType });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

async function deliver(parley: TestParley, signed: SignedRequest): Promise<{ status: number; body: string }> {
  const target = signed.url.replace(publicUrl, parley.base);
  const res = await request(target, {
    method: signed.method,
    headers: signed.headers,
    ...(signed.method === 'POST' ? { body: signed.body } : {}),
  });
  return { status: res.statusCode, body: await res.body.text() };
}

forEachStore('providers end to end', (stores) => {
  it('finds a test kit for every provider folder with an adapter', () => {
    const adapters = readdirSync(providersDir, { withFileTypes: true }).filter(
      (e) => e.isDirectory() && existsSync(new URL(`${e.name}/adapter.ts`, providersDir)),
    );
    const withKits = new Set(kits.map((k) => k.provider));
    // generic and sim are exercised by every other test in this folder.
    assert.deepEqual(
      adapters.map((e) => e.name).filter((name) => !withKits.has(name) && name !== 'generic' && name !== 'sim'),
      [],
    );
  });

  for (const kit of kits) {
    describe(kit.provider, () => {
      let store: Store;
      let standIn: StandIn;
      let parley: TestParley;

      before(async () => {
        standIn = new StandIn(kit);
        await standIn.start();
      });
      after(() => standIn.stop());
      beforeEach(async () => {
        await kit.prepare?.([`${publicUrl}/hooks/p/${kit.inboundPath}`, `${publicUrl}/hooks/p/${kit.statusPath}`]);
        store = await stores.open();
        parley = await startTestParley(store, 'http://127.0.0.1:9/unused', {
          channels: [kit.channel('p', businessNumber, standIn.url, publicUrl)],
        });
      });
      afterEach(async () => {
        await parley.close();
        await store.close();
      });

      it('signed inbound → automatic reply through the provider → delivery receipt → delivered', async () => {
        const from = '+15551239876';
        const id = `${kit.provider}-in-${Date.now()}`;
        const inbound = kit.inbound(
          { from, to: businessNumber, body: 'Is my appointment still on?', id },
          `${publicUrl}/hooks/p/${kit.inboundPath}`,
        );
        const accepted = await deliver(parley, inbound);
        assert.ok(accepted.status >= 200 && accepted.status < 300, `inbound answered ${accepted.status}: ${accepted.body}`);
        const again = await deliver(parley, inbound);
        assert.ok(again.status >= 200 && again.status < 300, 'a retry is acknowledged too');

        const sent = await parley.until(async () => standIn.sends.find((s) => s.to === from));
        const stored = await store.db.selectFrom('messages').selectAll().where('direction', '=', 'inbound').execute();
        assert.equal(stored.length, 1, 'the retried webhook is one message');
        assert.deepEqual([stored[0]!.from_number, stored[0]!.body], [from, 'Is my appointment still on?']);
        const reply = await parley.until(async () =>
          store.db
            .selectFrom('messages')
            .selectAll()
            .where('direction', '=', 'outbound')
            .where('provider_message_id', '=', sent.providerMessageId)
            .executeTakeFirst(),
        );
        assert.equal(reply.body, sent.body);
        // The adapter passes the send's `seen` to callProvider: the trace shows what the provider answered.
        const attempt = await parley.until(async () =>
          store.db.selectFrom('send_attempts').select('http_status').where('message_id', '=', reply.id).executeTakeFirst(),
        );
        assert.ok(
          attempt.http_status !== null && attempt.http_status >= 200 && attempt.http_status < 300,
          `http_status ${attempt.http_status}`,
        );

        const receiptUrl = sent.statusUrl ?? `${publicUrl}/hooks/p/${kit.statusPath}`;
        const receipt = await deliver(
          parley,
          kit.status({ providerMessageId: sent.providerMessageId, from: businessNumber, to: from, delivered: true }, receiptUrl),
        );
        assert.ok(receipt.status >= 200 && receipt.status < 300, `receipt answered ${receipt.status}: ${receipt.body}`);
        await parley.until(
          async () =>
            (await store.db.selectFrom('messages').select('status').where('id', '=', reply.id).executeTakeFirstOrThrow()).status ===
            'delivered',
        );
      });

      it('refuses a webhook whose body was changed after signing (or, where the body is not signed, one without its credential), and stores nothing', async () => {
        const inbound = kit.inbound(
          { from: '+15551239875', to: businessNumber, body: 'YES', id: `${kit.provider}-tampered` },
          `${publicUrl}/hooks/p/${kit.inboundPath}`,
        );
        let forged: SignedRequest;
        if (kit.unauthenticated) {
          forged = kit.unauthenticated(inbound);
          assert.notEqual(forged.url, inbound.url, 'the kit took a credential out of the URL');
        } else if (kit.signsBody === false) {
          forged = {
            ...inbound,
            headers: Object.fromEntries(Object.entries(inbound.headers).filter(([name]) => name.toLowerCase() !== 'authorization')),
          };
          assert.notDeepEqual(forged.headers, inbound.headers, 'the kit sent a credential to take away');
        } else {
          forged = { ...inbound, body: inbound.body.replace('YES', 'NO!'), url: inbound.url.replace('YES', 'NO!') };
          assert.notEqual(forged.body + forged.url, inbound.body + inbound.url, 'the kit put the text somewhere');
        }
        const res = await deliver(parley, forged);
        assert.equal(res.status, 401, res.body);
        assert.equal((await store.db.selectFrom('messages').select('id').execute()).length, 0);
      });
    });
  }
});
