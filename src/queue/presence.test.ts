import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { sql } from 'kysely';
import { forEachStore } from '../../test/helpers/stores.js';
import { testLog } from '../../test/helpers/log.js';
import type { Store } from '../store/database.js';
import { claimJobs } from './claim.js';
import { completeJob, LeaseLostError } from './complete.js';
import { enqueue } from './enqueue.js';
import { failJob } from './fail.js';
import { beat, leave, takeOverSilentWorkers } from './presence.js';
import { Worker, type JobHandlers } from './worker.js';

const takeoverMs = 5_000;

async function add(store: Store, messageId: string): Promise<void> {
  await store.write((trx) => enqueue(trx, 'inbound.process', { messageId }));
}

/** Makes a worker's last heartbeat `ms` older, as if it had been silent that long. */
async function silence(store: Store, workerId: string, ms: number): Promise<void> {
  await store.db
    .updateTable('workers')
    .set({ seen_at: sql<number>`seen_at - ${ms}` })
    .where('id', '=', workerId)
    .execute();
}

const jobsOf = (store: Store) => store.db.selectFrom('jobs').select(['id', 'state', 'locked_by', 'interrupted']).orderBy('id').execute();
const workerIds = async (store: Store) => (await store.db.selectFrom('workers').select('id').orderBy('id').execute()).map((w) => w.id);

forEachStore('worker presence', (stores) => {
  let store: Store;
  before(async () => {
    store = await stores.open();
  });
  after(() => store.close());
  beforeEach(async () => {
    await store.db.deleteFrom('jobs').execute();
    await store.db.deleteFrom('workers').execute();
  });

  it('registers a worker at its first beat and keeps its row fresh by the database clock', async () => {
    assert.equal(await beat(store, 'w-a'), 'registered');
    const first = await store.db.selectFrom('workers').selectAll().executeTakeFirstOrThrow();
    assert.equal(first.pid, process.pid);
    assert.ok(Math.abs(first.seen_at - Date.now()) < 2_000, 'milliseconds since the epoch');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await beat(store, 'w-a'), 'beat');
    const second = await store.db.selectFrom('workers').selectAll().executeTakeFirstOrThrow();
    assert.ok(second.seen_at > first.seen_at);
    assert.equal(second.started_at, first.started_at);
  });

  it("takes over a silent worker's running jobs at once, and its late results roll back", async () => {
    await beat(store, 'w-dead');
    await beat(store, 'w-live');
    await add(store, 'm1');
    await add(store, 'm2');
    const [stalled, failing] = await claimJobs(store, { workerId: 'w-dead', limit: 10, leaseMs: 60_000 });
    assert.ok(stalled && failing);

    assert.deepEqual(await takeOverSilentWorkers(store, 'w-live', takeoverMs), { workers: [], jobs: 0 }, 'not silent yet');
    await silence(store, 'w-dead', takeoverMs + 1_000);
    const taken = await takeOverSilentWorkers(store, 'w-live', takeoverMs);
    assert.deepEqual(
      taken.workers.map((w) => w.id),
      ['w-dead'],
    );
    assert.ok(taken.workers[0]!.silentMs >= takeoverMs);
    assert.equal(taken.jobs, 2);
    assert.deepEqual(await workerIds(store), ['w-live']);
    assert.deepEqual(
      (await jobsOf(store)).map((j) => [j.state, j.locked_by, j.interrupted]),
      [
        ['pending', null, 1],
        ['pending', null, 1],
      ],
      'runnable now, and marked as cut short',
    );

    // The lease of a minute does not hold them back: the survivor claims them at once.
    const reclaimed = await claimJobs(store, { workerId: 'w-live', limit: 10, leaseMs: 60_000 });
    assert.equal(reclaimed.length, 2);
    // The silent worker was only stalled: whatever it does now with those jobs does not count.
    await assert.rejects(
      store.write(async (trx) => {
        await trx.insertInto('settings').values({ key: 'effect-of-silent-worker', value: 'x' }).execute();
        await completeJob(trx, stalled);
      }),
      LeaseLostError,
    );
    assert.equal(await store.write((trx) => failJob(trx, failing, { error: 'late', retryAt: Date.now() })), null);
    assert.equal((await store.db.selectFrom('settings').select('key').where('key', '=', 'effect-of-silent-worker').execute()).length, 0);
    assert.deepEqual(
      (await jobsOf(store)).map((j) => [j.state, j.locked_by]),
      [
        ['running', 'w-live'],
        ['running', 'w-live'],
      ],
    );
    // And when it beats again it is back, as a new registration.
    assert.equal(await beat(store, 'w-dead'), 'registered');
  });

  it("leaves a live worker's jobs, and never takes itself for dead", async () => {
    await beat(store, 'w-self');
    await beat(store, 'w-other');
    await add(store, 'm1');
    await claimJobs(store, { workerId: 'w-other', limit: 10, leaseMs: 60_000 });
    await silence(store, 'w-self', takeoverMs * 2);
    assert.deepEqual(await takeOverSilentWorkers(store, 'w-self', takeoverMs), { workers: [], jobs: 0 });
    assert.deepEqual(
      (await jobsOf(store)).map((j) => j.locked_by),
      ['w-other'],
    );
    assert.deepEqual(await workerIds(store), ['w-other', 'w-self']);
  });

  it('releases a silent worker once when several instances take it over at the same moment', async () => {
    await beat(store, 'w-dead');
    for (let i = 0; i < 4; i++) await add(store, `m${i}`);
    await claimJobs(store, { workerId: 'w-dead', limit: 10, leaseMs: 60_000 });
    await silence(store, 'w-dead', takeoverMs + 1_000);
    const results = await Promise.all(['w-1', 'w-2', 'w-3'].map((id) => takeOverSilentWorkers(store, id, takeoverMs)));
    assert.equal(results.filter((r) => r.workers.length === 1).length, 1, 'one instance removed it');
    assert.equal(
      results.reduce((sum, r) => sum + r.jobs, 0),
      4,
    );
  });

  it('gives back its row and what it still runs when it leaves', async () => {
    await beat(store, 'w-leaving');
    await add(store, 'm1');
    await claimJobs(store, { workerId: 'w-leaving', limit: 10, leaseMs: 60_000 });
    assert.equal(await leave(store, 'w-leaving'), 1);
    assert.deepEqual(await workerIds(store), []);
    assert.deepEqual(
      (await jobsOf(store)).map((j) => [j.state, j.locked_by, j.interrupted]),
      [['pending', null, 1]],
    );
  });

  it(
    'a worker with takeoverMs registers before it claims, takes over a silent one, and deregisters on stop',
    { timeout: 20_000 },
    async () => {
      await beat(store, 'w-killed');
      await add(store, 'orphan');
      await claimJobs(store, { workerId: 'w-killed', limit: 10, leaseMs: 600_000 });
      await silence(store, 'w-killed', 60_000);
      const ran: string[] = [];
      const handlers = {
        'inbound.process': async (job: { payload: { messageId: string } }) => {
          ran.push(job.payload.messageId);
        },
      } as unknown as JobHandlers;
      const worker = new Worker(store, handlers, testLog, {
        concurrency: 4,
        leaseMs: 600_000,
        pollIntervalMs: 50,
        takeoverMs: 500,
        retryBaseMs: 10,
        retryMaxMs: 50,
      });
      worker.start();
      // Beats every 100 ms: its second beat judges others, and its wake-up claims what it took over.
      for (const deadline = Date.now() + 10_000; ran.length === 0;) {
        assert.ok(Date.now() < deadline, 'the orphaned job never ran');
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(ran, ['orphan'], 'run long before its ten-minute lease');
      assert.deepEqual(await workerIds(store), [worker.id]);
      await worker.stop();
      assert.deepEqual(await workerIds(store), [], 'gone once stopped');
    },
  );
});
