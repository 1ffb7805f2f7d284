import type { Kysely } from 'kysely';
import type { Database, DeliveriesTable } from '../store/schema.js';
import { parseCursor } from './inbox.js';

// The endpoints page's queries. Every one is bounded, whatever the deliveries table holds: health
// reads at most `healthSample` recent deliveries per endpoint (through deliveries_endpoint), the
// log one page at a time.

/** Health looks back this far... */
export const healthWindowMs = 24 * 3_600_000;
/** ...over at most this many of the endpoint's newest deliveries, so a busy endpoint's page stays quick. */
export const healthSample = 10_000;

export type DeliveryStatus = DeliveriesTable['status'];
export const deliveryStatuses: readonly DeliveryStatus[] = ['pending', 'waiting', 'delivered', 'failed'];

/** An endpoint as the console shows it: never its secrets (they are not even read). */
export interface EndpointSummary {
  id: string;
  url: string;
  description: string | null;
  event_types: string;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  failing_since: number | null;
  paused_until: number | null;
  ordered: number;
  rate_limit: number | null;
  created_at: number;
}

export interface EndpointHealth {
  endpoint: EndpointSummary;
  /** Deliveries created in the window, by status (of at most `healthSample`). */
  counts: Record<DeliveryStatus, number>;
  /** The sample was cut at `healthSample`. */
  sampled: boolean;
  /** Delivered out of those settled (delivered or failed), or null when none settled. */
  successRate: number | null;
  lastError: { error: string; status: number | null; at: number } | null;
}

const summaryColumns = [
  'id',
  'url',
  'description',
  'event_types',
  'status',
  'disabled_reason',
  'failing_since',
  'paused_until',
  'ordered',
  'rate_limit',
  'created_at',
] as const;

export async function listEndpointHealth(db: Kysely<Database>, now: number): Promise<EndpointHealth[]> {
  const endpoints = await db.selectFrom('endpoints').select(summaryColumns).orderBy('created_at').execute();
  return Promise.all(endpoints.map((endpoint) => endpointHealth(db, endpoint, now)));
}

export async function loadEndpoint(db: Kysely<Database>, id: string): Promise<EndpointSummary | null> {
  return (await db.selectFrom('endpoints').select(summaryColumns).where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function endpointHealth(db: Kysely<Database>, endpoint: EndpointSummary, now: number): Promise<EndpointHealth> {
  const recent = db
    .selectFrom('deliveries')
    .select(['status', 'last_error', 'last_response_status', 'updated_at', 'created_at', 'id'])
    .where('endpoint_id', '=', endpoint.id)
    .where('created_at', '>=', now - healthWindowMs)
    .orderBy('created_at', 'desc')
    .limit(healthSample);
  const [byStatus, lastError] = await Promise.all([
    db
      .selectFrom(recent.as('recent'))
      .select((eb) => ['recent.status', eb.fn.countAll<number | string>().as('n')])
      .groupBy('recent.status')
      .execute(),
    db
      .selectFrom(recent.as('recent'))
      .select(['recent.last_error', 'recent.last_response_status', 'recent.updated_at'])
      .where('recent.last_error', 'is not', null)
      .orderBy('recent.created_at', 'desc')
      .orderBy('recent.id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  const counts: Record<DeliveryStatus, number> = { pending: 0, waiting: 0, delivered: 0, failed: 0 };
  for (const row of byStatus) counts[row.status] = Number(row.n);
  const total = deliveryStatuses.reduce((sum, status) => sum + counts[status], 0);
  const settled = counts.delivered + counts.failed;
  return {
    endpoint,
    counts,
    sampled: total >= healthSample,
    successRate: settled === 0 ? null : counts.delivered / settled,
    lastError: lastError?.last_error
      ? { error: lastError.last_error, status: lastError.last_response_status, at: lastError.updated_at }
      : null,
  };
}

export interface DeliveryAttemptRow {
  delivery_id: string;
  attempted_at: number;
  duration_ms: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_response_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
  /** Every attempt of this delivery, oldest first (never the request's headers: they carry the signature). */
  log: DeliveryAttemptRow[];
}

export interface DeliveryPage {
  rows: DeliveryRow[];
  /** `<created_at>.<id>` of this page's last delivery, when older ones follow. */
  next: string | null;
}

/** One page of an endpoint's deliveries, newest first, with their attempts; paged by (created_at, id). */
export async function deliveryPage(
  db: Kysely<Database>,
  query: { endpointId: string; status: DeliveryStatus | null; before: string | null; limit: number },
): Promise<DeliveryPage> {
  let select = db
    .selectFrom('deliveries')
    .select([
      'id',
      'event_id',
      'event_type',
      'status',
      'attempts',
      'next_attempt_at',
      'last_response_status',
      'last_error',
      'delivered_at',
      'created_at',
    ])
    .where('endpoint_id', '=', query.endpointId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.status) select = select.where('status', '=', query.status);
  const cursor = parseCursor(query.before);
  if (cursor) {
    select = select.where((eb) =>
      eb.or([eb('created_at', '<', cursor.at), eb.and([eb('created_at', '=', cursor.at), eb('id', '<', cursor.id)])]),
    );
  }
  const deliveries = await select.execute();
  const more = deliveries.length > query.limit;
  if (more) deliveries.pop();
  const attempts =
    deliveries.length === 0
      ? []
      : await db
          .selectFrom('delivery_attempts')
          .select(['delivery_id', 'attempted_at', 'duration_ms', 'response_status', 'response_body', 'error'])
          .where(
            'delivery_id',
            'in',
            deliveries.map((d) => d.id),
          )
          .orderBy('id')
          .execute();
  const byDelivery = new Map<string, DeliveryAttemptRow[]>();
  for (const attempt of attempts) {
    const log = byDelivery.get(attempt.delivery_id);
    if (log) log.push(attempt);
    else byDelivery.set(attempt.delivery_id, [attempt]);
  }
  const last = deliveries.at(-1);
  return {
    rows: deliveries.map((d) => ({ ...d, log: byDelivery.get(d.id) ?? [] })),
    next: more && last ? `${last.created_at}.${last.id}` : null,
  };
}
