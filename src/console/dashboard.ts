import { sql, type Kysely } from 'kysely';
import { firstIdAt } from '../core/ids.js';
import { summarizeReplies, type PromptReport } from '../core/reply-analytics.js';
import { readReplies } from '../conversations/replies.js';
import type { Metrics } from '../metrics.js';
import { oldestDueJobAge } from '../metrics.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';

// The figures of the dashboard and the reply report. Every read is a range of an index: messages
// by id (ids are time-ordered, core/ids.ts), opt-out events by (type, time), deliveries by
// (endpoint, time), jobs by (state, …); the reply report reads at most the newest replies of its
// window. So the pages cost the same at 100,000 conversations as at 100.

export const dashboardWindows = { '24h': { ms: 86_400_000, bucketMs: 3_600_000 }, '7d': { ms: 7 * 86_400_000, bucketMs: 86_400_000 } };
export type DashboardWindow = keyof typeof dashboardWindows;

const failedStatuses = ['failed', 'undelivered'];

export interface Dashboard {
  window: DashboardWindow;
  since: number;
  /** Start of each time bucket (ms), with what happened in it. */
  buckets: Array<{ at: number; inbound: number; outbound: number; delivered: number; failed: number; optOuts: number }>;
  totals: { inbound: number; outbound: number; delivered: number; failed: number; optOuts: number };
  /** delivered / (delivered + failed + undelivered) of the window's outbound, null when none settled. */
  deliveryRate: number | null;
  ack: { count: number; p50: number | null; p95: number | null };
  queue: { pending: number; dead: number; oldestDueMs: number };
  endpoints: Array<{ id: string; url: string; failed: number; delivered: number }>;
  /** The window's outbound per channel, by how it ended; rate as deliveryRate, per channel. */
  channels: ChannelDelivery[];
  /** The window's inbound by the intent the router read (`unread` while not routed yet), commonest first. */
  intents: Array<{ intent: string; count: number; share: number }>;
}

export interface ChannelDelivery {
  channel: string;
  sent: number;
  delivered: number;
  failed: number;
  undelivered: number;
  rate: number | null;
}

/** A quantile of a Prometheus histogram, as the upper bound of the bucket it falls in (seconds), or null with no samples. */
export function histogramQuantile(buckets: Array<{ le: number; count: number }>, q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return null;
  for (const bucket of sorted) if (bucket.count >= q * total) return bucket.le;
  return null;
}

async function ackLatency(metrics: Metrics): Promise<Dashboard['ack']> {
  const { values } = await metrics.ingestSeconds.get();
  const buckets = values
    .filter((v) => v.metricName === 'parley_ingest_duration_seconds_bucket' && v.labels.kind === 'inbound')
    .map((v) => {
      const le = (v.labels as Record<string, string | number | undefined>).le;
      return { le: le === '+Inf' ? Infinity : Number(le), count: v.value };
    });
  const count = buckets.find((b) => b.le === Infinity)?.count ?? 0;
  return { count, p50: histogramQuantile(buckets, 0.5), p95: histogramQuantile(buckets, 0.95) };
}

export async function loadDashboard(store: Store, metrics: Metrics, window: DashboardWindow, now = Date.now()): Promise<Dashboard> {
  const db = store.db;
  const { ms, bucketMs } = dashboardWindows[window];
  const since = Math.floor((now - ms) / bucketMs) * bucketMs + bucketMs;
  const bucketOf = sql<number>`(created_at / ${sql.lit(bucketMs)})`;
  const [messageRows, intentRows, optOutRows, ack, queueRows, oldestDueMs, endpoints] = await Promise.all([
    db
      .selectFrom('messages')
      .select([bucketOf.as('bucket'), 'channel', 'direction', 'status', sql<number | string>`count(*)`.as('n')])
      .where('id', '>=', firstIdAt('msg', since))
      .groupBy([bucketOf, 'channel', 'direction', 'status'])
      .execute(),
    db
      .selectFrom('messages')
      .select(['intent', sql<number | string>`count(*)`.as('n')])
      .where('id', '>=', firstIdAt('msg', since))
      .where('direction', '=', 'inbound')
      .groupBy('intent')
      .execute(),
    db
      .selectFrom('events')
      .select([sql<number>`(occurred_at / ${sql.lit(bucketMs)})`.as('bucket'), sql<number | string>`count(*)`.as('n')])
      .where('type', '=', 'contact.opted_out')
      .where('occurred_at', '>=', since)
      .groupBy(sql`(occurred_at / ${sql.lit(bucketMs)})`)
      .execute(),
    ackLatency(metrics),
    db
      .selectFrom('jobs')
      .select(['state', sql<number | string>`count(*)`.as('n')])
      .where('state', 'in', ['pending', 'dead'])
      .groupBy('state')
      .execute(),
    oldestDueJobAge(store, now),
    db.selectFrom('endpoints').select(['id', 'url']).orderBy('created_at').limit(50).execute(),
  ]);

  const buckets: Dashboard['buckets'] = [];
  const index = new Map<number, number>();
  for (let at = since; at <= now; at += bucketMs) {
    index.set(at / bucketMs, buckets.length);
    buckets.push({ at, inbound: 0, outbound: 0, delivered: 0, failed: 0, optOuts: 0 });
  }
  const totals = { inbound: 0, outbound: 0, delivered: 0, failed: 0, optOuts: 0 };
  const channels = new Map<string, ChannelDelivery>();
  for (const row of messageRows) {
    if (row.direction !== 'outbound' || !buckets[index.get(Number(row.bucket)) ?? -1]) continue;
    const channel = channels.get(row.channel) ?? { channel: row.channel, sent: 0, delivered: 0, failed: 0, undelivered: 0, rate: null };
    channels.set(row.channel, channel);
    const n = Number(row.n);
    channel.sent += n;
    if (row.status === 'delivered' || row.status === 'failed' || row.status === 'undelivered') channel[row.status] += n;
  }
  for (const channel of channels.values()) {
    const ended = channel.delivered + channel.failed + channel.undelivered;
    channel.rate = ended === 0 ? null : channel.delivered / ended;
  }
  for (const row of messageRows) {
    const bucket = buckets[index.get(Number(row.bucket)) ?? -1];
    const n = Number(row.n);
    if (!bucket) continue;
    const kinds: Array<keyof typeof totals> = [row.direction];
    if (row.direction === 'outbound' && row.status === 'delivered') kinds.push('delivered');
    if (row.direction === 'outbound' && failedStatuses.includes(row.status)) kinds.push('failed');
    for (const kind of kinds) {
      bucket[kind] += n;
      totals[kind] += n;
    }
  }
  for (const row of optOutRows) {
    const bucket = buckets[index.get(Number(row.bucket)) ?? -1];
    if (!bucket) continue;
    bucket.optOuts += Number(row.n);
    totals.optOuts += Number(row.n);
  }
  const settled = totals.delivered + totals.failed;

  const endpointFigures = await Promise.all(
    endpoints.map(async (endpoint) => {
      const rows = await db
        .selectFrom('deliveries')
        .select(['status', sql<number | string>`count(*)`.as('n')])
        .where('endpoint_id', '=', endpoint.id)
        .where('created_at', '>=', since)
        .where('status', 'in', ['failed', 'delivered'])
        .groupBy('status')
        .execute();
      const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
      return { id: endpoint.id, url: endpoint.url, failed: count('failed'), delivered: count('delivered') };
    }),
  );
  const jobs = (state: string) => Number(queueRows.find((r) => r.state === state)?.n ?? 0);
  return {
    window,
    since,
    buckets,
    totals,
    deliveryRate: settled === 0 ? null : totals.delivered / settled,
    ack,
    queue: { pending: jobs('pending'), dead: jobs('dead'), oldestDueMs },
    endpoints: endpointFigures,
    channels: [...channels.values()].sort((a, b) => a.channel.localeCompare(b.channel)),
    intents: intentShares(intentRows.map((r) => ({ intent: r.intent ?? 'unread', count: Number(r.n) }))),
  };
}

/** Each intent's share of all, commonest first (ties by name). */
export function intentShares(counts: Array<{ intent: string; count: number }>): Dashboard['intents'] {
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  return counts
    .filter((c) => c.count > 0)
    .map((c) => ({ ...c, share: c.count / total }))
    .sort((a, b) => b.count - a.count || a.intent.localeCompare(b.intent));
}

/** Most replies one report reads: a busier window is reported from its newest replies. */
export const maxReportedReplies = 5_000;

export interface ReplyReport {
  since: number;
  replies: number;
  sampled: boolean;
  intents: Array<{ intent: string; count: number; share: number }>;
  prompts: PromptReport[];
}

/** How people answered over the last `days`: by intent overall, and per message they answered. */
export async function loadReplyReport(db: Kysely<Database>, days: number, now = Date.now()): Promise<ReplyReport> {
  const since = now - days * 86_400_000;
  const records = await readReplies(db, since, maxReportedReplies);
  const byIntent = new Map<string, number>();
  for (const r of records) byIntent.set(r.intent, (byIntent.get(r.intent) ?? 0) + 1);
  return {
    since,
    replies: records.length,
    sampled: records.length === maxReportedReplies,
    intents: intentShares([...byIntent].map(([intent, count]) => ({ intent, count }))),
    prompts: summarizeReplies(records, 5).slice(0, 20),
  };
}
