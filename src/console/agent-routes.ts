import type { FastifyInstance } from 'fastify';
import { ParleyError } from '../errors.js';
import { actOnConversation, addNote, loadThread, newSubmissionKey, replyFromConsole, type ConversationAction } from './conversation.js';
import { inboxFilters, inboxPage, parseCursor, type InboxFilter } from './inbox.js';
import { field, sessionOf, type ConsoleContext } from './request.js';
import { listSavedReplies } from './saved-replies.js';
import { conversationView } from './views/conversation.js';
import { inboxList, inboxView } from './views/inbox.js';

const pageSize = 50;

/** The inbox and the conversation view: what every agent uses. */
export function registerAgentRoutes(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx } = consoleContext;
  const db = ctx.store.db;
  const guarded = { preHandler: consoleContext.requireSession };

  app.get<{ Querystring: Record<string, unknown> }>('/console', guarded, async (request, reply) => {
    const session = sessionOf(request);
    const q = typeof request.query.q === 'string' ? request.query.q.slice(0, 200) : '';
    const filter = inboxFilters.includes(request.query.filter as InboxFilter) ? (request.query.filter as InboxFilter) : 'needs_human';
    const after = typeof request.query.after === 'string' ? request.query.after : null;
    const page = await inboxPage(db, { filter, userId: session.user.id, q, after, limit: pageSize });
    reply.type('text/html; charset=utf-8');
    // console.js refreshes just the list.
    if (request.query.part === 'list') return inboxList(page, filter, q, session.user.id).value;
    return inboxView(session, page, filter, q);
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(
    '/console/conversations/:id',
    guarded,
    async (request, reply) => {
      const saved = typeof request.query.saved === 'string' ? request.query.saved : null;
      const before = parseCursor(typeof request.query.before === 'string' ? request.query.before : null);
      const [thread, savedReplies] = await Promise.all([loadThread(db, request.params.id, before), listSavedReplies(db)]);
      // `?saved=` is the saved-reply picker without JavaScript: the page again, its reply box filled.
      const draft = saved ? (savedReplies.find((r) => r.id === saved)?.body ?? '') : '';
      return reply
        .type('text/html; charset=utf-8')
        .send(conversationView(sessionOf(request), thread, newSubmissionKey(), { savedReplies, draft }));
    },
  );

  const back = (id: string) => `/console/conversations/${encodeURIComponent(id)}`;

  app.post<{ Params: { id: string } }>('/console/conversations/:id/reply', guarded, async (request, reply) => {
    const body = field(request, 'body') ?? '';
    if (body.trim() === '') throw new ParleyError('invalid_payload', 'body: write a reply before sending.');
    const { message, repeated } = await replyFromConsole(
      ctx,
      sessionOf(request).user,
      request.params.id,
      body,
      field(request, 'submission') ?? '',
    );
    if (request.headers['x-csrf-token'] !== undefined)
      return reply.status(repeated ? 200 : 202).send({ id: message.id, status: message.status, repeated });
    return reply.redirect(`${back(request.params.id)}#${message.id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/console/conversations/:id/note', guarded, async (request, reply) => {
    const note = (field(request, 'note') ?? '').trim();
    if (note === '') throw new ParleyError('invalid_payload', 'note: write a note before adding it.');
    if (note.length > 4000) throw new ParleyError('invalid_payload', 'note: longer than 4000 characters.');
    await addNote(ctx, sessionOf(request).user, request.params.id, note);
    return reply.redirect(back(request.params.id), 303);
  });

  for (const action of ['assign', 'close', 'reopen'] as ConversationAction[]) {
    app.post<{ Params: { id: string } }>(`/console/conversations/:id/${action}`, guarded, async (request, reply) => {
      await actOnConversation(ctx, sessionOf(request).user, request.params.id, action);
      return reply.redirect(back(request.params.id), 303);
    });
  }
}
