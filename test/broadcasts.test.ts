import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { localMinuteOfDay } from '../src/core/quiet-hours.js';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { genericChannel, inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { hhmm } from './helpers/local-time.js';
import { forEachStore } from './helpers/stores.js';

// Broadcasts end to end: real Parley, real databases, the provider a real local HTTP server that
// records when each text arrived. BROADCAST_TEST_RECIPIENTS sets the size of the large case
// (2,000 by default, to keep the suite short; 20,000 for the figure).

const largeSize = Number(process.env.BROADCAST_TEST_RECIPIENTS ?? 2_000);
const largeRate = 200;
const text = 'Spring sale: 20% off everything this weekend. Reply STOP to opt out.';

/** `n` New York numbers from `offset` on. */
function numbers(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => `+12125${String(offset + i).padStart(6, '0')}`);
}

forEachStore('broadcasts', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  // A long send timeout: on a loaded machine a 2 s one resends texts the provider took.
  const start = (rate?: number) =>
    startTestParley(store, provider.url, {
      channels: [genericChannel(provider.url, { send_timeout: '10s', ...(rate === undefined ? {} : { rate_limit: rate }) })],
    });
  const broadcastSends = () => provider.sends.filter((s) => s.body === text);
  const counts = async (id: string) => (await parley.api('GET', `/v1/broadcasts/${id}`)).body;
  /** Waits for the broadcast to reach `state` with nothing of it still queued. */
  const settled = (id: string, state: string, timeoutMs = 60_000) =>
    parley.until(async () => {
      const b = await counts(id);
      return b.state === state && b.counts.queued === 0 && b.counts.pending === 0 ? b : null;
    }, timeoutMs);

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(() => provider.stop());
  beforeEach(async () => {
    store = await stores.open();
    provider.sends.length = 0;
    provider.acceptedAt.length = 0;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  it(`keep a broadcast of ${largeSize} to the rate limit, each number once, opted-out numbers skipped and counted`, async () => {
    parley = await start(largeRate);
    const audience = numbers(largeSize);
    const optedOut = audience.filter((_, i) => i % 97 === 5);
    assert.equal((await parley.api('POST', '/v1/opt-outs', { phones: optedOut })).status, 200);
    // Listed twice over in part: each number gets one text.
    const phones = [...audience, ...audience.slice(0, 50)];
    const created = await parley.api('POST', '/v1/broadcasts', { body: text, audience: { phones } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const done = await settled(created.body.id, 'completed', 60_000 + largeSize * 20);
    assert.equal(done.counts.total, largeSize);
    assert.equal(done.counts.skipped_opted_out, optedOut.length);
    assert.equal(done.counts.sent, largeSize - optedOut.length);
    const sends = broadcastSends();
    // One message per number. A send the provider took but whose answer timed out on a loaded machine
    // is sent again under the same message id (the provider's idempotency key): that is not a second text.
    const messagesTo = new Map<string, Set<string>>();
    for (const s of sends) messagesTo.set(s.to, (messagesTo.get(s.to) ?? new Set()).add(s.id));
    assert.equal(messagesTo.size, largeSize - optedOut.length);
    assert.ok(
      [...messagesTo.values()].every((ids) => ids.size === 1),
      'one message per number',
    );
    assert.ok(!sends.some((s) => optedOut.includes(s.to)), 'no opted-out number');

    const firstArrivals = new Set<string>();
    const at = provider.acceptedAt.filter((_, i) => {
      const send = provider.sends[i]!;
      if (send.body !== text || firstArrivals.has(send.id)) return false;
      return firstArrivals.add(send.id);
    });
    const span = at.at(-1)! - at[0]!;
    const expected = ((at.length - 1) * 1000) / largeRate;
    let busiestSecond = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i]! - at[j]! >= 1000) j++;
      busiestSecond = Math.max(busiestSecond, i - j + 1);
    }
    // Never faster than the rate on the whole; a worker that fell behind may catch up in a burst, never of a whole run's worth.
    assert.ok(span >= expected * 0.98, `${at.length} texts in ${span} ms at ${largeRate}/s (expected at least ${expected} ms)`);
    assert.ok(busiestSecond <= largeRate * 2, `${busiestSecond} texts in the busiest second at ${largeRate}/s`);
    if (process.env.BROADCAST_DEBUG) {
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      console.log(
        '# gaps > 30 ms:',
        gaps.map((g, i) => [i, g]).filter(([, g]) => g! > 30),
      );
    }
    console.log(
      `# ${at.length} texts at ${largeRate}/s: ${Math.round(span)} ms, ${((at.length - 1) / (span / 1000)).toFixed(1)}/s measured (ratio ${(expected / span).toFixed(3)}), busiest second ${busiestSecond}`,
    );
  });

  it('stop what was still queued for a recipient who texts STOP mid-broadcast; count replies, their intents and the opt-outs caused', async () => {
    parley = await start(5);
    const audience = numbers(20, 500_000);
    const created = await parley.api('POST', '/v1/broadcasts', { body: text, audience: { phones: audience } });
    const id = created.body.id as string;
    const [first, second] = audience;
    const late = audience[17]!;
    await parley.until(async () => broadcastSends().some((s) => s.to === second));
    await parley.webhook('inbound', inbound(late, 'STOP'));
    await parley.webhook('inbound', inbound(first!, 'YES'));
    await parley.webhook('inbound', inbound(second!, 'STOP'));
    const done = await settled(id, 'completed');
    assert.ok(!broadcastSends().some((s) => s.to === late), 'the recipient who opted out got nothing more');
    assert.equal(done.counts.skipped_opted_out, 1);
    assert.equal(done.counts.sent, 19);
    const replied = await parley.until(async () => {
      const b = await counts(id);
      return b.counts.replied === 2 && b.counts.opted_out === 1 ? b : null;
    });
    assert.deepEqual(replied.reply_intents, { confirm: 1, opt_out: 1 });
  });

  it('pause, resume and cancel; refuse what the state forbids', async () => {
    parley = await start(10);
    const audience = numbers(60, 600_000);
    const id = (await parley.api('POST', '/v1/broadcasts', { body: text, audience: { phones: audience } })).body.id as string;
    await parley.until(async () => broadcastSends().length >= 3);
    const paused = await parley.api('POST', `/v1/broadcasts/${id}/pause`);
    assert.equal(paused.status, 200);
    assert.equal(paused.body.state, 'paused');
    // What was queued ahead (about 2 s of the clock) still goes; then nothing.
    await parley.until(async () => (await counts(id)).counts.queued === 0);
    const whilePaused = broadcastSends().length;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(broadcastSends().length, whilePaused);
    assert.ok(whilePaused < audience.length, `${whilePaused} sent before the pause took hold`);
    assert.equal((await parley.api('POST', `/v1/broadcasts/${id}/pause`)).body.error.code, 'broadcast_state_conflict');

    assert.equal((await parley.api('POST', `/v1/broadcasts/${id}/resume`)).body.state, 'sending');
    await parley.until(async () => broadcastSends().length >= whilePaused + 3);
    const cancelled = await parley.api('POST', `/v1/broadcasts/${id}/cancel`);
    assert.equal(cancelled.body.state, 'cancelled');
    const done = await parley.until(async () => {
      const b = await counts(id);
      return b.finished_at !== null && b.counts.queued === 0 ? b : null;
    });
    const afterCancel = broadcastSends().length;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(broadcastSends().length, afterCancel, 'nothing goes after a cancel has withdrawn what was queued');
    assert.ok(afterCancel < audience.length);
    assert.equal(done.counts.sent, afterCancel);
    assert.equal(done.counts.sent + done.counts.cancelled, audience.length);
    const refused = await parley.api('POST', `/v1/broadcasts/${id}/resume`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'broadcast_state_conflict');
  });

  it('lose and double nothing when Parley stops in the middle and starts again on the same database', async () => {
    parley = await start(20);
    const audience = numbers(80, 700_000);
    const id = (await parley.api('POST', '/v1/broadcasts', { body: text, audience: { phones: audience } })).body.id as string;
    await parley.until(async () => broadcastSends().length >= 10);
    await parley.close();
    const sentBefore = broadcastSends().length;
    assert.ok(sentBefore < audience.length, 'stopped in the middle');
    parley = await start(20);
    const done = await settled(id, 'completed');
    assert.equal(done.counts.sent, audience.length);
    assert.deepEqual(
      broadcastSends()
        .map((s) => s.to)
        .sort(),
      [...audience].sort(),
    );
  });

  it('answer a texter before the broadcast queued ahead of the reply', async () => {
    parley = await start(10);
    const audience = numbers(100, 800_000);
    await parley.api('POST', '/v1/broadcasts', { body: text, audience: { phones: audience } });
    await parley.until(async () => broadcastSends().length >= 2);
    const texter = '+13125550142';
    await parley.webhook('inbound', inbound(texter, 'HELP'));
    await parley.until(async () => provider.sends.some((s) => s.to === texter));
    const bulkBefore = broadcastSends().length;
    assert.ok(bulkBefore < 40, `the reply went after ${bulkBefore} of 100 broadcast texts`);
  });

  it('write a template for each contact of a tag; skip one the template needs a value for; defer by the quiet hours of the broadcast', async () => {
    parley = await start();
    await parley.api('POST', '/v1/templates', { name: 'sale', body: 'Hi {{contact.first_name}}, our spring sale starts now.' });
    const tagged = numbers(5, 900_000);
    for (const [i, phone] of tagged.entries()) {
      const fields = i === 4 ? {} : { first_name: `Ann${i}` };
      assert.equal((await parley.api('POST', '/v1/contacts', { phone, tags: ['vip'], fields })).status, 201);
    }
    await parley.api('POST', '/v1/contacts', { phone: numbers(1, 950_000)[0], tags: ['other'], fields: { first_name: 'Bo' } });
    const created = await parley.api('POST', '/v1/broadcasts', { template: 'sale', audience: { tag: 'vip' } });
    assert.equal(created.status, 201);
    const done = await settled(created.body.id, 'completed');
    const completed = await store.db.selectFrom('events').select('data').where('type', '=', 'broadcast.completed').execute();
    assert.deepEqual(
      completed.map((e) => JSON.parse(e.data)),
      [{ broadcast_id: created.body.id, channel: 'main', recipients: 5 }],
    );
    assert.equal(done.counts.total, 5);
    assert.equal(done.counts.skipped_missing_vars, 1);
    assert.equal(done.counts.sent, 4);
    assert.deepEqual(
      provider.sends.map((s) => s.body).sort(),
      [0, 1, 2, 3].map((i) => `Hi Ann${i}, our spring sale starts now.`),
    );

    // A window that opens in New York in two hours: every text waits, and says so.
    const east = localMinuteOfDay(Date.now(), 'America/New_York');
    const quiet = await parley.api('POST', '/v1/broadcasts', {
      body: text,
      audience: { filter: { tags: ['vip'], fields: { first_name: 'Ann1' } } },
      quiet_hours: { allowed: `${hhmm(east + 120)}-${hhmm(east + 240)}` },
    });
    const waiting = await parley.until(async () => {
      const b = await counts(quiet.body.id);
      return b.state === 'completed' ? b : null;
    });
    assert.equal(waiting.counts.total, 1);
    assert.equal(waiting.counts.deferred_quiet_hours, 1);
    assert.equal(waiting.counts.queued, 1);
    assert.equal(broadcastSends().length, 0);
  });

  it('refuse a bad broadcast with a code, store nothing; honour an Idempotency-Key; list with a cursor', async () => {
    parley = await start();
    const refusals: Array<[unknown, number, string]> = [
      [{ audience: { phones: ['+12125550100'] } }, 422, 'broadcast_content_invalid'],
      [{ body: 'x', template: 'sale', audience: { phones: ['+12125550100'] } }, 422, 'broadcast_content_invalid'],
      [{ body: 'x', audience: { phones: [] } }, 422, 'broadcast_audience_empty'],
      [{ body: 'x', audience: { phones: ['+12125550100', 'call me'] } }, 422, 'broadcast_audience_invalid'],
      [{ body: 'x', audience: { phones: ['+12125550100'], tag: 'vip' } }, 422, 'broadcast_audience_invalid'],
      [{ body: 'x', audience: { filter: {} } }, 422, 'broadcast_audience_empty'],
      [{ template: 'nope', audience: { tag: 'vip' } }, 422, 'unknown_template'],
      [{ body: 'x', audience: { tag: 'vip' }, quiet_hours: { allowed: '25:00-26:00' } }, 400, 'invalid_payload'],
      [{ body: 'x', audience: { tag: 'vip' }, channel: 'nope' }, 404, 'unknown_channel'],
    ];
    for (const [body, status, code] of refusals) {
      const res = await parley.api('POST', '/v1/broadcasts', body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.body.error.code, code, JSON.stringify(body));
    }
    assert.equal((await store.db.selectFrom('broadcasts').select('id').execute()).length, 0);
    assert.equal((await parley.api('GET', '/v1/broadcasts/bc_nope')).status, 404);

    // Nobody has the tag: accepted, and complete with no one.
    const empty = await parley.api('POST', '/v1/broadcasts', { body: 'x', audience: { tag: 'nobody' } });
    assert.equal(empty.status, 201);
    assert.equal((await settled(empty.body.id, 'completed')).counts.total, 0);

    const later = new Date(Date.now() + 3_600_000).toISOString();
    const send = (key: string) =>
      fetch(`${parley.base}/v1/broadcasts`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-api-key-0123456789', 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ body: 'x', audience: { tag: 'nobody' }, send_at: later }),
      });
    const firstTry = await send('bc-key-1');
    const retry = await send('bc-key-1');
    assert.equal(firstTry.status, 201);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    const firstId = ((await firstTry.json()) as { id: string }).id;
    assert.equal(((await retry.json()) as { id: string }).id, firstId);
    assert.equal((await counts(firstId)).state, 'scheduled');
    // A scheduled broadcast paused and resumed before its time waits for it still; cancelled, it ends at once.
    assert.equal((await parley.api('POST', `/v1/broadcasts/${firstId}/pause`)).body.state, 'paused');
    assert.equal((await parley.api('POST', `/v1/broadcasts/${firstId}/resume`)).body.state, 'scheduled');
    const runs = await store.db.selectFrom('jobs').select('run_at').where('kind', '=', 'broadcast.run').execute();
    assert.deepEqual(
      runs.map((r) => Number(r.run_at)),
      [Date.parse(later)],
    );
    assert.equal((await parley.api('POST', `/v1/broadcasts/${firstId}/cancel`)).body.state, 'cancelled');
    await parley.until(async () => (await counts(firstId)).finished_at !== null);
    assert.equal((await store.db.selectFrom('jobs').select('id').where('kind', '=', 'broadcast.run').execute()).length, 0);

    const pageOne = await parley.api('GET', '/v1/broadcasts?limit=1');
    assert.equal(pageOne.body.data.length, 1);
    assert.equal(pageOne.body.data[0].id, firstId);
    const pageTwo = await parley.api('GET', `/v1/broadcasts?limit=1&cursor=${pageOne.body.next_cursor}`);
    assert.equal(pageTwo.body.data[0].id, empty.body.id);
    assert.equal(pageTwo.body.next_cursor, null);
  });
});
