import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachStore } from '../../test/helpers/stores.js';
import { testLog } from '../../test/helpers/log.js';
import type { Store } from '../store/database.js';
import { claimJobs } from './claim.js';
import { completeJob, LeaseLostError } from './complete.js';
import { enqueue } from './enqueue.js';
import { failJob } from './fail.js';
import type { Job } from './job-kinds.js';
import { Worker, type JobHandlers } from './worker.js';

async function add(store: Store, messageId: string, groupKey: string | null = null, maxAttempts = 3): Promise<void> {
  await store.write((trx) => enqueue(trx, 'inbound.process', { messageId }, { groupKey, maxAttempts }));
}

const claim = async (store: Store, workerId: string, limit = 10, now?: number) =>
  (await claimJobs(store, { workerId, limit, leaseMs: 1_000, ...(now === undefined ? {} : { now }) })) as Array<Job<'inbound.process'>>;

/** A worker that polls and retries at once, with leases long enough never to run out in a test. */
const quickWorker = { leaseMs: 10_000, pollIntervalMs: 10, retryBaseMs: 5, retryMaxMs: 10 };

forEachStore('queue', (stores) => {
  let store: Store;
  before(async () => {
    store = await stores.open();
  });
  after(() => store.close());

  it('runs the jobs of one group one at a time, in order, and other groups alongside', async () => {
    await store.db.deleteFrom('jobs').execute();
    await add(store, 'a1', 'contact:a');
    await add(store, 'a2', 'contact:a');
    await add(store, 'b1', 'contact:b');
    await add(store, 'n1', null);

    const first = await claim(store, 'w1');
    assert.deepEqual(
      first.map((j) => j.payload.messageId),
      ['a1', 'b1', 'n1'],
    );
    assert.deepEqual(await claim(store, 'w2'), [], 'a2 waits while a1 runs');

    await store.write((trx) => completeJob(trx, first[0]!));
    const second = await claim(store, 'w2');
    assert.deepEqual(
      second.map((j) => j.payload.messageId),
      ['a2'],
    );
  });

  it('holds the rest of a group while its head waits to be retried, and releases it once the head is dead', async () => {
    await store.db.deleteFrom('jobs').execute();
    await add(store, 'h1', 'contact:h', 2);
    await add(store, 'h2', 'contact:h');
    const [head] = await claim(store, 'w1');
    const now = Date.now();
    assert.equal(await store.write((trx) => failJob(trx, head!, { error: 'boom', retryAt: now + 60_000 })), 'pending');
    assert.deepEqual(await claim(store, 'w1'), [], 'h2 must not overtake h1 during its backoff');

    const [again] = await claim(store, 'w1', 10, now + 61_000);
    assert.equal(again!.payload.messageId, 'h1');
    assert.equal(again!.attempts, 2);
    assert.equal(await store.write((trx) => failJob(trx, again!, { error: 'boom again', retryAt: now })), 'dead');

    const dead = await store.db.selectFrom('jobs').selectAll().where('state', '=', 'dead').execute();
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.last_error, 'boom again');
    const [next] = await claim(store, 'w1');
    assert.equal(next!.payload.messageId, 'h2');
  });

  it('takes the next jobs past those another instance is taking, never the rest of their groups', async (t) => {
    if (store.dialect !== 'postgres') return t.skip('one process writes a SQLite database');
    // With and without the room per limit key (the worker always passes it; it ranks in an outer query).
    for (const limitKeyRoom of [undefined, { max: 16, used: new Map<string, number>() }]) {
      await store.db.deleteFrom('jobs').execute();
      for (let i = 0; i < 20; i++) await add(store, `m${i}`);
      await add(store, 'g1', 'contact:g');
      await add(store, 'g2', 'contact:g');
      const ids = (await store.db.selectFrom('jobs').select('id').orderBy('id').execute()).map((r) => r.id);
      // Another instance mid-claim holds m0–m9 and g1.
      let release!: () => void;
      let locked!: () => void;
      const held = new Promise<void>((resolve) => (locked = resolve));
      const other = store.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('jobs')
          .select('id')
          .where('id', 'in', [...ids.slice(0, 10), ids[20]!])
          .forUpdate()
          .execute();
        locked();
        await new Promise<void>((resolve) => (release = resolve));
      });
      await held;
      try {
        const jobs = (await claimJobs(store, {
          workerId: 'w2',
          limit: 12,
          leaseMs: 1_000,
          ...(limitKeyRoom ? { limitKeyRoom } : {}),
        })) as Array<Job<'inbound.process'>>;
        assert.deepEqual(
          jobs.map((j) => j.payload.messageId),
          Array.from({ length: 10 }, (_, i) => `m${i + 10}`),
          'the ten nobody else is taking, and not g2 while g1 is pending',
        );
      } finally {
        release();
        await other;
      }
    }
  });

  it('gives an expired lease to another worker, and the first worker can no longer complete the job', async () => {
    await store.db.deleteFrom('jobs').execute();
    await add(store, 'crash', 'contact:c');
    const now = Date.now();
    const [stalled] = await claim(store, 'crashed-worker', 10, now);
    assert.deepEqual(await claim(store, 'survivor', 10, now + 500), [], 'lease still valid');
    const [taken] = await claim(store, 'survivor', 10, now + 1_500);
    assert.equal(taken!.id, stalled!.id);
    assert.equal(taken!.attempts, 2);
    assert.equal(stalled!.interrupted, false);
    assert.equal(taken!.interrupted, true, 'the new run knows the last one was cut short');

    await assert.rejects(
      store.write(async (trx) => {
        await trx.insertInto('settings').values({ key: 'effect-of-stalled-run', value: 'x' }).execute();
        await completeJob(trx, stalled!);
      }),
      LeaseLostError,
    );
    const effect = await store.db.selectFrom('settings').selectAll().where('key', '=', 'effect-of-stalled-run').execute();
    assert.equal(effect.length, 0, 'the stalled run rolled back with its lost lease');
    await store.write((trx) => completeJob(trx, taken!));
    assert.equal((await store.db.selectFrom('jobs').selectAll().execute()).length, 0);
  });

  it('marks a job whose run failed knowingly as no longer interrupted', async () => {
    await store.db.deleteFrom('jobs').execute();
    await add(store, 'flaky', null);
    const now = Date.now();
    await claim(store, 'crashed-worker', 10, now);
    const [taken] = await claim(store, 'survivor', 10, now + 1_500);
    assert.equal(taken!.interrupted, true);
    await store.write((trx) => failJob(trx, taken!, { error: 'boom', retryAt: now }));
    const [again] = await claim(store, 'survivor', 10, now + 1_600);
    assert.equal(again!.interrupted, false);
  });

  it('heartbeats keep a slow job leased to its live worker: a short lease never runs it twice', { timeout: 20_000 }, async () => {
    await store.db.deleteFrom('jobs').execute();
    await add(store, 'slow', null);
    const runs: string[] = [];
    const handlers = {
      'inbound.process': async (job: Job<'inbound.process'>) => {
        runs.push(job.payload.messageId);
        await new Promise((r) => setTimeout(r, 2_000));
      },
    } as unknown as JobHandlers;
    // The lease is six heartbeats long: a loaded machine may delay a beat by a few hundred ms, and the
    // test is about renewal, not about how late a beat may come.
    const options = { concurrency: 2, leaseMs: 600, heartbeatMs: 100, pollIntervalMs: 20, retryBaseMs: 5, retryMaxMs: 10 };
    // Two workers, as two processes would be: the second takes any lease that runs out.
    const first = new Worker(store, handlers, testLog, options);
    const second = new Worker(store, handlers, testLog, options);
    first.start();
    const deadline = Date.now() + 5_000;
    while (runs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    second.start();
    while ((await store.db.selectFrom('jobs').select('id').execute()).length > 0 && Date.now() < deadline + 5_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all([first.stop(), second.stop()]);
    assert.deepEqual(runs, ['slow'], 'ran once, over three times its lease long');
  });

  it('worker runs every job once, keeps each group in order, and retries failures', async () => {
    await store.db.deleteFrom('jobs').execute();
    const groups = ['g1', 'g2', 'g3', 'g4'];
    for (let i = 0; i < 40; i++) await add(store, `${groups[i % 4]}-${i}`, groups[i % 4]);
    const runs: string[] = [];
    const failedOnce = new Set<string>();
    let active = 0;
    let maxActive = 0;
    const handlers = {
      'inbound.process': async (job: Job<'inbound.process'>) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 2));
        active--;
        const id = job.payload.messageId;
        if (id.endsWith('-5') && !failedOnce.has(id)) {
          failedOnce.add(id);
          throw new Error('transient');
        }
        runs.push(id);
      },
    } as unknown as JobHandlers;
    const worker = new Worker(store, handlers, testLog, { ...quickWorker, concurrency: 8 });
    worker.start();
    const deadline = Date.now() + 15_000;
    while (runs.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await worker.stop();

    assert.equal(runs.length, 40);
    assert.equal(new Set(runs).size, 40, 'no job ran twice');
    assert.ok(maxActive > 1, 'different groups ran in parallel');
    for (const group of groups) {
      const order = runs.filter((r) => r.startsWith(`${group}-`)).map((r) => Number(r.split('-')[1]));
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        `group ${group} ran in order`,
      );
    }
    assert.equal((await store.db.selectFrom('jobs').selectAll().execute()).length, 0);
  });

  it('caps a kind of job so it never takes every slot from the others', async () => {
    await store.db.deleteFrom('jobs').execute();
    for (let i = 0; i < 10; i++) await store.write((trx) => enqueue(trx, 'webhook.deliver', { deliveryId: `d${i}` }));
    for (let i = 0; i < 6; i++) await add(store, `m${i}`, `contact:${i}`);
    let hanging = 0;
    let maxHanging = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const routed: string[] = [];
    const handlers = {
      'webhook.deliver': async () => {
        maxHanging = Math.max(maxHanging, ++hanging);
        await gate;
        hanging--;
      },
      'inbound.process': async (job: Job<'inbound.process'>) => {
        routed.push(job.payload.messageId);
      },
    } as unknown as JobHandlers;
    const worker = new Worker(store, handlers, testLog, { ...quickWorker, concurrency: 4, kindLimits: { 'webhook.deliver': 2 } });
    worker.start();
    const deadline = Date.now() + 10_000;
    while (routed.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(routed.length, 6, 'routing ran while deliveries hung');
    assert.equal(maxHanging, 2, 'no more than the cap of deliveries at once');
    release();
    while ((await store.db.selectFrom('jobs').select('id').execute()).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    await worker.stop();
    assert.equal((await store.db.selectFrom('jobs').select('id').execute()).length, 0, 'every delivery ran in the end');
  });

  it('starts the next job of a limit key when the one before gives its place back, before it finishes', async () => {
    await store.db.deleteFrom('jobs').execute();
    for (let i = 0; i < 3; i++)
      await store.write((trx) => enqueue(trx, 'webhook.deliver', { deliveryId: `d${i}` }, { limitKey: 'endpoint:a' }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    let calling = 0;
    let maxCalling = 0;
    const handlers = {
      'webhook.deliver': async (job: Job<'webhook.deliver'>, { releaseLimitKey }: { releaseLimitKey: () => void }) => {
        started.push(job.payload.deliveryId);
        maxCalling = Math.max(maxCalling, ++calling);
        await new Promise((r) => setTimeout(r, 5)); // the outside call
        calling--;
        releaseLimitKey();
        releaseLimitKey(); // twice is once
        await gate; // committing, for as long as the test likes
      },
    } as unknown as JobHandlers;
    const worker = new Worker(store, handlers, testLog, { ...quickWorker, concurrency: 8, limitKeyMax: 1 });
    worker.start();
    try {
      const deadline = Date.now() + 3_000;
      while (started.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(started, ['d0', 'd1', 'd2'], 'each started while the ones before were still running');
      assert.equal(maxCalling, 1, 'one outside call at a time: the limit still bounds those');
    } finally {
      release();
      await worker.stop();
    }
  });

  it('wakes when a queued job falls due, long before the next poll, and does not spin on a job its group holds back', async () => {
    await store.db.deleteFrom('jobs').execute();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran = new Map<string, number>();
    const handlers = {
      'inbound.process': async (job: Job<'inbound.process'>) => {
        ran.set(job.payload.messageId, Date.now());
        if (job.payload.messageId === 'head') await gate;
      },
    } as unknown as JobHandlers;
    // Counts the worker's claims (each a write): a worker that spun would make thousands.
    let writes = 0;
    const counted: Store = { ...store, write: (work) => (writes++, store.write(work)) };
    const worker = new Worker(counted, handlers, testLog, {
      concurrency: 4,
      leaseMs: 10_000,
      pollIntervalMs: 60_000,
      retryBaseMs: 5,
      retryMaxMs: 10,
    });
    // Queued without waking the worker (as by another instance): due soon, a claim finds nothing yet.
    const dueAt = Date.now() + 300;
    await store.write((trx) => enqueue(trx, 'inbound.process', { messageId: 'later' }, { runAt: dueAt }));
    worker.start();
    const deadline = Date.now() + 20_000;
    while (!ran.has('later') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ran.has('later'), 'the job ran when due, without waiting for the 60 s poll');
    assert.ok(ran.get('later')! >= dueAt, 'and not before it was due');

    // A group's head that hangs holds back the next, due job: the worker sleeps, it does not claim in a loop.
    await add(store, 'head', 'contact:held');
    await add(store, 'next', 'contact:held');
    worker.wake();
    while (!ran.has('head') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const before = writes;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(writes - before < 20, `${writes - before} writes in 500 ms while nothing could run`);
    assert.ok(!ran.has('next'), 'the held job waited for its head');
    release();
    while (!ran.has('next') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ran.has('next'), 'the held job ran once its head finished');
    await worker.stop();
  });
});
