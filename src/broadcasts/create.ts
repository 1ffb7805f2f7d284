import type { Kysely } from 'kysely';
import type { QuietHoursConfig } from '../config-fields.js';
import { newId } from '../core/ids.js';
import { ParleyError } from '../errors.js';
import { loadTemplate } from '../outbound/templates.js';
import { enqueue } from '../queue/enqueue.js';
import { broadcastGroup } from '../queue/groups.js';
import type { EngineContext } from '../runtime/context.js';
import type { BroadcastRow, Database } from '../store/schema.js';
import { readAudience } from './audience.js';

export interface BroadcastInput {
  channel?: string;
  body?: string;
  template?: string;
  vars?: Record<string, unknown>;
  /** As the request gave it; checked by `readAudience`. */
  audience: unknown;
  /** When to start (milliseconds); at once when absent or not ahead. */
  sendAt?: number;
  quietHours?: QuietHoursConfig;
}

/**
 * Stores a broadcast and its first run (at `send_at`, or now), in the caller's transaction. Only
 * the request is checked here; its recipients are written by the run, page by page.
 */
export async function createBroadcast(
  trx: Kysely<Database>,
  ctx: EngineContext,
  input: BroadcastInput,
  now = Date.now(),
): Promise<BroadcastRow> {
  if ((input.body === undefined) === (input.template === undefined)) {
    throw new ParleyError('broadcast_content_invalid', 'give either body (the text) or template (a template name), not both or neither.');
  }
  if (input.vars !== undefined && input.template === undefined) {
    throw new ParleyError('broadcast_content_invalid', 'vars: only with template.');
  }
  const channel = ctx.channels.require(input.channel);
  const audience = readAudience(input.audience);
  let templateJson: string | null = null;
  if (input.template !== undefined) {
    const template = await loadTemplate(trx, input.template);
    if (!template) throw new ParleyError('unknown_template', `template: no template is named "${input.template.slice(0, 64)}".`);
    // Kept as it is now: a template edited while the broadcast runs does not change its texts halfway.
    templateJson = JSON.stringify(template);
  }
  const scheduled = input.sendAt !== undefined && input.sendAt > now;
  const row: BroadcastRow = {
    id: newId('bc', now),
    state: scheduled ? 'scheduled' : 'filling',
    channel: channel.name,
    body: input.body ?? null,
    template: input.template ?? null,
    template_json: templateJson,
    vars: JSON.stringify(input.vars ?? {}),
    audience: JSON.stringify(audience),
    quiet_hours: input.quietHours === undefined ? null : JSON.stringify(input.quietHours),
    send_at: input.sendAt ?? null,
    fill_cursor: null,
    filled_at: null,
    created_at: now,
    started_at: scheduled ? null : now,
    finished_at: null,
    updated_at: now,
  };
  await trx.insertInto('broadcasts').values(row).execute();
  await queueRun(trx, row.id, scheduled ? input.sendAt! : now, now);
  return row;
}

/** The broadcast's next run; its group keeps one running at a time across every instance. */
export function queueRun(trx: Kysely<Database>, broadcastId: string, runAt: number, now = Date.now()): Promise<void> {
  // Bulk priority: a live reply is claimed before any page of a broadcast.
  return enqueue(trx, 'broadcast.run', { broadcastId }, { groupKey: broadcastGroup(broadcastId), runAt, now, priority: 1 });
}
