import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { request } from 'undici';
import { enqueue } from '../src/queue/enqueue.js';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// /metrics and /readyz say what is true: counts move with what happened, queue figures come from
// the shared queue, and a queue nobody works is reported as not ready.

/** The value of one sample line, e.g. `parley_sends_total{channel="main",outcome="accepted"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((w) => present.includes(w))) return Number(match[3]);
  }
  return undefined;
}

forEachStore('metrics and health', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  beforeEach(async () => {
    store = await stores.open();
    provider = await new FakeProvider().start();
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
    await provider.stop();
  });

  const scrape = async () => {
    const res = await request(`${parley.base}/metrics`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    return res.body.text();
  };

  it('serves /metrics without a token only to a direct request from this machine', async () => {
    const status = async (headers: Record<string, string> = {}) => {
      const res = await request(`${parley.base}/metrics`, { headers });
      const body = await res.body.text();
      return res.statusCode === 200 ? 200 : [res.statusCode, (JSON.parse(body) as { error: { code: string } }).error.code];
    };
    parley = await startTestParley(store, provider.url);
    assert.equal(await status(), 200);
    // A proxy on this machine connects from loopback too: its forwarding headers give it away.
    assert.deepEqual(await status({ 'x-forwarded-for': '203.0.113.9' }), [401, 'unauthorized']);
    assert.deepEqual(await status({ forwarded: 'for=203.0.113.9' }), [401, 'unauthorized']);
    await parley.close();

    // Behind a declared proxy, loopback proves nothing.
    parley = await startTestParley(store, provider.url, { server: { port: 0, host: '127.0.0.1', trust_proxy: true } });
    assert.deepEqual(await status(), [401, 'unauthorized']);
    await parley.close();

    // With a token, every scrape carries it, from anywhere.
    const token = 'metrics-token-0123456789abcdef';
    parley = await startTestParley(store, provider.url, { metrics: { token } });
    assert.deepEqual(await status(), [401, 'unauthorized']);
    assert.deepEqual(await status({ authorization: `Bearer ${token}x` }), [401, 'unauthorized']);
    assert.deepEqual(await status({ authorization: 'Bearer short' }), [401, 'unauthorized']);
    assert.equal(await status({ authorization: `Bearer ${token}` }), 200);
    assert.equal(await status({ authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.9' }), 200);
  });

  it('counts webhooks by outcome, ingest latency, sends and signature failures', async () => {
    parley = await startTestParley(store, provider.url);
    const payload = inbound('+15556008001', 'Hello');
    await parley.webhook('inbound', payload);
    await parley.webhook('inbound', payload);
    await parley.webhook('inbound', inbound('+15556008001', 'forged'), { signature: 'bad' });
    await parley.until(async () => provider.sends.length === 1);
    await parley.until(async () => (await store.db.selectFrom('jobs').select('id').execute()).length === 0);

    const text = await scrape();
    assert.equal(sample(text, 'parley_webhooks_total', { channel: 'main', outcome: 'stored' }), 1);
    assert.equal(sample(text, 'parley_webhooks_total', { channel: 'main', outcome: 'duplicate' }), 1);
    assert.equal(sample(text, 'parley_webhooks_total', { channel: 'main', outcome: 'rejected' }), 1);
    assert.equal(sample(text, 'parley_webhook_signature_failures_total', { channel: 'main', mode: 'enforce' }), 1);
    assert.equal(sample(text, 'parley_ingest_duration_seconds_count', { kind: 'inbound' }), 2);
    assert.equal(sample(text, 'parley_sends_total', { channel: 'main', outcome: 'accepted' }), 1);
    assert.equal(sample(text, 'parley_queue_oldest_due_seconds'), 0);
    assert.ok((sample(text, 'parley_process_resident_memory_bytes') ?? 0) > 0);
  });

  it('reports queue depth and a stuck queue: /readyz turns 503 when due jobs wait with no worker', async () => {
    parley = await startTestParley(store, provider.url, {}, { work: false });
    assert.equal((await request(`${parley.base}/readyz`)).statusCode, 200);
    const longAgo = Date.now() - 10 * 60_000;
    await store.write((trx) => enqueue(trx, 'message.send', { messageId: 'msg_none' }, { now: longAgo, runAt: longAgo }));

    const text = await scrape();
    assert.equal(sample(text, 'parley_queue_jobs', { kind: 'message.send', state: 'pending' }), 1);
    assert.ok(sample(text, 'parley_queue_oldest_due_seconds')! >= 599);
    const ready = await request(`${parley.base}/readyz`);
    assert.equal(ready.statusCode, 503);
    assert.equal(((await ready.body.json()) as { status: string }).status, 'queue_stuck');
  });
});
