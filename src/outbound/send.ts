import type { Insertable, Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { toE164 } from '../core/phone.js';
import { countSegments } from '../core/segments.js';
import { ParleyError } from '../errors.js';
import type { ChannelConfig } from '../config.js';
import { parleyIdParam, SendError, type ProviderCallsSeen } from '../providers/contract.js';
import { enqueue } from '../queue/enqueue.js';
import { everyColumn, precompile } from '../store/precompiled.js';
import type { JobHandler } from '../queue/worker.js';
import type { Database, MessageOrigin, MessageRow, SendAttemptOutcome, SendAttemptsTable } from '../store/schema.js';
import { isSuppressed } from '../consent/consent.js';
import type { EngineContext } from '../runtime/context.js';
import { touchConversation, upsertContact, upsertConversation } from '../conversations/conversations.js';
import { recordEvent } from '../events/events.js';
import { suppressAtProviderWord } from '../consent/provider-opt-out.js';
import { advanceStatus, applyWaitingReceipts } from './status.js';
import { sendGroup } from '../queue/groups.js';
import { scheduleRelease } from './scheduled.js';
import { quietHoursHold } from './quiet-hours.js';
import { isRateLimited, senderRate, type Sender } from '../core/sender-rate.js';
import { holdSender, reserveSenderSlot, senderHeld, takeLiveSlot } from './sender-clock.js';
import type { QuietHoursConfig } from '../config-fields.js';

/** Longest body Parley will send: 10 segments of GSM-7 text, the usual provider ceiling. */
export const maxBodyLength = 1600;

export interface OutboundDraft {
  /** Channel name; the default channel when absent (see ChannelDirectory.require). */
  channel?: string;
  to: string;
  body: string;
  /** One of the channel's numbers; its first when absent. */
  from?: string;
  /** The inbound message this answers, when it is an automatic reply. */
  replyToId?: string | null;
  /** Who is sending; only `compliance` (the opt-out confirmation) may reach a suppressed number. */
  origin?: MessageOrigin;
  /**
   * The conversation, when the caller already holds it (a reply): saves looking it up again. With
   * its activity times as the caller last wrote them, it is not written again when nothing would change.
   */
  conversation?: { id: string; contact_id: string; last_message_at?: number; updated_at?: number };
  /** The time the caller acts at (the router's turn), for the message's creation; now when absent. */
  now?: number;
  /** When to send it; a time not after now sends it at once (see outbound/scheduled.ts). */
  sendAt?: number | null;
  /** The template its body was written from, kept with the message. */
  template?: string | null;
  /** Quiet hours over the channel's and the deployment's (a broadcast's own). */
  quietHours?: QuietHoursConfig | null;
  /** The broadcast it is part of: bulk traffic that is never a reply, whoever wrote last. */
  broadcastId?: string | null;
  /**
   * Whether the recipient has opted out of this sender, when the caller read it in the same
   * transaction and nothing since could change it (the router); read here otherwise. The send job
   * checks again before the provider call in any case.
   */
  suppressed?: boolean;
}

export interface QueueOptions {
  /**
   * What to do when the recipient has opted out: `throw` a 422 `opted_out` (API callers, who can be
   * told at once), or `record` the message as failed with error `opted_out` (automation, flows),
   * so the refusal is visible in the conversation.
   */
  onSuppressed: 'throw' | 'record';
}

/**
 * The one way a message leaves Parley: every path (API, automation, agents) queues its message
 * here, in the caller's transaction. The send job then hands it to the provider.
 * The caller calls `ctx.jobsQueued()` after its commit.
 */
export async function queueOutbound(
  trx: Kysely<Database>,
  ctx: EngineContext,
  draft: OutboundDraft,
  options: QueueOptions = { onSuppressed: 'throw' },
): Promise<MessageRow> {
  const channel = ctx.channels.require(draft.channel);
  const to = toE164(draft.to);
  if (!to) throw new ParleyError('invalid_phone_number', `to: "${draft.to.slice(0, 40)}" is not a phone number.`);
  const from = draft.from === undefined ? channel.config.numbers[0]! : toE164(draft.from);
  if (!from || !channel.config.numbers.includes(from)) {
    throw new ParleyError('channel_unavailable', `from: ${draft.from} is not a number of channel "${channel.name}".`);
  }
  checkBody(draft.body);

  const origin = draft.origin ?? 'api';
  const refused = origin !== 'compliance' && (draft.suppressed ?? (await isSuppressed(trx, to, from)));
  if (refused && options.onSuppressed === 'throw') {
    throw new ParleyError('opted_out', `${to} has opted out of messages from ${from}.`);
  }

  const now = draft.now ?? Date.now();
  const conversation = draft.conversation ?? (await upsertConversation(trx, await upsertContact(trx, to, now), channel.name, from, now));
  const contactId = conversation.contact_id;
  let sendAt = draft.sendAt ?? null;
  if (!refused && (sendAt === null || sendAt <= now)) {
    // A text due now may still have to wait for the recipient's quiet hours to end.
    const hold = await quietHoursHold(
      trx,
      ctx,
      {
        to,
        channel: channel.config,
        origin,
        conversationId: conversation.id,
        override: draft.quietHours,
        bulk: draft.broadcastId !== undefined && draft.broadcastId !== null,
      },
      now,
    );
    if (hold !== null) sendAt = hold;
  }
  const row = outboundRow({
    channel: channel.name,
    from,
    to,
    body: draft.body,
    conversationId: conversation.id,
    origin,
    refused,
    sendAt,
    replyToId: draft.replyToId ?? null,
    template: draft.template ?? null,
    broadcastId: draft.broadcastId ?? null,
    now,
  });
  const scheduled = row.status === 'scheduled';
  await insertMessage(trx, row);
  if (scheduled) {
    // The conversation's activity moves when the text goes, not now.
    await scheduleRelease(trx, row.id, sendAt!, now);
    return row;
  }
  if (draft.conversation?.last_message_at !== now || draft.conversation.updated_at !== now) {
    await touchConversation(trx, { id: conversation.id, now });
  }
  if (refused) {
    await recordRefusal(trx, row, contactId);
    return row;
  }
  await enqueue(
    trx,
    'message.send',
    { messageId: row.id },
    { groupKey: sendGroup(to), now, maxAttempts: ctx.config.queue.max_attempts, priority: sendPriority(origin) },
  );
  return row;
}

/** A body Parley would send: not empty, at most `maxBodyLength`; else a 422 `invalid_payload` naming why. */
export function checkBody(body: string): void {
  if (body.length === 0) throw new ParleyError('invalid_payload', 'body: must not be empty.');
  if (body.length > maxBodyLength) throw new ParleyError('invalid_payload', `body: longer than ${maxBodyLength} characters.`);
}

export interface OutboundRowDraft {
  channel: string;
  from: string;
  /** E.164. */
  to: string;
  body: string;
  conversationId: string;
  origin: MessageOrigin;
  /** The recipient has opted out of `from`: the text is recorded failed (`opted_out`), never sent. */
  refused: boolean;
  /** When it may go (a `send_at`, or the end of the recipient's quiet hours); after `now`, it is `scheduled`. */
  sendAt: number | null;
  replyToId: string | null;
  template: string | null;
  broadcastId: string | null;
  now: number;
}

/**
 * An outbound message as stored: `failed` when refused, `scheduled` when its time is ahead, else
 * `queued`. Every path that makes texts builds them here (queueOutbound, a broadcast's page).
 */
export function outboundRow(d: OutboundRowDraft): MessageRow {
  const { encoding, segments } = countSegments(d.body);
  const scheduled = !d.refused && d.sendAt !== null && d.sendAt > d.now;
  return {
    id: newId('msg', d.now),
    conversation_id: d.conversationId,
    direction: 'outbound',
    channel: d.channel,
    from_number: d.from,
    to_number: d.to,
    body: d.body,
    media_urls: '[]',
    provider_message_id: null,
    status: d.refused ? 'failed' : scheduled ? 'scheduled' : 'queued',
    provider_status: null,
    error_code: d.refused ? 'opted_out' : null,
    error_message: d.refused ? 'the recipient has opted out; not sent' : null,
    segments,
    encoding,
    reply_to_id: d.replyToId,
    origin: d.origin,
    intent: null,
    provider_time: null,
    processed_at: null,
    send_at: d.sendAt,
    template: d.template,
    routing: null,
    broadcast_id: d.broadcastId,
    created_at: d.now,
    updated_at: d.now,
  };
}

/** The event of a text refused because its recipient opted out (it is stored failed, never queued). */
export async function recordRefusal(trx: Kysely<Database>, row: MessageRow, contactId: string): Promise<void> {
  await recordEvent(
    trx,
    'message.status',
    { message_id: row.id, status: 'failed', previous_status: 'queued', provider_status: null, error_code: 'opted_out' },
    { messageId: row.id, contactId, now: row.created_at },
  );
}

/** Stores many messages with few statements (a broadcast's page): the columns `insertMessage` writes, a chunk of rows per insert. */
export async function insertMessages(trx: Kysely<Database>, rows: readonly MessageRow[]): Promise<void> {
  // 26 columns a row: well under either engine's limit on bound values per statement.
  for (let i = 0; i < rows.length; i += messagesPerInsert) {
    await trx
      .insertInto('messages')
      .values(
        rows.slice(i, i + messagesPerInsert).map((row) => Object.fromEntries(messageColumns.map((c) => [c, row[c]])) as MessageValues),
      )
      .execute();
  }
}
const messagesPerInsert = 250;

/**
 * Replies to people texting now (automatic replies, flow steps, agents, the opt-out confirmation)
 * are live: claimed before bulk traffic and never waiting behind it on the sender's clock.
 */
export function isLive(origin: MessageOrigin): boolean {
  return origin === 'automation' || origin === 'agent' || origin === 'compliance';
}

/** The queue priority of a message's send job: 0 for live replies, 1 for bulk traffic. */
export function sendPriority(origin: MessageOrigin): number {
  return isLive(origin) ? 0 : 1;
}

/** A bulk send whose slot is nearer than this waits for it in its job; further, it is queued again for then. */
const maxInlineSlotWaitMs = 250;

/** Queues one message in its own commit (the API's path). */
export async function sendMessage(ctx: EngineContext, draft: OutboundDraft): Promise<MessageRow> {
  const row = await ctx.store.write((trx) => queueOutbound(trx, ctx, draft));
  ctx.jobsQueued();
  return row;
}

/**
 * Hands a queued message to its provider. The provider call cannot share a transaction with the
 * database, so a crash between the provider's answer and our commit means the job runs again:
 * the provider gets the same Parley message id both times, for its own idempotency. Such a run
 * (its message already `sending`, its last run interrupted) has an unknown outcome: it is recorded
 * and counted, and the channel's `on_unknown_outcome` says whether to send again or fail it.
 */
export function sendHandler(ctx: EngineContext): JobHandler<'message.send'> {
  return async (job, { finish, log }) => {
    const [row] = (await selectSendable(ctx.store.db, { id: job.payload.messageId })).rows;
    if (!row || (row.status !== 'queued' && row.status !== 'sending')) return;
    const { suppressed, ...message } = row;

    const fail = (errorCode: string, errorMessage: string) =>
      finish(async (trx) => {
        await advanceStatus(trx, message.id, 'failed', { errorCode, errorMessage });
      });

    const channel = ctx.channels.get(message.channel);
    if (!channel) return fail('channel_unavailable', `channel "${message.channel}" is no longer configured`);
    if (message.status === 'sending' && job.interrupted) {
      const action = channel.config.on_unknown_outcome ?? 'resend';
      ctx.metrics.sendsUnknownOutcome.inc({ channel: message.channel, action });
      log.warn({ message: message.id, action }, 'a send was cut short and may have reached the provider: its outcome is unknown');
      const unknownOutcome = (trx: Kysely<Database>) =>
        recordEvent(
          trx,
          'message.unknown_outcome',
          { message_id: message.id, channel: message.channel, to: message.to_number, action },
          { messageId: message.id },
        );
      if (action === 'fail') {
        return finish(async (trx) => {
          await unknownOutcome(trx);
          await advanceStatus(trx, message.id, 'failed', {
            errorCode: 'unknown_outcome',
            errorMessage: 'the send was cut short by a crash and may or may not have reached the recipient; not sent again',
          });
        });
      }
      await ctx.store.write(unknownOutcome);
    }
    // Checked again now, not only when queued: a STOP may have arrived while this waited.
    if (message.origin !== 'compliance' && Boolean(suppressed)) {
      return fail('opted_out', 'the recipient opted out before this was sent; not sent');
    }
    const sender: Sender = { channel: message.channel, number: message.from_number, rate: senderRate(channel.config) };
    if (isRateLimited(sender.rate) && message.status === 'queued') {
      if (isLive(message.origin)) {
        await takeLiveSlot(ctx.store, sender);
      } else {
        // A retry takes a new slot, as does one whose slot came during a pause the provider asked for.
        const first = job.attempts === 1;
        let slot = first ? (job.payload.slotAt ?? null) : null;
        let queuedAt = first ? job.payload.queuedAt : undefined;
        for (let tries = 0; ; tries++) {
          const held = await senderHeld(ctx.store, sender);
          if (slot !== null && !held) break;
          // A pause voids the text's place in the number's queue: it queues again after the pause.
          const reserved = await reserveSenderSlot(ctx.store, sender, held ? undefined : queuedAt);
          queuedAt = undefined;
          const wait = reserved.at - Date.now();
          if (!reserved.full && wait <= 0) {
            queuedAt = reserved.at;
            continue;
          }
          if (!reserved.full || wait > maxInlineSlotWaitMs || tries > 2) {
            const runAt = reserved.at;
            return finish((trx) =>
              enqueue(
                trx,
                'message.send',
                { messageId: message.id, ...(reserved.full ? { slotAt: runAt } : { queuedAt: runAt }) },
                { groupKey: sendGroup(message.to_number), runAt, priority: 1, maxAttempts: ctx.config.queue.max_attempts },
              ),
            );
          }
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          slot = reserved.at;
        }
      }
    }
    // Over `queued` only (a broadcast's cancel may have withdrawn it since it was read): one
    // conditional update with no event, which needs no transaction of its own (see Store.writeAlone).
    if (message.status === 'queued' && !(await ctx.store.writeAlone((db) => advanceStatus(db, message.id, 'sending', { from: 'queued' }))))
      return;

    let result;
    const started = Date.now();
    const attempt =
      (outcome: SendAttemptOutcome, detail: Partial<Insertable<SendAttemptsTable>> = {}) =>
      (trx: Kysely<Database>) =>
        recordSendAttempt(trx, { message_id: message.id, attempt: job.attempts, started_at: started, outcome, ...detail });
    const seen: ProviderCallsSeen = { status: null };
    try {
      result = await channel.adapter.send(
        {
          id: message.id,
          from: message.from_number,
          to: message.to_number,
          body: message.body,
          mediaUrls: JSON.parse(message.media_urls) as string[],
          statusCallbackUrl: statusCallbackUrl(channel.config, message.id),
          seen,
        },
        channel.config,
      );
    } catch (error) {
      if (!(error instanceof SendError)) {
        await ctx.store.write(
          attempt('retrying', { error_kind: 'internal', error_message: String((error as Error).message).slice(0, 500) }),
        );
        throw error;
      }
      if (error.kind === 'throttled' && isRateLimited(sender.rate)) {
        // The provider says this number goes too fast: every instance's bulk traffic from it waits.
        await holdSender(ctx.store, sender, Date.now() + (error.retryAfterMs ?? 1_000));
      }
      const retrying = error.retryable && job.attempts < job.maxAttempts;
      ctx.metrics.sends.inc({ channel: message.channel, outcome: retrying ? 'retry' : 'failed' });
      const failed = attempt(retrying ? 'retrying' : 'failed', {
        http_status: seen.status,
        error_kind: error.kind,
        error_code: error.providerCode,
        error_message: error.message.slice(0, 500),
      });
      // A retried attempt has no commit of its own: it is recorded alone, one insert.
      if (retrying) {
        await ctx.store.write(failed);
        throw error;
      }
      log.warn({ message: message.id, kind: error.kind, code: error.providerCode }, 'send failed for good');
      if (error.kind === 'recipient_opted_out') {
        // The provider keeps its own opt-out list (a STOP sent to it directly): Parley honours it too.
        return finish(async (trx) => {
          await failed(trx);
          await advanceStatus(trx, message.id, 'failed', { errorCode: error.providerCode ?? 'opted_out', errorMessage: error.message });
          await suppressAtProviderWord(trx, message, `provider refused the send: ${error.message}`);
        });
      }
      return finish(async (trx) => {
        await failed(trx);
        await advanceStatus(trx, message.id, 'failed', { errorCode: error.providerCode ?? error.kind, errorMessage: error.message });
      });
    }

    ctx.metrics.sends.inc({ channel: message.channel, outcome: 'accepted' });
    const answered = Date.now();
    await finish(async (trx) => {
      const now = Date.now();
      await attempt('accepted', {
        duration_ms: answered - started,
        http_status: seen.status,
        provider_message_id: result.providerMessageId,
        provider_status: result.status,
      })(trx);
      // The provider id is written with the status; a message a receipt already moved past it gets the id alone.
      const moved = await advanceStatus(trx, message.id, result.status, {
        now,
        from: 'sending',
        providerMessageId: result.providerMessageId,
      });
      if (!moved) {
        await trx
          .updateTable('messages')
          .set({ provider_message_id: result.providerMessageId, updated_at: now })
          .where('id', '=', message.id)
          .execute();
      }
      const partIds = result.partIds && result.partIds.length > 1 ? result.partIds : [result.providerMessageId];
      if (partIds.length > 1) await recordPartIds(trx, message, partIds, now);
      await applyWaitingReceipts(trx, message.channel, partIds, message.id);
      await recordEvent(
        trx,
        'message.sent',
        { message_id: message.id, channel: message.channel, to: message.to_number, provider_message_id: result.providerMessageId },
        { messageId: message.id, now },
      );
    });
  };
}

/**
 * Where the provider should send this message's receipts: the channel's status URL with Parley's
 * message id in it, so a receipt that arrives before the send call returns still finds its message.
 */
export function statusCallbackUrl(channel: ChannelConfig, messageId: string): string | null {
  if (!channel.public_url) return null;
  return `${channel.public_url}/hooks/${channel.name}/status?${parleyIdParam}=${messageId}`;
}

/** One call to the provider, whatever came of it, for the message's trace: a single insert. */
async function recordSendAttempt(
  trx: Kysely<Database>,
  row: Omit<Insertable<SendAttemptsTable>, 'duration_ms'> & { duration_ms?: number },
): Promise<void> {
  await insertSendAttempt(trx, {
    message_id: row.message_id,
    attempt: row.attempt,
    started_at: row.started_at,
    duration_ms: row.duration_ms ?? Date.now() - row.started_at,
    outcome: row.outcome,
    http_status: row.http_status ?? null,
    provider_message_id: row.provider_message_id ?? null,
    provider_status: row.provider_status ?? null,
    error_kind: row.error_kind ?? null,
    error_code: row.error_code ?? null,
    error_message: row.error_message ?? null,
  });
}

type SendAttemptValues = Omit<Insertable<SendAttemptsTable>, 'id'>;
const sendAttemptColumns = everyColumn<SendAttemptValues>()([
  'message_id',
  'attempt',
  'started_at',
  'duration_ms',
  'outcome',
  'http_status',
  'provider_message_id',
  'provider_status',
  'error_kind',
  'error_code',
  'error_message',
]);
// One per provider call: compiled once (see store/precompiled.ts).
const insertSendAttempt = precompile(sendAttemptColumns, (db, p: Required<SendAttemptValues>) => db.insertInto('send_attempts').values(p));

type MessageValues = Required<Insertable<Database['messages']>>;
const messageColumns = everyColumn<MessageValues>()([
  'id',
  'conversation_id',
  'direction',
  'channel',
  'from_number',
  'to_number',
  'body',
  'media_urls',
  'provider_message_id',
  'status',
  'provider_status',
  'error_code',
  'error_message',
  'segments',
  'encoding',
  'reply_to_id',
  'origin',
  'intent',
  'provider_time',
  'processed_at',
  'send_at',
  'template',
  'routing',
  'broadcast_id',
  'created_at',
  'updated_at',
]);
// Every queued text: compiled once (see store/precompiled.ts).
const insertMessage = precompile(messageColumns, (db, p: MessageValues) => db.insertInto('messages').values(p));

/** Keeps the provider id of every part, so each part's receipt finds the message (see outbound/status.ts). */
async function recordPartIds(trx: Kysely<Database>, message: MessageRow, partIds: string[], now: number): Promise<void> {
  // A send that ran again after a crash got new ids; the message now stands for the latest send.
  await trx.deleteFrom('outbound_part_ids').where('message_id', '=', message.id).execute();
  await trx
    .insertInto('outbound_part_ids')
    .values(
      partIds.map((id, i) => ({
        channel: message.channel,
        provider_message_id: id,
        message_id: message.id,
        part_index: i + 1,
        part_total: partIds.length,
        created_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['channel', 'provider_message_id']).doNothing())
    .execute();
}

// Every send starts here: the message and, in the same read, whether its recipient has opted out
// of its sender (asked again now, not only when it was queued: a STOP may have come meanwhile).
const selectSendable = precompile(['id'], (db, p: { id: string }) =>
  db
    .selectFrom('messages as m')
    .selectAll('m')
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('suppressions as s')
            .select('s.phone')
            .whereRef('s.phone', '=', 'm.to_number')
            .where((w) => w.or([w('s.scope', '=', w.ref('m.from_number')), w('s.scope', '=', '*')])),
        )
        .as('suppressed'),
    )
    .where('m.id', '=', p.id),
);
