import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startChild, type Child } from './child.js';
import { percentile, textIn } from './text-in.js';
import { pinSelf, serverCore } from './ingest.js';

// Broadcasts: (1) the rate a broadcast actually reaches the provider at, against the channel's
// configured `rate_limit` (the baseline: what the rate allows); (2) the reply latency of people
// texting now (HELP in, the answer at the provider) while a broadcast drains on the same number,
// against the same texts with no broadcast, measured in the same run. Parley on SQLite, one core.

export interface BroadcastFigures {
  pinned: boolean;
  rate: number;
  recipients: number;
  measuredPerSecond: number;
  throughputRatio: number;
  texters: number;
  textersPerSecond: number;
  quiet: { p50: number; p99: number };
  whileBroadcasting: { p50: number; p99: number; broadcastTexts: number };
  latencyRatio: number;
}

const secret = 'bench-channel-secret-0123456789';
const apiKey = 'bench-api-key-0123456789';
const business = '+18005550100';
const broadcastBody = 'Our spring sale starts today. Reply STOP to opt out.';
const recipient = (i: number) => `+1212${String(3_000_000 + i).padStart(7, '0')}`;
const texter = (i: number) => `+1312${String(4_000_000 + i).padStart(7, '0')}`;

/** The provider stand-in: when each text arrived, by recipient and by kind (broadcast or reply). */
async function provider() {
  const broadcastAt: number[] = [];
  const replyAt = new Map<string, number>();
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const { to, body } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; body: string };
      if (body === broadcastBody) broadcastAt.push(at);
      else if (!replyAt.has(to)) replyAt.set(to, at);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"message_id":"p-${++n}"}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`, broadcastAt, replyAt };
}

async function startParley(dir: string, name: string, sendUrl: string, rate: number, pinned: boolean): Promise<Child> {
  const channels = [{ name: 'main', provider: 'generic', numbers: [business], secret, send_url: sendUrl, rate_limit: rate }];
  return startChild('bench/parley-process.ts', [join(dir, `${name}.db`), secret, sendUrl], serverCore(pinned), true, {
    BENCH_CONFIG: JSON.stringify({ channels }),
  });
}

async function startBroadcast(url: string, agent: Agent, recipients: number): Promise<void> {
  const res = await request(`${url}/v1/broadcasts`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ body: broadcastBody, audience: { phones: Array.from({ length: recipients }, (_, i) => recipient(i)) } }),
  });
  if (res.statusCode !== 201) throw new Error(`broadcast refused: ${res.statusCode} ${await res.body.text()}`);
  await res.body.dump();
}

async function replyLatencies(replyAt: Map<string, number>, sentAt: Map<string, number>): Promise<number[]> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && [...sentAt.keys()].some((from) => !replyAt.has(from))) await new Promise((r) => setTimeout(r, 50));
  return [...sentAt].flatMap(([from, at]) => (replyAt.has(from) ? [replyAt.get(from)! - at] : [])).sort((a, b) => a - b);
}

/** Arrivals per second: the slope of the count of arrivals against their times, by least squares. */
function slopePerSecond(times: number[]): number {
  const n = times.length;
  const meanT = times.reduce((a, b) => a + b, 0) / n;
  const meanI = (n - 1) / 2;
  let num = 0;
  let den = 0;
  times.forEach((t, i) => {
    num += (t - meanT) * (i - meanI);
    den += (t - meanT) ** 2;
  });
  return (num / den) * 1000;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

export async function benchBroadcasts(
  rate = Number(process.env.BENCH_BROADCAST_RATE ?? 500),
  seconds = Number(process.env.BENCH_BROADCAST_SECONDS ?? 10),
  textersPerSecond = Number(process.env.BENCH_BROADCAST_TEXTERS ?? 20),
): Promise<BroadcastFigures> {
  const pinned = pinSelf(1);
  const recipients = rate * seconds;
  const texters = textersPerSecond * Math.max(2, Math.floor(seconds / 2));
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-broadcast-'));
  const stub = await provider();
  const agent = new Agent({ connections: 32, keepAliveTimeout: 60_000 });
  try {
    // Replies with no broadcast: the baseline.
    let child = await startParley(dir, 'quiet', stub.url, rate, pinned);
    const help = { count: texters, perSecond: textersPerSecond, secret, from: texter, body: 'HELP' };
    const quietSent = await textIn(child.url, agent, { ...help, idPrefix: 'bc-quiet' });
    const quiet = await replyLatencies(stub.replyAt, quietSent);
    await child.stop();
    stub.replyAt.clear();

    // The broadcast alone is timed from its first text to its last; texters write while it drains.
    child = await startParley(dir, 'broadcast', stub.url, rate, pinned);
    await startBroadcast(child.url, agent, recipients);
    await waitFor(() => stub.broadcastAt.length >= Math.min(recipients, rate), 30_000);
    const busySent = await textIn(child.url, agent, { ...help, idPrefix: 'bc-busy' });
    const busy = await replyLatencies(stub.replyAt, busySent);
    const duringBroadcast = stub.broadcastAt.length;
    await waitFor(() => stub.broadcastAt.length >= recipients, recipients * (2_000 / rate) + 30_000);
    await child.stop();

    // The rate is the slope of a least-squares line through the arrivals (the broadcast's texts and
    // the live replies among them, which took their slots from it: they push the clock): the worker
    // finds due sends by polling, so texts leave in small bunches, and the first and last arrivals
    // alone would read a bunch's lateness as speed. The first second (the first page written and
    // claimed) is left out.
    const at = stub.broadcastAt;
    const start = at[Math.min(rate, at.length - 2)]!;
    const arrivals = [...at, ...stub.replyAt.values()].filter((t) => t >= start && t <= at.at(-1)!).sort((a, b) => a - b);
    const measuredPerSecond = slopePerSecond(arrivals);
    return {
      pinned,
      rate,
      recipients: at.length,
      measuredPerSecond,
      throughputRatio: measuredPerSecond / rate,
      texters,
      textersPerSecond,
      quiet: { p50: percentile(quiet, 50), p99: percentile(quiet, 99) },
      whileBroadcasting: { p50: percentile(busy, 50), p99: percentile(busy, 99), broadcastTexts: duringBroadcast },
      latencyRatio: percentile(quiet, 99) / percentile(busy, 99),
    };
  } finally {
    await agent.close();
    stub.server.closeAllConnections();
    stub.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
