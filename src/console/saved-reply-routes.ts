import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.js';
import { field, sessionOf, type ConsoleContext } from './request.js';
import { addSavedReply, changeSavedReply, listSavedReplies, removeSavedReply } from './saved-replies.js';
import { savedRepliesView } from './views/saved-replies.js';

/** `/console/saved-replies`: admins add, change and remove the replies agents insert. */
export function registerSavedReplyRoutes(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx } = consoleContext;
  const db = ctx.store.db;
  const guarded = { preHandler: [consoleContext.requireSession, consoleContext.requireAdmin] };
  const page = '/console/saved-replies';

  app.get(page, guarded, async (request, reply) => {
    return reply.type('text/html; charset=utf-8').send(savedRepliesView(sessionOf(request), await listSavedReplies(db)));
  });

  // A refused form comes back with what was typed and why, so nothing written is lost.
  const explain = async (request: FastifyRequest, reply: FastifyReply, error: unknown) => {
    if (!(error instanceof ParleyError) || error.code !== 'invalid_payload') throw error;
    const problem = { message: error.message, name: field(request, 'name') ?? '', body: field(request, 'body') ?? '' };
    return reply
      .status(error.status)
      .type('text/html; charset=utf-8')
      .send(savedRepliesView(sessionOf(request), await listSavedReplies(db), problem));
  };

  app.post(page, guarded, async (request, reply) => {
    try {
      await addSavedReply(ctx.store, sessionOf(request).user.id, field(request, 'name') ?? '', field(request, 'body') ?? '');
    } catch (error) {
      return explain(request, reply, error);
    }
    return reply.redirect(page, 303);
  });

  app.post<{ Params: { id: string } }>(`${page}/:id`, guarded, async (request, reply) => {
    const { id } = request.params;
    try {
      await changeSavedReply(ctx.store, sessionOf(request).user.id, id, field(request, 'name') ?? '', field(request, 'body') ?? '');
    } catch (error) {
      return explain(request, reply, error);
    }
    return reply.redirect(`${page}#${encodeURIComponent(id)}`, 303);
  });

  app.post<{ Params: { id: string } }>(`${page}/:id/remove`, guarded, async (request, reply) => {
    await removeSavedReply(ctx.store, sessionOf(request).user.id, request.params.id);
    return reply.redirect(page, 303);
  });
}
