import type { Kysely } from 'kysely';
import { enqueueAttempt } from '../events/attempt-job.js';
import type { Database } from '../store/schema.js';

// What an operator does to an endpoint's deliveries, through the API or the console: each works in
// the caller's transaction, so the console's audit entry commits with the change. The caller tells
// the worker afterwards (`ctx.jobsQueued()`).

/**
 * Sends a delivery again on a fresh schedule; the webhook-id stays the event's, so receivers can
 * deduplicate. Returns the delivery's endpoint, or null when no delivery has this id.
 */
export async function replayDelivery(trx: Kysely<Database>, deliveryId: string, now: number): Promise<{ endpointId: string } | null> {
  const delivery = await trx.selectFrom('deliveries').select(['id', 'endpoint_id']).where('id', '=', deliveryId).executeTakeFirst();
  if (!delivery) return null;
  await resend(trx, delivery.id, delivery.endpoint_id, now);
  return { endpointId: delivery.endpoint_id };
}

/** Sends again every delivery to the endpoint that failed and was created at `since` or later; returns how many. */
export async function recoverFailed(trx: Kysely<Database>, endpointId: string, since: number, now: number): Promise<number> {
  const failed = await trx
    .selectFrom('deliveries')
    .select('id')
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'failed')
    .where('created_at', '>=', since)
    .execute();
  for (const { id } of failed) await resend(trx, id, endpointId, now);
  return failed.length;
}

/**
 * The columns of an endpoint enabled again after it was disabled: a fresh failure count (or its
 * first failure would disable it again) and no pause.
 */
export const reenabledColumns = { status: 'enabled', disabled_reason: null, failing_since: null, paused_until: null } as const;

/**
 * Enables a disabled endpoint and sends, from now, the deliveries that waited while it was
 * disabled. Returns false (and changes nothing) when the endpoint was not disabled.
 */
export async function enableEndpoint(trx: Kysely<Database>, endpointId: string, now: number): Promise<boolean> {
  const enabled = await trx
    .updateTable('endpoints')
    .set({ ...reenabledColumns, updated_at: now })
    .where('id', '=', endpointId)
    .where('status', '=', 'disabled')
    .executeTakeFirst();
  if (enabled.numUpdatedRows === 0n) return false;
  await resumePending(trx, endpointId, now);
  return true;
}

/** Queues an attempt, from now, for every pending delivery of an endpoint whose attempts had stopped (it was disabled). */
export async function resumePending(trx: Kysely<Database>, endpointId: string, now: number): Promise<number> {
  const pending = await trx
    .selectFrom('deliveries')
    .select('id')
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .execute();
  for (const { id } of pending) await enqueueAttempt(trx, { deliveryId: id, endpointId, now });
  return pending.length;
}

async function resend(trx: Kysely<Database>, deliveryId: string, endpointId: string, now: number): Promise<void> {
  await trx
    .updateTable('deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
    .where('id', '=', deliveryId)
    .execute();
  await enqueueAttempt(trx, { deliveryId, endpointId, now });
}
