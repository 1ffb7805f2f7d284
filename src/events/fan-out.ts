import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { precompile } from '../store/precompiled.js';
import type { Database } from '../store/schema.js';
import { enqueueAttempt } from './attempt-job.js';
import { takeOrderHead } from './ordering.js';

/**
 * Creates one delivery, and the job that makes its first attempt, for every enabled endpoint
 * subscribed to this event: in the event's own transaction, so an event is never recorded without
 * its deliveries, nor a delivery sent for a change that rolled back. On an ordered endpoint a
 * delivery about a contact with one already in flight waits behind it (ordering.ts).
 */
export async function enqueueDeliveries(
  trx: Kysely<Database>,
  event: { id: string; type: string; contactId: string | null; now: number },
): Promise<void> {
  const endpoints = (await selectEnabledEndpoints(trx, {})).rows;
  for (const endpoint of endpoints) {
    const types = JSON.parse(endpoint.event_types) as string[];
    if (types.length > 0 && !types.includes(event.type)) continue;
    const id = newId('dlv', event.now);
    const orderKey = endpoint.ordered && event.contactId ? event.contactId : null;
    const waits = orderKey !== null && !(await takeOrderHead(trx, endpoint.id, orderKey, id));
    await trx
      .insertInto('deliveries')
      .values({
        id,
        endpoint_id: endpoint.id,
        event_id: event.id,
        event_type: event.type,
        status: waits ? 'waiting' : 'pending',
        order_key: orderKey,
        next_attempt_at: waits ? null : event.now,
        last_response_status: null,
        last_error: null,
        delivered_at: null,
        created_at: event.now,
        updated_at: event.now,
      })
      .execute();
    if (!waits) await enqueueAttempt(trx, { deliveryId: id, endpointId: endpoint.id, now: event.now });
  }
}

// Run with every event: compiled once (see store/precompiled.ts).
const selectEnabledEndpoints = precompile([], (db) =>
  db.selectFrom('endpoints').select(['id', 'event_types', 'ordered']).where('status', '=', 'enabled'),
);
