import { Worker as Thread } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import type { Metrics, MetricsJson } from './metrics.js';
import type { JobRunner } from './queue/worker.js';
import type { Store } from './store/database.js';

// The process's side of its job thread (job-thread.ts runs inside it). Routing, sending and event
// deliveries are CPU work that would otherwise share one event loop with the HTTP server: a
// provider's webhook, whose 2xx waits only for its commit, then also waits behind whatever routing
// the loop is busy with. In a thread of its own, with its own database connection, the worker runs
// beside the server (on another core when there is one). They meet only in the database: the
// server's commits wake the thread, and the thread's counters join the process's `GET /metrics`.

/** What the thread is started with (structured-cloned into it). */
export interface JobThreadData {
  config: Config;
  logLevel: string;
  /** SQLite: the process's write lock, which the thread's connection takes turns by. */
  writeLock?: SharedArrayBuffer;
  /** PostgreSQL: the schema the process's store works in, when not the default. */
  schema?: string;
}

export type ToJobThread = { type: 'wake' } | { type: 'stop'; graceMs: number } | { type: 'metrics'; id: number };

export type FromJobThread =
  { type: 'ready' } | { type: 'log'; line: string } | { type: 'metrics'; id: number; figures: MetricsJson } | { type: 'stopped' };

export interface JobThreadOptions {
  config: Config;
  store: Store;
  log: Logger;
  /** The process's metrics, which the thread's counters are added to at scrape time. */
  metrics: Metrics;
  /** The thread stopped without being asked (an error it could not survive): the process cannot work its queue. */
  onFailure(error: Error): void;
}

/** Starts the job thread and resolves once its worker runs (rejects when it cannot start). */
export function startJobThread(options: JobThreadOptions): Promise<JobThread> {
  const thread = new JobThread(options);
  return thread.ready.then(() => thread);
}

export class JobThread implements JobRunner {
  readonly ready: Promise<void>;
  private readonly thread: Thread;
  private readonly stream: pino.DestinationStream;
  private stopping: Promise<void> | undefined;
  /** Resolves `stop()`'s wait: the thread said it stopped, or it exited. */
  private stopped: (() => void) | undefined;
  private exited = false;
  private wakePosted = false;
  private readonly metricsWaiting = new Map<number, (figures: MetricsJson) => void>();
  private nextMetricsId = 1;

  constructor(options: JobThreadOptions) {
    // The thread's log lines are written to this process's own destination, as they are.
    this.stream = (options.log as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]!;
    const { writeLock, schema } = options.store;
    const data: JobThreadData = {
      config: options.config,
      logLevel: options.log.level,
      ...(writeLock ? { writeLock: writeLock.buffer } : {}),
      ...(schema ? { schema } : {}),
    };
    this.thread = spawnThread(data);
    let settle: { resolve(): void; reject(error: Error): void } | undefined;
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    let running = false;
    this.thread.on('message', (message: FromJobThread) => {
      if (message.type === 'log') this.stream.write(message.line);
      else if (message.type === 'ready') {
        running = true;
        settle?.resolve();
      } else if (message.type === 'metrics') {
        this.metricsWaiting.get(message.id)?.(message.figures);
        this.metricsWaiting.delete(message.id);
      } else if (message.type === 'stopped') this.stopped?.();
    });
    let failure: Error | undefined;
    this.thread.on('error', (error) => (failure = error));
    this.thread.on('exit', (code) => {
      this.exited = true;
      this.stopped?.();
      for (const answer of this.metricsWaiting.values()) answer([]);
      this.metricsWaiting.clear();
      if (this.stopping) return;
      const error = failure ?? new Error(`the job thread exited with code ${code}`);
      if (running) options.onFailure(error);
      else settle?.reject(error);
    });
    options.metrics.addSource(() => this.figures());
  }

  start(): void {
    // Running from the moment it is ready.
  }

  wake(): void {
    // A batch of commits wakes the thread once.
    if (this.wakePosted || this.exited) return;
    this.wakePosted = true;
    queueMicrotask(() => {
      this.wakePosted = false;
      if (!this.exited) this.post({ type: 'wake' });
    });
  }

  /** Asks the thread's worker to stop (running jobs get `graceMs`), then ends the thread. */
  stop(graceMs = 10_000): Promise<void> {
    return (this.stopping ??= (async () => {
      if (this.exited) return;
      const stopped = new Promise<void>((resolve) => (this.stopped = resolve));
      this.post({ type: 'stop', graceMs });
      // The worker gives back what is still running after graceMs; past that something is stuck.
      const stuck = setTimeout(() => void this.thread.terminate(), graceMs + 10_000);
      await stopped;
      clearTimeout(stuck);
      await this.thread.terminate();
    })());
  }

  private figures(): Promise<MetricsJson> {
    if (this.exited) return Promise.resolve([]);
    const id = this.nextMetricsId++;
    return new Promise<MetricsJson>((resolve) => {
      this.metricsWaiting.set(id, resolve);
      this.post({ type: 'metrics', id });
    });
  }

  private post(message: ToJobThread): void {
    this.thread.postMessage(message);
  }
}

function spawnThread(data: JobThreadData): Thread {
  if (import.meta.url.endsWith('.js')) return new Thread(new URL('./job-thread.js', import.meta.url), { workerData: data });
  // Run from the TypeScript sources (tests and benchmarks, under tsx): Node 20 does not carry the
  // process's --import hooks into a worker, so the thread registers tsx before loading its module.
  const entry = new URL('./job-thread.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Thread(bootstrap, { eval: true, workerData: data });
}
