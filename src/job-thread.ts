import { parentPort, workerData } from 'node:worker_threads';
import { createWorker, engineContext, startRetention } from './engine.js';
import type { FromJobThread, JobThreadData, ToJobThread } from './job-thread-host.js';
import { createLogger } from './logger.js';
import { openStore } from './store/database.js';

// The job thread (started by job-thread-host.ts): the worker and the retention timer over a
// database connection of their own. The process that started it has already migrated the database
// and, on SQLite, taken back the leases a previous process left.

const port = parentPort!;
const { config, logLevel, writeLock, schema } = workerData as JobThreadData;
const post = (message: FromJobThread) => port.postMessage(message);

const log = createLogger(logLevel, { write: (line: string) => post({ type: 'log', line }) }).child({ thread: 'jobs' });
const store = await openStore(config.database.url, {
  poolSize: config.database.pool_size,
  ...(writeLock ? { writeLock } : {}),
  ...(schema ? { schema } : {}),
});
// jobsQueued is only called once jobs run, after `running` exists.
const ctx = await engineContext(config, { store, log, spool: null, metricsScope: 'job-thread', jobsQueued: () => running.wake() });
const running = createWorker(ctx);
running.start();
const stopRetention = startRetention(ctx);

port.on('message', (message: ToJobThread) => {
  if (message.type === 'wake') running.wake();
  else if (message.type === 'metrics') {
    void ctx.metrics.registry.getMetricsAsJSON().then((figures) => post({ type: 'metrics', id: message.id, figures }));
  } else if (message.type === 'stop') {
    void (async () => {
      await running.stop(message.graceMs);
      await stopRetention();
      await store.close();
      post({ type: 'stopped' });
      port.close();
    })();
  }
});
post({ type: 'ready' });
