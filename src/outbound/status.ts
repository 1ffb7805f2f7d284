import { sql, type Kysely, type Selectable } from 'kysely';
import { canAdvance, messageStatuses, withdrawableStatuses, type MessageStatus, type OutboundStatus } from '../core/message-status.js';
import type { JobHandler } from '../queue/worker.js';
import { precompile } from '../store/precompiled.js';
import type { Database, StatusReceiptsTable } from '../store/schema.js';
import type { EngineContext } from '../runtime/context.js';
import { recordEvent } from '../events/events.js';
import { suppressAtProviderWord } from '../consent/provider-opt-out.js';

export interface StatusChange {
  providerStatus?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  /** Recorded with the move (a send's answer): kept as it was when null or absent. */
  providerMessageId?: string | null;
  /**
   * The status the caller read the message in (the send job): the move is then tried from it at
   * once, and the status is read only if it has changed meanwhile.
   */
  from?: MessageStatus;
  now?: number;
  /** To `canceled` from `queued` too (a broadcast's cancel): see `withdrawableStatuses`. */
  withdraw?: boolean;
}

/**
 * Moves an outbound message to `next` if that is forward from where it is, and records the change
 * as a `message.status` event. The check and the write are one conditional UPDATE, so two receipts
 * applied at once (two processes on PostgreSQL) cannot move a message backwards.
 */
export async function advanceStatus(
  trx: Kysely<Database>,
  messageId: string,
  next: MessageStatus,
  change: StatusChange = {},
): Promise<boolean> {
  return (await moveForward(trx, messageId, next, change)).moved;
}

/** `advanceStatus`, also saying the status it found (null: no such message). */
async function moveForward(
  trx: Kysely<Database>,
  messageId: string,
  next: MessageStatus,
  change: StatusChange,
): Promise<{ moved: boolean; before: string | null }> {
  const now = change.now ?? Date.now();
  const predecessors =
    change.withdraw === true && next === 'canceled' ? withdrawableStatuses : messageStatuses.filter((s) => canAdvance(s, next));
  const values = {
    id: messageId,
    to: next,
    provider_status: change.providerStatus ?? null,
    error_code: change.errorCode ?? null,
    error_message: change.errorMessage ?? null,
    provider_message_id: change.providerMessageId ?? null,
    now,
  };
  // The status the caller saw, when it still holds: one conditional UPDATE, no read.
  let result = change.from && predecessors.includes(change.from) ? await moveStatus(trx, { ...values, from: change.from }) : null;
  let found: string | null = change.from ?? null;
  if (!result?.numAffectedRows) {
    const [before] = (await selectStatus(trx, { id: messageId })).rows;
    found = before?.status ?? null;
    if (!before || !predecessors.includes(before.status as MessageStatus)) return { moved: false, before: found };
    result = await moveStatus(trx, { ...values, from: before.status });
  }
  if (!result.numAffectedRows) return { moved: false, before: found };
  if (next !== 'sending') {
    await recordEvent(
      trx,
      'message.status',
      {
        message_id: messageId,
        status: next,
        previous_status: found!,
        provider_status: change.providerStatus ?? null,
        error_code: change.errorCode ?? null,
      },
      { messageId, now },
    );
  }
  return { moved: true, before: found };
}

// Every send and receipt moves a status: compiled once (see store/precompiled.ts).
const selectStatus = precompile(['id'], (db, p: { id: string }) =>
  db.selectFrom('messages').select(['status', 'to_number']).where('id', '=', p.id),
);
const moveStatus = precompile(
  ['id', 'from', 'to', 'provider_status', 'error_code', 'error_message', 'provider_message_id', 'now'],
  (
    db,
    p: {
      id: string;
      from: string;
      to: string;
      provider_status: string | null;
      error_code: string | null;
      error_message: string | null;
      provider_message_id: string | null;
      now: number;
    },
  ) =>
    db
      .updateTable('messages')
      .set({
        status: p.to,
        provider_status: p.provider_status,
        error_code: p.error_code,
        error_message: p.error_message,
        provider_message_id: sql<string | null>`coalesce(${p.provider_message_id}, provider_message_id)`,
        updated_at: p.now,
      })
      .where('id', '=', p.id)
      .where('status', '=', p.from),
);

/** A receipt for a message Parley never sent (e.g. one sent from the provider's console) is kept, not applied, after this long. */
const unknownReceiptPatienceMs = 10 * 60_000;

class ReceiptNotYetMatched extends Error {
  override name = 'ReceiptNotYetMatched';
}

export function applyStatusHandler(ctx: EngineContext): JobHandler<'status.apply'> {
  return async (job, { finish, log }) => {
    const receipt = await ctx.store.db.selectFrom('status_receipts').selectAll().where('id', '=', job.payload.receiptId).executeTakeFirst();
    if (!receipt || receipt.applied_at !== null) return;
    const message = await findReceiptMessage(ctx.store.db, receipt);
    if (!message) {
      if (Date.now() - receipt.received_at > unknownReceiptPatienceMs) {
        log.warn({ receipt: receipt.id, channel: receipt.channel }, 'delivery receipt matches no message Parley sent; kept unapplied');
        return;
      }
      // The send that will record this provider id may still be in flight; it applies waiting
      // receipts itself when it commits, and this retry covers the commit that raced with ours.
      throw new ReceiptNotYetMatched(`no outbound message with provider id ${receipt.provider_message_id} yet`);
    }
    await finish((trx) => applyReceipt(trx, receipt, message.id));
  };
}

type Receipt = Selectable<StatusReceiptsTable>;

/**
 * The outbound message a receipt is about: by the provider's id, or by Parley's own id when the
 * provider called the per-message callback URL that carries it (the receipt may then beat the send
 * call's answer, before the provider id is recorded).
 */
async function findReceiptMessage(db: Kysely<Database>, receipt: Receipt): Promise<{ id: string } | undefined> {
  const byProviderId = await db
    .selectFrom('messages')
    .select('id')
    .where('channel', '=', receipt.channel)
    .where('direction', '=', 'outbound')
    .where('provider_message_id', '=', receipt.provider_message_id)
    .executeTakeFirst();
  if (byProviderId) return byProviderId;
  const byPartId = await db
    .selectFrom('outbound_part_ids')
    .select('message_id as id')
    .where('channel', '=', receipt.channel)
    .where('provider_message_id', '=', receipt.provider_message_id)
    .executeTakeFirst();
  if (byPartId || !receipt.parley_message_id) return byPartId;
  return db
    .selectFrom('messages')
    .select('id')
    .where('id', '=', receipt.parley_message_id)
    .where('channel', '=', receipt.channel)
    .where('direction', '=', 'outbound')
    .where((eb) => eb.or([eb('provider_message_id', 'is', null), eb('provider_message_id', '=', receipt.provider_message_id)]))
    .executeTakeFirst();
}

/**
 * The status a receipt moves its message to. A receipt for one part of a multipart message is
 * final only when it settles the whole: one failed part fails the message, but it is delivered
 * only once every part has been reported delivered; until then it stays `sent`.
 */
async function statusFromReceipt(trx: Kysely<Database>, receipt: Receipt, messageId: string): Promise<OutboundStatus> {
  const status = receipt.status as OutboundStatus;
  if (status !== 'delivered') return status;
  const partIds = await trx.selectFrom('outbound_part_ids').select('provider_message_id').where('message_id', '=', messageId).execute();
  if (partIds.length > 1)
    return everyPartDelivered(
      trx,
      receipt.channel,
      partIds.map((p) => p.provider_message_id),
    );
  if (receipt.part_key === null) return status;
  const parts = await trx
    .selectFrom('status_receipts')
    .select(['part_key', 'part_total', 'status'])
    .where('channel', '=', receipt.channel)
    .where('provider_message_id', '=', receipt.provider_message_id)
    .where('part_key', 'is not', null)
    .execute();
  const delivered = new Set(parts.filter((p) => p.status === 'delivered').map((p) => p.part_key));
  const announced = Math.max(0, ...parts.map((p) => p.part_total ?? 0));
  const message = await trx.selectFrom('messages').select('segments').where('id', '=', messageId).executeTakeFirst();
  const total = announced > 0 ? announced : (message?.segments ?? 1);
  return delivered.size >= total ? 'delivered' : 'sent';
}

/** For a text whose parts the provider reports under their own ids: delivered once each id has a delivered receipt. */
async function everyPartDelivered(trx: Kysely<Database>, channel: string, partIds: string[]): Promise<OutboundStatus> {
  const delivered = await trx
    .selectFrom('status_receipts')
    .select('provider_message_id')
    .distinct()
    .where('channel', '=', channel)
    .where('provider_message_id', 'in', partIds)
    .where('status', '=', 'delivered')
    .execute();
  return delivered.length >= partIds.length ? 'delivered' : 'sent';
}

/** Applies one stored receipt to its message and marks it applied. */
async function applyReceipt(trx: Kysely<Database>, receipt: Receipt, messageId: string, now = Date.now()): Promise<void> {
  const next = await statusFromReceipt(trx, receipt, messageId);
  const { moved, before } = await moveForward(trx, messageId, next, {
    providerStatus: receipt.provider_status,
    errorCode: receipt.error_code,
    now,
  });
  if (receipt.recipient_opted_out) {
    const message = await trx.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
    await suppressAtProviderWord(
      trx,
      message,
      `the provider reports the recipient opted out with it (status ${receipt.provider_status}, error ${receipt.error_code ?? 'none'})`,
      now,
    );
  }
  // What it found and left, for the trace: equal when the receipt came too late to change anything.
  await trx
    .updateTable('status_receipts')
    .set({ applied_at: now, status_before: before, status_after: moved ? next : before })
    .where('id', '=', receipt.id)
    .where('applied_at', 'is', null)
    .execute();
}

/**
 * Applies receipts that arrived before their message's provider id was known. Called in the
 * transaction that records that id, so a fast receipt waits for no retry.
 */
export async function applyWaitingReceipts(
  trx: Kysely<Database>,
  channel: string,
  providerMessageIds: string[],
  messageId: string,
): Promise<void> {
  const waiting =
    providerMessageIds.length === 1
      ? (await selectWaitingReceipts(trx, { channel, provider_message_id: providerMessageIds[0]! })).rows
      : await trx
          .selectFrom('status_receipts')
          .selectAll()
          .where('channel', '=', channel)
          .where('provider_message_id', 'in', providerMessageIds)
          .where('applied_at', 'is', null)
          .orderBy('id')
          .execute();
  for (const receipt of waiting) await applyReceipt(trx, receipt, messageId);
}

// Every send of one part asks this: compiled once (see store/precompiled.ts).
const selectWaitingReceipts = precompile(['channel', 'provider_message_id'], (db, p: { channel: string; provider_message_id: string }) =>
  db
    .selectFrom('status_receipts')
    .selectAll()
    .where('channel', '=', p.channel)
    .where('provider_message_id', '=', p.provider_message_id)
    .where('applied_at', 'is', null)
    .orderBy('id'),
);
