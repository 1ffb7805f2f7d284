import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import { forEachStore } from '../../test/helpers/stores.js';
import type { Store } from '../store/database.js';
import { anyDue, claimJobs } from './claim.js';
import { earliestPendingQuery, nextDueAt } from './next-due.js';

// The queue's reads of what is due stay cheap while a broadcast has thousands of sends queued for
// later: they read the `jobs_due` index, and with nothing due a claim returns without walking them.

const laterJobs = 2_000;

forEachStore('jobs due', (stores) => {
  let store: Store;
  let now: number;
  before(async () => {
    store = await stores.open();
    now = Date.now();
    for (let i = 0; i < laterJobs; i += 500) {
      await store.db
        .insertInto('jobs')
        .values(
          Array.from({ length: 500 }, (_, k) => ({
            kind: 'message.send',
            payload: `{"messageId":"msg_${i + k}"}`,
            group_key: `send:+1212555${String(i + k).padStart(4, '0')}`,
            limit_key: null,
            state: 'pending' as const,
            run_at: now + 60_000 + (i + k) * 100,
            max_attempts: 10,
            priority: 1,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
  });
  after(() => store.close());

  it('finds the next job due and claims none before it', async () => {
    assert.equal(await nextDueAt(store, now, now + 120_000), now + 60_000);
    assert.equal(await nextDueAt(store, now, now + 1_000), null);
    assert.deepEqual(await claimJobs(store, { workerId: 'w', limit: 64, leaseMs: 1_000, now }), []);
    const first = await claimJobs(store, { workerId: 'w', limit: 64, leaseMs: 1_000, now: now + 60_050 });
    assert.equal(first.length, 1, 'the one job due by then');
  });

  it('reads them from the jobs_due index on SQLite, whose planner has no statistics', { skip: stores.dialect !== 'sqlite' }, async () => {
    // SQLite's plan, one line per table it reads and how.
    const explain = (text: string, parameters: readonly unknown[]) =>
      store.db
        .executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]))
        .then((r) => r.rows.map((row) => row.detail).join(' | '));
    const due = anyDue(store.db, now).compile();
    assert.match(await explain(due.sql, due.parameters), /INDEX jobs_due \(state=\? AND run_at<\?\)/);
    const next = earliestPendingQuery(store.db, { after: now, until: now + 1 }).compile();
    assert.match(await explain(next.sql, next.parameters), /INDEX jobs_due \(state=\? AND run_at>\? AND run_at<\?\)/);
  });
});
