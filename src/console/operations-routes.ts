import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.js';
import { discardUnreadable, findUnreadable, replayUnreadable } from '../inbound/unreadable-replay.js';
import { retryDeadJob } from '../queue/retry.js';
import { enableEndpoint, recoverFailed, replayDelivery } from '../webhooks/replay.js';
import { recordAudit } from './audit.js';
import {
  deliveryPage,
  deliveryStatuses,
  endpointHealth,
  listEndpointHealth,
  loadEndpoint,
  type DeliveryStatus,
} from './endpoint-health.js';
import { integerId, jobsOverview, unreadablePage } from './operations.js';
import { field, sessionOf, type ConsoleContext } from './request.js';
import { endpointView } from './views/endpoint.js';
import { endpointsView } from './views/endpoints.js';
import { jobsView } from './views/jobs.js';
import { withNotice } from './views/operations.js';
import { unreadableListView, unreadableView } from './views/unreadable.js';

const pageSize = 50;

type Query = { Querystring: Record<string, unknown> };

/**
 * Reads the recover form's time: a datetime-local value (`2025-03-01T14:30`, in UTC like every
 * time the console shows) or an RFC 3339 time with its offset.
 */
function readSince(value: string | undefined): number {
  const text = (value ?? '').trim();
  const local = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?$/.test(text);
  const ms = Date.parse(local ? `${text}Z` : text);
  if (text === '' || text.length > 40 || Number.isNaN(ms)) {
    throw new ParleyError('invalid_payload', 'since: give a date and time (UTC), such as 2025-03-01T14:30.');
  }
  return ms;
}

/**
 * The operations pages, admins only: event endpoints with their health and delivery log, the
 * queue's dead and stuck jobs, and the unreadable webhooks. Every action is the engine function
 * the API's route calls, committed with its audit entry, then a redirect back with a confirmation.
 */
export function registerOperationsRoutes(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx } = consoleContext;
  const db = ctx.store.db;
  const guarded = { preHandler: [consoleContext.requireSession, consoleContext.requireAdmin] };
  const endpointOf = async (id: string) => {
    const endpoint = await loadEndpoint(db, id);
    if (!endpoint) throw new ParleyError('not_found', 'No endpoint has this id.');
    return endpoint;
  };
  const userOf = (request: FastifyRequest) => sessionOf(request).user.id;
  const endpointPath = (id: string) => `/console/endpoints/${encodeURIComponent(id)}`;

  app.get<Query>('/console/endpoints', guarded, async (request, reply) => {
    const now = Date.now();
    const endpoints = await listEndpointHealth(db, now);
    return reply.type('text/html; charset=utf-8').send(endpointsView(sessionOf(request), endpoints, request.query, now));
  });

  app.get<Query & { Params: { id: string } }>('/console/endpoints/:id', guarded, async (request, reply) => {
    const now = Date.now();
    const endpoint = await endpointOf(request.params.id);
    const status = deliveryStatuses.includes(request.query.status as DeliveryStatus) ? (request.query.status as DeliveryStatus) : null;
    const before = typeof request.query.before === 'string' ? request.query.before : null;
    const [health, page] = await Promise.all([
      endpointHealth(db, endpoint, now),
      deliveryPage(db, { endpointId: endpoint.id, status, before, limit: pageSize }),
    ]);
    return reply.type('text/html; charset=utf-8').send(endpointView(sessionOf(request), health, page, status, request.query, now));
  });

  app.post<{ Params: { id: string } }>('/console/endpoints/:id/enable', guarded, async (request, reply) => {
    const endpoint = await endpointOf(request.params.id);
    const now = Date.now();
    const enabled = await ctx.store.write(async (trx) => {
      const changed = await enableEndpoint(trx, endpoint.id, now);
      if (changed) await recordAudit(trx, { userId: userOf(request), action: 'endpoint_enabled', subject: endpoint.id, now });
      return changed;
    });
    if (enabled) ctx.jobsQueued();
    return reply.redirect(withNotice(endpointPath(endpoint.id), enabled ? 'endpoint_enabled' : 'endpoint_already_enabled'), 303);
  });

  app.post<{ Params: { id: string } }>('/console/endpoints/:id/recover', guarded, async (request, reply) => {
    const endpoint = await endpointOf(request.params.id);
    const since = readSince(field(request, 'since'));
    const now = Date.now();
    const count = await ctx.store.write(async (trx) => {
      const requeued = await recoverFailed(trx, endpoint.id, since, now);
      const detail = { since: new Date(since).toISOString(), requeued };
      await recordAudit(trx, { userId: userOf(request), action: 'endpoint_recovered', subject: endpoint.id, detail, now });
      return requeued;
    });
    ctx.jobsQueued();
    return reply.redirect(withNotice(endpointPath(endpoint.id), 'endpoint_recovered', count), 303);
  });

  app.post<{ Params: { id: string } }>('/console/deliveries/:id/replay', guarded, async (request, reply) => {
    const now = Date.now();
    const replayed = await ctx.store.write(async (trx) => {
      const delivery = await replayDelivery(trx, request.params.id, now);
      if (delivery) {
        const detail = { endpoint_id: delivery.endpointId };
        await recordAudit(trx, { userId: userOf(request), action: 'delivery_replayed', subject: request.params.id, detail, now });
      }
      return delivery;
    });
    if (!replayed) throw new ParleyError('not_found', 'No delivery has this id.');
    ctx.jobsQueued();
    return reply.redirect(withNotice(endpointPath(replayed.endpointId), 'delivery_replayed'), 303);
  });

  app.get<Query>('/console/jobs', guarded, async (request, reply) => {
    const now = Date.now();
    const jobs = await jobsOverview(db, { before: integerId(request.query.before), limit: pageSize, now });
    return reply.type('text/html; charset=utf-8').send(jobsView(sessionOf(request), jobs, request.query, now));
  });

  app.post<{ Params: { id: string } }>('/console/jobs/:id/retry', guarded, async (request, reply) => {
    const id = integerId(request.params.id);
    const now = Date.now();
    const retried =
      id !== null &&
      (await ctx.store.write(async (trx) => {
        const job = await trx.selectFrom('jobs').select('kind').where('id', '=', id).executeTakeFirst();
        if (!job || !(await retryDeadJob(trx, id, now))) return false;
        await recordAudit(trx, { userId: userOf(request), action: 'job_retried', subject: `job:${id}`, detail: { kind: job.kind }, now });
        return true;
      }));
    if (!retried) throw new ParleyError('not_found', 'No dead job has this id.');
    ctx.jobsQueued();
    return reply.redirect(withNotice('/console/jobs', 'job_retried'), 303);
  });

  app.get<Query>('/console/unreadable', guarded, async (request, reply) => {
    const page = await unreadablePage(db, { before: integerId(request.query.before), limit: pageSize });
    return reply.type('text/html; charset=utf-8').send(unreadableListView(sessionOf(request), page, request.query));
  });

  const unreadableOf = async (rawId: string) => {
    const row = await findUnreadable(db, rawId);
    if (!row) throw new ParleyError('not_found', 'No unreadable webhook has this id.');
    return row;
  };

  app.get<Query & { Params: { id: string } }>('/console/unreadable/:id', guarded, async (request, reply) => {
    const row = await unreadableOf(request.params.id);
    return reply.type('text/html; charset=utf-8').send(unreadableView(sessionOf(request), row, request.query));
  });

  app.post<{ Params: { id: string } }>('/console/unreadable/:id/replay', guarded, async (request, reply) => {
    const row = await unreadableOf(request.params.id);
    try {
      await replayUnreadable(ctx, row, (trx, replayed) =>
        recordAudit(trx, {
          userId: userOf(request),
          action: 'unreadable_replayed',
          subject: `unreadable:${row.id}`,
          detail: { channel: row.channel, kind: replayed.kind },
        }),
      );
    } catch (error) {
      // Still unreadable (or its channel is gone): say why beside the webhook, which stays kept.
      if (!(error instanceof ParleyError)) throw error;
      return reply
        .status(error.status)
        .type('text/html; charset=utf-8')
        .send(unreadableView(sessionOf(request), row, {}, `Still not readable: ${error.message}`));
    }
    return reply.redirect(withNotice('/console/unreadable', 'unreadable_replayed'), 303);
  });

  app.post<{ Params: { id: string } }>('/console/unreadable/:id/discard', guarded, async (request, reply) => {
    const row = await unreadableOf(request.params.id);
    await ctx.store.write(async (trx) => {
      if (await discardUnreadable(trx, row.id)) {
        const detail = { channel: row.channel, error_code: row.error_code };
        await recordAudit(trx, { userId: userOf(request), action: 'unreadable_discarded', subject: `unreadable:${row.id}`, detail });
      }
    });
    return reply.redirect(withNotice('/console/unreadable', 'unreadable_discarded'), 303);
  });
}
