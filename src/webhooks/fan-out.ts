import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { enqueue } from '../queue/enqueue.js';
import type { Database } from '../store/schema.js';

/**
 * Creates one delivery, and the job that makes its first attempt, for every enabled endpoint
 * subscribed to this event: in the event's own transaction, so an event is never recorded without
 * its deliveries, nor a delivery sent for a change that rolled back.
 */
export async function enqueueDeliveries(trx: Kysely<Database>, event: { id: string; type: string; now: number }): Promise<void> {
  const endpoints = await trx.selectFrom('endpoints').select(['id', 'event_types']).where('status', '=', 'enabled').execute();
  for (const endpoint of endpoints) {
    const types = JSON.parse(endpoint.event_types) as string[];
    if (types.length > 0 && !types.includes(event.type)) continue;
    const id = newId('dlv', event.now);
    await trx
      .insertInto('deliveries')
      .values({
        id,
        endpoint_id: endpoint.id,
        event_id: event.id,
        event_type: event.type,
        status: 'pending',
        next_attempt_at: event.now,
        last_response_status: null,
        last_error: null,
        delivered_at: null,
        created_at: event.now,
        updated_at: event.now,
      })
      .execute();
    await enqueueAttempt(trx, { deliveryId: id, endpointId: endpoint.id, now: event.now });
  }
}

/**
 * Queues the next attempt of a delivery. Attempts share their endpoint's limit key, so a slow
 * endpoint holds at most `webhooks.per_endpoint_concurrency` worker slots. The queue's own retries
 * are only for Parley's failures (a database error); the endpoint's failures are retried by
 * queueing a new attempt on the delivery's schedule (deliver.ts).
 */
export async function enqueueAttempt(trx: Kysely<Database>, attempt: { deliveryId: string; endpointId: string; now: number; runAt?: number }): Promise<void> {
  await enqueue(
    trx,
    'webhook.deliver',
    { deliveryId: attempt.deliveryId },
    { now: attempt.now, runAt: attempt.runAt ?? attempt.now, maxAttempts: 3, limitKey: `endpoint:${attempt.endpointId}` },
  );
}
