import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import { deleteEvents } from '../events/events.js';

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
  | 'webhook_receipts'
  | 'status_receipts'
  | 'outbound_part_ids'
  | 'send_attempts'
  | 'events'
  | 'deliveries'
  | 'delivery_attempts'
  | 'unreadable_webhooks'
  | 'jobs'
  | 'flow_sessions',
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
  const before = (period: number | null) => (period === null ? null : now - period);
  const report: PruneReport = {
    webhook_receipts: 0,
    status_receipts: 0,
    outbound_part_ids: 0,
    send_attempts: 0,
    events: 0,
    deliveries: 0,
    delivery_attempts: 0,
    unreadable_webhooks: 0,
    jobs: 0,
    flow_sessions: 0,
  };

  await receivedBefore('webhook_receipts', before(retention.webhook_bodies));
  const receipts = before(retention.receipts);
  await receivedBefore('status_receipts', receipts);
  if (receipts !== null) {
    // No single-column key: the (channel, provider id) pair names a row.
    await inBatches('outbound_part_ids', async (trx) => ({
      outbound_part_ids: deletedRows(
        await trx
          .deleteFrom('outbound_part_ids')
          .where((eb) =>
            eb(
              eb.refTuple('channel', 'provider_message_id'),
              'in',
              eb
                .selectFrom('outbound_part_ids')
                .select(['channel', 'provider_message_id'])
                .where('created_at', '<', receipts)
                .limit(batch)
                .$asTuple('channel', 'provider_message_id'),
            ),
          )
          .executeTakeFirst(),
      ),
    }));
  }

  if (receipts !== null) {
    // Calls to the provider, kept as long as the receipts that followed them.
    await inBatches('send_attempts', async (trx) => ({
      send_attempts: deletedRows(
        await trx
          .deleteFrom('send_attempts')
          .where('id', 'in', trx.selectFrom('send_attempts').select('id').where('started_at', '<', receipts).limit(batch))
          .executeTakeFirst(),
      ),
    }));
  }

  const events = before(retention.events);
  if (events !== null) await inBatches('events', (trx) => deleteOldEvents(trx, events, batch));

  await receivedBefore('unreadable_webhooks', before(retention.unreadable_webhooks));

  const deadJobs = before(retention.dead_jobs);
  if (deadJobs !== null) {
    await inBatches('jobs', async (trx) => ({
      jobs: deletedRows(
        await trx
          .deleteFrom('jobs')
          .where(
            'id',
            'in',
            trx.selectFrom('jobs').select('id').where('state', '=', 'dead').where('updated_at', '<', deadJobs).limit(batch),
          )
          .executeTakeFirst(),
      ),
    }));
  }

  const endedSessions = before(retention.flow_sessions);
  if (endedSessions !== null) {
    await inBatches('flow_sessions', async (trx) => ({
      flow_sessions: deletedRows(
        await trx
          .deleteFrom('flow_sessions')
          .where('id', 'in', trx.selectFrom('flow_sessions').select('id').where('ended_at', '<', endedSessions).limit(batch))
          .executeTakeFirst(),
      ),
    }));
  }

  return report;

  /** Deletes the rows of a table with an id and a `received_at` that are older than `cutoff`. */
  async function receivedBefore(
    table: 'webhook_receipts' | 'status_receipts' | 'unreadable_webhooks',
    cutoff: number | null,
  ): Promise<void> {
    if (cutoff === null) return;
    await inBatches(table, async (trx) => ({
      [table]: deletedRows(
        await trx
          .deleteFrom(table)
          .where('id', 'in', trx.selectFrom(table).select('id').where('received_at', '<', cutoff).limit(batch))
          .executeTakeFirst(),
      ),
    }));
  }

  /**
   * Runs `deleteSome` (at most `batch` rows of `table` each time, in a write of its own) until a
   * run deletes fewer or the pass is told to stop, yielding between writes; counts what it deleted.
   */
  async function inBatches(table: keyof PruneReport, deleteSome: (trx: Kysely<Database>) => Promise<Partial<PruneReport>>): Promise<void> {
    while (options.signal?.aborted !== true) {
      const deleted = await store.write(deleteSome);
      for (const [name, rows] of Object.entries(deleted) as Array<[keyof PruneReport, number]>) report[name] += rows;
      if ((deleted[table] ?? 0) < batch) return;
      await nextTurn();
    }
  }
}

const deletedRows = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);

/**
 * Old events go with their deliveries and the attempts' log, but not while a delivery is still
 * due to an endpoint that exists: a disabled endpoint, re-enabled, still sends them.
 */
async function deleteOldEvents(trx: Kysely<Database>, cutoff: number, batch: number): Promise<Partial<PruneReport>> {
  const ids = (
    await trx
      .selectFrom('events as e')
      .select('e.id')
      .where('e.occurred_at', '<', cutoff)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('deliveries as d')
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
  if (ids.length === 0) return { events: 0 };
  const gone = await deleteEvents(trx, trx.selectFrom('events').select('id').where('id', 'in', ids));
  return { events: gone.events, deliveries: gone.deliveries, delivery_attempts: gone.attempts };
}

/**
 * Runs `pruneExpired` every `retention.interval` (first after a minute at most), telling `onPass`
 * what each pass deleted; returns a stop function.
 */
export function startPruning(
  store: Store,
  retention: RetentionConfig,
  log: Logger,
  onPass: (report: PruneReport) => void,
): () => Promise<void> {
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
