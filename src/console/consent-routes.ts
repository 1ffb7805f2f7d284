import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { auditExport, importConsent, ledgerCsv, ledgerPage, readImport, searchedPhone } from './consent-ledger.js';
import { integerId } from './operations.js';
import { field, sessionOf, type ConsoleContext } from './request.js';
import { consentView, type ConsentPageState } from './views/consent.js';

const pageSize = 50;
type Query = { Querystring: Record<string, unknown> };

/** `/console/consent`: the consent ledger, its CSV export and import (admins). */
export function registerConsentRoutes(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx } = consoleContext;
  const db = ctx.store.db;
  const guarded = { preHandler: [consoleContext.requireSession, consoleContext.requireAdmin] };
  const queryText = (query: Record<string, unknown>) => (typeof query.q === 'string' ? query.q.slice(0, 40) : '');

  const state = async (q: string, before: number | null): Promise<ConsentPageState> => {
    const phone = searchedPhone(q);
    // A search that is not a number shows nothing rather than every number's changes.
    if (q.trim() !== '' && !phone) return { q, phone, entries: [], next: null, suppressions: [] };
    return { q, phone, ...(await ledgerPage(db, { phone, before, limit: pageSize })) };
  };

  app.get<Query>('/console/consent', guarded, async (request, reply) => {
    const page = await state(queryText(request.query), integerId(request.query.before));
    const imported =
      typeof request.query.opt_out === 'string' && typeof request.query.opt_in === 'string'
        ? { opt_out: Number(request.query.opt_out) || 0, opt_in: Number(request.query.opt_in) || 0 }
        : undefined;
    return reply.type('text/html; charset=utf-8').send(consentView(sessionOf(request), { ...page, ...(imported ? { imported } : {}) }));
  });

  app.get<Query>('/console/consent.csv', guarded, async (request, reply) => {
    const phone = searchedPhone(queryText(request.query));
    await auditExport(ctx.store, sessionOf(request).user.id, phone);
    const stamp = new Date().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="consent-${stamp}.csv"`)
      .send(Readable.from(ledgerCsv(db, phone)));
  });

  app.post('/console/consent/import', guarded, async (request, reply) => {
    const pasted = (field(request, 'csv') ?? '').slice(0, 2_000_000);
    const { rows, errors } = readImport(pasted);
    if (errors.length > 0) {
      const page = await state('', null);
      return reply
        .status(400)
        .type('text/html; charset=utf-8')
        .send(consentView(sessionOf(request), { ...page, importErrors: ['Nothing was imported.', ...errors], pasted }));
    }
    const counts = await importConsent(ctx.store, sessionOf(request).user.id, rows);
    ctx.jobsQueued();
    return reply.redirect(`/console/consent?opt_out=${counts.opt_out}&opt_in=${counts.opt_in}`, 303);
  });
}
