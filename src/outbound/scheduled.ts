import type { Kysely } from 'kysely';
import { ParleyError } from '../errors.js';
import { enqueue, type NewJob } from '../queue/enqueue.js';
import { releaseGroup, sendGroup } from '../queue/groups.js';
import type { JobHandler } from '../queue/worker.js';
import type { Database } from '../store/schema.js';
import type { QuietHoursConfig } from '../config-fields.js';
import type { EngineContext } from '../runtime/context.js';
import { advanceStatus } from './status.js';
import { quietHoursHold } from './quiet-hours.js';

// Scheduled sends. A message with a `send_at` ahead is stored `scheduled` with a `message.release`
// job due at that time, in the caller's transaction: both live in the database, so they survive a
// restart or a failover, and the job is what any instance's worker picks up when the time comes.
// Releasing moves the message to `queued` and queues its send job in one commit with the job's
// completion, so it fires once. The send job then checks the opt-out list as for any text: a STOP
// between scheduling and sending stops it.
//
// The release job has a group of its own: in the recipient's `send:` group it would hold back
// every other text to them until its time.

/** Queues the release of a scheduled message at `sendAt`, in the caller's transaction. */
export async function scheduleRelease(trx: Kysely<Database>, messageId: string, sendAt: number, now: number): Promise<void> {
  const { payload, options } = releaseJob(messageId, sendAt, now);
  await enqueue(trx, 'message.release', payload, options);
}

/** The release job of a scheduled message, for a caller that queues many at once (a broadcast's page). */
export function releaseJob(messageId: string, sendAt: number, now: number): NewJob<'message.release'> {
  return {
    kind: 'message.release',
    payload: { messageId },
    options: { groupKey: releaseGroup(messageId), runAt: sendAt, now, priority: 1 },
  };
}

/**
 * Runs at a scheduled message's time: queues it for sending, or, when its time passed more than
 * `outbound.max_lateness` ago (Parley was not running, or its queue was stopped), drops it as
 * failed with error_code `too_late`: a reminder of a 9 o'clock appointment is worse than none at noon.
 */
export function releaseHandler(ctx: EngineContext): JobHandler<'message.release'> {
  return async (job, { finish, log }) => {
    const message = await ctx.store.db
      .selectFrom('messages')
      .select(['id', 'status', 'send_at', 'to_number', 'conversation_id', 'channel', 'origin', 'broadcast_id'])
      .where('id', '=', job.payload.messageId)
      .executeTakeFirst();
    // Canceled, or erased with its contact: nothing to do.
    if (!message || message.status !== 'scheduled') return;
    const now = Date.now();
    const late = now - (message.send_at ?? now);
    const maxLateness = ctx.config.outbound.max_lateness;
    if (maxLateness !== null && late > maxLateness) {
      log.warn({ message: message.id, late_ms: late }, 'a scheduled message was due too long ago; dropped, not sent');
      await finish(async (trx) => {
        await advanceStatus(trx, message.id, 'failed', {
          errorCode: 'too_late',
          errorMessage: `due ${Math.round(late / 1000)} s ago, more than outbound.max_lateness; not sent`,
          now,
        });
      });
      return;
    }
    // Its time may have come in the middle of the recipient's night: then it waits for the morning.
    const channel = ctx.channels.get(message.channel);
    const hold = channel
      ? await quietHoursHold(
          ctx.store.db,
          ctx,
          {
            to: message.to_number,
            channel: channel.config,
            origin: message.origin,
            conversationId: message.conversation_id,
            override: message.broadcast_id === null ? null : await broadcastQuietHours(ctx.store.db, message.broadcast_id),
            bulk: message.broadcast_id !== null,
          },
          now,
        )
      : null;
    if (hold !== null) {
      log.info({ message: message.id, until: hold }, "a scheduled message waits for the end of the recipient's quiet hours");
      await finish(async (trx) => {
        await trx.updateTable('messages').set({ send_at: hold, updated_at: now }).where('id', '=', message.id).execute();
        await scheduleRelease(trx, message.id, hold, now);
      });
      return;
    }
    await finish(async (trx) => {
      if (!(await advanceStatus(trx, message.id, 'queued', { now }))) return;
      await enqueue(
        trx,
        'message.send',
        { messageId: message.id },
        // Scheduled sends are bulk traffic: replies to people texting now go first.
        { groupKey: sendGroup(message.to_number), now, maxAttempts: ctx.config.queue.max_attempts, priority: 1 },
      );
      if (message.conversation_id !== null) {
        await trx
          .updateTable('conversations')
          .set({ last_message_at: now, updated_at: now })
          .where('id', '=', message.conversation_id)
          .execute();
      }
    });
    ctx.jobsQueued();
  };
}

/** A broadcast's own quiet hours, which its deferred texts keep to when their time comes. */
async function broadcastQuietHours(db: Kysely<Database>, broadcastId: string): Promise<QuietHoursConfig | null> {
  const row = await db.selectFrom('broadcasts').select('quiet_hours').where('id', '=', broadcastId).executeTakeFirst();
  return row?.quiet_hours ? (JSON.parse(row.quiet_hours) as QuietHoursConfig) : null;
}

/**
 * Withdraws a broadcast's text that has not gone (scheduled, or queued with its send not begun), in
 * the caller's transaction; false when it had already gone or settled.
 */
export async function withdrawUnsent(trx: Kysely<Database>, messageId: string, now = Date.now()): Promise<boolean> {
  if (!(await advanceStatus(trx, messageId, 'canceled', { now, withdraw: true }))) return false;
  await trx.deleteFrom('jobs').where('group_key', '=', releaseGroup(messageId)).where('state', '!=', 'running').execute();
  return true;
}

/**
 * Cancels a scheduled message and removes its release job, in the caller's transaction. A message
 * already released (queued or further) may be at the provider: 409 `not_cancelable`.
 */
export async function cancelScheduled(trx: Kysely<Database>, messageId: string, now = Date.now()): Promise<void> {
  if (!(await advanceStatus(trx, messageId, 'canceled', { now }))) {
    const message = await trx.selectFrom('messages').select(['status', 'direction']).where('id', '=', messageId).executeTakeFirst();
    if (!message) throw new ParleyError('not_found', 'No message has this id.');
    throw new ParleyError(
      'not_cancelable',
      `The message is ${message.direction === 'inbound' ? 'inbound' : message.status}; only a scheduled message can be canceled.`,
    );
  }
  // A release job running right now finds the message canceled and does nothing.
  await trx.deleteFrom('jobs').where('group_key', '=', releaseGroup(messageId)).where('state', '!=', 'running').execute();
}
