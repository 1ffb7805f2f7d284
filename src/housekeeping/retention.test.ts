import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { sql } from 'kysely';
import { request } from 'undici';
import { startTestParley } from '../../test/helpers/parley.js';
import { forEachStore } from '../../test/helpers/stores.js';
import { configFromObject } from '../config.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import { pruneExpired, type RetentionConfig } from './retention.js';

const day = 86_400_000;
const now = Date.UTC(2026, 10, 23, 12);
const old = now - 40 * day;
const recent = now - day;

const defaults: RetentionConfig = configFromObject({}, { env: {} }).retention;

const cleared: Array<keyof Database> = [
  'delivery_attempts',
  'deliveries',
  'events',
  'endpoints',
  'webhook_receipts',
  'status_receipts',
  'outbound_part_ids',
  'unreadable_webhooks',
  'jobs',
  'consent_changes',
  'messages',
  'flow_sessions',
];

async function count(store: Store, table: keyof Database): Promise<number> {
  const { n } = await store.db
    .selectFrom(table)
    .select(sql<number | string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

async function ids(store: Store, table: 'events' | 'deliveries' | 'jobs' | 'unreadable_webhooks' | 'webhook_receipts'): Promise<string[]> {
  const rows = await store.db.selectFrom(table).select('id').orderBy('id').execute();
  return rows.map((row) => String(row.id));
}

/** A history with rows on both sides of every cutoff, and rows no period may touch. */
async function seed(store: Store): Promise<void> {
  const db = store.db;
  const receipt = (body: string, at: number) => ({
    channel: 'main',
    kind: 'inbound' as const,
    message_id: null,
    content_type: 'application/json',
    body,
    received_at: at,
  });
  await db
    .insertInto('webhook_receipts')
    .values([receipt('old-1', old), receipt('old-2', old + 1), receipt('old-3', old + 2), receipt('recent', recent)])
    .execute();

  const status = (providerId: string, at: number, applied: number | null) => ({
    channel: 'main',
    provider_message_id: providerId,
    status: 'delivered',
    provider_status: 'delivered',
    dedupe_key: 'delivered',
    received_at: at,
    applied_at: applied,
  });
  await db
    .insertInto('status_receipts')
    .values([status('p-old-applied', old, old), status('p-old-unmatched', old, null), status('p-recent', recent, recent)])
    .execute();
  const part = (providerId: string, at: number) => ({
    channel: 'main',
    provider_message_id: providerId,
    message_id: 'msg_long',
    part_index: 1,
    part_total: 2,
    created_at: at,
  });
  await db
    .insertInto('outbound_part_ids')
    .values([part('part-old', old), part('part-recent', recent)])
    .execute();

  const endpoint = (id: string, status: 'enabled' | 'disabled') => ({
    id,
    url: `https://crm.example.com/${id}`,
    description: null,
    event_types: '[]',
    secret: 'whsec_x',
    previous_secret: null,
    previous_secret_expires_at: null,
    status,
    disabled_reason: null,
    rate_limit: null,
    failing_since: null,
    paused_until: null,
    next_slot_at: null,
    created_at: old,
    updated_at: old,
  });
  await db
    .insertInto('endpoints')
    .values([endpoint('ep_live', 'enabled'), endpoint('ep_off', 'disabled')])
    .execute();
  const event = (id: string, at: number) => ({
    id,
    type: 'message.received',
    occurred_at: at,
    contact_id: null,
    message_id: null,
    data: '{}',
  });
  await db
    .insertInto('events')
    .values([
      event('ev_old_delivered', old),
      event('ev_old_due', old),
      event('ev_old_orphan', old),
      event('ev_old_quiet', old),
      event('ev_recent', recent),
    ])
    .execute();
  const delivery = (id: string, endpointId: string, eventId: string, status: 'pending' | 'delivered' | 'failed') => ({
    id,
    endpoint_id: endpointId,
    event_id: eventId,
    event_type: 'message.received',
    status,
    next_attempt_at: null,
    last_response_status: null,
    last_error: null,
    delivered_at: null,
    order_key: null,
    created_at: old,
    updated_at: old,
  });
  await db
    .insertInto('deliveries')
    .values([
      delivery('dl_done', 'ep_live', 'ev_old_delivered', 'delivered'),
      delivery('dl_failed', 'ep_off', 'ev_old_delivered', 'failed'),
      // Still due: the disabled endpoint sends it once re-enabled.
      delivery('dl_due', 'ep_off', 'ev_old_due', 'pending'),
      // Due to an endpoint that was deleted: nothing will ever send it.
      delivery('dl_orphan', 'ep_deleted', 'ev_old_orphan', 'pending'),
      delivery('dl_recent', 'ep_live', 'ev_recent', 'delivered'),
    ])
    .execute();
  const attempt = (deliveryId: string) => ({
    delivery_id: deliveryId,
    attempted_at: old,
    duration_ms: 12,
    request_headers: '{}',
    response_status: 200,
    response_body: 'ok',
    error: null,
  });
  await db
    .insertInto('delivery_attempts')
    .values([attempt('dl_done'), attempt('dl_done'), attempt('dl_failed'), attempt('dl_due'), attempt('dl_recent')])
    .execute();

  const unreadable = (body: string, at: number) => ({
    channel: 'main',
    path: 'inbound' as const,
    method: 'POST',
    url: '/hooks/main/inbound',
    content_type: 'application/json',
    body,
    error_code: 'invalid_payload',
    error_message: 'no "from"',
    received_at: at,
  });
  await db
    .insertInto('unreadable_webhooks')
    .values([unreadable('100-days', now - 100 * day), unreadable('40-days', old), unreadable('recent', recent)])
    .execute();

  const job = (kind: string, state: 'pending' | 'dead', at: number) => ({
    kind,
    payload: '{}',
    group_key: null,
    state,
    run_at: at,
    max_attempts: 3,
    locked_by: null,
    locked_until: null,
    last_error: null,
    created_at: at,
    updated_at: at,
  });
  await db
    .insertInto('jobs')
    .values([job('dead-old', 'dead', old), job('dead-recent', 'dead', recent), job('pending-old', 'pending', old)])
    .execute();

  const session = (id: string, status: 'active' | 'completed', endedAt: number | null) => ({
    id,
    flow: 'appointment',
    contact_id: 'ct_old',
    phone: `+1555123${id.slice(-4)}`,
    channel: 'main',
    local_number: '+18005550100',
    step: 'ask',
    vars: '{"booking":"thursday"}',
    retries: 0,
    status,
    version: 1,
    started_at: now - 200 * day,
    updated_at: endedAt ?? now - 200 * day,
    expires_at: now + day,
    ended_at: endedAt,
  });
  await db
    .insertInto('flow_sessions')
    .values([
      session('fs_ended_0001', 'completed', now - 100 * day),
      session('fs_ended_0002', 'completed', old),
      session('fs_active_0003', 'active', null),
    ])
    .execute();

  // Records no retention period covers.
  await db
    .insertInto('messages')
    .values({
      id: 'msg_old',
      conversation_id: null,
      direction: 'inbound',
      channel: 'main',
      from_number: '+15551230001',
      to_number: '+18005550100',
      body: 'STOP',
      media_urls: '[]',
      provider_message_id: 'in-old',
      status: 'received',
      provider_status: null,
      error_code: null,
      error_message: null,
      segments: 1,
      encoding: 'GSM-7',
      reply_to_id: null,
      provider_time: old,
      processed_at: old,
      created_at: old,
      updated_at: old,
    })
    .execute();
  await db
    .insertInto('consent_changes')
    .values({
      contact_id: 'ct_old',
      phone: '+15551230001',
      action: 'opt_out',
      scope: '*',
      channel: 'main',
      local_number: '+18005550100',
      message_id: 'msg_old',
      text: 'STOP',
      at: old,
    })
    .execute();
}

forEachStore('retention', (stores) => {
  let store: Store;
  before(async () => {
    store = await stores.open();
  });
  after(() => store.close());
  beforeEach(async () => {
    for (const table of cleared) await store.db.deleteFrom(table).execute();
    await seed(store);
  });

  it('deletes what outlived its period, in batches, and keeps the rest', async () => {
    const report = await pruneExpired(store, defaults, { now, batchSize: 2 });

    assert.deepEqual(report, {
      webhook_receipts: 3,
      status_receipts: 2,
      outbound_part_ids: 1,
      send_attempts: 0,
      events: 3,
      deliveries: 3,
      delivery_attempts: 3,
      unreadable_webhooks: 1,
      jobs: 1,
      flow_sessions: 1,
    });
    assert.deepEqual(
      (await store.db.selectFrom('webhook_receipts').select('body').execute()).map((r) => r.body),
      ['recent'],
    );
    assert.deepEqual(
      (await store.db.selectFrom('status_receipts').select('provider_message_id').execute()).map((r) => r.provider_message_id),
      ['p-recent'],
    );
    assert.deepEqual(
      (await store.db.selectFrom('outbound_part_ids').select('provider_message_id').execute()).map((r) => r.provider_message_id),
      ['part-recent'],
    );
    assert.deepEqual(await ids(store, 'events'), ['ev_old_due', 'ev_recent'], 'an event with a delivery still due stays, however old');
    assert.deepEqual(await ids(store, 'deliveries'), ['dl_due', 'dl_recent']);
    assert.deepEqual(
      (await store.db.selectFrom('delivery_attempts').select('delivery_id').orderBy('delivery_id').execute()).map((r) => r.delivery_id),
      ['dl_due', 'dl_recent'],
    );
    assert.deepEqual(
      (await store.db.selectFrom('unreadable_webhooks').select('body').orderBy('id').execute()).map((r) => r.body),
      ['40-days', 'recent'],
      'unreadable webhooks are kept 90 days',
    );
    assert.deepEqual(
      (await store.db.selectFrom('jobs').select('kind').orderBy('id').execute()).map((r) => r.kind),
      ['dead-recent', 'pending-old'],
    );
    assert.deepEqual(
      (await store.db.selectFrom('flow_sessions').select('id').orderBy('id').execute()).map((r) => r.id),
      ['fs_active_0003', 'fs_ended_0002'],
      'ended 90+ days ago goes; an active session stays, however old',
    );
    assert.equal(await count(store, 'messages'), 1);
    assert.equal(await count(store, 'consent_changes'), 1, 'the proof of an opt-out is never deleted');

    assert.deepEqual(
      Object.values(await pruneExpired(store, defaults, { now, batchSize: 2 })),
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      'a second pass finds nothing',
    );
  });

  it('stops between batches once told to (shutdown does not wait for a long first pass)', async () => {
    const stop = new AbortController();
    stop.abort();
    assert.deepEqual(
      Object.values(await pruneExpired(store, defaults, { now, batchSize: 1, signal: stop.signal })),
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    assert.equal(await count(store, 'webhook_receipts'), 4);
  });

  it('deletes nothing of what is kept "forever", and stays within the period it is given', async () => {
    const forever = configFromObject(
      {
        retention: {
          webhook_bodies: 'forever',
          receipts: 'forever',
          events: 'forever',
          unreadable_webhooks: 'forever',
          dead_jobs: 'forever',
          flow_sessions: 'forever',
        },
      },
      { env: {} },
    ).retention;
    assert.deepEqual(Object.values(await pruneExpired(store, forever, { now })), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    const twoMonths = { ...forever, webhook_bodies: 60 * day, events: 39 * day };
    const report = await pruneExpired(store, twoMonths, { now });
    assert.equal(report.webhook_receipts, 0, '40-day-old bodies are within 60 days');
    assert.equal(report.events, 3, '40-day-old events are past 39 days');
    assert.equal(await count(store, 'webhook_receipts'), 4);
  });
});

forEachStore('retention in a running Parley', (stores) => {
  it('prunes on its own, every retention.interval', async () => {
    const store = await stores.open();
    await store.db
      .insertInto('webhook_receipts')
      .values({ channel: 'main', kind: 'inbound', message_id: null, content_type: null, body: 'old', received_at: Date.now() - 31 * day })
      .execute();
    await store.db
      .insertInto('webhook_receipts')
      .values({ channel: 'main', kind: 'inbound', message_id: null, content_type: null, body: 'new', received_at: Date.now() })
      .execute();
    const parley = await startTestParley(store, 'http://127.0.0.1:9/unused', { retention: { interval: '50ms' } });
    try {
      await parley.until(async () => (await count(store, 'webhook_receipts')) === 1);
      assert.deepEqual(
        (await store.db.selectFrom('webhook_receipts').select('body').execute()).map((r) => r.body),
        ['new'],
      );
      // Counted once the pass is over, which may be a moment after the row went.
      const counted = /^parley_retention_deleted_rows_total\{table="webhook_receipts"\} 1$/m;
      await parley.until(async () => counted.test(await (await request(`${parley.base}/metrics`)).body.text()));
    } finally {
      await parley.close();
      await store.close();
    }
  });
});
