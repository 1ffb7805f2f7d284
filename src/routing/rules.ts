import type { Kysely } from 'kysely';
import type { RuleConfig } from '../config.js';
import type { Intent } from '../core/intent/classify.js';
import { normalizeReply } from '../core/intent/normalize.js';
import { enqueue } from '../queue/enqueue.js';
import type { ConversationRow, Database, MessageRow } from '../store/schema.js';
import { autoReply, templateValues } from '../outbound/auto-reply.js';
import type { EngineContext } from '../runtime/context.js';
import { recordEvent } from '../events/events.js';
import { handOff } from '../conversations/handoff.js';
import { contactGroup } from '../queue/groups.js';
import { ruleName } from './decision.js';

/**
 * The first rule that answers this reply: keyword rules (exact words) before intent rules, each
 * group in the order configured.
 */
export function matchRule(
  rules: RuleConfig[],
  body: string,
  intent: Intent,
): { rule: RuleConfig; matchedBy: 'keyword' | 'intent' } | undefined {
  const normalized = normalizeReply(body);
  const byKeyword = rules.find((r) => r.keywords?.some((k) => normalizeReply(k) === normalized));
  if (byKeyword) return { rule: byKeyword, matchedBy: 'keyword' };
  const byIntent = rules.find((r) => r.intent !== undefined && r.intent === intent);
  return byIntent ? { rule: byIntent, matchedBy: 'intent' } : undefined;
}

/** Carries out a rule's actions, in the router's transaction. */
export async function applyRule(
  trx: Kysely<Database>,
  ctx: EngineContext,
  rule: RuleConfig,
  inbound: MessageRow,
  conversation: ConversationRow,
  intent: Intent,
  now: number,
): Promise<{ replyHeld: boolean }> {
  const contactId = conversation.contact_id;
  let replyHeld = false;
  if (rule.set_fields || rule.add_tags || rule.remove_tags) {
    const contact = await trx.selectFrom('contacts').select(['fields', 'tags']).where('id', '=', contactId).executeTakeFirstOrThrow();
    const fields = { ...(JSON.parse(contact.fields) as Record<string, unknown>), ...rule.set_fields };
    const tags = new Set(JSON.parse(contact.tags) as string[]);
    for (const tag of rule.add_tags ?? []) tags.add(tag);
    for (const tag of rule.remove_tags ?? []) tags.delete(tag);
    await trx
      .updateTable('contacts')
      .set({ fields: JSON.stringify(fields), tags: JSON.stringify([...tags]), updated_at: now })
      .where('id', '=', contactId)
      .execute();
  }
  if (rule.reply) {
    const sent = await autoReply(trx, ctx, inbound, conversation, rule.reply, await templateValues(trx, ctx, inbound, contactId), now);
    replyHeld = sent === null;
  }
  if (rule.event) {
    await recordEvent(
      trx,
      'rule.matched',
      {
        rule: ruleName(rule),
        event: rule.event,
        intent: rule.intent ?? (intent === 'unknown' ? null : intent),
        message_id: inbound.id,
        conversation_id: conversation.id,
        contact_id: contactId,
      },
      { contactId, messageId: inbound.id, now },
    );
  }
  if (rule.handoff) await handOff(trx, conversation, 'rule', now);
  if (rule.start_flow) {
    // Its own job: starting a flow may call the business's endpoints, which no transaction waits on.
    await enqueue(
      trx,
      'flow.start',
      {
        flow: rule.start_flow,
        phone: inbound.from_number,
        channel: inbound.channel,
        localNumber: inbound.to_number,
        messageId: inbound.id,
      },
      { now, groupKey: contactGroup(inbound.from_number), maxAttempts: ctx.config.queue.max_attempts },
    );
  }
  return { replyHeld };
}
