import type { Kysely } from 'kysely';
import { ParleyError } from '../errors.js';
import { queueComposed } from '../outbound/compose.js';
import { cancelScheduled } from '../outbound/scheduled.js';
import { saveContactByPhone } from '../conversations/contact-profile.js';
import type { EngineContext } from '../runtime/context.js';
import { startFlow } from '../sessions/turns.js';
import type { Database } from '../store/schema.js';
import { toE164 } from '../core/phone.js';
import { readPath, type Trigger, type TriggerAction } from './definition.js';

// One business event through a trigger: every field its actions map is read first, so a payload
// missing one is refused (422 naming it) before anything is done; then the event's id is claimed and
// the actions run in that one transaction, so a retried event finds its id taken and does nothing.
// Starting a flow calls the business's endpoints, so it runs after the commit.

export type ActionOutcome =
  | { action: 'send'; message_id: string }
  | { action: 'schedule'; message_id: string; send_at: string; replaced: number }
  | { action: 'schedule'; skipped: 'time_passed'; send_at: string; replaced: number }
  | { action: 'cancel'; canceled: number }
  | { action: 'set_contact'; contact_id: string }
  | { action: 'start_flow'; session_id: string | null }
  | { action: 'skipped'; reason: 'when' };

export interface TriggerResult {
  trigger: string;
  event_id: string;
  duplicate: boolean;
  actions: ActionOutcome[];
}

/** Fields an event lacks, named by their paths: thrown before anything is done. */
export class MissingFields extends ParleyError {
  constructor(readonly fields: string[]) {
    super('trigger_field_missing', `The event has no value at ${fields.map((f) => `"${f}"`).join(', ')}, which the trigger maps.`);
  }
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function matches(action: TriggerAction, event: unknown): boolean {
  if (!action.when) return true;
  const value = readPath(event, action.when.field);
  const wanted = Array.isArray(action.when.equals) ? action.when.equals : [action.when.equals];
  return wanted.some((w) => w === value);
}

/** The paths an action reads. */
function pathsOf(action: TriggerAction): string[] {
  if ('send' in action) return Object.values(action.send.vars);
  if ('schedule' in action)
    return [action.schedule.at, ...(action.schedule.key ? [action.schedule.key] : []), ...Object.values(action.schedule.vars)];
  if ('cancel' in action) return [action.cancel.key];
  if ('set_contact' in action) return Object.values(action.set_contact.fields);
  return Object.values(action.start_flow.vars);
}

const mapped = (event: unknown, vars: Record<string, string>) =>
  Object.fromEntries(Object.entries(vars).map(([name, path]) => [name, readPath(event, path)]));
const keyOf = (event: unknown, path: string) => `${path}=${String(readPath(event, path))}`;

export async function runTrigger(ctx: EngineContext, trigger: Trigger, eventId: string, event: unknown): Promise<TriggerResult> {
  const active = trigger.actions.filter((a) => matches(a, event));
  const missing = [...new Set([trigger.to, ...active.flatMap(pathsOf)])].filter((p) => readPath(event, p) === undefined);
  if (missing.length > 0) throw new MissingFields(missing);
  const rawTo = readPath(event, trigger.to);
  const to = typeof rawTo === 'string' || typeof rawTo === 'number' ? toE164(String(rawTo)) : null;
  if (!to) throw new ParleyError('invalid_phone_number', `${trigger.to}: ${JSON.stringify(rawTo).slice(0, 40)} is not a phone number.`);
  const times = new Map<TriggerAction, number>();
  for (const action of active) {
    if (!('schedule' in action)) continue;
    const at = readPath(event, action.schedule.at);
    const ms = typeof at === 'number' ? at : typeof at === 'string' && rfc3339.test(at) ? Date.parse(at) : NaN;
    if (!Number.isFinite(ms)) {
      throw new ParleyError('trigger_field_invalid', `${action.schedule.at}: ${JSON.stringify(at).slice(0, 60)} is not an RFC 3339 time.`);
    }
    times.set(action, ms - (action.schedule.before ?? 0) + (action.schedule.after ?? 0));
  }
  const channel = trigger.channel === undefined ? {} : { channel: trigger.channel };

  const result = await ctx.store.write(async (trx) => {
    const now = Date.now();
    const claimed = await trx
      .insertInto('trigger_events')
      .values({ trigger: trigger.name, event_id: eventId, received_at: now })
      .onConflict((oc) => oc.columns(['trigger', 'event_id']).doNothing())
      .executeTakeFirst();
    if ((claimed.numInsertedOrUpdatedRows ?? 0n) === 0n) return { trigger: trigger.name, event_id: eventId, duplicate: true, actions: [] };
    const outcomes: ActionOutcome[] = [];
    for (const action of trigger.actions) {
      if (!active.includes(action)) outcomes.push({ action: 'skipped', reason: 'when' });
      else if ('send' in action) {
        const row = await queueComposed(trx, ctx, {
          ...channel,
          to,
          template: action.send.template,
          vars: mapped(event, action.send.vars),
        });
        outcomes.push({ action: 'send', message_id: row.id });
      } else if ('schedule' in action) {
        const { schedule } = action;
        const key = schedule.key === undefined ? null : keyOf(event, schedule.key);
        const replaced = key === null ? 0 : await cancelKey(trx, key, now);
        const sendAt = times.get(action)!;
        if (sendAt <= now) {
          // The moment has passed (an appointment booked for within the reminder's lead time): no reminder.
          outcomes.push({ action: 'schedule', skipped: 'time_passed', send_at: new Date(sendAt).toISOString(), replaced });
          continue;
        }
        const row = await queueComposed(trx, ctx, {
          ...channel,
          to,
          template: schedule.template,
          vars: mapped(event, schedule.vars),
          sendAt,
        });
        if (key !== null) await trx.insertInto('trigger_keys').values({ key, message_id: row.id, created_at: now }).execute();
        outcomes.push({ action: 'schedule', message_id: row.id, send_at: new Date(sendAt).toISOString(), replaced });
      } else if ('cancel' in action) {
        outcomes.push({ action: 'cancel', canceled: await cancelKey(trx, keyOf(event, action.cancel.key), now) });
      } else if ('set_contact' in action) {
        const fields = Object.fromEntries(Object.entries(mapped(event, action.set_contact.fields)).map(([k, v]) => [k, String(v)]));
        const { contact } = await saveContactByPhone(
          trx,
          to,
          { fields, add_tags: action.set_contact.add_tags, remove_tags: action.set_contact.remove_tags },
          now,
        );
        outcomes.push({ action: 'set_contact', contact_id: contact.id });
      } else {
        outcomes.push({ action: 'start_flow', session_id: null });
      }
    }
    return { trigger: trigger.name, event_id: eventId, duplicate: false, actions: outcomes };
  });
  ctx.jobsQueued();
  if (!result.duplicate) {
    for (const [i, action] of trigger.actions.entries()) {
      if (!('start_flow' in action) || !active.includes(action)) continue;
      const session = await startFlow(ctx, action.start_flow.flow, { to, ...channel, vars: mapped(event, action.start_flow.vars) }, 'skip');
      result.actions[i] = { action: 'start_flow', session_id: session?.id ?? null };
    }
  }
  return result;
}

/** Cancels the texts scheduled under `key` that still wait; returns how many. */
async function cancelKey(trx: Kysely<Database>, key: string, now: number): Promise<number> {
  const waiting = await trx
    .selectFrom('trigger_keys')
    .innerJoin('messages', 'messages.id', 'trigger_keys.message_id')
    .select(['messages.id', 'messages.status'])
    .where('trigger_keys.key', '=', key)
    .execute();
  let canceled = 0;
  for (const message of waiting) {
    if (message.status !== 'scheduled') continue;
    await cancelScheduled(trx, message.id, now);
    canceled++;
  }
  await trx.deleteFrom('trigger_keys').where('key', '=', key).execute();
  return canceled;
}
