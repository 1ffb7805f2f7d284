import { sql, type Kysely } from 'kysely';
import type { QuietHoursConfig } from '../config-fields.js';
import { recordEvent } from '../events/events.js';
import { upsertConversations } from '../conversations/conversations.js';
import { sendPriority } from '../outbound/send.js';
import { enqueueMany } from '../queue/enqueue.js';
import { sendGroup } from '../queue/groups.js';
import { isRateLimited, senderRate, senderSpacingMs, type Sender } from '../core/sender-rate.js';
import { nextSenderSlot, reserveSenderSlots } from '../outbound/sender-clock.js';
import { withdrawUnsent } from '../outbound/scheduled.js';
import type { Template } from '../outbound/templates.js';
import type { JobHandler } from '../queue/worker.js';
import type { EngineContext } from '../runtime/context.js';
import type { DialectCapabilities } from '../store/database.js';
import type { BroadcastRow, Database, MessageRow } from '../store/schema.js';
import { writePageTexts } from './page-texts.js';
import { readAudiencePage, type Audience } from './audience.js';
import { queueRun } from './create.js';

// A broadcast moves on one page per run of its `broadcast.run` job, each page one commit with the
// job's completion and its next run: the fill writes up to `fillPage` recipients; the dispatch
// turns pending recipients into queued texts, no further ahead of the sender's rate limit than
// `dispatchAheadMs`; a cancel withdraws what has not gone. Everything a run knows is in the
// database, so a restart (or another instance) takes over at the next page, and since a recipient
// leaves `pending` in the commit that makes its message, none is sent twice or lost.

const fillPage = 1_000;
const dispatchPage = 500;
const cancelPage = 500;
/** How far ahead of the sender's clock texts are queued: enough to keep it busy, little to withdraw on a pause. */
export const dispatchAheadMs = 2_000;
/**
 * A page stops taking recipients after this long: briefly where the database's calls hold the event
 * loop (SQLite), so live replies wait little; longer elsewhere, where it only holds the rows it wrote.
 */
const pageTimeMs = (capabilities: DialectCapabilities) => (capabilities.blockingCalls ? 50 : 250);
/** The first slot of a page is at least this far after its writes, so that it commits before its texts are due. */
const commitMarginMs = 20;
/** Recipients whose contacts, conversations and texts are written (or found) with one statement each. */
const peoplePerStatement = 50;
/** A broadcast whose channel is no longer configured tries again this much later. */
const missingChannelRetryMs = 60_000;

export function broadcastRunHandler(ctx: EngineContext): JobHandler<'broadcast.run'> {
  return async (job, { finish, log }) => {
    await finish(async (trx) => {
      const now = Date.now();
      const broadcast = await lockBroadcast(trx, job.payload.broadcastId, now);
      if (!broadcast) return;
      const nextRun = await step(trx, ctx, broadcast, now);
      if (nextRun === 'missing_channel') {
        log.warn({ broadcast: broadcast.id, channel: broadcast.channel }, "a broadcast's channel is not configured; it waits");
        await queueRun(trx, broadcast.id, now + missingChannelRetryMs, now);
      } else if (nextRun !== null) await queueRun(trx, broadcast.id, nextRun, now);
    });
    ctx.jobsQueued();
  };
}

/**
 * Reads the broadcast after writing it: on PostgreSQL its row is then held until this commits, so a
 * pause, resume or cancel waits for the page in progress and the page sees the state they leave.
 */
export async function lockBroadcast(trx: Kysely<Database>, id: string, now: number): Promise<BroadcastRow | undefined> {
  await trx.updateTable('broadcasts').set({ updated_at: now }).where('id', '=', id).execute();
  return trx.selectFrom('broadcasts').selectAll().where('id', '=', id).executeTakeFirst();
}

type NextRun = number | null | 'missing_channel';

async function step(trx: Kysely<Database>, ctx: EngineContext, broadcast: BroadcastRow, now: number): Promise<NextRun> {
  switch (broadcast.state) {
    case 'scheduled':
      await setState(trx, broadcast.id, { state: 'filling', started_at: now });
      return fill(trx, ctx, broadcast, now);
    case 'filling':
      return fill(trx, ctx, broadcast, now);
    case 'sending':
      return dispatch(trx, ctx, broadcast, now);
    case 'cancelled':
      return withdraw(trx, broadcast, now);
    case 'paused':
    case 'completed':
      return null;
  }
}

function setState(trx: Kysely<Database>, id: string, changes: Partial<Omit<BroadcastRow, 'id'>>) {
  return trx.updateTable('broadcasts').set(changes).where('id', '=', id).execute();
}

/** Writes the next page of recipients; a number already written (listed twice, or tagged twice over) is kept once. */
async function fill(trx: Kysely<Database>, ctx: EngineContext, broadcast: BroadcastRow, now: number): Promise<NextRun> {
  const audience = JSON.parse(broadcast.audience) as Audience;
  const page = await readAudiencePage(trx, ctx.store.capabilities, audience, broadcast.fill_cursor, fillPage);
  for (let i = 0; i < page.recipients.length; i += 250) {
    await trx
      .insertInto('broadcast_recipients')
      .values(
        page.recipients.slice(i, i + 250).map((r) => ({
          broadcast_id: broadcast.id,
          phone: r.phone,
          contact_id: r.contact_id,
          state: 'pending' as const,
          message_id: null,
          error: null,
        })),
      )
      .onConflict((oc) => oc.columns(['broadcast_id', 'phone']).doNothing())
      .execute();
  }
  if (page.next !== null) {
    await setState(trx, broadcast.id, { fill_cursor: page.next });
    return now;
  }
  // A list of numbers is not kept past its use: the recipients hold them now (and erasure finds them there).
  const kept = 'phones' in audience ? JSON.stringify({ phones: audience.phones.length }) : broadcast.audience;
  await setState(trx, broadcast.id, { state: 'sending', fill_cursor: null, filled_at: now, audience: kept });
  return now;
}

/**
 * Queues the texts of the next pending recipients: as many as fit in `dispatchAheadMs` of the
 * sender's clocks, from the later of the number's and the channel's (a page when the channel has
 * no rate limit: the next page then waits behind this one's sends in the queue, which claims by priority, then age). The page's send jobs
 * are queued at its end, in one statement, each at its slot: the slots begin after the page's
 * writes, so none is due before the page commits.
 */
async function dispatch(trx: Kysely<Database>, ctx: EngineContext, broadcast: BroadcastRow, now: number): Promise<NextRun> {
  const channel = ctx.channels.get(broadcast.channel);
  if (!channel) return 'missing_channel';
  const from = channel.config.numbers[0]!;
  const sender: Sender = { channel: channel.name, number: from, rate: senderRate(channel.config) };
  let budget = dispatchPage;
  if (isRateLimited(sender.rate)) {
    // The later of the number's and the channel's clocks: the channel's other numbers use its budget too.
    const clock = await nextSenderSlot(trx, sender, now);
    const room = Math.floor((now + dispatchAheadMs - clock) / senderSpacingMs(sender.rate));
    // The texts queued already cover the time ahead: come back when about half of it has gone.
    if (room <= 0) return clock - dispatchAheadMs / 2;
    budget = Math.min(budget, room);
  }
  const pending = await trx
    .selectFrom('broadcast_recipients')
    .select(['phone'])
    .where('broadcast_id', '=', broadcast.id)
    // Written out so SQLite uses the partial index of pending recipients.
    .where(sql<boolean>`state = ${sql.lit('pending')}`)
    .orderBy('phone')
    .limit(budget)
    .execute();
  if (pending.length === 0) {
    await complete(trx, broadcast, now);
    return null;
  }
  const template = broadcast.template_json === null ? null : (JSON.parse(broadcast.template_json) as Template);
  const vars = JSON.parse(broadcast.vars) as Record<string, unknown>;
  const quietHours = broadcast.quiet_hours === null ? null : (JSON.parse(broadcast.quiet_hours) as QuietHoursConfig);
  // A chunk of recipients at a time: their contacts and conversations read (or made), then their
  // texts written together (broadcasts/page-texts.ts), until the page's time is up. Writing the
  // whole page at once made fewer statements but held SQLite's event loop past the page's time, and
  // live replies waited behind it (broadcasts bench, p99 while a broadcast drains: 112-479 ms that
  // way, 77-135 ms this way, 165 ms with one queueOutbound per recipient).
  const pageTime = pageTimeMs(ctx.store.capabilities);
  const toSend: MessageRow[] = [];
  for (let i = 0; i < pending.length && Date.now() - now <= pageTime; i += peoplePerStatement) {
    const phones = pending.slice(i, i + peoplePerStatement).map((r) => r.phone);
    const people = await upsertConversations(trx, phones, channel.name, from, now);
    toSend.push(...(await writePageTexts(trx, ctx, { broadcast, channel, from, template, vars, quietHours, phones, people })));
  }
  await queueSends(trx, ctx, toSend, isRateLimited(sender.rate) ? sender : null);
  return now;
}

/**
 * Queues the page's send jobs, each at its own slot on the sender's clocks when the channel has a
 * rate limit (or on the number's clock only, each taking its channel slot when it comes: see
 * `Reservation` in outbound/sender-clock.ts).
 */
async function queueSends(trx: Kysely<Database>, ctx: EngineContext, messages: MessageRow[], sender: Sender | null): Promise<void> {
  if (messages.length === 0) return;
  const now = Date.now();
  const spacing = sender === null ? 0 : senderSpacingMs(sender.rate);
  const reserved = sender === null ? null : await reserveSenderSlots(trx, sender, messages.length, now + commitMarginMs);
  await enqueueMany(
    trx,
    messages.map((message, i) => {
      const slotAt = reserved === null ? now : reserved.at + i * spacing;
      return {
        kind: 'message.send' as const,
        payload:
          reserved === null
            ? { messageId: message.id }
            : reserved.full
              ? { messageId: message.id, slotAt }
              : { messageId: message.id, queuedAt: slotAt },
        options: {
          groupKey: sendGroup(message.to_number),
          runAt: slotAt,
          priority: sendPriority(message.origin),
          maxAttempts: ctx.config.queue.max_attempts,
          now,
        },
      };
    }),
  );
}

async function complete(trx: Kysely<Database>, broadcast: BroadcastRow, now: number): Promise<void> {
  await setState(trx, broadcast.id, { state: 'completed', finished_at: now });
  const { n } = await trx
    .selectFrom('broadcast_recipients')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('broadcast_id', '=', broadcast.id)
    .executeTakeFirstOrThrow();
  await recordEvent(trx, 'broadcast.completed', { broadcast_id: broadcast.id, channel: broadcast.channel, recipients: Number(n) }, { now });
}

/** A cancelled broadcast: its pending recipients cancelled, then its texts that have not gone withdrawn, a page at a time. */
async function withdraw(trx: Kysely<Database>, broadcast: BroadcastRow, now: number): Promise<NextRun> {
  const cancelled = await trx
    .updateTable('broadcast_recipients')
    .set({ state: 'cancelled' })
    .where('broadcast_id', '=', broadcast.id)
    .where('phone', 'in', (eb) =>
      eb
        .selectFrom('broadcast_recipients')
        .select('phone')
        .where('broadcast_id', '=', broadcast.id)
        .where(sql<boolean>`state = ${sql.lit('pending')}`)
        .limit(fillPage),
    )
    .executeTakeFirst();
  if (Number(cancelled.numUpdatedRows) > 0) return now;
  const unsent = await trx
    .selectFrom('messages')
    .select('id')
    .where('broadcast_id', '=', broadcast.id)
    .where('status', 'in', ['scheduled', 'queued'])
    .limit(cancelPage)
    .execute();
  for (const { id } of unsent) await withdrawUnsent(trx, id, now);
  if (unsent.length === cancelPage) return now;
  await setState(trx, broadcast.id, { finished_at: now });
  return null;
}
