import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { startChild } from './child.js';

// Ingest: distinct, correctly signed generic inbound webhooks against `parley start` on SQLite with
// durable commits (WAL, synchronous=FULL, group commit) and its worker routing them, and the same
// requests against a bare node:http server in the same run. Parley and the baseline each get one
// core (taskset), the load generator the other.

export interface IngestFigures {
  worker: boolean;
  pinned: boolean;
  connections: number;
  durationSeconds: number;
  parley: { requestsPerSecond: number; p50: number; p99: number; non2xx: number; errors: number };
  baseline: { requestsPerSecond: number; p50: number; p99: number };
  ratio: number;
  atFixedRate: { rate: number; requestsPerSecond: number; p50: number; p99: number; non2xx: number };
  stored: number;
  /** Inbound messages routed by the worker (classified, answered) while the runs lasted. */
  routed: number;
  routedPerSecond: number;
  repliesSent: number;
  acked: number;
}

const secret = 'bench-channel-secret-0123456789';
const contacts = 20_000;
const replies = ['YES', 'no', 'What time again?', 'sounds good', "can't make it", 'Thanks!'];

function signedBodies(count: number): Array<{ body: string; signature: string }> {
  const out = [];
  const now = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify({
      from: `+1555${String(1_000_000 + (i % contacts)).padStart(7, '0')}`,
      to: '+18005550100',
      body: replies[i % replies.length],
      message_id: `bench-${process.pid}-${i}`,
      timestamp: now,
    });
    out.push({ body, signature: createHmac('sha256', secret).update(body).digest('hex') });
  }
  return out;
}

async function providerStub(): Promise<{ server: Server; url: string }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"message_id":"p-${++n}"}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send` };
}

/** Pins this process (the load generator, the stand-in endpoints) to one core, the servers to the other. */
/**
 * The core a benchmark pins its server to once it pinned itself (`pinned`) to the other: core 0,
 * or none with BENCH_SERVER_CORES=all, so a server with a job thread can use both.
 */
export function serverCore(pinned: boolean): number | null {
  return pinned && process.env.BENCH_SERVER_CORES !== 'all' ? 0 : null;
}

export function pinSelf(cpu: number): boolean {
  try {
    execFileSync('taskset', ['-pc', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function load(
  url: string,
  bodies: Array<{ body: string; signature: string }>,
  cursor: { next: number },
  options: { connections: number; duration: number; overallRate?: number },
) {
  return autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const item = bodies[cursor.next++ % bodies.length]!;
          return {
            ...request,
            path: '/hooks/main/inbound',
            headers: { 'content-type': 'application/json', 'x-signature': item.signature },
            body: item.body,
          };
        },
      },
    ],
  });
}

/** `worker`: whether Parley also routes and answers what it ingests, on the same core. */
export async function benchIngest(
  worker: boolean,
  durationSeconds = Number(process.env.BENCH_DURATION ?? 10),
  connections = 50,
): Promise<IngestFigures> {
  const pinned = pinSelf(1);
  const serverCpu = serverCore(pinned);
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const database = join(dir, 'parley.db');
  const provider = await providerStub();
  const bodies = signedBodies(250_000);
  try {
    const baselineChild = await startChild('bench/baseline-server.ts', [], serverCpu);
    const baseline = await load(baselineChild.url, bodies, { next: 0 }, { connections, duration: durationSeconds });
    await baselineChild.stop();

    const parleyChild = await startChild('bench/parley-process.ts', [database, secret, provider.url], serverCpu, worker);
    const cursor = { next: 0 };
    // A short warm-up: JIT, the SQLite page cache, the pool of keep-alive sockets.
    const warm = await load(parleyChild.url, bodies, cursor, { connections, duration: 2 });
    const parley = await load(parleyChild.url, bodies, cursor, { connections, duration: durationSeconds });
    const fixed = await load(parleyChild.url, bodies, cursor, { connections, duration: durationSeconds, overallRate: 2_000 });
    await parleyChild.stop();

    if (cursor.next > bodies.length) throw new Error('the benchmark ran out of distinct webhooks; raise the count');
    const db = new Database(database, { readonly: true });
    const stored = (db.prepare("select count(*) as n from messages where direction = 'inbound'").get() as { n: number }).n;
    const routing = db
      .prepare(
        "select count(*) as n, min(processed_at) as first, max(processed_at) as last from messages where direction = 'inbound' and processed_at is not null",
      )
      .get() as { n: number; first: number | null; last: number | null };
    const replies = (
      db.prepare("select count(*) as n from messages where direction = 'outbound' and status = 'sent'").get() as { n: number }
    ).n;
    db.close();

    return {
      worker,
      pinned: serverCpu !== null,
      connections,
      durationSeconds,
      parley: {
        requestsPerSecond: parley.requests.average,
        p50: parley.latency.p50,
        p99: parley.latency.p99,
        non2xx: parley.non2xx,
        errors: parley.errors + parley.timeouts,
      },
      baseline: { requestsPerSecond: baseline.requests.average, p50: baseline.latency.p50, p99: baseline.latency.p99 },
      ratio: parley.requests.average / baseline.requests.average,
      atFixedRate: {
        rate: 2_000,
        requestsPerSecond: fixed.requests.average,
        p50: fixed.latency.p50,
        p99: fixed.latency.p99,
        non2xx: fixed.non2xx,
      },
      stored,
      routed: routing.n,
      routedPerSecond: routing.n > 1 && routing.last! > routing.first! ? (routing.n / (routing.last! - routing.first!)) * 1000 : 0,
      repliesSent: replies,
      acked: warm['2xx'] + parley['2xx'] + fixed['2xx'],
    };
  } finally {
    provider.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
