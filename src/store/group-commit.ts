import type { Kysely } from 'kysely';
import { createBatcher } from './batcher.js';
import type { Database } from './schema.js';
import type { WriteLock } from './write-lock.js';

export type WriteWork<T> = (trx: Kysely<Database>) => Promise<T>;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

class BatchItemFailed extends Error {}

/** How long a batch another thread waits for may go on adding work before it commits. */
const turnMs = 10;

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
 *
 * With `lock`, each batch first takes it: the turn a job thread's connection to the same database
 * shares with this one (write-lock.ts); and a batch another thread waits for commits early, with
 * the work it has run so far.
 */
export function groupCommitWriter(db: Kysely<Database>, lock?: WriteLock, maxBatch = 256): <T>(work: WriteWork<T>) => Promise<T> {
  const alone = (work: WriteWork<unknown>): Promise<Outcome> =>
    db
      .transaction()
      .execute(work)
      .then(
        (value) => ({ ok: true, value }),
        (error: unknown) => ({ ok: false, error }),
      );

  const submit = createBatcher<WriteWork<unknown>, Outcome>(
    async (works) => {
      if (works.length === 1) return [await alone(works[0]!)];
      const values: unknown[] = [];
      try {
        const began = performance.now();
        await db.transaction().execute(async (trx) => {
          for (const work of works) {
            // Another thread waits to write (a webhook's ack, when this is the job thread): commit
            // what is done and let it have its turn; the rest of the batch leads the next one.
            if (lock?.wanted() && values.length > 0 && performance.now() - began >= turnMs) break;
            try {
              values.push(await work(trx));
            } catch {
              throw new BatchItemFailed();
            }
          }
        });
      } catch {
        const outcomes: Outcome[] = [];
        for (const work of works) outcomes.push(await alone(work));
        return outcomes;
      }
      return values.map((value) => ({ ok: true, value }));
    },
    maxBatch,
    lock ? () => lock.acquire() : undefined,
  );

  return async <T>(work: WriteWork<T>): Promise<T> => {
    const outcome = await submit(work);
    if (!outcome.ok) throw outcome.error;
    return outcome.value as T;
  };
}
