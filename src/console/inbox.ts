import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export const inboxFilters = ['needs_human', 'mine', 'all', 'closed'] as const;
export type InboxFilter = (typeof inboxFilters)[number];

export interface InboxRow {
  id: string;
  phone: string;
  status: 'open' | 'needs_human' | 'closed';
  needs_human_reason: string | null;
  assigned_to: string | null;
  last_message_at: number;
  preview: string | null;
  preview_direction: 'inbound' | 'outbound' | null;
}

export interface InboxQuery {
  filter: InboxFilter;
  userId: string;
  /** A number (digits) or words in a message. */
  q: string;
  /** `<last_message_at>.<id>` of the last row of the previous page. */
  after: string | null;
  limit: number;
}

export interface InboxPage {
  rows: InboxRow[];
  /** The cursor of the next page, when there is one. */
  next: string | null;
}

export function parseCursor(cursor: string | null): { at: number; id: string } | null {
  const match = cursor ? /^(\d{1,15})\.([A-Za-z0-9_]{1,64})$/.exec(cursor) : null;
  return match ? { at: Number(match[1]), id: match[2]! } : null;
}

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One page of the inbox, newest activity first, paged by (last_message_at, id): each page is an
 * index range (conversations_status_activity, conversations_activity), however many
 * conversations there are.
 */
export async function inboxPage(db: Kysely<Database>, query: InboxQuery): Promise<InboxPage> {
  let select = db
    .selectFrom('conversations as c')
    .innerJoin('contacts', 'contacts.id', 'c.contact_id')
    .select(['c.id', 'contacts.phone', 'c.status', 'c.needs_human_reason', 'c.assigned_to', 'c.last_message_at'])
    .select((eb) => [
      eb
        .selectFrom('messages as m')
        .select('m.body')
        .whereRef('m.conversation_id', '=', 'c.id')
        .orderBy('m.created_at', 'desc')
        .orderBy('m.id', 'desc')
        .limit(1)
        .as('preview'),
      eb
        .selectFrom('messages as m')
        .select('m.direction')
        .whereRef('m.conversation_id', '=', 'c.id')
        .orderBy('m.created_at', 'desc')
        .orderBy('m.id', 'desc')
        .limit(1)
        .as('preview_direction'),
    ])
    .orderBy('c.last_message_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(query.limit + 1);

  if (query.filter === 'needs_human') select = select.where('c.status', '=', 'needs_human');
  else if (query.filter === 'closed') select = select.where('c.status', '=', 'closed');
  else if (query.filter === 'mine') select = select.where('c.assigned_to', '=', query.userId).where('c.status', '!=', 'closed');

  const q = query.q.trim();
  if (q !== '') {
    const digits = q.replace(/[\s().-]/g, '');
    if (/^\+?\d{3,}$/.test(digits)) {
      select = select.where('contacts.phone', 'like', likePattern(digits.replace(/^\+/, '')));
    } else {
      const pattern = likePattern(q);
      select = select.where((eb) =>
        eb.exists(
          eb
            .selectFrom('messages as s')
            .select(sql<number>`1`.as('one'))
            .whereRef('s.conversation_id', '=', 'c.id')
            .where(sql<boolean>`lower(s.body) like ${pattern} escape '\\'`),
        ),
      );
    }
  }

  const cursor = parseCursor(query.after);
  if (cursor) {
    select = select.where((eb) =>
      eb.or([eb('c.last_message_at', '<', cursor.at), eb.and([eb('c.last_message_at', '=', cursor.at), eb('c.id', '<', cursor.id)])]),
    );
  }

  const rows = (await select.execute()) as InboxRow[];
  const more = rows.length > query.limit;
  if (more) rows.pop();
  const last = rows.at(-1);
  return { rows, next: more && last ? `${last.last_message_at}.${last.id}` : null };
}
