import { sql, type Kysely } from 'kysely';
import type { QuietHoursConfig } from '../config-fields.js';
import { suppressedAmong } from '../consent/consent.js';
import { toE164 } from '../core/phone.js';
import { ParleyError } from '../errors.js';
import { checkBody, insertMessages, outboundRow, recordRefusal } from '../outbound/send.js';
import { bulkQuietHoursHold } from '../outbound/quiet-hours.js';
import { releaseJob } from '../outbound/scheduled.js';
import { readerOf, renderForReader } from '../outbound/template-render.js';
import type { Template } from '../outbound/templates.js';
import { enqueueMany } from '../queue/enqueue.js';
import type { Channel } from '../runtime/channels.js';
import type { EngineContext } from '../runtime/context.js';
import type { BroadcastRow, ContactRow, ConversationRow, Database, MessageRow } from '../store/schema.js';

// A broadcast's texts written a chunk of its page at a time, with a handful of statements rather
// than several per recipient: the chunk's suppressions read at once, each text decided and built
// in memory by the rules every outbound text follows (outbound/send.ts, outbound/quiet-hours.ts),
// then the messages, their quiet-hours releases, the conversations' activity and the recipients'
// states written with multi-row statements. What `queueOutbound` does for one text, this does for the page:
// - a recipient who has opted out of the sending number gets a message recorded `failed`
//   (`opted_out`), with its event, never queued;
// - a text due in the recipient's quiet hours is stored `scheduled`, released when they open;
// - a template missing a value for this contact skips the recipient (`template_vars_missing`), as
//   does a text that cannot be sent (too long once written: its error code);
// - the conversation's activity moves for a text made now (not for one that waits).

export interface PageDraft {
  broadcast: BroadcastRow;
  channel: Channel;
  /** The sending number (the channel's first). */
  from: string;
  template: Template | null;
  vars: Record<string, unknown>;
  quietHours: QuietHoursConfig | null;
  /** Recipients (a chunk of the page), in order, each with the contact and conversation read for them. */
  phones: readonly string[];
  people: ReadonlyMap<string, { contact: ContactRow; conversation: ConversationRow }>;
}

/**
 * Writes the page's texts and settles its recipients, in the caller's transaction; returns the
 * texts to go now (`queued`), whose send jobs the caller queues at their slots on the sender's clock.
 */
export async function writePageTexts(trx: Kysely<Database>, ctx: EngineContext, page: PageDraft): Promise<MessageRow[]> {
  const { broadcast, channel, from } = page;
  const suppressed = await suppressedAmong(trx, page.phones, from);
  const now = Date.now();
  const rows: MessageRow[] = [];
  const contactOf = new Map<string, string>();
  const touch: string[] = [];
  const dispatched: Array<[phone: string, messageId: string]> = [];
  const skipped = new Map<string, string[]>();
  const skip = (phone: string, error: string) => {
    const phones = skipped.get(error) ?? [];
    phones.push(phone);
    skipped.set(error, phones);
  };

  for (const phone of page.phones) {
    const { contact, conversation } = page.people.get(phone)!;
    const body = textFor(ctx, page, contact, phone);
    if (body === null) {
      skip(phone, 'template_vars_missing');
      continue;
    }
    const to = toE164(phone);
    const refusal = to === null ? 'invalid_phone_number' : bodyRefusal(body);
    if (refusal !== null) {
      skip(phone, refusal);
      continue;
    }
    const refused = suppressed.has(to!);
    const sendAt = refused
      ? null
      : bulkQuietHoursHold(ctx, { to: to!, channel: channel.config, origin: 'api', override: page.quietHours }, contact.timezone, now);
    const row = outboundRow({
      channel: channel.name,
      from,
      to: to!,
      body,
      conversationId: conversation.id,
      origin: 'api',
      refused,
      sendAt,
      replyToId: null,
      template: broadcast.template,
      broadcastId: broadcast.id,
      now,
    });
    rows.push(row);
    contactOf.set(row.id, contact.id);
    dispatched.push([phone, row.id]);
    // The conversation's activity moves when a text goes (or is refused), not while it waits.
    if (row.status !== 'scheduled' && (conversation.last_message_at !== now || conversation.updated_at !== now)) {
      touch.push(conversation.id);
    }
  }

  await insertMessages(trx, rows);
  await enqueueMany(
    trx,
    rows.filter((r) => r.status === 'scheduled').map((r) => releaseJob(r.id, r.send_at!, now)),
  );
  if (touch.length > 0) {
    await trx.updateTable('conversations').set({ last_message_at: now, updated_at: now }).where('id', 'in', touch).execute();
  }
  for (const row of rows) if (row.status === 'failed') await recordRefusal(trx, row, contactOf.get(row.id)!);
  await settleDispatched(trx, broadcast.id, dispatched);
  for (const [error, phones] of skipped) {
    await trx
      .updateTable('broadcast_recipients')
      .set({ state: 'skipped', error })
      .where('broadcast_id', '=', broadcast.id)
      .where('phone', 'in', phones)
      .execute();
  }
  return rows.filter((r) => r.status === 'queued');
}

/** The recipient's text: the broadcast's body, or its template written for this contact; null when the template lacks a value. */
function textFor(ctx: EngineContext, page: PageDraft, contact: ContactRow, phone: string): string | null {
  if (page.template === null) return page.broadcast.body ?? '';
  const rendered = renderForReader(page.template, readerOf(contact, phone), page.vars, ctx.config);
  return rendered.missing.length + rendered.invalid.length > 0 ? null : rendered.text;
}

/** Why a body cannot be sent (the code `queueOutbound` would refuse it with), or null. */
function bodyRefusal(body: string): string | null {
  try {
    checkBody(body);
    return null;
  } catch (error) {
    if (error instanceof ParleyError) return error.code;
    throw error;
  }
}

/** Every recipient given a message, with its id, in one statement. */
async function settleDispatched(trx: Kysely<Database>, broadcastId: string, dispatched: Array<[string, string]>): Promise<void> {
  if (dispatched.length === 0) return;
  const messageId = sql<string>`case ${sql.ref('phone')} ${sql.join(
    dispatched.map(([phone, id]) => sql`when ${phone} then ${id}`),
    sql` `,
  )} end`;
  await trx
    .updateTable('broadcast_recipients')
    .set({ state: 'dispatched', message_id: messageId })
    .where('broadcast_id', '=', broadcastId)
    .where(
      'phone',
      'in',
      dispatched.map(([phone]) => phone),
    )
    .execute();
}
