import type { FastifyInstance } from 'fastify';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import { loadMessageTrace, type MessageTrace } from '../trace/message-trace.js';
import { messageJson } from './serialize.js';
import { dateTime, nullable, nullableDateTime, params, ref, v1Responses, type Schema } from '../http/schemas.js';

// GET /v1/messages/:id/trace: the whole life of one message (trace/message-trace.ts), the same
// facts the console's trace page shows. Every time is RFC 3339 with `offset_ms`, its distance from
// the trace's origin (the webhook's arrival for an inbound message, the creation of an outbound one).

/** A point of the trace: TraceTime (`at`, `offset_ms`) with what happened then. */
const timed = (properties: Record<string, unknown>, nullableObject = false): Schema => ({
  allOf: [ref('TraceTime'), { type: nullableObject ? ['object', 'null'] : 'object', properties }],
});
const nullableObject = (properties: Record<string, unknown>): Schema => ({ type: ['object', 'null'], properties });

const relatedSchema = { id: { type: 'string' }, body: { type: 'string' }, status: { type: 'string' }, origin: { type: 'string' } };

export const traceResponseSchema = {
  type: 'object',
  properties: {
    message: ref('Message'),
    origin: dateTime,
    webhook: {
      anyOf: [
        { type: 'null' },
        timed({
          stored_at: dateTime,
          stored_offset_ms: { type: 'integer' },
          provider: nullable('string'),
          method: nullable('string'),
          url: nullable('string'),
          headers: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
          content_type: nullable('string'),
          body: { type: 'string' },
          replayed_at: nullableDateTime,
          request_id: nullable('string'),
          signature: nullableObject({
            scheme: { type: 'string' },
            mode: { type: 'string' },
            verified: { type: 'boolean' },
            reason: nullable('string'),
          }),
        }),
      ],
    },
    routing: {
      anyOf: [
        { type: 'null' },
        timed({
          path: { type: 'string' },
          intent: { type: 'string' },
          confidence: { type: 'number' },
          reason: { type: 'string' },
          match: nullable('string'),
          threshold: { type: 'number' },
          opted_out_before: { type: 'boolean' },
          scope: nullable('string'),
          flow: nullableObject({
            flow: { type: 'string' },
            session_id: { type: 'string' },
            step_before: { type: 'string' },
            step_after: { type: 'string' },
            outcome: { type: 'string' },
          }),
          rule: nullableObject({
            name: { type: 'string' },
            matched_by: { type: 'string' },
            handoff: { type: 'boolean' },
            start_flow: nullable('string'),
            event: nullable('string'),
          }),
          acknowledged: nullable('boolean'),
          handoff: nullable('string'),
          reply_held: { type: 'boolean' },
        }),
      ],
    },
    replies: { type: 'array', items: timed(relatedSchema) },
    reply_to: { anyOf: [{ type: 'null' }, timed(relatedSchema)] },
    send_attempts: {
      type: 'array',
      items: timed({
        attempt: { type: 'integer' },
        duration_ms: { type: 'integer' },
        outcome: { type: 'string' },
        http_status: nullable('integer'),
        provider_message_id: nullable('string'),
        provider_status: nullable('string'),
        error_kind: nullable('string'),
        error_code: nullable('string'),
        error_message: nullable('string'),
      }),
    },
    receipts: {
      type: 'array',
      items: timed({
        status: { type: 'string' },
        provider_status: { type: 'string' },
        error_code: nullable('string'),
        provider_time: nullableDateTime,
        applied_at: nullableDateTime,
        status_before: nullable('string'),
        status_after: nullable('string'),
        changed: nullable('boolean'),
      }),
    },
    events: {
      type: 'array',
      items: timed({
        id: { type: 'string' },
        type: { type: 'string' },
        deliveries: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              endpoint_id: { type: 'string' },
              endpoint_url: nullable('string'),
              status: { type: 'string' },
              attempts: {
                type: 'array',
                items: timed({ duration_ms: { type: 'integer' }, response_status: nullable('integer'), error: nullable('string') }),
              },
            },
          },
        },
      }),
    },
  },
};

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** The trace as the API shows it. Endpoint URLs are shown as registered (the API's caller registered them). */
export function traceJson(trace: MessageTrace) {
  const at = (ms: number) => ({ at: iso(ms), offset_ms: ms - trace.origin });
  const request = trace.webhook?.request ?? null;
  return {
    message: messageJson(trace.message),
    origin: iso(trace.origin),
    webhook: trace.webhook && {
      ...at(request?.arrived_at ?? trace.webhook.received_at),
      stored_at: iso(trace.webhook.received_at),
      stored_offset_ms: trace.webhook.received_at - trace.origin,
      provider: request?.provider ?? null,
      method: request?.method ?? null,
      url: request?.url ?? null,
      headers: request?.headers ?? null,
      content_type: trace.webhook.content_type,
      body: trace.webhook.body,
      replayed_at: isoOrNull(request?.replayed_at ?? null),
      request_id: request?.request_id ?? null,
      signature: request ? { ...request.signature, reason: request.signature.reason ?? null } : null,
    },
    routing:
      trace.routing && trace.message.processed_at !== null
        ? {
            ...at(trace.message.processed_at),
            ...trace.routing,
            scope: trace.routing.scope ?? null,
            flow: trace.routing.flow ?? null,
            rule: trace.routing.rule ?? null,
            acknowledged: trace.routing.acknowledged ?? null,
            handoff: trace.routing.handoff ?? null,
            reply_held: trace.routing.reply_held ?? false,
          }
        : null,
    replies: trace.replies.map(({ created_at, ...r }) => ({ ...r, ...at(created_at) })),
    reply_to: trace.reply_to && (({ created_at, ...r }) => ({ ...r, ...at(created_at) }))(trace.reply_to),
    send_attempts: trace.send_attempts.map(({ started_at, ...a }) => ({ ...a, ...at(started_at) })),
    // The receipt's row id and the raw millisecond times are not shown: `at` and `offset_ms` say when.
    receipts: trace.receipts.map(({ id: _id, received_at, ...r }) => ({
      ...r,
      ...at(received_at),
      provider_time: isoOrNull(r.provider_time),
      applied_at: isoOrNull(r.applied_at),
    })),
    events: trace.events.map(({ occurred_at, ...e }) => ({
      ...e,
      ...at(occurred_at),
      deliveries: e.deliveries.map((d) => ({
        ...d,
        attempts: d.attempts.map(({ attempted_at, ...a }) => ({ ...a, ...at(attempted_at) })),
      })),
    })),
  };
}

export function registerMessageTraceRoute(api: FastifyInstance, ctx: EngineContext): void {
  api.get<{ Params: { id: string } }>(
    '/v1/messages/:id/trace',
    {
      schema: { summary: "A message's whole life", params: params('id'), response: v1Responses({ 200: traceResponseSchema }, 'not_found') },
    },
    async (request) => {
      const trace = await loadMessageTrace(ctx.store.db, request.params.id);
      if (!trace) throw new ParleyError('not_found', 'No message has this id.');
      return traceJson(trace);
    },
  );
}
