import type { Kysely } from 'kysely';
import { firstIdAt } from '../core/ids.js';
import type { ReplyRecord } from '../core/reply-analytics.js';
import type { Database } from '../store/schema.js';

/**
 * The routed replies received since `since`, each with the business's message it answers (whatever
 * the business said last in that conversation before it), oldest first. The newest `limit` are
 * read, so a wide window keeps its latest replies; the window is an id range (ids begin with their
 * creation time), which holds however many messages there are.
 */
export async function readReplies(db: Kysely<Database>, since: number, limit: number): Promise<ReplyRecord[]> {
  const rows = await db
    .selectFrom('messages as i')
    .select((eb) => [
      'i.intent',
      'i.body',
      eb
        .selectFrom('messages as o')
        .select('o.body')
        .whereRef('o.conversation_id', '=', 'i.conversation_id')
        .where('o.direction', '=', 'outbound')
        .whereRef('o.id', '<', 'i.id')
        .orderBy('o.id', 'desc')
        .limit(1)
        .as('prompt'),
    ])
    .where('i.id', '>=', firstIdAt('msg', since))
    .where('i.created_at', '>=', since)
    .where('i.direction', '=', 'inbound')
    .where('i.processed_at', 'is not', null)
    .orderBy('i.id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => ({ prompt: r.prompt ?? null, intent: r.intent ?? 'unknown', body: r.body }));
}
