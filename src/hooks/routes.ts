import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sourceAllowed, type Channel } from '../runtime/channels.js';
import type { EngineContext } from '../runtime/context.js';
import { parleyIdOf, storeWebhookEvent } from '../inbound/webhook-event.js';
import { ParleyError } from '../errors.js';
import { webhookRecord, type SignatureOutcome } from '../core/webhook-record.js';
import { parleyIdParam, type WebhookEvent, type WebhookPath, type WebhookRequest } from '../providers/contract.js';
import { isUnreadable, keepUnreadable } from '../inbound/unreadable.js';
import { parseWebhook } from '../providers/webhook-body.js';
import { apiErrors, params } from '../http/schemas.js';

interface HookParams {
  channel: string;
}

function toWebhookRequest(request: FastifyRequest, channel: Channel): WebhookRequest {
  const publicUrl = channel.config.public_url
    ? channel.config.public_url + request.url
    : // Behind a trusted proxy Fastify reads these from X-Forwarded-Proto/-Host (server.trust_proxy).
      `${request.protocol}://${request.host}${request.url}`;
  return {
    method: request.method,
    url: request.url,
    publicUrl,
    headers: request.headers,
    rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    contentType: request.headers['content-type'] ?? null,
    receivedAt: Date.now(),
  };
}

const webhookSchema = (path: WebhookPath) => ({
  summary: {
    inbound: "A provider's inbound message webhook",
    status: "A provider's delivery receipt webhook",
    events: "A provider's webhook for messages and receipts alike",
  }[path],
  description:
    "Signed by the provider as its adapter expects (see docs/providers.md); the signature covers the exact bytes, so the body is read only after it is verified. GET carries the webhook in the query string, for providers configured that way. The answer is the provider's expected answer where it has one (TwiML, plain text), else the JSON below.",
  params: params('channel'),
  response: {
    200: {
      description: "Stored, a duplicate, or nothing to store; in the provider's expected answer where it has one.",
      type: 'object',
      required: ['ok'],
      properties: {
        ok: { type: 'boolean' },
        message_id: { type: 'string', description: 'The stored message (inbound).' },
        duplicate: { type: 'boolean', description: 'The provider sent this webhook before: nothing was stored again.' },
        spooled: { type: 'boolean', description: 'Acknowledged from the spool while the database is away.' },
        ignored: { type: 'string', description: 'Why the webhook carried nothing to store.' },
      },
    },
    ...apiErrors(
      'unknown_channel',
      'source_not_allowed',
      'invalid_signature',
      'bad_request',
      'invalid_json',
      'invalid_payload',
      'invalid_phone_number',
      'unsupported_media_type',
      'payload_too_large',
      'uri_too_long',
    ),
  },
});

/** The webhook body as the document describes it: raw bytes in whichever format the channel's provider sends. */
const webhookBody = {
  description: "The provider's own format, as raw bytes: Parley's generic format is JSON; providers also send forms.",
  content: {
    'application/json': { schema: { type: 'object', additionalProperties: true } },
    'application/x-www-form-urlencoded': { schema: { type: 'object', additionalProperties: true } },
  },
};

/**
 * Provider webhooks: find the channel, check the source and the signature over the raw bytes,
 * parse, then store in one commit before answering. The order matters: nothing is parsed for a
 * sender who cannot sign, and nothing is acknowledged that is not durable.
 *
 * Each channel has three URLs: `/inbound`, `/status`, and `/events` for providers that send
 * everything to one URL. GET is accepted too, for providers configured to call with a query string.
 */
export function registerWebhookRoutes(app: FastifyInstance, ctx: EngineContext): void {
  app.register(async (hooks) => {
    // Signatures cover the exact bytes received, so the body stays a Buffer until verified.
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    const handle = (path: WebhookPath) => async (request: FastifyRequest<{ Params: HookParams }>, reply: FastifyReply) => {
      const channel = ctx.channels.get(request.params.channel);
      if (!channel) throw new ParleyError('unknown_channel', `No channel is named "${request.params.channel.slice(0, 64)}".`);
      if (!sourceAllowed(channel, request.ip)) {
        request.log.warn({ channel: channel.name, ip: request.ip }, 'webhook from an address outside allow_ips refused');
        throw new ParleyError('source_not_allowed');
      }
      const webhook = toWebhookRequest(request, channel);
      const verdict = await channel.adapter.verify(webhook, channel.config);
      if (!verdict.ok) {
        ctx.metrics.signatureFailures.inc({ channel: channel.name, mode: channel.config.verify });
        if (channel.config.verify !== 'monitor') {
          ctx.metrics.webhooks.inc({ channel: channel.name, outcome: 'rejected' });
          request.log.warn({ channel: channel.name, reason: verdict.reason, ip: request.ip }, 'webhook signature rejected');
          if (verdict.retry) throw new ParleyError('unavailable', 'The webhook is not signed; send it again.');
          throw new ParleyError('invalid_signature');
        }
        channel.acceptedUnverified += 1;
        request.log.warn(
          { channel: channel.name, reason: verdict.reason, ip: request.ip, verify: 'monitor' },
          'webhook signature failed; accepted because the channel is in monitor mode',
        );
      }

      let event: WebhookEvent;
      try {
        event = parseWebhook(channel.adapter, webhook, channel.config, path);
      } catch (error) {
        if (verdict.ok && error instanceof ParleyError && isUnreadable(error)) await keep(ctx, channel, path, webhook, error, request);
        throw error;
      }
      const signature: SignatureOutcome = {
        scheme: channel.adapter.signature,
        mode: channel.config.verify,
        verified: verdict.ok,
        ...(verdict.ok ? {} : { reason: verdict.reason }),
      };
      const secretParams = Object.keys(channel.adapter.webhookUrlParams?.(channel.config) ?? {});
      const raw = {
        contentType: webhook.contentType,
        body: webhook.rawBody,
        request: webhookRecord({ ...webhook, requestId: request.id }, channel.config.provider, signature, secretParams),
      };
      const stopTimer = ctx.metrics.ingestSeconds.startTimer({ kind: event.kind });
      const stored = await storeWebhookEvent(
        ctx,
        channel,
        event,
        raw,
        parleyIdOf((request.query as Record<string, unknown> | undefined)?.[parleyIdParam], event),
      );
      stopTimer();
      // The access line of this request then names the message it stored, beside the request id.
      if ('message_id' in stored && typeof stored.message_id === 'string')
        request.log = request.log.child({ message_id: stored.message_id });
      ctx.metrics.webhooks.inc({
        channel: channel.name,
        outcome: event.kind === 'ignored' ? 'ignored' : stored.spooled ? 'spooled' : stored.duplicate ? 'duplicate' : 'stored',
      });
      const answer = channel.adapter.answer;
      if (answer) {
        reply.status(answer.status);
        if (answer.contentType) reply.type(answer.contentType);
        return reply.send(answer.body ?? '');
      }
      return reply.status(200).send({ ok: true, ...stored });
    };

    for (const path of ['inbound', 'status', 'events'] as const) {
      // One route per method: the document gives only POST a body.
      hooks.route<{ Params: HookParams }>({
        method: 'GET',
        url: `/hooks/:channel/${path}`,
        schema: webhookSchema(path),
        handler: handle(path),
      });
      hooks.route<{ Params: HookParams }>({
        method: 'POST',
        url: `/hooks/:channel/${path}`,
        schema: webhookSchema(path),
        config: { rawBody: webhookBody },
        handler: handle(path),
      });
    }
  });
}

/** Keeps a verified webhook that could not be read (inbound/unreadable.ts); the 4xx answer stands either way. */
async function keep(
  ctx: EngineContext,
  channel: Channel,
  path: WebhookPath,
  webhook: WebhookRequest,
  error: ParleyError,
  request: FastifyRequest,
): Promise<void> {
  ctx.metrics.webhooks.inc({ channel: channel.name, outcome: 'unreadable' });
  try {
    const id = await keepUnreadable(ctx, channel, path, webhook, error);
    if (id === null)
      request.log.error(
        { channel: channel.name, path, code: error.code, reason: error.message },
        'verified webhook could not be read, and the unreadable webhooks are full: not kept',
      );
    else
      request.log.error(
        { channel: channel.name, path, code: error.code, reason: error.message, unreadable_id: id },
        'verified webhook could not be read; kept for replay (GET /v1/unreadable-webhooks)',
      );
  } catch (keepError) {
    request.log.error(
      { err: keepError, channel: channel.name, path, code: error.code, reason: error.message },
      'verified webhook could not be read, nor kept',
    );
  }
}
