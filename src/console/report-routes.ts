import type { FastifyInstance } from 'fastify';
import { dashboardWindows, loadDashboard, loadReplyReport, type DashboardWindow } from './dashboard.js';
import { sessionOf, type ConsoleContext } from './request.js';
import { dashboardView, repliesView } from './views/dashboard.js';

type Query = { Querystring: Record<string, unknown> };

/** `/console/dashboard` and `/console/replies`: admins' view of how Parley is doing. */
export function registerReportRoutes(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx } = consoleContext;
  const guarded = { preHandler: [consoleContext.requireSession, consoleContext.requireAdmin] };

  app.get<Query>('/console/dashboard', guarded, async (request, reply) => {
    const asked = request.query.window;
    const window: DashboardWindow =
      typeof asked === 'string' && Object.hasOwn(dashboardWindows, asked) ? (asked as DashboardWindow) : '24h';
    const now = Date.now();
    const dashboard = await loadDashboard(ctx.store, ctx.metrics, window, now);
    return reply.type('text/html; charset=utf-8').send(dashboardView(sessionOf(request), dashboard, now));
  });

  app.get<Query>('/console/replies', guarded, async (request, reply) => {
    const days = [1, 7, 30].includes(Number(request.query.days)) ? Number(request.query.days) : 7;
    const report = await loadReplyReport(ctx.store.db, days);
    return reply.type('text/html; charset=utf-8').send(repliesView(sessionOf(request), report, days));
  });
}
