import { createHmac } from 'node:crypto';
import pg from 'pg';
import { Agent, request } from 'undici';
import { startChild, type Child } from './child.js';
import { parleyStats, provider } from './pipeline.js';
import { postgresReachable, postgresUrl } from './postgres.js';

// Instances that add up: 1, 2 and 3 Parley processes on one PostgreSQL database (each its own
// process, unpinned, sharing the queue), signed webhooks from new texters spread over them in
// turn, `concurrency` in flight in all; the figure is replies/s reaching a local provider stand-in
// (stored, classified, answered, handed over), and the one-instance run is the baseline in the
// same session. Also the Parley processes' CPU time per message, summed over the instances.

export interface InstancesRun {
  instances: number;
  messages: number;
  seconds: number;
  repliesPerSecond: number;
  /** CPU of all the Parley processes together, per message. */
  cpuMsPerMessage: number;
  /** SQL statements of all the Parley processes together, per message (BEGIN/COMMIT included); null when not counted. */
  statementsPerMessage: number | null;
  /** This run's replies/s over the one-instance run's. */
  ratio: number;
}

export interface InstancesFigures {
  concurrency: number;
  runs: InstancesRun[];
}

const secret = 'bench-channel-secret-0123456789';

let nextTexter = 0;
const texter = () => `+1557${String(1_000_000 + nextTexter++).padStart(7, '0')}`;

async function post(url: string, agent: Agent, from: string): Promise<void> {
  const body = JSON.stringify({ from, to: '+18005550100', body: 'What time again?', message_id: `inst-${process.pid}-${from}` });
  const response = await request(`${url}/hooks/main/inbound`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', secret).update(body).digest('hex') },
    body,
  });
  await response.body.dump();
  if (response.statusCode !== 200) throw new Error(`webhook answered ${response.statusCode}`);
}

/** `count` webhooks spread over the instances in turn; resolves when every reply reached the provider. */
async function closedLoop(urls: string[], agent: Agent, replies: () => number, count: number, concurrency: number): Promise<number> {
  const target = replies() + count;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await post(urls[next++ % urls.length]!, agent, texter());
    }),
  );
  for (const deadline = Date.now() + 180_000; replies() < target;) {
    if (Date.now() > deadline) throw new Error(`the instances benchmark timed out: ${target - replies()} replies missing`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return (performance.now() - started) / 1000;
}

async function runWith(instances: number, messages: number, concurrency: number): Promise<Omit<InstancesRun, 'ratio'>> {
  const schema = `bench_inst_${process.pid}_${instances}_${Date.now()}`;
  const stub = await provider();
  const agent = new Agent({ connections: 128, keepAliveTimeout: 60_000 });
  const children: Child[] = [];
  try {
    // One after another: the first migrates the new schema.
    for (let i = 0; i < instances; i++) {
      // BENCH_STATEMENT_TALLY=<file>: each instance writes its own tally, <file>-<instances>.<i>.
      const tally: Record<string, string> = process.env.BENCH_STATEMENT_TALLY
        ? { BENCH_STATEMENT_TALLY: `${process.env.BENCH_STATEMENT_TALLY}-${instances}.${i}` }
        : {};
      children.push(
        await startChild('bench/parley-process.ts', [postgresUrl, secret, stub.url], null, true, { BENCH_PG_SCHEMA: schema, ...tally }),
      );
    }
    const urls = children.map((c) => c.url);
    // Warm-up: JIT, caches, pooled connections in every instance.
    await closedLoop(urls, agent, stub.replies, 150 * instances, concurrency);
    const before = await Promise.all(children.map(parleyStats));
    const seconds = await closedLoop(urls, agent, stub.replies, messages, concurrency);
    const after = await Promise.all(children.map(parleyStats));
    const cpuMicros = after.reduce((sum, s, i) => sum + s.cpuMicros - before[i]!.cpuMicros, 0);
    // Null (not counted) when the workers run in their job threads.
    const statements = after.every((s) => s.statements !== null)
      ? after.reduce((sum, s, i) => sum + s.statements! - before[i]!.statements!, 0)
      : null;
    return {
      instances,
      messages,
      seconds,
      repliesPerSecond: messages / seconds,
      cpuMsPerMessage: cpuMicros / 1000 / messages,
      statementsPerMessage: statements === null ? null : statements / messages,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await agent.close();
    stub.server.closeAllConnections();
    stub.server.close();
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

export async function benchInstances(
  messages = Number(process.env.BENCH_MESSAGES ?? 2_000),
  concurrency = Number(process.env.BENCH_CONCURRENCY ?? 48),
): Promise<InstancesFigures | null> {
  if (!(await postgresReachable())) return null;
  const runs: InstancesRun[] = [];
  for (const instances of [1, 2, 3]) {
    const run = await runWith(instances, messages, concurrency);
    runs.push({ ...run, ratio: run.repliesPerSecond / (runs[0]?.repliesPerSecond ?? run.repliesPerSecond) });
  }
  return { concurrency, runs };
}
