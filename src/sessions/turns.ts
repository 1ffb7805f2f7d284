import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { classify } from '../core/intent/classify.js';
import { newId } from '../core/ids.js';
import { toE164 } from '../core/phone.js';
import { ParleyError } from '../errors.js';
import type { Flow } from '../flows/definition.js';
import { flowCaller, type FlowCaller } from '../flows/http-call.js';
import { startingVars } from '../flows/params.js';
import { runTurn, type FlowIO, type SessionState, type TurnInput, type TurnResult } from '../flows/runner.js';
import { enqueue } from '../queue/enqueue.js';
import type { JobHandler } from '../queue/worker.js';
import type { ConversationRow, Database, FlowSessionStatus, MessageRow } from '../store/schema.js';
import { autoReply } from '../outbound/auto-reply.js';
import { isSuppressed } from '../consent/consent.js';
import type { EngineContext } from '../runtime/context.js';
import { upsertContact, upsertConversation } from '../conversations/conversations.js';
import { recordEvent } from '../events/events.js';
import { activeSession, endSession, type SessionRow } from '../conversations/flow-sessions.js';
import { handOff } from '../conversations/handoff.js';
import { queueOutbound } from '../outbound/send.js';

// Flow sessions: where each texter is in a flow, per business number. A turn (a start, a reply, a
// wait running out) runs the flow outside any transaction — it may call the business's endpoints
// — and then commits everything it decided in one transaction, over the session version it read.
// If the session moved meanwhile, the commit fails and the job runs the turn again.

class SessionMovedError extends Error {
  override name = 'SessionMovedError';
}

async function contactValues(
  db: Kysely<Database>,
  ctx: EngineContext,
  phone: string,
  body: string | null,
): Promise<Record<string, unknown>> {
  const contact = await db.selectFrom('contacts').select(['fields', 'tags']).where('phone', '=', phone).executeTakeFirst();
  return {
    business: ctx.config.automation.business_name,
    contact: {
      phone,
      fields: contact ? (JSON.parse(contact.fields) as unknown) : {},
      tags: contact ? (JSON.parse(contact.tags) as unknown) : [],
    },
    message: { body: body ?? '' },
  };
}

/** One caller (and its connection pool) per running Parley. */
const callers = new WeakMap<EngineContext, FlowCaller>();

function callerFor(ctx: EngineContext): FlowCaller {
  let caller = callers.get(ctx);
  if (!caller) {
    caller = flowCaller(ctx.flowSecret, ctx.config.webhooks.allow_private_destinations);
    callers.set(ctx, caller);
  }
  return caller;
}

function flowIO(ctx: EngineContext, values: Record<string, unknown>, turnId: string, log: Logger, flow: string): FlowIO {
  return {
    values,
    turnId,
    call: callerFor(ctx),
    onCallFailed: (step, url, error) => log.warn({ flow, step, url, error }, 'flow call failed'),
  };
}

function stateOf(session: SessionRow): SessionState {
  return { step: session.step, vars: JSON.parse(session.vars) as Record<string, unknown>, retries: session.retries };
}

function statusAfter(result: TurnResult): FlowSessionStatus {
  return result.outcome === 'waiting' ? 'active' : result.outcome;
}

export interface PreparedTurn {
  session: SessionRow;
  flow: Flow;
  result: TurnResult;
}

/**
 * Before the routing transaction: the texter's active session, and what the flow does with this
 * reply. Null when there is none, or when the reply is for the router itself (STOP, START, HELP
 * are never taken by a flow).
 */
export async function prepareReplyTurn(
  ctx: EngineContext,
  message: MessageRow,
  log: Logger,
  /** False when the caller read, with the message, that the texter has no active session here. */
  inSession = true,
): Promise<PreparedTurn | null> {
  if (!inSession) return null;
  const session = await activeSession(ctx.store.db, message.from_number, message.to_number);
  if (!session) return null;
  const flow = ctx.flows.get(session.flow);
  if (!flow || !(session.step in flow.steps)) {
    log.warn({ session: session.id, flow: session.flow }, 'session refers to a flow or step that no longer exists; routing without it');
    return null;
  }
  const reading = classify(message.body, { threshold: ctx.config.automation.classifier.threshold, optedOut: false });
  if (reading.intent === 'opt_out' || reading.intent === 'opt_in' || reading.intent === 'help') return null;
  const values = await contactValues(ctx.store.db, ctx, message.from_number, message.body);
  const input: TurnInput = { kind: 'reply', text: message.body, intent: reading.intent };
  const result = await runTurn(flow, stateOf(session), input, flowIO(ctx, values, message.id, log, flow.name));
  return { session, flow, result };
}

/** In the routing transaction: commits a prepared reply turn. */
export async function commitReplyTurn(
  trx: Kysely<Database>,
  ctx: EngineContext,
  turn: PreparedTurn,
  inbound: MessageRow,
  conversation: ConversationRow,
  now: number,
): Promise<void> {
  const version = await saveTurn(trx, turn.session, turn.result, now);
  await applyEffects(trx, ctx, { ...turn.session, version }, turn.result, conversation, inbound, now);
}

/** Writes the session's new state over the version the turn started from. */
async function saveTurn(trx: Kysely<Database>, session: SessionRow, result: TurnResult, now: number): Promise<number> {
  const status = statusAfter(result);
  const updated = await trx
    .updateTable('flow_sessions')
    .set({
      step: result.state.step,
      vars: JSON.stringify(result.state.vars),
      retries: result.state.retries,
      status,
      version: session.version + 1,
      updated_at: now,
      ended_at: status === 'active' ? null : now,
    })
    .where('id', '=', session.id)
    .where('version', '=', session.version)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw new SessionMovedError(`session ${session.id} changed while this turn ran; running it again`);
  return session.version + 1;
}

/** Messages, fields, events, timers and the ending a turn decided, in the caller's transaction. */
async function applyEffects(
  trx: Kysely<Database>,
  ctx: EngineContext,
  session: SessionRow,
  result: TurnResult,
  conversation: ConversationRow,
  inbound: MessageRow | null,
  now: number,
): Promise<void> {
  const refs = { contactId: session.contact_id, now };
  const base = { session_id: session.id, flow: session.flow, contact_id: session.contact_id };
  for (const effect of result.effects) {
    switch (effect.kind) {
      case 'entered':
        await recordEvent(trx, 'flow.step', { ...base, step: effect.step }, refs);
        break;
      case 'say':
        if (inbound) await autoReply(trx, ctx, inbound, conversation, effect.text, null, now);
        else {
          await queueOutbound(
            trx,
            ctx,
            {
              channel: session.channel,
              from: session.local_number,
              to: session.phone,
              body: effect.text,
              origin: 'automation',
              conversation,
            },
            { onSuppressed: 'record' },
          );
        }
        break;
      case 'set_fields': {
        const contact = await trx.selectFrom('contacts').select('fields').where('id', '=', session.contact_id).executeTakeFirstOrThrow();
        const fields = { ...(JSON.parse(contact.fields) as Record<string, unknown>), ...effect.fields };
        await trx
          .updateTable('contacts')
          .set({ fields: JSON.stringify(fields), updated_at: now })
          .where('id', '=', session.contact_id)
          .execute();
        break;
      }
      case 'event':
        await recordEvent(trx, 'flow.event', { ...base, step: result.state.step, name: effect.name, vars: result.state.vars }, refs);
        break;
      case 'wait':
        await enqueue(
          trx,
          'flow.wait',
          { sessionId: session.id, version: session.version },
          { now, runAt: now + effect.after, maxAttempts: ctx.config.queue.max_attempts },
        );
        break;
    }
  }
  if (result.outcome === 'handed_off') await handOff(trx, conversation, 'flow', now);
  if (result.outcome !== 'waiting')
    await recordEvent(trx, 'flow.completed', { ...base, step: result.state.step, outcome: result.outcome }, refs);
}

export interface StartRequest {
  to: string;
  channel?: string | undefined;
  vars?: Record<string, unknown> | undefined;
}

/**
 * Starts a flow for a contact and sends its first step's message. A contact opted out of that
 * number is refused (`throw`: 422 for the API) or skipped (`skip`: a rule's start, returns null).
 */
export async function startFlow(
  ctx: EngineContext,
  name: string,
  request: StartRequest,
  onSuppressed: 'throw' | 'skip',
  turnId = newId('x'),
): Promise<SessionRow | null> {
  const flow = ctx.flows.get(name);
  if (!flow) throw new ParleyError('not_found', `No flow is named "${name.slice(0, 64)}".`);
  const vars = startingVars(flow, request.vars);
  const channel = ctx.channels.require(request.channel);
  const localNumber = channel.config.numbers[0]!;
  const phone = toE164(request.to);
  if (!phone) throw new ParleyError('invalid_phone_number', `to: "${request.to.slice(0, 40)}" is not a phone number.`);
  if (await isSuppressed(ctx.store.db, phone, localNumber)) {
    if (onSuppressed === 'throw') throw new ParleyError('opted_out');
    return null;
  }
  const existing = await activeSession(ctx.store.db, phone, localNumber);
  if (existing && ctx.config.flows.on_conflict === 'refuse') {
    throw new ParleyError('session_active', `The contact is in the "${existing.flow}" flow (session ${existing.id}).`);
  }

  const values = await contactValues(ctx.store.db, ctx, phone, null);
  const state: SessionState = { step: flow.start, vars, retries: 0 };
  const result = await runTurn(flow, state, { kind: 'start' }, flowIO(ctx, values, turnId, ctx.log, flow.name));

  const session = await ctx.store.write(async (trx) => {
    const now = Date.now();
    if (existing) await endSession(trx, existing, 'replaced', now);
    const contactId = await upsertContact(trx, phone, now);
    const conversation = await upsertConversation(trx, contactId, channel.name, localNumber, now);
    const status = statusAfter(result);
    const row: SessionRow = {
      id: newId('fs', now),
      flow: flow.name,
      contact_id: contactId,
      phone,
      channel: channel.name,
      local_number: localNumber,
      step: result.state.step,
      vars: JSON.stringify(result.state.vars),
      retries: result.state.retries,
      status,
      version: 1,
      started_at: now,
      updated_at: now,
      expires_at: now + flow.expires_after,
      ended_at: status === 'active' ? null : now,
    };
    await trx.insertInto('flow_sessions').values(row).execute();
    await recordEvent(
      trx,
      'flow.started',
      { session_id: row.id, flow: flow.name, contact_id: contactId, phone, channel: channel.name },
      { contactId, now },
    );
    await applyEffects(trx, ctx, row, result, conversation, null, now);
    if (status === 'active')
      await enqueue(trx, 'flow.expire', { sessionId: row.id }, { now, runAt: row.expires_at, maxAttempts: ctx.config.queue.max_attempts });
    return row;
  });
  ctx.jobsQueued();
  return session;
}

/** A keyword rule's `start_flow`: started in its own job, since a start may call the business's endpoints. */
export function startFlowHandler(ctx: EngineContext): JobHandler<'flow.start'> {
  return async (job) => {
    await startFlow(ctx, job.payload.flow, { to: job.payload.phone, channel: job.payload.channel }, 'skip', job.payload.messageId);
  };
}

/** A step's wait ran out with no reply: the flow goes on to the step's `wait.then`. */
export function flowWaitHandler(ctx: EngineContext): JobHandler<'flow.wait'> {
  return async (job, { finish, log }) => {
    const session = await ctx.store.db.selectFrom('flow_sessions').selectAll().where('id', '=', job.payload.sessionId).executeTakeFirst();
    if (!session || session.status !== 'active' || session.version !== job.payload.version) return;
    const flow = ctx.flows.get(session.flow);
    if (!flow || !(session.step in flow.steps)) return;
    const values = await contactValues(ctx.store.db, ctx, session.phone, null);
    const result = await runTurn(flow, stateOf(session), { kind: 'timeout' }, flowIO(ctx, values, `wait-${job.id}`, log, flow.name));
    await finish(async (trx) => {
      const now = Date.now();
      const version = await saveTurn(trx, session, result, now);
      const conversation = await upsertConversation(trx, session.contact_id, session.channel, session.local_number, now);
      await applyEffects(trx, ctx, { ...session, version }, result, conversation, null, now);
    });
  };
}

/** A session still open at its flow's `expires_after` ends as expired. */
export function flowExpireHandler(): JobHandler<'flow.expire'> {
  return async (job, { finish }) => {
    await finish(async (trx) => {
      const now = Date.now();
      const session = await trx.selectFrom('flow_sessions').selectAll().where('id', '=', job.payload.sessionId).executeTakeFirst();
      if (!session || session.status !== 'active') return;
      await trx
        .updateTable('flow_sessions')
        .set({ status: 'expired', version: session.version + 1, updated_at: now, ended_at: now })
        .where('id', '=', session.id)
        .execute();
      await recordEvent(
        trx,
        'flow.expired',
        { session_id: session.id, flow: session.flow, contact_id: session.contact_id, step: session.step },
        { contactId: session.contact_id, now },
      );
    });
  };
}
