import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { Agent, request } from 'undici';
import { startChild, type Child } from './child.js';
import { pinSelf, serverCore } from './ingest.js';
import { postgresReachable, postgresUrl } from './postgres.js';

// The whole pipeline, on SQLite and on PostgreSQL: signed inbound webhooks from distinct texters,
// each stored, classified, answered (the acknowledgment) and the answer handed to a local provider
// stand-in. The figures are robust to a shared machine: CPU time of the Parley process per message
// and SQL statements per message, beside the messages/s. The baseline in the same run is a bare
// server that answers each webhook and relays a reply at once (its rate and CPU per message).
// Then an open-loop run: webhooks at a fixed rate, each ack's latency measured from the time it was
// due to be sent, so a server that falls behind cannot hide its queueing.

export interface PipelineRun {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  cpuMsPerMessage: number;
}

export interface PipelineFigures {
  database: 'sqlite' | 'postgres';
  pinned: boolean;
  concurrency: number;
  /** statementsPerMessage: null when the worker ran in its job thread, which the count does not see. */
  parley: PipelineRun & { statementsPerMessage: number | null; ackP50: number; ackP99: number };
  baseline: PipelineRun;
  /** Parley's messages/s over the baseline's. */
  ratio: number;
  openLoop: {
    rate: number;
    seconds: number;
    sent: number;
    non2xx: number;
    ackP50: number;
    ackP99: number;
    ackMax: number;
    /** From the webhook's due time to its reply at the provider. */
    replyP50: number;
    replyP99: number;
    replies: number;
  };
}

const secret = 'bench-channel-secret-0123456789';

/** The provider stand-in: answers every send and notes when each number's first reply came. */
export async function provider(): Promise<{ server: Server; url: string; replies: () => number; arrivals: Map<string, number> }> {
  const arrivals = new Map<string, number>();
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { to } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string };
      if (!arrivals.has(to)) arrivals.set(to, performance.now());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"message_id":"p-${++n}"}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`, replies: () => n, arrivals };
}

// Every texter is new to the run that sends it: each message is answered.
let nextTexter = 0;
const texter = () => `+1556${String(1_000_000 + nextTexter++).padStart(7, '0')}`;

function post(url: string, agent: Agent, from: string): Promise<number> {
  const body = JSON.stringify({ from, to: '+18005550100', body: 'What time again?', message_id: `pipe-${process.pid}-${from}` });
  return request(`${url}/hooks/main/inbound`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', secret).update(body).digest('hex') },
    body,
  }).then(async (r) => {
    await r.body.dump();
    return r.statusCode;
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function waitFor(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the pipeline benchmark timed out waiting for replies');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `count` webhooks from new texters, `concurrency` at a time; resolves when every reply reached the provider. */
async function closedLoop(
  url: string,
  agent: Agent,
  stub: { replies: () => number },
  count: number,
  concurrency: number,
): Promise<{ seconds: number; acks: number[] }> {
  const target = stub.replies() + count;
  const acks: number[] = [];
  let left = count;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left--;
        const sent = performance.now();
        const status = await post(url, agent, texter());
        if (status !== 200) throw new Error(`webhook answered ${status}`);
        acks.push(performance.now() - sent);
      }
    }),
  );
  await waitFor(() => stub.replies() >= target);
  return { seconds: (performance.now() - started) / 1000, acks: acks.sort((a, b) => a - b) };
}

/** CPU time (ms) a process has used, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Asks a bench Parley for its CPU time and statement count (bench/parley-process.ts, SIGUSR2). */
export function parleyStats(child: Child): Promise<{ cpuMicros: number; statements: number | null }> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.process.stdout! });
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { stats?: { cpuMicros: number; statements: number | null } };
      if (!parsed.stats) return;
      lines.close();
      resolve(parsed.stats);
    });
    child.process.kill('SIGUSR2');
  });
}

async function openLoop(
  url: string,
  agent: Agent,
  stub: { replies: () => number; arrivals: Map<string, number> },
  rate: number,
  seconds: number,
): Promise<PipelineFigures['openLoop']> {
  const count = rate * seconds;
  const due = new Map<string, number>();
  const acks: number[] = [];
  let non2xx = 0;
  const pending: Array<Promise<void>> = [];
  const started = performance.now();
  let next = 0;
  while (next < count) {
    const now = performance.now();
    const upTo = Math.min(count, Math.floor(((now - started) / 1000) * rate) + 1);
    for (; next < upTo; next++) {
      const from = texter();
      // The time it was due, not the time this loop got to it: a late loop counts as latency.
      const at = started + (next * 1000) / rate;
      due.set(from, at);
      pending.push(
        post(url, agent, from).then((status) => {
          if (status !== 200) non2xx++;
          acks.push(performance.now() - at);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const target = count;
  await waitFor(() => [...due.keys()].filter((from) => stub.arrivals.has(from)).length >= target - non2xx).catch(() => {});
  const replies: number[] = [];
  for (const [from, at] of due) {
    const arrived = stub.arrivals.get(from);
    if (arrived !== undefined) replies.push(arrived - at);
  }
  acks.sort((a, b) => a - b);
  replies.sort((a, b) => a - b);
  return {
    rate,
    seconds,
    sent: count,
    non2xx,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    ackMax: acks.at(-1) ?? NaN,
    replyP50: percentile(replies, 50),
    replyP99: percentile(replies, 99),
    replies: replies.length,
  };
}

export async function benchPipeline(
  database: 'sqlite' | 'postgres',
  messages = Number(process.env.BENCH_MESSAGES ?? 3_000),
  concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50),
  rate = Number(process.env.BENCH_RATE ?? 300),
): Promise<PipelineFigures | null> {
  if (database === 'postgres' && !(await postgresReachable())) return null;
  const pinned = pinSelf(1);
  const cpu = serverCore(pinned);
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-pipe-'));
  const schema = `bench_${process.pid}_${Date.now()}`;
  const stub = await provider();
  const agent = new Agent({ connections: 256, keepAliveTimeout: 60_000 });
  try {
    const relay = await startChild('bench/relay-server.ts', [stub.url], cpu);
    await closedLoop(relay.url, agent, stub, Math.min(500, messages), concurrency);
    const relayCpu = cpuMs(relay.process.pid!);
    const bare = await closedLoop(relay.url, agent, stub, messages, concurrency);
    const bareCpu = cpuMs(relay.process.pid!) - relayCpu;
    await relay.stop();

    const location = database === 'sqlite' ? join(dir, 'parley.db') : postgresUrl;
    const child = await startChild(
      'bench/parley-process.ts',
      [location, secret, stub.url],
      cpu,
      true,
      database === 'postgres' ? { BENCH_PG_SCHEMA: schema } : {},
    );
    // Warm-up: JIT, caches, pooled connections.
    await closedLoop(child.url, agent, stub, Math.min(500, messages), concurrency);
    const before = await parleyStats(child);
    const run = await closedLoop(child.url, agent, stub, messages, concurrency);
    const after = await parleyStats(child);
    const fixed = await openLoop(child.url, agent, stub, rate, Number(process.env.BENCH_SECONDS ?? 5));
    await child.stop();

    const parleyRate = messages / run.seconds;
    const bareRate = messages / bare.seconds;
    return {
      database,
      pinned: cpu !== null,
      concurrency,
      parley: {
        messages,
        seconds: run.seconds,
        messagesPerSecond: parleyRate,
        cpuMsPerMessage: (after.cpuMicros - before.cpuMicros) / 1000 / messages,
        statementsPerMessage:
          after.statements === null || before.statements === null ? null : (after.statements - before.statements) / messages,
        ackP50: percentile(run.acks, 50),
        ackP99: percentile(run.acks, 99),
      },
      baseline: { messages, seconds: bare.seconds, messagesPerSecond: bareRate, cpuMsPerMessage: bareCpu / messages },
      ratio: parleyRate / bareRate,
      openLoop: fixed,
    };
  } finally {
    await agent.close();
    stub.server.closeAllConnections();
    stub.server.close();
    rmSync(dir, { recursive: true, force: true });
    if (database === 'postgres') {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}
