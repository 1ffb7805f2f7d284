import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { storableText } from '../core/text.js';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import type { Trigger } from '../triggers/definition.js';
import { MissingFields, runTrigger } from '../triggers/run.js';
import { maxUnreadableKept } from '../inbound/unreadable.js';
import { apiErrors } from '../http/schemas.js';

// POST /hooks/triggers/:name: a business event, signed with the trigger's secret (Standard
// Webhooks: webhook-id, webhook-timestamp, webhook-signature over the exact bytes) or sent with the
// API key. The event's id (webhook-id, or Idempotency-Key with the API key) makes a retry harmless.
// A request that fails authentication stores nothing; an authenticated event lacking a mapped field
// is kept like an unreadable webhook, for an operator to see, and answered 422 naming the field.

const eventIdPattern = /^[\x21-\x7e]{1,255}$/;

const outcomeSchema = {
  type: 'object',
  required: ['action'],
  properties: {
    action: { type: 'string', enum: ['send', 'schedule', 'cancel', 'set_contact', 'start_flow', 'skipped'] },
    message_id: { type: 'string' },
    send_at: { type: 'string', format: 'date-time' },
    replaced: { type: 'integer' },
    canceled: { type: 'integer' },
    contact_id: { type: 'string' },
    session_id: { type: ['string', 'null'] },
    skipped: { type: 'string' },
    reason: { type: 'string' },
  },
} as const;

const schema = {
  summary: 'A business event for a trigger',
  description:
    "Signed with the trigger's secret (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature over the exact bytes), or sent with the API key and an Idempotency-Key. The event's id makes a retry harmless.",
  params: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
  },
  headers: {
    type: 'object',
    properties: {
      'webhook-id': { type: 'string', maxLength: 255 },
      'webhook-timestamp': { type: 'string', maxLength: 32 },
      'webhook-signature': { type: 'string', maxLength: 4096 },
      'idempotency-key': { type: 'string', maxLength: 255 },
    },
  },
  // The body is the business's event as JSON, read by the route itself from the exact bytes signed.
  consumes: ['application/json'],
  response: {
    200: {
      description: "The event's actions, done in one commit.",
      type: 'object',
      required: ['trigger', 'event_id', 'duplicate', 'actions'],
      properties: {
        trigger: { type: 'string' },
        event_id: { type: 'string' },
        duplicate: { type: 'boolean', description: 'The event id was acted on before: nothing was done again.' },
        actions: { type: 'array', items: outcomeSchema },
      },
    },
    ...apiErrors(
      'not_found',
      'unauthorized',
      'invalid_signature',
      'invalid_json',
      'invalid_payload',
      'trigger_field_missing',
      'trigger_field_invalid',
      'opted_out',
      'invalid_phone_number',
      'payload_too_large',
    ),
  },
};

export function registerTriggerRoutes(
  app: FastifyInstance,
  ctx: EngineContext,
  triggers: Map<string, Trigger>,
  /** The /v1 API key check (api/auth.ts), handed in: hooks/ sits below api/. */
  apiKey: (request: FastifyRequest) => Promise<void>,
): void {
  app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    const rawBody = {
      description: "The business's event as JSON, read from the exact bytes signed.",
      content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
    };
    hooks.post<{ Params: { name: string } }>('/hooks/triggers/:name', { schema, config: { rawBody } }, async (request) => {
      const trigger = triggers.get(request.params.name);
      if (!trigger) throw new ParleyError('not_found', `No trigger is named "${request.params.name.slice(0, 64)}".`);
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const eventId = await authenticate(request, trigger, raw);
      let event: unknown;
      try {
        event = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ParleyError('invalid_json', 'The event is not JSON.');
      }
      try {
        return await runTrigger(ctx, trigger, eventId, event);
      } catch (error) {
        if (error instanceof MissingFields) await keep(ctx, request, trigger, raw, error);
        throw error;
      }
    });
  });

  /** The event's id, once the request is the business's: its API key, or the trigger's signature. */
  async function authenticate(request: FastifyRequest, trigger: Trigger, raw: Buffer): Promise<string> {
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    if (request.headers.authorization !== undefined) {
      await apiKey(request);
    } else {
      if (!trigger.secret) throw new ParleyError('unauthorized', 'This trigger takes the API key (Authorization: Bearer …).');
      try {
        new Webhook(trigger.secret).verify(raw, {
          'webhook-id': header('webhook-id') ?? '',
          'webhook-timestamp': header('webhook-timestamp') ?? '',
          'webhook-signature': header('webhook-signature') ?? '',
        });
      } catch (error) {
        // The package parses the body after the signature holds: unreadable JSON is answered below.
        if (error instanceof WebhookVerificationError) {
          request.log.warn({ trigger: trigger.name, ip: request.ip }, 'trigger signature rejected');
          throw new ParleyError('invalid_signature');
        }
      }
    }
    const id = header('webhook-id') ?? header('idempotency-key');
    if (id === undefined || !eventIdPattern.test(id)) {
      throw new ParleyError(
        'invalid_payload',
        'webhook-id (or Idempotency-Key): the event’s id, 1 to 255 printable characters, so a retry does nothing twice.',
      );
    }
    return id;
  }
}

async function keep(ctx: EngineContext, request: FastifyRequest, trigger: Trigger, raw: Buffer, error: ParleyError): Promise<void> {
  try {
    await ctx.store.write(async (trx) => {
      const { n } = await trx
        .selectFrom('unreadable_webhooks')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(n) >= maxUnreadableKept) return;
      await trx
        .insertInto('unreadable_webhooks')
        .values({
          channel: `trigger:${trigger.name}`,
          // The channel column names the trigger; the URL (/hooks/triggers/…) tells it from a provider's events.
          path: 'events',
          method: request.method,
          url: request.url,
          content_type: request.headers['content-type'] ?? null,
          body: storableText(raw),
          raw_body: raw,
          error_code: error.code,
          error_message: error.message.slice(0, 1000),
          received_at: Date.now(),
        })
        .execute();
    });
  } catch (keepError) {
    request.log.error({ err: keepError, trigger: trigger.name }, 'trigger event lacking a mapped field could not be kept');
  }
}
