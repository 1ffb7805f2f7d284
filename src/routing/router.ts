import type { Kysely } from 'kysely';
import { classify } from '../core/intent/classify.js';
import type { JobHandler } from '../queue/worker.js';
import type { ConversationRow, Database, MessageRow } from '../store/schema.js';
import { autoReply, templateValuesOf } from '../outbound/auto-reply.js';
import { consentEventData, isSuppressed, suppress, unsuppress, type ConsentChange } from '../consent/consent.js';
import type { EngineContext } from '../runtime/context.js';
import { contactConversation, touchConversation, type ContactDetails } from '../conversations/conversations.js';
import { recordEvent, type NeedsHumanReason } from '../events/events.js';
import { endSessionsOnOptOut } from '../conversations/flow-sessions.js';
import { commitReplyTurn, prepareReplyTurn, type PreparedTurn } from '../sessions/turns.js';
import { handOff } from '../conversations/handoff.js';
import { applyRule, matchRule } from './rules.js';
import { precompile } from '../store/precompiled.js';
import { ruleName, type RoutingPath, type RoutingRecord } from './decision.js';

/**
 * Decides what an inbound message means and acts on it, in its contact's turn, in this order:
 * opt-out (always first) ▸ opt-in ▸ help ▸ the step of an active flow session ▸ keyword and intent
 * rules ▸ acknowledgment and the human queue. Every effect (suppression, replies, events) commits
 * in the transaction that completes the job, so a retried job never acts twice. A flow's turn is
 * worked out before that transaction, since it may call the business's endpoints.
 */
export function routeInboundHandler(ctx: EngineContext): JobHandler<'inbound.process'> {
  return async (job, { finish, log }) => {
    const [row] = (await selectMessage(ctx.store.db, { id: job.payload.messageId })).rows;
    if (!row || row.processed_at !== null) return;
    const { in_session: inSession, ...message } = row;
    const turn = await prepareReplyTurn(ctx, message, log, Boolean(inSession));
    await finish((trx) => route(trx, ctx, message, Date.now(), turn));
  };
}

/**
 * Acts on the message and records what was decided: the message's conversation, processing time,
 * intent and routing record are written once, at the end, in the same transaction as the effects.
 */
async function route(
  trx: Kysely<Database>,
  ctx: EngineContext,
  message: MessageRow,
  now: number,
  turn: PreparedTurn | null,
): Promise<void> {
  const { conversation, contact } = await contactConversation(trx, message.from_number, message.channel, message.to_number, now);
  const wasQueued = conversation.status === 'needs_human';
  // The message joins its conversation before anything is decided: what a decision sends reads it
  // (quiet hours let a reply go at once to a texter who just wrote in the conversation). The same
  // statement checks, in this transaction, that no earlier run routed it already.
  const joined = await joinConversation(trx, { id: message.id, conversation_id: conversation.id, now });
  if (!joined.numAffectedRows) return;
  const routing = await decide(trx, ctx, message, conversation, contact, now, turn);
  if (!wasQueued && conversation.status === 'needs_human' && conversation.needs_human_reason)
    routing.handoff = conversation.needs_human_reason as NeedsHumanReason;
  await markRouted(trx, { id: message.id, intent: routing.intent, routing: JSON.stringify(routing), now });
}

// Every routed message runs these: compiled once (see store/precompiled.ts).
// The message, and whether its texter is in a flow session on that number (most are not: then the
// session need not be read).
const selectMessage = precompile(['id'], (db, p: { id: string }) =>
  db
    .selectFrom('messages as m')
    .selectAll('m')
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('flow_sessions as fs')
            .select('fs.id')
            .whereRef('fs.phone', '=', 'm.from_number')
            .whereRef('fs.local_number', '=', 'm.to_number')
            .where('fs.status', '=', 'active'),
        )
        .as('in_session'),
    )
    .where('m.id', '=', p.id),
);
const joinConversation = precompile(['id', 'conversation_id', 'now'], (db, p: { id: string; conversation_id: string; now: number }) =>
  db
    .updateTable('messages')
    .set({ conversation_id: p.conversation_id, updated_at: p.now })
    .where('id', '=', p.id)
    .where('processed_at', 'is', null),
);
const markRouted = precompile(['id', 'intent', 'routing', 'now'], (db, p: { id: string; intent: string; routing: string; now: number }) =>
  db.updateTable('messages').set({ processed_at: p.now, intent: p.intent, routing: p.routing, updated_at: p.now }).where('id', '=', p.id),
);

async function decide(
  trx: Kysely<Database>,
  ctx: EngineContext,
  message: MessageRow,
  conversation: ConversationRow,
  contact: ContactDetails,
  now: number,
  turn: PreparedTurn | null,
): Promise<RoutingRecord> {
  const contactId = conversation.contact_id;
  // Read with the conversation: opting in or out changes no field a template reads.
  const values = () => templateValuesOf(ctx, message, contact);
  const automation = ctx.config.automation;
  const threshold = automation.classifier.threshold;
  const optedOut = await isSuppressed(trx, message.from_number, message.to_number);
  const reading = classify(message.body, { threshold, optedOut });
  const record = (path: RoutingPath, more: Partial<RoutingRecord> = {}): RoutingRecord => ({
    path,
    intent: reading.intent,
    confidence: reading.confidence,
    reason: reading.reason,
    match: reading.match,
    threshold,
    opted_out_before: optedOut,
    ...more,
  });

  await touchConversation(trx, { id: conversation.id, now });
  // What a reply queued now reads (outbound/send.ts): the conversation is already up to date.
  conversation.last_message_at = now;
  conversation.updated_at = now;
  await recordEvent(
    trx,
    'message.received',
    {
      message_id: message.id,
      conversation_id: conversation.id,
      channel: message.channel,
      from: message.from_number,
      to: message.to_number,
      body: message.body,
      media_urls: JSON.parse(message.media_urls) as string[],
    },
    { contactId, messageId: message.id, now },
  );

  const change: ConsentChange = {
    contactId,
    phone: message.from_number,
    channel: message.channel,
    localNumber: message.to_number,
    messageId: message.id,
    text: message.body,
    now,
  };

  if (reading.intent === 'opt_out') {
    const scope = automation.opt_out.scope === 'deployment' ? 'deployment' : 'number';
    // A flow never talks to someone who said STOP: their sessions end with the opt-out.
    await endSessionsOnOptOut(trx, message.from_number, scope === 'deployment' ? null : message.to_number, now);
    const newlySuppressed = await suppress(trx, change, automation.opt_out.scope);
    // A second STOP: already silent, and one confirmation was enough.
    if (!newlySuppressed) return record('opt_out_repeat', { scope });
    await recordEvent(trx, 'contact.opted_out', consentEventData(change, automation.opt_out.scope), {
      contactId,
      messageId: message.id,
      now,
    });
    await autoReply(trx, ctx, message, conversation, automation.opt_out.confirmation, values(), now, 'compliance');
    return record('opt_out', { scope });
  }

  if (reading.intent === 'opt_in') {
    await unsuppress(trx, change);
    await recordEvent(trx, 'contact.opted_in', consentEventData(change, 'number'), { contactId, messageId: message.id, now });
    const sent = await autoReply(trx, ctx, message, conversation, automation.opt_in.confirmation, values(), now);
    return record('opt_in', sent ? {} : { reply_held: true });
  }

  // An opted-out contact gets no answer at all (not even to HELP); the message is kept.
  if (optedOut) return record('silent');

  if (reading.intent === 'help') {
    const sent = await autoReply(trx, ctx, message, conversation, automation.help.text, values(), now, 'automation', true);
    if (automation.help.handoff) await handOff(trx, conversation, 'help', now);
    return record('help', sent ? {} : { reply_held: true });
  }

  if (turn) {
    await commitReplyTurn(trx, ctx, turn, message, conversation, now);
    return record('flow', {
      flow: {
        flow: turn.session.flow,
        session_id: turn.session.id,
        step_before: turn.session.step,
        step_after: turn.result.state.step,
        outcome: turn.result.outcome,
      },
    });
  }

  const matched = matchRule(automation.rules, message.body, reading.intent);
  if (matched) {
    const { rule, matchedBy } = matched;
    const { replyHeld } = await applyRule(trx, ctx, rule, message, conversation, reading.intent, now);
    return record('rule', {
      rule: {
        name: ruleName(rule),
        matched_by: matchedBy,
        handoff: rule.handoff ?? false,
        start_flow: rule.start_flow ?? null,
        event: rule.event ?? null,
      },
      ...(replyHeld ? { reply_held: true } : {}),
    });
  }

  const acknowledged = await acknowledge(trx, ctx, message, conversation, values(), now);
  // The acknowledgment's time goes with the hand-off when the conversation enters the queue now.
  const queued = await handOff(trx, conversation, 'unrecognized', now, acknowledged ? now : null);
  if (acknowledged && !queued) await markAcknowledged(trx, { id: conversation.id, now });
  return record('handoff', { acknowledged });
}

/** "We'll get back to you", at most once per conversation per `acknowledgment.every`; the caller records when. */
async function acknowledge(
  trx: Kysely<Database>,
  ctx: EngineContext,
  message: MessageRow,
  conversation: ConversationRow,
  values: Record<string, unknown>,
  now: number,
): Promise<boolean> {
  const { enabled, text, every } = ctx.config.automation.acknowledgment;
  if (!enabled) return false;
  if (conversation.acknowledged_at !== null && now - conversation.acknowledged_at < every) return false;
  const sent = await autoReply(
    trx,
    ctx,
    message,
    conversation,
    text,
    values,
    now,
    'automation',
    // Only reached when the texter has not opted out, read in this transaction (decide).
    true,
  );
  return sent !== null;
}

const markAcknowledged = precompile(['id', 'now'], (db, p: { id: string; now: number }) =>
  db.updateTable('conversations').set({ acknowledged_at: p.now }).where('id', '=', p.id),
);
