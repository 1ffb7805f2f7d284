import type { Kysely } from 'kysely';
import { toE164 } from '../core/phone.js';
import { ParleyError } from '../errors.js';
import type { Database, MessageRow } from '../store/schema.js';
import type { EngineContext } from '../runtime/context.js';
import { queueOutbound } from './send.js';
import { readerOf, renderForReader } from './template-render.js';
import { loadTemplate } from './templates.js';

/** A text a business asks for: its own words (`body`), or a template and the values it needs. */
export interface ComposedSend {
  channel?: string;
  to: string;
  from?: string;
  body?: string;
  template?: string;
  vars?: Record<string, unknown>;
  /** When to send it (milliseconds); at once when absent or not ahead. */
  sendAt?: number;
}

/**
 * Writes the text (a template is rendered now, for the contact as they are now: the 202 shows the
 * exact text, and a missing value is the caller's 422 rather than a blank in a customer's text
 * later) and queues or schedules it, in the caller's transaction.
 */
export async function queueComposed(trx: Kysely<Database>, ctx: EngineContext, send: ComposedSend): Promise<MessageRow> {
  let body = send.body;
  if (send.template !== undefined) {
    const template = await loadTemplate(trx, send.template);
    if (!template) throw new ParleyError('unknown_template', `template: no template is named "${send.template.slice(0, 64)}".`);
    const to = toE164(send.to);
    if (!to) throw new ParleyError('invalid_phone_number', `to: "${send.to.slice(0, 40)}" is not a phone number.`);
    const contact = await trx.selectFrom('contacts').selectAll().where('phone', '=', to).executeTakeFirst();
    const rendered = renderForReader(template, readerOf(contact, to), send.vars ?? {}, ctx.config);
    const problems = [
      ...rendered.missing.map((path) => `{{${path}}} has no value`),
      ...rendered.invalid.map(({ path, problem }) => `{{${path}}}: ${problem}`),
    ];
    if (problems.length > 0) {
      throw new ParleyError(
        'template_vars_missing',
        `template "${template.name}" (${rendered.language}): ${problems.join('; ')}. Give them in vars, on the contact, or with | default:"…".`,
      );
    }
    body = rendered.text;
  }
  return queueOutbound(trx, ctx, {
    ...(send.channel === undefined ? {} : { channel: send.channel }),
    ...(send.from === undefined ? {} : { from: send.from }),
    to: send.to,
    body: body ?? '',
    template: send.template ?? null,
    sendAt: send.sendAt ?? null,
  });
}
