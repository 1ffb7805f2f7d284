import type { FastifyInstance } from 'fastify';
import { controlBroadcast, type BroadcastAction } from '../broadcasts/control.js';
import { createBroadcast, type BroadcastInput } from '../broadcasts/create.js';
import { broadcastStats, type BroadcastCounts } from '../broadcasts/stats.js';
import { broadcastStall, type StallReason } from '../broadcasts/stalled.js';
import type { QuietHoursConfig } from '../config-fields.js';
import { parseWindow } from '../core/quiet-hours.js';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import type { BroadcastRow } from '../store/schema.js';
import { dateTime, nullable, nullableDateTime, object, pagedList, pagedQuery, params, v1Responses, type Schema } from '../http/schemas.js';
import { afterCursor, page, type ListSort } from './cursor.js';
import { answerOnce, idempotencyHeaders } from './idempotency.js';
import { readSendAt } from './send-at.js';

interface CreateBody {
  channel?: string;
  body?: string;
  template?: string;
  vars?: Record<string, unknown>;
  audience: unknown;
  send_at?: string;
  quiet_hours?: QuietHoursConfig;
}

const createSchema = {
  type: 'object',
  required: ['audience'],
  additionalProperties: false,
  properties: {
    channel: { type: 'string', minLength: 1, maxLength: 64 },
    body: { type: 'string', minLength: 1, maxLength: 1600 },
    template: { type: 'string', minLength: 1, maxLength: 64 },
    vars: { type: 'object', maxProperties: 64 },
    // Read by broadcasts/audience.ts, whose 422s name what is wrong.
    audience: { type: 'object' },
    send_at: { type: 'string', format: 'date-time' },
    quiet_hours: {
      type: 'object',
      required: ['allowed'],
      additionalProperties: false,
      properties: { allowed: { type: 'string', minLength: 1, maxLength: 16 } },
    },
  },
} as const;

/** A list of up to 100,000 numbers (about 1.7 MB of JSON) fits, whatever the server's smaller limit for other bodies. */
const createBodyLimit = 4 * 1024 * 1024;

const states = ['scheduled', 'filling', 'sending', 'paused', 'cancelled', 'completed'] as const;

const listQuerySchema = pagedQuery({ state: { type: 'string', enum: states } }, { max: 200, default: 50 });

const sort: ListSort = { list: 'broadcasts', columns: ['id'], direction: 'desc' };

const broadcastProperties = {
  id: { type: 'string' },
  state: { type: 'string', enum: states },
  channel: { type: 'string' },
  body: nullable('string'),
  template: nullable('string'),
  vars: { type: 'object', additionalProperties: true },
  audience: {
    type: 'object',
    additionalProperties: true,
    description: 'As given, except that a list of numbers is shown by its length: {"phones": 20000}.',
  },
  quiet_hours: { anyOf: [{ type: 'null' }, object({ allowed: { type: 'string' } })] },
  send_at: nullableDateTime,
  created_at: dateTime,
  started_at: nullableDateTime,
  finished_at: nullableDateTime,
} as const;

const broadcastSchema = object(broadcastProperties);

const countNames = [
  'total',
  'pending',
  'queued',
  'sent',
  'delivered',
  'failed',
  'replied',
  'opted_out',
  'skipped_opted_out',
  'skipped_missing_vars',
  'deferred_quiet_hours',
  'cancelled',
] as const satisfies ReadonlyArray<keyof BroadcastCounts>;

const stallReasons = ['channel_not_configured', 'sender_held'] as const satisfies readonly StallReason[];

const broadcastWithStats = object({
  ...broadcastProperties,
  stalled: {
    anyOf: [{ type: 'null' }, object({ reason: { type: 'string', enum: stallReasons }, since: dateTime })],
    description:
      'Null, unless the broadcast is sending and makes no progress: `channel_not_configured` (its channel is no longer in the configuration) or `sender_held` (the provider has held its number, 429, and no text has gone for 30 s or more); `since` is when it last moved.',
  },
  counts: object(Object.fromEntries(countNames.map((name) => [name, { type: 'integer', minimum: 0 }]))),
  reply_intents: {
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: "How many recipients' first reply had each intent (confirm, decline, opt_out, unknown…).",
  },
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A broadcast as the API shows it; its counts only where asked for (they are queries). */
function broadcastJson(row: BroadcastRow) {
  const audience = JSON.parse(row.audience) as Record<string, unknown>;
  return {
    id: row.id,
    state: row.state,
    channel: row.channel,
    body: row.body,
    template: row.template,
    vars: JSON.parse(row.vars) as Record<string, unknown>,
    // A list of numbers is shown by its size: it may be 100,000 long.
    audience: 'phones' in audience ? { phones: Array.isArray(audience.phones) ? audience.phones.length : audience.phones } : audience,
    quiet_hours: row.quiet_hours === null ? null : (JSON.parse(row.quiet_hours) as QuietHoursConfig),
    send_at: iso(row.send_at),
    created_at: iso(row.created_at),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
  };
}

export function registerBroadcastRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const db = ctx.store.db;

  api.post<{ Body: CreateBody }>(
    '/v1/broadcasts',
    {
      schema: {
        summary: 'Send one text to many',
        body: createSchema,
        headers: idempotencyHeaders,
        response: v1Responses(
          { 201: broadcastSchema },
          'unknown_channel',
          'channel_unavailable',
          'unknown_template',
          'template_invalid',
          'broadcast_content_invalid',
          'broadcast_audience_invalid',
          'broadcast_audience_empty',
          'idempotency_key_reused',
        ),
      },
      bodyLimit: Math.max(ctx.config.server.body_limit, createBodyLimit),
    },
    async (request, reply) => {
      const input = readCreate(request.body);
      return answerOnce(ctx, request, reply, 'broadcasts.create', async (trx) => {
        const row = await createBroadcast(trx, ctx, input);
        return { status: 201, body: broadcastJson(row) };
      }).finally(() => ctx.jobsQueued());
    },
  );

  api.get<{ Querystring: { state?: BroadcastRow['state']; cursor?: string; limit: number } }>(
    '/v1/broadcasts',
    { schema: pagedList('Broadcasts, newest first', listQuerySchema, broadcastSchema) },
    async (request) => {
      const q = request.query;
      let query = db
        .selectFrom('broadcasts')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(q.limit + 1);
      if (q.state !== undefined) query = query.where('state', '=', q.state);
      if (q.cursor !== undefined) query = query.where(afterCursor(sort, q.cursor));
      const { rows, next_cursor } = page(sort, await query.execute(), q.limit, (row) => [row.id]);
      return { data: rows.map(broadcastJson), next_cursor };
    },
  );

  const one = (summary: string, ok: Record<string, Schema>, ...codes: Parameters<typeof v1Responses>[1][]) => ({
    schema: { summary, params: params('id'), response: v1Responses(ok, 'not_found', ...codes) },
  });

  api.get<{ Params: { id: string } }>(
    '/v1/broadcasts/:id',
    one('A broadcast, its counts and reply intents', { 200: broadcastWithStats }),
    async (request) => {
      const row = await db.selectFrom('broadcasts').selectAll().where('id', '=', request.params.id).executeTakeFirst();
      if (!row) throw new ParleyError('not_found', 'No broadcast has this id.');
      const stats = await broadcastStats(db, row.id);
      const stall = await broadcastStall(db, ctx.channels, row);
      return {
        ...broadcastJson(row),
        stalled: stall === null ? null : { reason: stall.reason, since: iso(stall.since) },
        counts: stats.counts,
        reply_intents: stats.reply_intents,
      };
    },
  );

  for (const action of ['pause', 'resume', 'cancel'] as const satisfies readonly BroadcastAction[]) {
    api.post<{ Params: { id: string } }>(
      `/v1/broadcasts/:id/${action}`,
      one(`${action[0]!.toUpperCase()}${action.slice(1)} a broadcast`, { 200: broadcastSchema }, 'broadcast_state_conflict'),
      async (request) => {
        const row = await ctx.store.write((trx) => controlBroadcast(trx, request.params.id, action));
        ctx.jobsQueued();
        return broadcastJson(row);
      },
    );
  }

  function readCreate(body: CreateBody): BroadcastInput {
    const input: BroadcastInput = { audience: body.audience };
    if (body.channel !== undefined) input.channel = body.channel;
    if (body.body !== undefined) input.body = body.body;
    if (body.template !== undefined) input.template = body.template;
    if (body.vars !== undefined) input.vars = body.vars;
    if (body.send_at !== undefined) input.sendAt = readSendAt(ctx, body.send_at);
    if (body.quiet_hours !== undefined) {
      if (parseWindow(body.quiet_hours.allowed) === null) {
        throw new ParleyError('invalid_payload', `quiet_hours.allowed: "${body.quiet_hours.allowed}" is not a window like "08:00-21:00".`);
      }
      input.quietHours = { allowed: body.quiet_hours.allowed };
    }
    return input;
  }
}
