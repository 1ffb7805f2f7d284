import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type WriteWork<T> = (trx: Kysely<Database>) => Promise<T>;

interface Pending {
  work: WriteWork<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

class BatchItemFailed extends Error {}

/**
 * Runs write transactions for a single-connection database so that those submitted while a
 * commit is in progress share the next commit: with `synchronous=FULL` each commit costs an fsync,
 * and one commit per batch instead of one per webhook is the difference between hundreds and
 * thousands of durable acks per second.
 *
 * Every caller learns its outcome only after the commit that holds its work is durable. If any
 * piece of work in a batch fails (rare: a lost job lease, a database error), the whole batch rolls
 * back and each piece is run again in a transaction of its own, so one failure stays its own and
 * partial work never commits. Work must therefore be safe to run again after a rollback (it only
 * writes through `trx`), and must not itself call `write` (it would wait for its own batch).
 */
export function groupCommitWriter(db: Kysely<Database>, maxBatch = 256): <T>(work: WriteWork<T>) => Promise<T> {
  const queue: Pending[] = [];
  let running = false;

  const runAlone = async (item: Pending): Promise<void> => {
    try {
      item.resolve(await db.transaction().execute(item.work));
    } catch (error) {
      item.reject(error);
    }
  };

  const flush = async (): Promise<void> => {
    running = true;
    const batch = queue.splice(0, maxBatch);
    try {
      if (batch.length === 1) {
        await runAlone(batch[0]!);
        return;
      }
      const values: unknown[] = [];
      try {
        await db.transaction().execute(async (trx) => {
          for (const item of batch) {
            try {
              values.push(await item.work(trx));
            } catch {
              throw new BatchItemFailed();
            }
          }
        });
      } catch {
        for (const item of batch) await runAlone(item);
        return;
      }
      batch.forEach((item, i) => item.resolve(values[i]));
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
