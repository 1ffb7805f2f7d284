import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAnalyticsRoutes } from './api/analytics.js';
import { registerBroadcastRoutes } from './api/broadcasts.js';
import { requireApiKey } from './api/auth.js';
import { registerContactRoutes } from './api/contacts.js';
import { registerContactImportRoute } from './api/contact-import.js';
import { registerContactProfileRoutes } from './api/contact-profiles.js';
import { registerConversationRoutes } from './api/conversations.js';
import { registerEndpointRoutes } from './api/endpoints.js';
import { registerFlowRoutes } from './api/flows.js';
import { registerJobRoutes } from './api/jobs.js';
import { registerUnreadableWebhookRoutes } from './api/unreadable-webhooks.js';
import { registerMessageRoutes } from './api/messages.js';
import { registerTemplateRoutes } from './api/templates.js';
import { registerConsole } from './console/plugin.js';
import type { EngineContext } from './runtime/context.js';
import { registerWebhookRoutes } from './hooks/routes.js';
import { registerSimulatorRoutes } from './hooks/simulator.js';
import { registerTriggerRoutes } from './hooks/triggers.js';
import type { Trigger } from './triggers/definition.js';
import { capConnectionsPerAddress, timeoutOptions } from './http/connections.js';
import { answerClientError, answerFrameworkError, installErrorHandling } from './http/errors.js';
import { refuseNulCharacters } from './http/text-guard.js';
import { metricsAccess } from './http/metrics-access.js';
import { registerOpenApi } from './http/openapi.js';
import { apiErrors, object } from './http/schemas.js';
import { checkResponsesAgainstSchemas } from './http/response-check.js';
import { logRequests, requestId } from './http/request-log.js';
import { oldestDueJobAge } from './metrics.js';
import { migrationsCurrent } from './store/migrate.js';

const queueStuckAfterMs = 5 * 60_000;

export interface AppDependencies {
  ctx: EngineContext;
  apiKeyHash: Buffer;
  /** The business-event triggers (triggers/definition.ts); none when absent. */
  triggers?: Map<string, Trigger>;
  /** Fail every JSON answer its response schema would alter (http/response-check.ts); tests switch it on. */
  checkResponses?: boolean;
}

/** Builds the HTTP app without listening: `parley start` listens, tests call `inject()`. */
export async function buildApp({ ctx, apiKeyHash, triggers, checkResponses }: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    // The cast picks Fastify's logger type for the app's generics; pino's Logger would carry through.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: ctx.log as FastifyBaseLogger,
    // Fastify's own two lines per request are off; http/request-log.ts writes one access line instead.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestId,
    requestIdHeader: false,
    bodyLimit: ctx.config.server.body_limit,
    trustProxy: ctx.config.server.trust_proxy,
    // Closing idle keep-alive sockets lets SIGTERM finish promptly.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A client that trickles its request, or keeps a connection it does not use, is cut off.
    ...timeoutOptions(ctx.config.server),
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  installErrorHandling(app);
  logRequests(app, ctx.config.log.access);
  capConnectionsPerAddress(app, ctx.config.server.max_connections_per_address);
  // Before any route: the document is built from the routes as they are added.
  await registerOpenApi(app);
  if (checkResponses) checkResponsesAgainstSchemas(app);

  const probe = (summary: string, ok: Record<string, unknown>) => ({ schema: { summary, tags: ['probes'], response: ok } });
  app.get(
    '/healthz',
    probe('The process answers', { 200: object({ status: { type: 'string', enum: ['ok'] } }, { description: 'Up.' }) }),
    async () => ({
      status: 'ok',
    }),
  );
  const readiness = {
    description: 'Ready (200), or why not (503).',
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ready', 'migrations_pending', 'queue_stuck', 'database_unreachable'] },
      database: { type: 'string', enum: ['sqlite', 'postgres'] },
      oldest_due_job_seconds: { type: 'integer' },
    },
  };
  app.get(
    '/readyz',
    probe('Ready for traffic: migrations applied, database reachable, queue moving', { 200: readiness, 503: readiness }),
    async (_request, reply) => {
      try {
        const current = await migrationsCurrent(ctx.store);
        if (!current) return reply.status(503).send({ status: 'migrations_pending' });
        const stuckFor = await oldestDueJobAge(ctx.store);
        // Due jobs nobody has claimed for this long mean no worker is working the queue.
        if (stuckFor > queueStuckAfterMs)
          return reply.status(503).send({ status: 'queue_stuck', oldest_due_job_seconds: Math.round(stuckFor / 1000) });
        return { status: 'ready', database: ctx.store.dialect };
      } catch {
        return reply.status(503).send({ status: 'database_unreachable' });
      }
    },
  );

  // Prometheus text format; counts and queue figures only, nothing about message content. Not for
  // everyone: a token, or a request made on this machine (http/metrics-access.ts).
  const metricsGuard = metricsAccess({ token: ctx.config.metrics.token, trustProxy: ctx.config.server.trust_proxy });
  const metricsSchema = {
    summary: 'Prometheus metrics (metrics.token, or a request from this machine)',
    tags: ['probes'],
    response: {
      200: { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
      ...apiErrors('unauthorized'),
    },
  };
  app.get('/metrics', { onRequest: metricsGuard, schema: metricsSchema }, async (_request, reply) => {
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.exposition();
  });

  registerWebhookRoutes(app, ctx);
  registerSimulatorRoutes(app, ctx);
  registerTriggerRoutes(app, ctx, triggers ?? new Map<string, Trigger>(), requireApiKey(apiKeyHash));

  await app.register(async (api) => {
    api.addHook('onRequest', requireApiKey(apiKeyHash));
    api.addHook('preValidation', refuseNulCharacters);
    registerMessageRoutes(api, ctx);
    registerJobRoutes(api, ctx);
    registerUnreadableWebhookRoutes(api, ctx);
    registerConversationRoutes(api, ctx);
    registerContactRoutes(api, ctx);
    registerContactProfileRoutes(api, ctx);
    registerContactImportRoute(api, ctx);
    registerAnalyticsRoutes(api, ctx);
    registerEndpointRoutes(api, ctx);
    registerFlowRoutes(api, ctx);
    registerTemplateRoutes(api, ctx);
    registerBroadcastRoutes(api, ctx);
  });

  await registerConsole(app, ctx);

  return app;
}
