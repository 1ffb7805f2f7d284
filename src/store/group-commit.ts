import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export type WriteWork<T> = (trx: Kysely<Database>) => Promise<T>;

interface Pending {
  work: WriteWork<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Runs write transactions for a single-connection database so that those submitted while a
 * commit is in progress share the next commit: with `synchronous=FULL` each commit costs an fsync,
 * and one fsync per batch instead of one per webhook is the difference between hundreds and
 * thousands of durable acks per second.
 *
 * Each piece of work runs inside its own savepoint, so one failing (a constraint, a lost job
 * lease) rolls back only itself; every caller learns its own outcome only after the commit that
 * holds its work is durable. Work must not itself call `write` (it would wait for its own batch).
 */
export function groupCommitWriter(db: Kysely<Database>, maxBatch = 256): <T>(work: WriteWork<T>) => Promise<T> {
  const queue: Pending[] = [];
  let running = false;

  const flush = async (): Promise<void> => {
    running = true;
    const batch = queue.splice(0, maxBatch);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await db.transaction().execute(async (trx) => {
        for (const item of batch) {
          await sql`savepoint parley_item`.execute(trx);
          try {
            const value = await item.work(trx);
            await sql`release savepoint parley_item`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await sql`rollback to savepoint parley_item`.execute(trx);
            await sql`release savepoint parley_item`.execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
      batch.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    } catch (commitError) {
      for (const item of batch) item.reject(commitError);
    } finally {
      running = false;
      if (queue.length > 0) void flush();
    }
  };

  return <T>(work: WriteWork<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work: work as WriteWork<unknown>, resolve: resolve as (v: unknown) => void, reject });
      // Wait one turn of the event loop so requests that arrived together join one batch.
      if (!running && queue.length === 1) setImmediate(() => void (running || queue.length === 0 ? undefined : flush()));
    });
}
