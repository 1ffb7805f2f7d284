import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startChild } from './child.js';
import { percentile, textIn } from './text-in.js';
import { pinSelf, serverCore } from './ingest.js';

// Conversations end to end: many texters each in a flow session answer at a fixed rate; the figure
// is the time from sending an inbound webhook to the flow's reply reaching the provider (a local
// stand-in): signature check, durable ingest, routing in the contact's turn, the flow step, the
// send job and the provider call. Parley on SQLite, pinned to one core. Baseline in the same run:
// a bare server that answers the webhook and relays a reply at once.

export interface ConversationFigures {
  pinned: boolean;
  rate: number;
  conversations: number;
  parley: { p50: number; p99: number; max: number; replies: number };
  baseline: { p50: number; p99: number };
  ratio: number;
}

const secret = 'bench-channel-secret-0123456789';
const apiKey = 'bench-api-key-0123456789';
const flow = `
start: ask
steps:
  ask:
    say: "Reply 1 to keep your slot or 2 to cancel it."
    replies:
      - { choice: "1", goto: kept }
      - { choice: "2", goto: kept }
  kept:
    say: "Got it, thanks!"
    end: true
`;

const phone = (i: number) => `+1555${String(2_000_000 + i).padStart(7, '0')}`;

/** The provider stand-in: records when each reply to each number arrives. */
async function provider(): Promise<{ server: Server; url: string; arrivals: Map<string, number[]> }> {
  const arrivals = new Map<string, number[]>();
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const { to } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string };
      const list = arrivals.get(to) ?? [];
      list.push(at);
      arrivals.set(to, list);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"message_id":"p-${++n}"}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`, arrivals };
}

async function latencies(arrivals: Map<string, number[]>, sentAt: Map<string, number>, expected: number, which: number): Promise<number[]> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    let done = 0;
    for (const from of sentAt.keys()) if ((arrivals.get(from)?.length ?? 0) >= which) done++;
    if (done >= expected) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const out: number[] = [];
  for (const [from, at] of sentAt) {
    const arrived = arrivals.get(from)?.[which - 1];
    if (arrived !== undefined) out.push(arrived - at);
  }
  return out.sort((a, b) => a - b);
}

export async function benchConversations(
  rate = Number(process.env.BENCH_RATE ?? 500),
  seconds = Number(process.env.BENCH_SECONDS ?? 10),
): Promise<ConversationFigures> {
  const pinned = pinSelf(1);
  const count = rate * seconds;
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-conv-'));
  const stub = await provider();
  const agent = new Agent({ connections: 64, keepAliveTimeout: 60_000 });
  try {
    mkdirSync(join(dir, 'flows'));
    writeFileSync(join(dir, 'flows', 'keep.yaml'), flow);
    const child = await startChild('bench/parley-process.ts', [join(dir, 'parley.db'), secret, stub.url], serverCore(pinned), true, {
      BENCH_CONFIG: JSON.stringify({ flows: { dir: join(dir, 'flows') } }),
    });
    // Every conversation starts first (the flow's question goes out), then the answers come in.
    for (let start = 0; start < count; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - start) }, (_, k) =>
          request(`${child.url}/v1/flows/keep/start`, {
            method: 'POST',
            dispatcher: agent,
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ to: phone(start + k) }),
          }).then((r) => r.body.dump()),
        ),
      );
    }
    await latencies(stub.arrivals, new Map(Array.from({ length: count }, (_, i) => [phone(i), 0])), count, 1);
    const sentAt = await textIn(child.url, agent, { count, perSecond: rate, secret, from: phone, body: '1', idPrefix: 'conv' });
    const parley = await latencies(stub.arrivals, sentAt, count, 2);
    await child.stop();

    for (const list of stub.arrivals.values()) list.length = 0;
    stub.arrivals.clear();
    const relay = await startChild('bench/relay-server.ts', [stub.url], serverCore(pinned));
    const baselineSent = await textIn(relay.url, agent, { count, perSecond: rate, secret, from: phone, body: '1', idPrefix: 'conv-relay' });
    const baseline = await latencies(stub.arrivals, baselineSent, count, 1);
    await relay.stop();

    const p99 = percentile(parley, 99);
    return {
      pinned,
      rate,
      conversations: count,
      parley: { p50: percentile(parley, 50), p99, max: parley.at(-1) ?? NaN, replies: parley.length },
      baseline: { p50: percentile(baseline, 50), p99: percentile(baseline, 99) },
      ratio: percentile(baseline, 99) / p99,
    };
  } finally {
    await agent.close();
    stub.server.closeAllConnections();
    stub.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
