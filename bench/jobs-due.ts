import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { candidateJobs, claimJobs } from '../src/queue/claim.js';
import { earliestPendingQuery, nextDueAt } from '../src/queue/next-due.js';
import { openStore, type Store } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import type { Database } from '../src/store/schema.js';
import { postgresReachable, postgresUrl } from './postgres.js';

// The queue's two reads of what is due, with a backlog queued for later (100,000 broadcast sends
// spread over the next hours): the worker's next-due read (queue/next-due.ts) and a claim that
// finds nothing due (queue/claim.ts), each timed with and without the `jobs_due` index (migration
// 0025) in the same run and process, with the indexes each query's plan reads. Then the claim again
// with 100,000 jobs all due, where the index must not make it worse (the claim walks (state,
// priority, id) and stops at its limit). PostgreSQL's statistics are gathered first
// (ANALYZE), as its autovacuum would have; SQLite's are not, as Parley never gathers them.

export interface JobsDueVariant {
  index: boolean;
  nextDueMs: number;
  emptyClaimMs: number;
  dueClaimMs: number;
  nextDuePlan: string;
  claimPlan: string;
}

export interface JobsDueFigures {
  database: 'sqlite' | 'postgres';
  jobs: number;
  without: JobsDueVariant;
  with: JobsDueVariant;
}

const createIndex = sql`create index if not exists jobs_due on jobs (state, run_at) where state = 'pending'`;
const dropIndex = sql`drop index if exists jobs_due`;

/** `n` pending send jobs, one recipient each (no group waits behind another), due at `runAt(i)`. */
async function fill(db: Kysely<Database>, n: number, runAt: (i: number) => number): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < n; i += 1_000) {
    await db
      .insertInto('jobs')
      .values(
        Array.from({ length: Math.min(1_000, n - i) }, (_, k) => ({
          kind: 'message.send',
          payload: `{"messageId":"msg_${i + k}"}`,
          group_key: `send:+1212${String(i + k).padStart(7, '0')}`,
          limit_key: null,
          state: 'pending' as const,
          run_at: runAt(i + k),
          max_attempts: 10,
          priority: 1,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
}

/** Mean milliseconds per call, after a warm-up. */
async function timed(calls: number, f: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await f();
  const started = performance.now();
  for (let i = 0; i < calls; i++) await f();
  return (performance.now() - started) / calls;
}

/** The indexes a query's plan reads, from EXPLAIN (QUERY PLAN). */
async function planOf(store: Store, query: { sql: string; parameters: readonly unknown[] }): Promise<string> {
  const explain = store.dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
  const { rows } = await store.db.executeQuery({ ...query, sql: explain + query.sql, query: { kind: 'RawNode' } } as never);
  const lines = (rows as Array<{ detail?: string; 'QUERY PLAN'?: string }>).map((r) => r.detail ?? r['QUERY PLAN'] ?? '');
  if (process.env.BENCH_PLANS) console.log(lines.join('\n'));
  const named = /(?:USING (?:COVERING )?INDEX|Index (?:Only )?Scan using|Bitmap Index Scan on) (\w+)/g;
  const indexes = [...new Set(lines.flatMap((line) => [...line.matchAll(named)].map((m) => m[1]!)))];
  const sort = lines.some((line) => /TEMP B-TREE FOR ORDER BY|Sort Key/i.test(line)) ? ' + sort' : '';
  return `${indexes.join(', ') || 'table scan'}${sort}`;
}

async function variant(store: Store, index: boolean, calls: number, due: Store): Promise<JobsDueVariant> {
  for (const s of [store, due]) await (index ? createIndex : dropIndex).execute(s.db);
  if (store.dialect === 'postgres') for (const s of [store, due]) await sql`analyze jobs`.execute(s.db);
  const now = Date.now();
  const nextDuePlan = await planOf(store, earliestPendingQuery(store.db, { after: now, until: now + 1_000 }).compile());
  const claimPlan = await planOf(store, candidateJobs(store.db, store.dialect, now, { limit: 128 }).compile());
  // The worker's calls: what falls due within its poll interval, and a claim of up to 128 jobs.
  const nextDueMs = await timed(calls, () => nextDueAt(store, Date.now(), Date.now() + 1_000));
  const claim = (s: Store) => () => claimJobs(s, { workerId: 'bench', limit: 128, leaseMs: 30_000 });
  const emptyClaimMs = await timed(calls, claim(store));
  // Claimed jobs go back to pending at once, so every claim finds the same backlog.
  const release = (s: Store) =>
    s.db.updateTable('jobs').set({ state: 'pending', locked_by: null, locked_until: null }).where('state', '=', 'running').execute();
  let dueMs = 0;
  for (let i = 0; i < Math.min(calls, 50); i++) {
    const started = performance.now();
    await claim(due)();
    dueMs += performance.now() - started;
    await release(due);
  }
  return { index, nextDueMs, emptyClaimMs, dueClaimMs: dueMs / Math.min(calls, 50), nextDuePlan, claimPlan };
}

export async function benchJobsDue(
  database: 'sqlite' | 'postgres',
  jobs = Number(process.env.BENCH_JOBS ?? 100_000),
  calls = Number(process.env.BENCH_JOBS_DUE_CALLS ?? 200),
): Promise<JobsDueFigures | null> {
  if (database === 'postgres' && !(await postgresReachable())) return null;
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-due-'));
  const schemas = [`bench_due_${process.pid}_${Date.now()}`, `bench_due_${process.pid}_${Date.now()}_all`];
  const open = (i: number) =>
    database === 'sqlite' ? openStore(join(dir, `jobs-${i}.db`)) : openStore(postgresUrl, { schema: schemas[i]! });
  const future = await open(0);
  const due = await open(1);
  try {
    await migrateToLatest(future);
    await migrateToLatest(due);
    const now = Date.now();
    // Spread over the next ~3 hours, as a broadcast's or a night's quiet-hours releases are.
    await fill(future.db, jobs, (i) => now + 60_000 + i * 100);
    await fill(due.db, jobs, () => now - 1_000);
    const without = await variant(future, false, calls, due);
    const withIndex = await variant(future, true, calls, due);
    return { database, jobs, without, with: withIndex };
  } finally {
    await future.close();
    await due.close();
    rmSync(dir, { recursive: true, force: true });
    if (database === 'postgres') {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}
