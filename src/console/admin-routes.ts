import type { FastifyInstance } from 'fastify';
import { ParleyError } from '../errors.js';
import { recordAudit } from './audit.js';
import { field, sessionOf, type ConsoleContext } from './request.js';
import { addUser, listUsers, removeUser, setUserDisabled } from './users.js';
import { auditView } from './views/audit.js';
import { usersView } from './views/users.js';

const auditPageSize = 50;

/** User management and the audit trail: admins only (an agent gets 403). */
export function registerAdminRoutes(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx } = consoleContext;
  const db = ctx.store.db;
  const guarded = { preHandler: [consoleContext.requireSession, consoleContext.requireAdmin] };

  app.get('/console/users', guarded, async (request, reply) => {
    return reply.type('text/html; charset=utf-8').send(usersView(sessionOf(request), await listUsers(db)));
  });

  app.post('/console/users', guarded, async (request, reply) => {
    const session = sessionOf(request);
    try {
      const user = await addUser(ctx.store, field(request, 'email') ?? '', field(request, 'role') ?? '', field(request, 'password') ?? '');
      await ctx.store.write((trx) =>
        recordAudit(trx, { userId: session.user.id, action: 'user_added', subject: user.email, detail: { role: user.role } }),
      );
    } catch (error) {
      if (!(error instanceof ParleyError)) throw error;
      return reply
        .status(error.status)
        .type('text/html; charset=utf-8')
        .send(usersView(session, await listUsers(db), error.message));
    }
    return reply.redirect('/console/users', 303);
  });

  app.post<{ Params: { id: string; action: string } }>('/console/users/:id/:action', guarded, async (request, reply) => {
    const session = sessionOf(request);
    const { id, action } = request.params;
    const user = await db.selectFrom('console_users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!user) throw new ParleyError('not_found', 'No console user has this id.');
    if (action === 'remove') await removeUser(ctx.store, user.email);
    else if (action === 'disable' || action === 'enable') await setUserDisabled(ctx.store, id, action === 'disable');
    else throw new ParleyError('not_found', 'No such action.');
    const audited = action === 'remove' ? 'user_removed' : action === 'disable' ? 'user_disabled' : 'user_enabled';
    await ctx.store.write((trx) => recordAudit(trx, { userId: session.user.id, action: audited, subject: user.email }));
    return reply.redirect('/console/users', 303);
  });

  app.get<{ Querystring: { before?: string } }>('/console/audit', guarded, async (request, reply) => {
    const before = Number(request.query.before);
    let query = db
      .selectFrom('console_audit')
      .leftJoin('console_users', 'console_users.id', 'console_audit.user_id')
      .select([
        'console_audit.id',
        'console_audit.user_id',
        'console_audit.action',
        'console_audit.subject',
        'console_audit.detail',
        'console_audit.at',
        'console_users.email',
      ])
      .orderBy('console_audit.id', 'desc')
      .limit(auditPageSize + 1);
    if (Number.isSafeInteger(before) && before > 0) query = query.where('console_audit.id', '<', before);
    const rows = await query.execute();
    const more = rows.length > auditPageSize;
    if (more) rows.pop();
    return reply.type('text/html; charset=utf-8').send(auditView(sessionOf(request), rows, more ? rows.at(-1)!.id : null));
  });
}
