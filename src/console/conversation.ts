import { randomBytes } from 'node:crypto';
import { isSuppressed } from '../consent/consent.js';
import { activeSession, type SessionRow } from '../conversations/flow-sessions.js';
import { closeConversation } from '../conversations/handoff.js';
import { newId } from '../core/ids.js';
import { ParleyError } from '../errors.js';
import { loadConversation, queueAgentReply, type ConversationWithPhone } from '../outbound/agent-reply.js';
import type { EngineContext } from '../runtime/context.js';
import type { Kysely, Selectable } from 'kysely';
import type { ConsentChangesTable, ConversationNotesTable, Database, MessageRow, SuppressionsTable } from '../store/schema.js';
import { recordAudit } from './audit.js';
import type { ConsoleUser } from './users.js';

export interface Thread {
  conversation: ConversationWithPhone;
  contact: { fields: Record<string, unknown>; tags: string[] };
  assignee: string | null;
  /** The latest messages up to the page's bound, oldest first (a page of `threadPageSize`). */
  messages: MessageRow[];
  /** The cursor of the page of messages before these (`?before=`), or null when these are the first. */
  earlier: string | null;
  /** Whether this is an earlier page (`?before=` given) rather than the latest messages. */
  paged: boolean;
  /** The notes written in the span of time these messages cover. */
  notes: Selectable<ConversationNotesTable>[];
  suppressions: Selectable<SuppressionsTable>[];
  consentHistory: Selectable<ConsentChangesTable>[];
  /** Whether the contact has opted out of this conversation's business number. */
  optedOut: boolean;
  /** The flow session running for the contact on this business number, if any. */
  flowSession: SessionRow | null;
}

const parseJson = <T>(text: string, fallback: T): T => {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

/** Messages shown at once: a long thread opens on its latest, with a link to the ones before. */
export const threadPageSize = 200;

/**
 * A conversation as its page shows it: the latest `threadPageSize` messages before `before` (a
 * `created_at.id` cursor; the newest when null), read newest first through the
 * (conversation_id, created_at) index, so a thread of thousands costs one page.
 */
export async function loadThread(db: Kysely<Database>, id: string, before: { at: number; id: string } | null = null): Promise<Thread> {
  const conversation = await loadConversation(db, id);
  let newest = db.selectFrom('messages').selectAll().where('conversation_id', '=', id);
  if (before)
    newest = newest.where((eb) =>
      eb.or([eb('created_at', '<', before.at), eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)])]),
    );
  const page = await newest
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(threadPageSize + 1)
    .execute();
  const messages = page.slice(0, threadPageSize).reverse();
  const oldest = page.length > threadPageSize ? messages[0]! : null;
  let notesQuery = db.selectFrom('conversation_notes').selectAll().where('conversation_id', '=', id);
  if (oldest) notesQuery = notesQuery.where('created_at', '>=', oldest.created_at);
  if (before) notesQuery = notesQuery.where('created_at', '<', before.at);
  const [contact, notes, suppressions, consentHistory, assignee, optedOut, flowSession] = await Promise.all([
    db.selectFrom('contacts').select(['fields', 'tags']).where('id', '=', conversation.contact_id).executeTakeFirstOrThrow(),
    notesQuery.orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('suppressions').selectAll().where('phone', '=', conversation.phone).execute(),
    db
      .selectFrom('consent_changes')
      .selectAll()
      .where('contact_id', '=', conversation.contact_id)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(50)
      .execute(),
    conversation.assigned_to
      ? db.selectFrom('console_users').select('email').where('id', '=', conversation.assigned_to).executeTakeFirst()
      : Promise.resolve(undefined),
    isSuppressed(db, conversation.phone, conversation.local_number),
    activeSession(db, conversation.phone, conversation.local_number),
  ]);
  return {
    conversation,
    contact: { fields: parseJson<Record<string, unknown>>(contact.fields, {}), tags: parseJson<string[]>(contact.tags, []) },
    assignee: assignee?.email ?? null,
    messages,
    earlier: oldest ? `${oldest.created_at}.${oldest.id}` : null,
    paged: before !== null,
    notes,
    suppressions,
    consentHistory,
    optedOut,
    flowSession: flowSession ?? null,
  };
}

/** A fresh key for one render of a reply form: its repeats send nothing more. */
export function newSubmissionKey(): string {
  return randomBytes(16).toString('base64url');
}

const submissionPattern = /^[A-Za-z0-9_-]{16,64}$/;
const submissionLifetimeMs = 86_400_000;

/**
 * Queues an agent's reply once per form render: the first submit of a `submission` key claims it
 * in the same transaction as the message, a repeat (double click, two tabs, a retry after a lost
 * answer) finds the claim and answers with the message already queued.
 */
export async function replyFromConsole(
  ctx: EngineContext,
  user: ConsoleUser,
  conversationId: string,
  body: string,
  submission: string,
): Promise<{ message: MessageRow; repeated: boolean }> {
  if (!submissionPattern.test(submission)) throw new ParleyError('invalid_payload', 'submission: missing; reload the page and send again.');
  const key = `${conversationId}:${submission}`;
  const result = await ctx.store.write(async (trx) => {
    const conversation = await loadConversation(trx, conversationId);
    const now = Date.now();
    // A repeat comes within seconds or minutes; keys a day old guard nothing and are dropped, a bounded few per reply.
    await trx
      .deleteFrom('console_submissions')
      .where(
        'key',
        'in',
        trx
          .selectFrom('console_submissions')
          .select('key')
          .where('created_at', '<', now - submissionLifetimeMs)
          .limit(100),
      )
      .execute();
    const claimed = await trx
      .insertInto('console_submissions')
      .values({ key, message_id: null, created_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if ((claimed.numInsertedOrUpdatedRows ?? 0n) === 0n) {
      const earlier = await trx
        .selectFrom('console_submissions')
        .innerJoin('messages', 'messages.id', 'console_submissions.message_id')
        .selectAll('messages')
        .where('console_submissions.key', '=', key)
        .executeTakeFirstOrThrow();
      return { message: earlier, repeated: true };
    }
    const message = await queueAgentReply(trx, ctx, conversation, body);
    await trx.updateTable('console_submissions').set({ message_id: message.id }).where('key', '=', key).execute();
    await recordAudit(trx, { userId: user.id, action: 'replied', subject: conversationId, detail: { message_id: message.id }, now });
    return { message, repeated: false };
  });
  if (!result.repeated) ctx.jobsQueued();
  return result;
}

export async function addNote(ctx: EngineContext, user: ConsoleUser, conversationId: string, text: string): Promise<void> {
  await ctx.store.write(async (trx) => {
    await loadConversation(trx, conversationId);
    const now = Date.now();
    const id = newId('note', now);
    await trx
      .insertInto('conversation_notes')
      .values({ id, conversation_id: conversationId, user_id: user.id, author: user.email, body: text, created_at: now })
      .execute();
    // Touching updated_at lets open pages see the note appear (console/stream.ts watches it).
    await trx.updateTable('conversations').set({ updated_at: now }).where('id', '=', conversationId).execute();
    await recordAudit(trx, { userId: user.id, action: 'noted', subject: conversationId, detail: { note_id: id }, now });
  });
}

export type ConversationAction = 'assign' | 'close' | 'reopen';

export async function actOnConversation(
  ctx: EngineContext,
  user: ConsoleUser,
  conversationId: string,
  action: ConversationAction,
): Promise<void> {
  await ctx.store.write(async (trx) => {
    const conversation = await loadConversation(trx, conversationId);
    const now = Date.now();
    if (action === 'assign') {
      await trx.updateTable('conversations').set({ assigned_to: user.id, updated_at: now }).where('id', '=', conversationId).execute();
      await recordAudit(trx, { userId: user.id, action: 'assigned', subject: conversationId, detail: { to: user.email }, now });
    } else if (action === 'close') {
      if (await closeConversation(trx, conversation, now))
        await recordAudit(trx, { userId: user.id, action: 'closed', subject: conversationId, now });
    } else {
      // Reopening puts it back in the human queue: an agent reopens a conversation to work on it.
      const updated = await trx
        .updateTable('conversations')
        .set({ status: 'needs_human', needs_human_reason: null, updated_at: now })
        .where('id', '=', conversationId)
        .where('status', '=', 'closed')
        .executeTakeFirst();
      if (updated.numUpdatedRows > 0n) await recordAudit(trx, { userId: user.id, action: 'reopened', subject: conversationId, now });
    }
  });
}
