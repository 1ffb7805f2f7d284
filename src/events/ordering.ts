import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { enqueueAttempt } from './attempt-job.js';

// Ordered endpoints get one contact's events in the order they happened: one delivery per
// (endpoint, contact) is being sent — the head, named in delivery_order_heads — and the rest
// wait. When the head is delivered or given up, the oldest waiting one becomes the head.
//
// Both sides write the head row first. On PostgreSQL that row lock is what keeps a new event and
// a finishing head on two instances from each assuming the other will move the queue on.

/** Makes `deliveryId` the head if there is none; returns whether it is (otherwise it must wait). */
export async function takeOrderHead(trx: Kysely<Database>, endpointId: string, orderKey: string, deliveryId: string): Promise<boolean> {
  const head = await trx
    .insertInto('delivery_order_heads')
    .values({ endpoint_id: endpointId, order_key: orderKey, delivery_id: deliveryId })
    // A no-op update rather than DO NOTHING: it locks the existing head row until commit.
    .onConflict((oc) =>
      oc.columns(['endpoint_id', 'order_key']).doUpdateSet((eb) => ({ delivery_id: eb.ref('delivery_order_heads.delivery_id') })),
    )
    .returning('delivery_id')
    .executeTakeFirstOrThrow();
  return head.delivery_id === deliveryId;
}

/** After the head is settled: the oldest waiting delivery of the same contact goes next. */
export async function promoteNext(trx: Kysely<Database>, endpointId: string, orderKey: string, now: number): Promise<void> {
  await trx.deleteFrom('delivery_order_heads').where('endpoint_id', '=', endpointId).where('order_key', '=', orderKey).execute();
  const next = await trx
    .selectFrom('deliveries')
    .select('id')
    .where('endpoint_id', '=', endpointId)
    .where('order_key', '=', orderKey)
    .where('status', '=', 'waiting')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!next) return;
  await trx.insertInto('delivery_order_heads').values({ endpoint_id: endpointId, order_key: orderKey, delivery_id: next.id }).execute();
  await trx.updateTable('deliveries').set({ status: 'pending', next_attempt_at: now, updated_at: now }).where('id', '=', next.id).execute();
  await enqueueAttempt(trx, { deliveryId: next.id, endpointId, now });
}

/** Ordered mode switched off: everything waiting goes at once. */
export async function releaseWaiting(trx: Kysely<Database>, endpointId: string, now: number): Promise<void> {
  const waiting = await trx
    .selectFrom('deliveries')
    .select('id')
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'waiting')
    .execute();
  await trx.deleteFrom('delivery_order_heads').where('endpoint_id', '=', endpointId).execute();
  if (waiting.length === 0) return;
  await trx
    .updateTable('deliveries')
    .set({ status: 'pending', next_attempt_at: now, updated_at: now })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'waiting')
    .execute();
  for (const { id } of waiting) await enqueueAttempt(trx, { deliveryId: id, endpointId, now });
}
