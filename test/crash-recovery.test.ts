import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { request } from 'undici';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { genericChannel, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// What a crash leaves behind, and what the next start makes of it. The dead process is played by
// the database itself: its send job left `running`, leased to a worker that no longer exists, and,
// for a send that may have reached the provider, its message left in `sending`.

forEachStore('after a crash', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley | undefined;

  beforeEach(async () => {
    store = await stores.open();
    provider = await new FakeProvider().start();
  });
  afterEach(async () => {
    await parley?.close();
    parley = undefined;
    await store.close();
    await provider.stop();
  });

  /**
   * Queues a text with no worker running, then leaves its job as a killed process would: leased
   * for another minute on SQLite (a restart must not wait for it), already expired on PostgreSQL
   * (where other instances may be alive, expiry is what says the process is gone).
   */
  async function crashedSend(messageStatus: 'queued' | 'sending'): Promise<string> {
    parley = await startTestParley(store, provider.url, {}, { work: false });
    const queued = await parley.api('POST', '/v1/messages', { to: '+15557650001', body: 'Your table is ready' });
    assert.equal(queued.status, 202);
    await parley.close();
    parley = undefined;
    const lockedUntil = stores.dialect === 'sqlite' ? Date.now() + 60_000 : Date.now() - 1;
    await store.db
      .updateTable('jobs')
      .set({ state: 'running', locked_by: 'dead-host:4242:w', locked_until: lockedUntil, attempts: 1 })
      .execute();
    await store.db.updateTable('messages').set({ status: messageStatus }).where('id', '=', queued.body.id).execute();
    return queued.body.id as string;
  }

  const scrape = async (p: TestParley) => (await request(`${p.base}/metrics`)).body.text();
  const events = async (id: string) =>
    (await store.db.selectFrom('events').select(['type', 'data']).where('message_id', '=', id).orderBy('id').execute()).map((e) => ({
      type: e.type,
      data: JSON.parse(e.data) as Record<string, unknown>,
    }));

  it('runs the jobs the dead process held at once, without waiting for their lease', async () => {
    const id = await crashedSend('queued');
    const started = Date.now();
    parley = await startTestParley(store, provider.url);
    const p = parley;
    await p.until(async () => (await p.api('GET', `/v1/messages/${id}`)).body.status === 'sent', 5_000);
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(
      provider.sends.map((s) => s.id),
      [id],
    );
    // It never reached `sending` before the crash: nothing about it is unknown.
    assert.equal((await events(id)).filter((e) => e.type === 'message.unknown_outcome').length, 0);
    assert.doesNotMatch(await scrape(p), /parley_sends_unknown_outcome_total\{/);
  });

  it('resends a send cut short mid-call (on_unknown_outcome: resend, the default), and records and counts it', async () => {
    const id = await crashedSend('sending');
    parley = await startTestParley(store, provider.url);
    const p = parley;
    await p.until(async () => (await p.api('GET', `/v1/messages/${id}`)).body.status === 'sent', 5_000);
    assert.deepEqual(
      provider.sends.map((s) => s.id),
      [id],
      'sent again, under the same Parley id',
    );
    const trace = await events(id);
    assert.deepEqual(
      trace.filter((e) => e.type === 'message.unknown_outcome').map((e) => e.data),
      [{ message_id: id, channel: 'main', to: '+15557650001', action: 'resend' }],
    );
    assert.match(await scrape(p), /parley_sends_unknown_outcome_total\{channel="main",action="resend"\} 1/);
  });

  it('fails a send cut short mid-call when the channel says on_unknown_outcome: fail, and tells the business', async () => {
    const id = await crashedSend('sending');
    parley = await startTestParley(store, provider.url, { channels: [genericChannel(provider.url, { on_unknown_outcome: 'fail' })] });
    const p = parley;
    const failed = await p.until(async () => {
      const res = await p.api('GET', `/v1/messages/${id}`);
      return res.body.status === 'failed' ? res.body : null;
    }, 5_000);
    assert.equal(failed.error_code, 'unknown_outcome');
    assert.equal(provider.sends.length, 0, 'not sent again');
    const trace = await events(id);
    assert.deepEqual(
      trace.map((e) => e.type),
      ['message.unknown_outcome', 'message.status'],
    );
    assert.equal(trace[0]!.data.action, 'fail');
    assert.deepEqual(trace[1]!.data, {
      message_id: id,
      status: 'failed',
      previous_status: 'sending',
      provider_status: null,
      error_code: 'unknown_outcome',
    });
    assert.match(await scrape(p), /parley_sends_unknown_outcome_total\{channel="main",action="fail"\} 1/);
    assert.equal((await store.db.selectFrom('jobs').select('id').execute()).length, 0);
  });

  it('resends without alarm a send whose last attempt failed knowingly (a provider outage), though it is still `sending`', async () => {
    provider.script.push({ status: 503 });
    parley = await startTestParley(store, provider.url);
    const p = parley;
    const queued = await p.api('POST', '/v1/messages', { to: '+15557650002', body: 'Second try' });
    await p.until(async () => (await p.api('GET', `/v1/messages/${queued.body.id}`)).body.status === 'sent', 5_000);
    assert.equal((await events(queued.body.id)).filter((e) => e.type === 'message.unknown_outcome').length, 0);
    assert.doesNotMatch(await scrape(p), /parley_sends_unknown_outcome_total\{/);
  });
});
