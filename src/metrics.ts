import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from 'kysely';
import type { Spool } from './store/spool.js';
import type { Store } from './store/database.js';

// What `GET /metrics` reports, in Prometheus' text format. One registry per running Parley (not
// prom-client's global one), so two instances in one process (the tests) count separately. Queue
// figures are read from the database at scrape time: they describe the shared queue, the same on
// every instance. A job thread (job-thread.ts) counts its sends and deliveries in a registry of its
// own, without process or queue figures; the process adds them in at scrape time.

export interface Metrics {
  registry: Registry;
  webhooks: Counter<'channel' | 'outcome'>;
  ingestSeconds: Histogram<'kind'>;
  signatureFailures: Counter<'channel' | 'mode'>;
  sends: Counter<'channel' | 'outcome'>;
  sendsUnknownOutcome: Counter<'channel' | 'action'>;
  deliveries: Counter<'outcome'>;
  retentionDeleted: Counter<'table'>;
  /** The exposition `GET /metrics` serves: this registry's figures with those of every added source summed in. */
  exposition(): Promise<string>;
  /** Figures counted elsewhere (a job thread's registry, as JSON) to sum into the exposition. */
  addSource(read: () => Promise<MetricsJson>): void;
}

/** A registry's figures as `getMetricsAsJSON` gives them (structured-cloneable: they cross threads). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** `process`: everything, for the process that answers `GET /metrics`; `job-thread`: its counters only. */
export type MetricsScope = 'process' | 'job-thread';

export function createMetrics(store: Store, spool: Spool | null = null, scope: MetricsScope = 'process'): Metrics {
  const registry = new Registry();
  if (scope === 'process') collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  const sources: (() => Promise<MetricsJson>)[] = [];
  const metrics: Metrics = {
    registry,
    webhooks: new Counter({
      name: 'parley_webhooks_total',
      help: 'Provider webhooks answered, by channel and outcome (stored, duplicate, ignored, spooled, rejected for a failed signature, unreadable and kept).',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    ingestSeconds: new Histogram({
      name: 'parley_ingest_duration_seconds',
      help: 'From a verified webhook to its durable commit, by what it carried (inbound, status, ignored).',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    signatureFailures: new Counter({
      name: 'parley_webhook_signature_failures_total',
      help: 'Webhooks whose signature check failed, by channel and verify mode (enforce: refused; monitor: accepted anyway).',
      labelNames: ['channel', 'mode'],
      registers: [registry],
    }),
    sends: new Counter({
      name: 'parley_sends_total',
      help: 'Send attempts to providers, by channel and outcome (accepted, retry, failed).',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    sendsUnknownOutcome: new Counter({
      name: 'parley_sends_unknown_outcome_total',
      help: "Sends cut short by a crash after they may have reached the provider, by channel and what was done (the channel's on_unknown_outcome: resend, fail).",
      labelNames: ['channel', 'action'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'parley_webhook_deliveries_total',
      help: 'Event webhook delivery attempts, by outcome (delivered, retry, failed), and paused: put back while the endpoint is unreachable.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: 'parley_retention_deleted_rows_total',
      help: 'Rows deleted for being past their retention period, by table.',
      labelNames: ['table'],
      registers: [registry],
    }),
    async exposition() {
      if (sources.length === 0) return registry.metrics();
      const all = await Promise.all([registry.getMetricsAsJSON(), ...sources.map((read) => read())]);
      return AggregatorRegistry.aggregate(all).metrics();
    },
    addSource(read) {
      sources.push(read);
    },
  };
  if (scope === 'job-thread') return metrics;

  new Gauge({
    name: 'parley_queue_jobs',
    help: 'Jobs in the queue, by kind and state (pending includes those waiting for a retry).',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await store.db
        .selectFrom('jobs')
        .select(['kind', 'state', sql<number | string>`count(*)`.as('n')])
        .groupBy(['kind', 'state'])
        .execute();
      for (const row of rows) this.set({ kind: row.kind, state: row.state }, Number(row.n));
    },
  });
  new Gauge({
    name: 'parley_queue_oldest_due_seconds',
    help: 'How long the oldest job that is due has been waiting to run (0 when none): a stuck queue grows this.',
    registers: [registry],
    async collect() {
      this.set((await oldestDueJobAge(store)) / 1000);
    },
  });
  if (spool) {
    new Gauge({
      name: 'parley_spool_bytes',
      help: 'Webhooks kept in the local spool while PostgreSQL was unreachable, not yet moved into it (bytes).',
      registers: [registry],
      collect() {
        this.set(spool.size());
      },
    });
  }
  return metrics;
}

/** How long (ms) the oldest due, unclaimed job has waited; 0 when there is none. */
export async function oldestDueJobAge(store: Store, now = Date.now()): Promise<number> {
  const row = await store.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('run_at').as('oldest'))
    .where('state', '=', 'pending')
    .where('run_at', '<=', now)
    .executeTakeFirst();
  return row?.oldest === null || row?.oldest === undefined ? 0 : now - Number(row.oldest);
}
