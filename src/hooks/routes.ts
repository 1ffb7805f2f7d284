import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Channel } from '../engine/channels.js';
import type { EngineContext } from '../engine/context.js';
import { ingestInbound, ingestStatus } from '../engine/ingest.js';
import { ParleyError } from '../errors.js';
import type { WebhookRequest } from '../providers/contract.js';

interface ChannelParams {
  channel: string;
}

function toWebhookRequest(request: FastifyRequest): WebhookRequest {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    contentType: request.headers['content-type'] ?? null,
  };
}

/**
 * Provider webhooks: find the channel, check the signature over the raw bytes, parse, then store
 * in one commit before answering. The order matters: nothing is parsed for a sender who cannot
 * sign, and nothing is acknowledged that is not durable.
 */
export function registerWebhookRoutes(app: FastifyInstance, ctx: EngineContext): void {
  app.register(async (hooks) => {
    // Signatures cover the exact bytes received, so the body stays a Buffer until verified.
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    const verified = (request: FastifyRequest<{ Params: ChannelParams }>): { channel: Channel; webhook: WebhookRequest } => {
      const channel = ctx.channels.get(request.params.channel);
      if (!channel) throw new ParleyError('unknown_channel', `No channel is named "${request.params.channel.slice(0, 64)}".`);
      const webhook = toWebhookRequest(request);
      const verdict = channel.adapter.verify(webhook, channel.config, channel.secret);
      if (!verdict.ok) {
        request.log.warn({ channel: channel.name, reason: verdict.reason, ip: request.ip }, 'webhook signature rejected');
        throw new ParleyError('invalid_signature');
      }
      return { channel, webhook };
    };

    hooks.post<{ Params: ChannelParams }>('/hooks/:channel/inbound', async (request, reply) => {
      const { channel, webhook } = verified(request);
      const message = channel.adapter.parseInbound(webhook, channel.config);
      const result = await ingestInbound(ctx, channel.name, message, { contentType: webhook.contentType, body: webhook.rawBody });
      return reply.status(200).send({ ok: true, message_id: result.id, duplicate: result.duplicate });
    });

    hooks.post<{ Params: ChannelParams }>('/hooks/:channel/status', async (request, reply) => {
      const { channel, webhook } = verified(request);
      const receipt = channel.adapter.parseStatus(webhook, channel.config);
      const result = await ingestStatus(ctx, channel.name, receipt, { contentType: webhook.contentType, body: webhook.rawBody });
      return reply.status(200).send({ ok: true, duplicate: result.duplicate });
    });
  });
}
