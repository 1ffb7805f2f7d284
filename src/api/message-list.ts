import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { messageStatuses, type MessageStatus } from '../core/message-status.js';
import { toE164 } from '../core/phone.js';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import { afterCursor, page, type ListSort } from './cursor.js';
import { pagedQuery, ref, pagedList } from '../http/schemas.js';
import { messageJson } from './serialize.js';
import { readTime } from './time.js';

interface ListQuery {
  status?: MessageStatus;
  direction?: 'inbound' | 'outbound';
  to?: string;
  from?: string;
  conversation?: string;
  since?: string;
  until?: string;
  cursor?: string;
  limit: number;
}

const listQuerySchema = pagedQuery(
  {
    status: { type: 'string', enum: [...messageStatuses] },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    to: { type: 'string', minLength: 1, maxLength: 64 },
    from: { type: 'string', minLength: 1, maxLength: 64 },
    conversation: { type: 'string', minLength: 1, maxLength: 64 },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
  },
  { max: 500, default: 50 },
);

const sort: ListSort = { list: 'messages', columns: ['id'], direction: 'desc' };

/**
 * `GET /v1/messages`: newest first, filtered, in pages. The cursor is the last id shown, and ids
 * grow with creation, so paging never repeats or skips a message while new ones arrive.
 */
export function registerMessageListRoute(api: FastifyInstance, ctx: EngineContext): void {
  api.get<{ Querystring: ListQuery }>(
    '/v1/messages',
    { schema: pagedList('Messages, newest first', listQuerySchema, ref('Message'), 'invalid_phone_number') },
    async (request) => {
      const q = request.query;
      const phone = (value: string, field: string) => {
        const number = toE164(value);
        if (!number) throw new ParleyError('invalid_phone_number', `${field}: "${value.slice(0, 40)}" is not a phone number.`);
        return number;
      };
      let query = ctx.store.db
        .selectFrom('messages')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(q.limit + 1);
      // The status is one of the schema's list, so it is written into the statement: the scheduled
      // messages' partial index (migration 0019) serves only a query that names the status itself.
      if (q.status !== undefined) query = query.where(sql<boolean>`status = ${sql.lit(q.status)}`);
      if (q.direction !== undefined) query = query.where('direction', '=', q.direction);
      if (q.to !== undefined) query = query.where('to_number', '=', phone(q.to, 'to'));
      if (q.from !== undefined) query = query.where('from_number', '=', phone(q.from, 'from'));
      if (q.conversation !== undefined) query = query.where('conversation_id', '=', q.conversation);
      if (q.since !== undefined) query = query.where('created_at', '>=', readTime(q.since, 'since'));
      if (q.until !== undefined) query = query.where('created_at', '<', readTime(q.until, 'until'));
      if (q.cursor !== undefined) query = query.where(afterCursor(sort, q.cursor));
      const { rows, next_cursor } = page(sort, await query.execute(), q.limit, (row) => [row.id]);
      return { data: rows.map(messageJson), next_cursor };
    },
  );
}
