import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
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
  /** The enabled endpoints, read by the event's own insert (events.ts), in the same transaction. */
  endpoints: EnabledEndpoint[],
): Promise<void> {
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

export interface EnabledEndpoint {
  id: string;
  /** 1 when the endpoint keeps one delivery per contact in flight. */
  ordered: number;
  /** JSON list of the types it takes; empty for all. */
  event_types: string;
}
