import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import type { Store } from '../../src/store/database.js';
import { inbound, startTestParley, type TestParley } from '../helpers/parley.js';
import { forEachStore } from '../helpers/stores.js';

// Promise 7, dependencies fail loudly: with the provider's send API unreachable, sends are
// retried with backoff, ingest keeps answering meanwhile, and after the last try the message is
// failed for all to see, with a message.status event saying so.

forEachStore('a provider that is down', (stores) => {
  let store: Store;
  let parley: TestParley;

  beforeEach(async () => {
    store = await stores.open();
    // Nothing listens on port 9: every send attempt is a refused connection.
    // No automatic acknowledgments: the one send counted is the API's.
    parley = await startTestParley(store, 'http://127.0.0.1:9/send', { automation: { acknowledgment: { enabled: false } } });
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  it('retries, keeps ingest answering, then fails the message visibly with an event', async () => {
    const res = await parley.api('POST', '/v1/messages', { to: '+15557650001', body: 'Your appointment is tomorrow' });
    assert.equal(res.status, 202);

    // Meanwhile inbound webhooks are still taken in, one after another.
    for (let i = 0; i < 20; i++)
      assert.equal((await parley.webhook('inbound', inbound(`+155576510${String(i).padStart(2, '0')}`, 'hello'))).status, 200);

    const failed = await parley.until(async () => {
      const message = (await parley.api('GET', `/v1/messages/${res.body.id}`)).body;
      return message.status === 'failed' ? message : null;
    });
    assert.equal(failed.error_code, 'connection');
    assert.match(failed.error_message, /could not reach 127\.0\.0\.1:9/);
    const attempts = (await parley.ctx.metrics.sends.get()).values.map((v) => [v.labels.outcome, v.value]);
    assert.deepEqual(
      Object.fromEntries(attempts),
      { retry: 3, failed: 1 },
      'tried queue.max_attempts (4 here) times, with backoff, before failing',
    );
    assert.ok(
      failed.events.some((e: { type: string; data: { status: string } }) => e.type === 'message.status' && e.data.status === 'failed'),
    );
    const stored = await store.db.selectFrom('messages').select('id').where('direction', '=', 'inbound').execute();
    assert.equal(stored.length, 20);
  });
});
