import type { Kysely } from 'kysely';
import { enqueue } from '../queue/enqueue.js';
import type { Database } from '../store/schema.js';

/**
 * Queues the next attempt of a delivery. Attempts share their endpoint's limit key, so a slow
 * endpoint holds at most `webhooks.per_endpoint_concurrency` worker slots. The queue's own retries
 * are only for Parley's failures (a database error); the endpoint's failures are retried by
 * queueing a new attempt on the delivery's schedule (deliver.ts). `slotAt` is a send slot already
 * reserved under the endpoint's rate limit.
 */
export async function enqueueAttempt(
  trx: Kysely<Database>,
  attempt: { deliveryId: string; endpointId: string; now: number; runAt?: number; slotAt?: number },
): Promise<void> {
  await enqueue(
    trx,
    'webhook.deliver',
    attempt.slotAt === undefined ? { deliveryId: attempt.deliveryId } : { deliveryId: attempt.deliveryId, slotAt: attempt.slotAt },
    { now: attempt.now, runAt: attempt.runAt ?? attempt.now, maxAttempts: 3, limitKey: `endpoint:${attempt.endpointId}` },
  );
}
