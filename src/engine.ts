import type { Logger } from 'pino';
import { flowsDirectory, type Config } from './config.js';
import { loadFlows } from './flows/definition.js';
import { createMetrics, type MetricsScope } from './metrics.js';
import { loadChannels } from './runtime/channels.js';
import type { EngineContext } from './runtime/context.js';
import { flowExpireHandler, flowWaitHandler, startFlowHandler } from './sessions/turns.js';
import { assembleHandler } from './inbound/multipart.js';
import { routeInboundHandler } from './routing/router.js';
import { sendHandler } from './outbound/send.js';
import { releaseHandler } from './outbound/scheduled.js';
import { broadcastRunHandler } from './broadcasts/run.js';
import { applyStatusHandler } from './outbound/status.js';
import { Worker, type JobHandlers } from './queue/worker.js';
import type { Store } from './store/database.js';
import type { Spool } from './store/spool.js';
import { readSetting, writeSettingOnce } from './store/settings.js';
import { deliverHandler } from './webhooks/deliver.js';
import { startPruning } from './housekeeping/retention.js';
import { newEndpointSecret } from './core/webhook-signature.js';

// What runs the engine, built from the config the same way wherever it runs: in the process that
// answers HTTP, or in its job thread (job-thread.ts), which builds its own over its own connection.

export function jobHandlers(ctx: EngineContext): JobHandlers {
  return {
    'inbound.process': routeInboundHandler(ctx),
    'message.send': sendHandler(ctx),
    'message.release': releaseHandler(ctx),
    'broadcast.run': broadcastRunHandler(ctx),
    'status.apply': applyStatusHandler(ctx),
    'inbound.assemble': assembleHandler(ctx),
    'flow.start': startFlowHandler(ctx),
    'flow.wait': flowWaitHandler(ctx),
    'flow.expire': flowExpireHandler(),
    'webhook.deliver': deliverHandler(ctx),
  };
}

export interface EngineParts {
  store: Store;
  log: Logger;
  spool: Spool | null;
  metricsScope: MetricsScope;
  /** Called when this side committed jobs: wakes whichever worker runs them. */
  jobsQueued: () => void;
}

/** The engine's context: channels with their secrets, flows, the flows' signing secret, metrics. */
export async function engineContext(config: Config, parts: EngineParts): Promise<EngineContext> {
  const { store } = parts;
  return {
    config,
    store,
    channels: await loadChannels(config, store),
    log: parts.log,
    metrics: createMetrics(store, parts.spool, parts.metricsScope),
    flows: loadFlows(flowsDirectory(config)),
    flowSecret: config.flows.secret ?? (await generatedFlowSecret(store)),
    spool: parts.spool,
    jobsQueued: parts.jobsQueued,
  };
}

const flowSecretSetting = 'flows.secret';

async function generatedFlowSecret(store: Store): Promise<string> {
  return (await readSetting(store.db, flowSecretSetting)) ?? writeSettingOnce(store, flowSecretSetting, newEndpointSecret());
}

/** A worker over every job kind, with the queue's settings from the config. */
export function createWorker(ctx: EngineContext): Worker {
  const { config } = ctx;
  return new Worker(ctx.store, jobHandlers(ctx), ctx.log.child({ component: 'worker' }), {
    concurrency: config.queue.concurrency,
    leaseMs: config.queue.lease,
    heartbeatMs: config.queue.heartbeat,
    pollIntervalMs: config.queue.poll_interval,
    takeoverMs: config.queue.takeover,
    retryBaseMs: config.queue.retry_base,
    retryMaxMs: config.queue.retry_max,
    kindLimits: { 'webhook.deliver': Math.min(config.webhooks.concurrency, config.queue.concurrency) },
    limitKeyMax: config.webhooks.per_endpoint_concurrency,
  });
}

/** Deletes what has outlived its retention period, on a timer, counting it in the metrics; returns the stop. */
export function startRetention(ctx: EngineContext): () => Promise<void> {
  return startPruning(ctx.store, ctx.config.retention, ctx.log.child({ component: 'retention' }), (report) => {
    for (const [table, rows] of Object.entries(report)) if (rows > 0) ctx.metrics.retentionDeleted.inc({ table }, rows);
  });
}
