import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.js';
import { findMessages, loadMessageTrace } from '../trace/message-trace.js';
import { sessionOf, type ConsoleContext } from './request.js';
import { messageLookupView, messageTraceView } from './views/message-trace.js';

/**
 * A message's trace, and the lookup by Parley's id or a provider's. Agents see the messages of
 * conversations (every conversation is theirs to read); a message no conversation holds yet (not
 * routed, or refused before it had one) is for admins.
 */
export function registerTraceRoutes(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx } = consoleContext;
  const db = ctx.store.db;
  const guarded = { preHandler: consoleContext.requireSession };
  const visible = (request: FastifyRequest, message: { conversation_id: string | null }) =>
    message.conversation_id !== null || sessionOf(request).user.role === 'admin';

  app.get<{ Params: { id: string } }>('/console/messages/:id', guarded, async (request, reply) => {
    const trace = await loadMessageTrace(db, request.params.id);
    if (!trace) throw new ParleyError('not_found', 'No message has this id.');
    if (!visible(request, trace.message)) throw new ParleyError('forbidden', 'Only admins see messages outside a conversation.');
    return reply.type('text/html; charset=utf-8').send(messageTraceView(sessionOf(request), trace));
  });

  app.get<{ Querystring: Record<string, unknown> }>('/console/messages', guarded, async (request, reply) => {
    const id = typeof request.query.id === 'string' ? request.query.id.trim().slice(0, 200) : '';
    const found =
      id === ''
        ? []
        : (
            await findMessages(
              db,
              id,
              ctx.channels.all().map((c) => c.name),
            )
          ).filter((m) => visible(request, m));
    if (found.length === 1) return reply.redirect(`/console/messages/${encodeURIComponent(found[0]!.id)}`, 303);
    reply.type('text/html; charset=utf-8');
    if (id !== '' && found.length === 0) reply.status(404);
    return messageLookupView(sessionOf(request), id, found);
  });
}
