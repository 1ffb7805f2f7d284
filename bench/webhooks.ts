import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { configFromObject } from '../src/config.js';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { recordEvent } from '../src/events/events.js';
import { newEndpointSecret } from '../src/core/webhook-signature.js';
import { startChild } from './child.js';
import { pinSelf, serverCore } from './ingest.js';

const run = promisify(execFile);

// Event delivery: events already stored with their deliveries queued, then a real Parley (one
// core, SQLite) delivers them to a local endpoint that answers 200 at once. Baseline in the same
// run: a bare loop that signs and POSTs the same bodies with the same concurrency. Then the same
// with a second endpoint that never answers, to show what a dead endpoint costs a healthy one.

export interface WebhookFigures {
  pinned: boolean;
  events: number;
  parleyPerSecond: number;
  baselinePerSecond: number;
  ratio: number;
  withHangingPerSecond: number;
  hangingRatio: number;
}

async function endpointServer(hang: boolean): Promise<{ server: Server; url: string; count: () => number }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      if (hang) return;
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, count: () => received };
}

export async function seed(database: string, endpoints: Array<{ url: string; events: string[] }>, events: number): Promise<string> {
  const store = await openStore(database);
  await migrateToLatest(store);
  const now = Date.now();
  const ids: string[] = [];
  await store.write(async (trx) => {
    for (const [i, ep] of endpoints.entries()) {
      const id = `ep_bench_${i}`;
      ids.push(id);
      await trx
        .insertInto('endpoints')
        .values({
          id,
          url: ep.url,
          description: null,
          event_types: JSON.stringify(ep.events),
          secret: newEndpointSecret(),
          previous_secret: null,
          previous_secret_expires_at: null,
          status: 'enabled',
          disabled_reason: null,
          rate_limit: null,
          ordered: 0,
          failing_since: null,
          paused_until: null,
          next_slot_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
  });
  for (let start = 0; start < events; start += 500) {
    await store.write(async (trx) => {
      for (let i = start; i < Math.min(events, start + 500); i++) {
        await recordEvent(
          trx,
          'message.received',
          {
            message_id: `msg_${i}`,
            conversation_id: 'conv_1',
            channel: 'main',
            from: '+15551234567',
            to: '+18005550100',
            body: 'YES',
            media_urls: [],
          },
          { now },
        );
      }
    });
  }
  await store.close();
  return ids[0]!;
}

async function deliverAll(database: string, healthyId: string, events: number, hang: boolean, cpu: number | null): Promise<number> {
  const child = await startChild(
    'bench/parley-process.ts',
    [database, 'bench-channel-secret-0123456789', 'http://127.0.0.1:9/send'],
    cpu,
    true,
    {
      BENCH_CONFIG: JSON.stringify({ webhooks: { allow_private_destinations: true, timeout: '60s' }, channels: [] }),
    },
  );
  // Not readonly: a read-only handle does not see the child's later WAL commits.
  const db = new Database(database, { fileMustExist: true });
  const delivered = db.prepare(
    "select count(*) as n, min(delivered_at) as first, max(delivered_at) as last from deliveries where endpoint_id = ? and status = 'delivered'",
  );
  const deadline = Date.now() + 120_000;
  let row = delivered.get(healthyId) as { n: number; first: number; last: number };
  while (row.n < events && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    row = delivered.get(healthyId) as { n: number; first: number; last: number };
  }
  db.close();
  await child.stop();
  if (row.n < events) throw new Error(`only ${row.n} of ${events} deliveries arrived${hang ? ' (with a hanging endpoint)' : ''}`);
  return (row.n / Math.max(1, row.last - row.first)) * 1000;
}

/** The baseline loop, in its own process (asynchronously: the endpoint it posts to lives in this one). */
async function baseline(url: string, events: number, concurrency: number, cpu: number | null): Promise<number> {
  const node = [process.execPath, '--import', 'tsx', 'bench/signed-post-loop.ts', url, String(events), String(concurrency)];
  const command = cpu === null ? node : ['taskset', '-c', String(cpu), ...node];
  const { stdout } = await run(command[0]!, command.slice(1));
  return (JSON.parse(stdout.trim()) as { perSecond: number }).perSecond;
}

/** Parley's default per-endpoint concurrency: the baseline loop gets the same. */
const perEndpoint = configFromObject({}, { env: {} }).webhooks.per_endpoint_concurrency;

export async function benchWebhooks(events = Number(process.env.BENCH_EVENTS ?? 5_000)): Promise<WebhookFigures> {
  const pinned = pinSelf(1);
  const healthy = await endpointServer(false);
  const hanging = await endpointServer(true);
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-webhooks-'));
  try {
    const alone = join(dir, 'alone.db');
    const healthyId = await seed(alone, [{ url: healthy.url, events: ['message.received'] }], events);
    const parleyPerSecond = await deliverAll(alone, healthyId, events, false, serverCore(pinned));
    const baselinePerSecond = await baseline(healthy.url, events, perEndpoint, serverCore(pinned));

    const withDead = join(dir, 'with-hanging.db');
    const healthyId2 = await seed(
      withDead,
      [
        { url: healthy.url, events: ['message.received'] },
        { url: hanging.url, events: [] },
      ],
      events,
    );
    const withHangingPerSecond = await deliverAll(withDead, healthyId2, events, true, serverCore(pinned));
    return {
      pinned,
      events,
      parleyPerSecond,
      baselinePerSecond,
      ratio: parleyPerSecond / baselinePerSecond,
      withHangingPerSecond,
      hangingRatio: withHangingPerSecond / parleyPerSecond,
    };
  } finally {
    healthy.server.closeAllConnections();
    hanging.server.closeAllConnections();
    healthy.server.close();
    hanging.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
