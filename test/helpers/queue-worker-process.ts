// A worker process for the multi-process queue test: runs `inbound.process` jobs from the schema
// it is given, recording each run as an event (and whether its group predecessor had already run),
// and exits when the queue is empty.
import { sql } from 'kysely';
import { newId } from '../../src/core/ids.js';
import type { Job } from '../../src/queue/job-kinds.js';
import { Worker, type JobContext, type JobHandlers } from '../../src/queue/worker.js';
import { openStore } from '../../src/store/database.js';
import { testLog } from './log.js';

const [url, schema] = process.argv.slice(2) as [string, string];
const store = await openStore(url, { schema, poolSize: 4 });

const handlers = {
  'inbound.process': async (job: Job<'inbound.process'>, { finish }: JobContext) => {
    const [group, index] = job.payload.messageId.split(':') as [string, string];
    await new Promise((r) => setTimeout(r, Math.random() * 3));
    await finish(async (trx) => {
      const previous =
        Number(index) === 0
          ? 1
          : (
              await trx
                .selectFrom('events')
                .select(sql<number>`count(*)`.as('n'))
                .where('message_id', '=', `${group}:${Number(index) - 1}`)
                .executeTakeFirstOrThrow()
            ).n;
      await trx
        .insertInto('events')
        .values({
          id: newId('evt'),
          type: 'test.run',
          occurred_at: Date.now(),
          contact_id: null,
          message_id: job.payload.messageId,
          data: JSON.stringify({ pid: process.pid, inOrder: Number(previous) === 1 }),
        })
        .execute();
    });
  },
} as unknown as JobHandlers;

const worker = new Worker(store, handlers, testLog, {
  concurrency: 8,
  leaseMs: 30_000,
  pollIntervalMs: 20,
  retryBaseMs: 10,
  retryMaxMs: 50,
});
worker.start();
for (;;) {
  await new Promise((r) => setTimeout(r, 100));
  const { n } = await store.db
    .selectFrom('jobs')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  if (Number(n) === 0) break;
}
await worker.stop();
await store.close();
