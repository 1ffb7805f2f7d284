import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';

// What Parley keeps only for a while: the raw copies, receipts, events and logs that every message
// leaves behind and that nothing reads once the message has settled. Without this they grow with
// every text forever. Deletion goes in small batches, each its own write, so a first run over a
// year of history never holds the database (SQLite's one writer least of all) for long.
//
// Never deleted here: messages, conversations and contacts (the business's records; erasure.ts
// removes one contact's on request), suppressions and consent_changes (the proof of every opt-out
// and opt-in), active flow sessions, and anything still due: a pending job, an event with a
// delivery still to make.

export type RetentionConfig = Config['retention'];

/** What one pass deleted, by table. */
export type PruneReport = Record<
  'webhook_receipts' | 'status_receipts' | 'outbound_part_ids' | 'events' | 'deliveries' | 'delivery_attempts' | 'unreadable_webhooks' | 'jobs' | 'flow_sessions',
  number
>;

export interface PruneOptions {
  now?: number;
  /** Rows per delete statement. */
  batchSize?: number;
  /** Stops the pass between two batches (shutdown). */
  signal?: AbortSignal;
}

/** Deletes every row that has outlived its retention period; safe to run on several instances at once. */
export async function pruneExpired(store: Store, retention: RetentionConfig, options: PruneOptions = {}): Promise<PruneReport> {
  const now = options.now ?? Date.now();
  const batch = options.batchSize ?? 1_000;
  const stopped = () => options.signal?.aborted === true;
  const before = (period: number | null) => (period === null ? null : now - period);
  const report: PruneReport = { webhook_receipts: 0, status_receipts: 0, outbound_part_ids: 0, events: 0, deliveries: 0, delivery_attempts: 0, unreadable_webhooks: 0, jobs: 0, flow_sessions: 0 };

  report.webhook_receipts = await receivedBefore('webhook_receipts', before(retention.webhook_bodies));
  const receipts = before(retention.receipts);
  report.status_receipts = await receivedBefore('status_receipts', receipts);
  if (receipts !== null) {
    // No single-column key: the (channel, provider id) pair names a row.
    report.outbound_part_ids = await inBatches(batch, (trx, limit) =>
      trx
        .deleteFrom('outbound_part_ids')
        .where((eb) =>
          eb(
            eb.refTuple('channel', 'provider_message_id'),
            'in',
            eb.selectFrom('outbound_part_ids').select(['channel', 'provider_message_id']).where('created_at', '<', receipts).limit(limit).$asTuple('channel', 'provider_message_id'),
          ),
        ),
    );
  }

  const events = before(retention.events);
  if (events !== null) await pruneEvents(store, events, batch, report, stopped);

  report.unreadable_webhooks = await receivedBefore('unreadable_webhooks', before(retention.unreadable_webhooks));

  const deadJobs = before(retention.dead_jobs);
  if (deadJobs !== null) {
    report.jobs = await inBatches(batch, (trx, limit) =>
      trx.deleteFrom('jobs').where('id', 'in', trx.selectFrom('jobs').select('id').where('state', '=', 'dead').where('updated_at', '<', deadJobs).limit(limit)),
    );
  }

  const endedSessions = before(retention.flow_sessions);
  if (endedSessions !== null) {
    report.flow_sessions = await inBatches(batch, (trx, limit) =>
      trx.deleteFrom('flow_sessions').where('id', 'in', trx.selectFrom('flow_sessions').select('id').where('ended_at', '<', endedSessions).limit(limit)),
    );
  }

  return report;

  /** Deletes the rows of a table with an id and a `received_at` that are older than `cutoff`. */
  async function receivedBefore(table: 'webhook_receipts' | 'status_receipts' | 'unreadable_webhooks', cutoff: number | null): Promise<number> {
    if (cutoff === null) return 0;
    return inBatches(batch, (trx, limit) => trx.deleteFrom(table).where('id', 'in', trx.selectFrom(table).select('id').where('received_at', '<', cutoff).limit(limit)));
  }

  /** Runs `deleteSome` (at most `limit` rows each) until a run deletes fewer, yielding between writes. */
  async function inBatches(limit: number, deleteSome: (trx: Kysely<Database>, limit: number) => { executeTakeFirst(): Promise<{ numDeletedRows: bigint }> }): Promise<number> {
    let total = 0;
    while (!stopped()) {
      const deleted = Number((await store.write((trx) => deleteSome(trx, limit).executeTakeFirst())).numDeletedRows);
      total += deleted;
      if (deleted < limit) break;
      await nextTurn();
    }
    return total;
  }
}

/**
 * Old events go with their deliveries and the attempts' log, but not while a delivery is still
 * due to an endpoint that exists: a disabled endpoint, re-enabled, still sends them.
 */
async function pruneEvents(store: Store, cutoff: number, batch: number, report: PruneReport, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    const deleted = await store.write(async (trx) => {
      const ids = (
        await trx
          .selectFrom('events as e')
          .select('e.id')
          .where('e.occurred_at', '<', cutoff)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('deliveries as d')
                  .innerJoin('endpoints as ep', 'ep.id', 'd.endpoint_id')
                  .select(sql.lit(1).as('due'))
                  .whereRef('d.event_id', '=', 'e.id')
                  .where('d.status', 'in', ['pending', 'waiting']),
              ),
            ),
          )
          .orderBy('e.occurred_at')
          .limit(batch)
          .execute()
      ).map((row) => row.id);
      if (ids.length === 0) return { events: 0, deliveries: 0, attempts: 0 };
      const deliveries = trx.selectFrom('deliveries').select('id').where('event_id', 'in', ids);
      const attempts = await trx.deleteFrom('delivery_attempts').where('delivery_id', 'in', deliveries).executeTakeFirst();
      const gone = await trx.deleteFrom('deliveries').where('event_id', 'in', ids).executeTakeFirst();
      await trx.deleteFrom('events').where('id', 'in', ids).execute();
      return { events: ids.length, deliveries: Number(gone.numDeletedRows), attempts: Number(attempts.numDeletedRows) };
    });
    report.events += deleted.events;
    report.deliveries += deleted.deliveries;
    report.delivery_attempts += deleted.attempts;
    if (deleted.events < batch) return;
    await nextTurn();
  }
}

/**
 * Runs `pruneExpired` every `retention.interval` (first after a minute at most), telling `onPass`
 * what each pass deleted; returns a stop function.
 */
export function startPruning(store: Store, retention: RetentionConfig, log: Logger, onPass: (report: PruneReport) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  const stopping = new AbortController();
  const pass = () => {
    if (running) return;
    running = pruneExpired(store, retention, { signal: stopping.signal })
      .then((report) => {
        onPass(report);
        const deleted = Object.fromEntries(Object.entries(report).filter(([, n]) => n > 0));
        if (Object.keys(deleted).length > 0) log.info({ deleted }, 'retention: deleted rows past their retention period');
      })
      .catch((error: unknown) => log.warn({ err: error }, 'retention pass failed; the next one tries again'))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(pass, Math.min(retention.interval, 60_000));
  const every = setInterval(pass, retention.interval);
  first.unref();
  every.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(every);
    stopping.abort();
    await running;
  };
}
