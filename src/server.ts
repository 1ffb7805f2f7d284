import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { setUpApiKey } from './api/auth.js';
import { buildApp } from './app.js';
import { countUsers } from './console/users.js';
import { flowsDirectory, type Config } from './config.js';
import { loadChannels } from './runtime/channels.js';
import type { EngineContext } from './runtime/context.js';
import { flowExpireHandler, flowWaitHandler, startFlowHandler } from './sessions/turns.js';
import { ingestInbound, ingestStatus } from './inbound/ingest.js';
import { assembleHandler, ingestPart } from './inbound/multipart.js';
import { startPruning } from './housekeeping/retention.js';
import { Spool, spooledBody, type SpoolEntry } from './store/spool.js';
import { routeInboundHandler } from './routing/router.js';
import { sendHandler } from './outbound/send.js';
import { releaseHandler } from './outbound/scheduled.js';
import { broadcastRunHandler } from './broadcasts/run.js';
import { applyStatusHandler } from './outbound/status.js';
import { ConfigError } from './errors.js';
import { loadFlows, type Flow } from './flows/definition.js';
import { loadTriggers } from './triggers/definition.js';
import { createMetrics } from './metrics.js';
import { Worker, type JobHandlers } from './queue/worker.js';
import { openStore, type Store } from './store/database.js';
import { acquireProcessLock, type ProcessLock } from './store/process-lock.js';
import { takeBackAllLeases } from './queue/recover.js';
import { migrateToLatest } from './store/migrate.js';
import { readSetting, writeSettingOnce } from './store/settings.js';
import { deliverHandler } from './webhooks/deliver.js';
import { newEndpointSecret } from './core/webhook-signature.js';

export interface Parley {
  app: FastifyInstance;
  ctx: EngineContext;
  worker: Worker;
  /** Set when this start generated the API key (first start without one configured). */
  generatedApiKey?: string;
  /** The address it listens on, when started with `listen`. */
  url?: string;
  /** Stops taking requests, lets running requests and jobs finish, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  /** Listen on config.server.host:port; tests may use `inject()` instead. */
  listen?: boolean;
  /** Run the job worker in this process (default true). */
  work?: boolean;
  /** An already-open store (tests); otherwise config.database.url is opened. */
  store?: Store;
  /** How long shutdown waits for running jobs. */
  shutdownGraceMs?: number;
  /** Fail every JSON answer its route's response schema would alter (tests; http/response-check.ts). */
  checkResponses?: boolean;
}

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

/** Opens the database, brings it up to date, and starts the HTTP server and the worker. */
export async function startParley(config: Config, options: StartOptions): Promise<Parley> {
  const { log } = options;
  const store = options.store ?? (await openStore(config.database.url, { poolSize: config.database.pool_size }));
  let lock: ProcessLock | undefined;
  try {
    // On SQLite one process runs Parley on a database: holding its lock, this one may take back at
    // once every lease a crashed predecessor left, instead of waiting for them to expire.
    if (store.dialect === 'sqlite' && store.file && store.file !== ':memory:') lock = acquireProcessLock(store.file);
    const { applied } = await migrateToLatest(store);
    if (applied.length > 0) log.info({ applied, database: store.describe }, 'database migrated');
    if (lock) {
      const taken = await takeBackAllLeases(store);
      if (taken > 0) log.warn({ jobs: taken }, 'took back the jobs a previous process was running when it stopped; they run again now');
    }
    const apiKey = await setUpApiKey(store, config.api_key);
    if ((await countUsers(store.db)) === 0) {
      log.info('the console at /console has no users yet; create one with: npx parley users add you@example.com --role admin');
    }
    const channels = await loadChannels(config, store);
    for (const channel of channels.all()) {
      if (channel.config.verify === 'monitor') {
        log.warn(
          { channel: channel.name },
          `CHANNEL "${channel.name}" IS IN verify: monitor MODE: webhooks with a missing or wrong signature are ACCEPTED. Set verify: enforce once its signatures check out.`,
        );
      }
    }

    let worker: Worker | undefined;
    const flows = loadFlows(flowsDirectory(config));
    checkRuleFlows(config, flows);
    const triggers = loadTriggers(config);
    for (const trigger of triggers.values()) {
      for (const action of trigger.actions) {
        if ('start_flow' in action && !flows.has(action.start_flow.flow)) {
          throw new ConfigError(`trigger "${trigger.name}": start_flow: no flow is named "${action.start_flow.flow}"`);
        }
      }
    }
    const flowSecret = config.flows.secret ?? (await generatedFlowSecret(store));
    // One spool per instance, by its port: each drains only what it took in itself, also after a
    // restart. An instance on a random port (port 0: tests) gets a folder of its own.
    const spoolName = config.server.port === 0 ? `ephemeral-${process.pid}-${Date.now()}` : String(config.server.port);
    const spool =
      store.dialect === 'postgres'
        ? new Spool(resolve(config.spool.dir, spoolName), config.spool.max_bytes, log.child({ component: 'spool' }))
        : null;
    const ctx: EngineContext = {
      config,
      store,
      channels,
      log,
      metrics: createMetrics(store, spool),
      flows,
      flowSecret,
      spool,
      jobsQueued: () => worker?.wake(),
    };
    worker = new Worker(store, jobHandlers(ctx), log.child({ component: 'worker' }), {
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
    const app = await buildApp({ ctx, apiKeyHash: apiKey.hash, triggers, checkResponses: options.checkResponses ?? false });
    let url: string | undefined;
    if (options.listen) {
      try {
        url = await app.listen({ port: config.server.port, host: config.server.host });
      } catch (error) {
        // A port in use: nothing is listening, but the app's hooks and timers must not keep the process alive.
        await app.close().catch(() => {});
        throw error;
      }
    } else await app.ready();
    if (options.work !== false) worker.start();
    const stopPruning =
      options.work !== false
        ? startPruning(store, config.retention, log.child({ component: 'retention' }), (report) => {
            for (const [table, rows] of Object.entries(report)) if (rows > 0) ctx.metrics.retentionDeleted.inc({ table }, rows);
          })
        : null;
    const drainer = spool ? startDraining(ctx, spool) : null;

    const running = worker;
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await app.close();
        if (drainer) clearInterval(drainer);
        await spool?.close();
        await running.stop(options.shutdownGraceMs ?? 10_000);
        await stopPruning?.();
        if (!options.store) await store.close();
        lock?.release();
      })());
    return { app, ctx, worker: running, url, close, ...(apiKey.generated ? { generatedApiKey: apiKey.generated } : {}) };
  } catch (error) {
    if (!options.store) await store.close().catch(() => {});
    lock?.release();
    throw error;
  }
}

const flowSecretSetting = 'flows.secret';

async function generatedFlowSecret(store: Store): Promise<string> {
  return (await readSetting(store.db, flowSecretSetting)) ?? writeSettingOnce(store, flowSecretSetting, newEndpointSecret());
}

/** A keyword rule may start a flow: the flow must exist, and need no params (a rule gives none). */
function checkRuleFlows(config: Config, flows: Map<string, Flow>): void {
  for (const [i, rule] of config.automation.rules.entries()) {
    if (!rule.start_flow) continue;
    const where = `${config.source ?? '(config)'}: automation.rules[${i}].start_flow`;
    const flow = flows.get(rule.start_flow);
    if (!flow) throw new ConfigError(`${where}: no flow is named "${rule.start_flow}" in ${flowsDirectory(config)}`);
    const required = Object.entries(flow.params).filter(([, param]) => param.required);
    if (required.length > 0) {
      throw new ConfigError(
        `${where}: the "${flow.name}" flow requires params (${required.map(([n]) => n).join(', ')}), which a rule cannot give`,
      );
    }
  }
}

/** Moves spooled webhooks into the database whenever it answers again. */
function startDraining(ctx: EngineContext, spool: Spool): NodeJS.Timeout {
  const apply = async (entry: SpoolEntry) => {
    const raw = { contentType: entry.contentType, body: spooledBody(entry), request: entry.request };
    if (entry.kind === 'status') await ingestStatus(ctx, entry.channel, entry.receipt, raw, entry.parleyId);
    else if (entry.message.part) await ingestPart(ctx, entry.channel, entry.message, entry.message.part, raw);
    else await ingestInbound(ctx, entry.channel, entry.message, raw);
  };
  const timer = setInterval(() => {
    if (!spool.pending()) return;
    spool.drain(apply).catch((error: unknown) => ctx.log.warn({ err: error }, 'spool not drained yet; the database is still unreachable'));
  }, 500);
  timer.unref();
  return timer;
}
