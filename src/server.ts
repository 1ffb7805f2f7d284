import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { setUpApiKey } from './api/auth.js';
import { buildApp } from './app.js';
import { countUsers } from './console/users.js';
import { flowsDirectory, type Config } from './config.js';
import { createWorker, engineContext, startRetention } from './engine.js';
import type { EngineContext } from './runtime/context.js';
import { ingestInbound, ingestStatus } from './inbound/ingest.js';
import { ingestPart } from './inbound/multipart.js';
import { startJobThread } from './job-thread-host.js';
import { Spool, spooledBody, type SpoolEntry } from './store/spool.js';
import { ConfigError } from './errors.js';
import type { Flow } from './flows/definition.js';
import { loadTriggers } from './triggers/definition.js';
import type { JobRunner } from './queue/worker.js';
import { openStore, type Store } from './store/database.js';
import { acquireProcessLock, type ProcessLock } from './store/process-lock.js';
import { takeBackAllLeases } from './queue/recover.js';
import { migrateToLatest } from './store/migrate.js';

export interface Parley {
  app: FastifyInstance;
  ctx: EngineContext;
  /** The worker, in this thread or, with `queue.thread`, in a job thread of its own. */
  worker: JobRunner;
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
  /**
   * Whether the worker may have a job thread (with queue.thread), which opens the same database
   * again: by default only when this start opens the database itself.
   */
  jobThread?: boolean;
  /** How long shutdown waits for running jobs. */
  shutdownGraceMs?: number;
  /** Fail every JSON answer its route's response schema would alter (tests; http/response-check.ts). */
  checkResponses?: boolean;
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
    // One spool per instance, by its port: each drains only what it took in itself, also after a
    // restart. An instance on a random port (port 0: tests) gets a folder of its own.
    const spoolName = config.server.port === 0 ? `ephemeral-${process.pid}-${Date.now()}` : String(config.server.port);
    const spool =
      store.dialect === 'postgres'
        ? new Spool(resolve(config.spool.dir, spoolName), config.spool.max_bytes, log.child({ component: 'spool' }))
        : null;
    let worker: JobRunner | undefined;
    const ctx = await engineContext(config, { store, log, spool, metricsScope: 'process', jobsQueued: () => worker?.wake() });
    for (const channel of ctx.channels.all()) {
      if (channel.config.verify === 'monitor') {
        log.warn(
          { channel: channel.name },
          `CHANNEL "${channel.name}" IS IN verify: monitor MODE: webhooks with a missing or wrong signature are ACCEPTED. Set verify: enforce once its signatures check out.`,
        );
      }
    }
    checkRuleFlows(config, ctx.flows);
    const triggers = loadTriggers(config);
    for (const trigger of triggers.values()) {
      for (const action of trigger.actions) {
        if ('start_flow' in action && !ctx.flows.has(action.start_flow.flow)) {
          throw new ConfigError(`trigger "${trigger.name}": start_flow: no flow is named "${action.start_flow.flow}"`);
        }
      }
    }
    const work = options.work !== false;
    // The worker gets a thread of its own when it can open the database itself: by default not one
    // handed in (tests), and never an in-memory SQLite, which exists only on this connection.
    const threadWanted = config.queue.thread === 'auto' ? availableParallelism() > 1 : config.queue.thread;
    const threaded = work && threadWanted && (options.jobThread ?? !options.store) && store.file !== ':memory:';
    // The thread loads its modules and opens its connection while the app is built; it runs before
    // the server listens, so a ready server (`/readyz`) has its worker running.
    const jobThread = threaded
      ? startJobThread({
          config,
          store,
          log,
          metrics: ctx.metrics,
          onFailure: (error) => {
            // Without its worker this process would take webhooks it never answers: stop, so that a
            // supervisor starts it again (a new start takes back what the thread held).
            log.fatal({ err: error }, 'the job thread stopped; shutting down');
            process.exitCode = 1;
            void parley.close();
          },
        })
      : null;
    // Settled here too, so that a failure while the app is built is not an unhandled rejection.
    jobThread?.catch(() => {});
    let stopRetention: (() => Promise<void>) | null = null;
    let app: FastifyInstance | undefined;
    try {
      app = await buildApp({ ctx, apiKeyHash: apiKey.hash, triggers, checkResponses: options.checkResponses ?? false });
      if (jobThread) worker = await jobThread;
    } catch (error) {
      await app?.close().catch(() => {});
      const started = await jobThread?.catch(() => undefined);
      await started?.stop(0);
      throw error;
    }
    let url: string | undefined;
    if (options.listen) {
      try {
        url = await app.listen({ port: config.server.port, host: config.server.host });
      } catch (error) {
        // A port in use: nothing is listening, but the app's hooks, timers and thread must not keep the process alive.
        await app.close().catch(() => {});
        if (jobThread) await worker?.stop(0);
        throw error;
      }
    } else await app.ready();
    if (!worker) {
      worker = createWorker(ctx);
      if (work) {
        worker.start();
        stopRetention = startRetention(ctx);
      }
    }
    const drainer = spool ? startDraining(ctx, spool) : null;

    const running = worker;
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await app.close();
        if (drainer) clearInterval(drainer);
        await spool?.close();
        await running.stop(options.shutdownGraceMs ?? 10_000);
        await stopRetention?.();
        if (!options.store) await store.close();
        lock?.release();
      })());
    const parley: Parley = { app, ctx, worker: running, url, close, ...(apiKey.generated ? { generatedApiKey: apiKey.generated } : {}) };
    return parley;
  } catch (error) {
    if (!options.store) await store.close().catch(() => {});
    lock?.release();
    throw error;
  }
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
