// `npm run bench`: each figure next to a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchBroadcastDispatch, type DispatchFigures } from './broadcast-dispatch.js';
import { benchBroadcasts } from './broadcasts.js';
import { benchClassify } from './classify.js';
import { benchConsoleLive } from './console-live.js';
import { benchConversations } from './conversations.js';
import { benchIngest, type IngestFigures } from './ingest.js';
import { benchJobsDue, type JobsDueFigures } from './jobs-due.js';
import { benchInstances } from './instances.js';
import { benchPipeline, type PipelineFigures } from './pipeline.js';
import { benchWebhooks } from './webhooks.js';

const round = (n: number, digits = 0) => Number(n.toFixed(digits));

// `npm run bench` runs every case; `npm run bench -- pipeline webhooks` only the named ones.
const cases = [
  'classify',
  'ingest',
  'webhooks',
  'conversations',
  'broadcasts',
  'dispatch',
  'pipeline',
  'jobs-due',
  'instances',
  'console',
] as const;
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(cases as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown bench case: ${unknown.join(', ')} (cases: ${cases.join(', ')})`);
  process.exit(2);
}
const runs = (name: (typeof cases)[number]) => asked.length === 0 || asked.includes(name);
const results: Record<string, unknown> = { at: new Date().toISOString() };
let durable = true;

if (runs('classify')) {
  const classifier = await benchClassify();
  results.classifier = classifier;
  console.log('\nReply classifier (one core, this process)');
  console.log(`  classify:             ${round(classifier.messagesPerSecond).toLocaleString('en-US')} messages/s`);
  console.log(`  baseline (normalize): ${round(classifier.baselinePerSecond).toLocaleString('en-US')} messages/s`);
  console.log(`  ratio:                ${round(classifier.ratio, 2)}`);
}

if (runs('ingest')) {
  const ingestRuns: IngestFigures[] = [];
  results.ingest = ingestRuns;
  for (const worker of [false, true]) {
    const ingest = await benchIngest(worker);
    ingestRuns.push(ingest);
    console.log(
      `\nIngest${worker ? ' while routing and replying (worker on, same core)' : ' alone (worker off)'}: signed generic webhooks, SQLite synchronous=FULL, ${ingest.connections} connections, ${ingest.durationSeconds}s per run`,
    );
    console.log(`  servers pinned to one core: ${ingest.pinned ? 'yes (taskset)' : 'no (BENCH_SERVER_CORES=all, or no taskset)'}`);
    console.log(
      `  parley:   ${round(ingest.parley.requestsPerSecond).toLocaleString('en-US')} req/s  p50 ${ingest.parley.p50} ms  p99 ${ingest.parley.p99} ms  non-2xx ${ingest.parley.non2xx}  errors ${ingest.parley.errors}`,
    );
    console.log(
      `  baseline: ${round(ingest.baseline.requestsPerSecond).toLocaleString('en-US')} req/s  p50 ${ingest.baseline.p50} ms  p99 ${ingest.baseline.p99} ms  (bare node:http)`,
    );
    console.log(`  ratio:    ${round(ingest.ratio, 2)}`);
    console.log(
      `  at ${ingest.atFixedRate.rate} req/s: p50 ${ingest.atFixedRate.p50} ms  p99 ${ingest.atFixedRate.p99} ms  (achieved ${round(ingest.atFixedRate.requestsPerSecond)} req/s, non-2xx ${ingest.atFixedRate.non2xx})`,
    );
    if (worker) {
      console.log(
        `  routed:   ${ingest.routed} of ${ingest.stored} stored, ${round(ingest.routedPerSecond).toLocaleString('en-US')} messages/s (classified, answered, replies handed to the provider: ${ingest.repliesSent})`,
      );
    }
    // Every 2xx must be stored; requests in flight when a run's clock stopped may be stored without
    // their 2xx being counted, so stored may exceed acked by at most the connections of each run.
    const ok = ingest.stored >= ingest.acked && ingest.stored - ingest.acked <= ingest.connections * 3;
    durable &&= ok;
    console.log(
      `  durable: stored ${ingest.stored} ≥ acked ${ingest.acked} (in flight at the ends of runs: ${ingest.stored - ingest.acked})${ok ? '' : '  FAILED'}`,
    );
  }
}

if (runs('webhooks')) {
  const webhooks = await benchWebhooks();
  results.webhooks = webhooks;
  console.log(
    `\nEvent webhooks: ${webhooks.events} stored events delivered to a local endpoint answering 200 at once (Parley on one core)`,
  );
  console.log(`  parley:   ${round(webhooks.parleyPerSecond).toLocaleString('en-US')} deliveries/s (signed, logged, SQLite)`);
  console.log(
    `  baseline: ${round(webhooks.baselinePerSecond).toLocaleString('en-US')} signed POSTs/s (bare loop, same concurrency, own process)`,
  );
  console.log(`  ratio:    ${round(webhooks.ratio, 2)}`);
  console.log(
    `  with a second endpoint that never answers: ${round(webhooks.withHangingPerSecond).toLocaleString('en-US')} deliveries/s to the healthy one (${round(webhooks.hangingRatio, 2)} of its rate alone)`,
  );
}

if (runs('conversations')) {
  const conversations = await benchConversations();
  results.conversations = conversations;
  console.log(
    `\nConversations: ${conversations.conversations} texters in a flow answer at ${conversations.rate}/s; from the inbound webhook to the flow's reply at the provider (Parley on one core, SQLite)`,
  );
  console.log(
    `  parley:   p50 ${round(conversations.parley.p50, 1)} ms  p99 ${round(conversations.parley.p99, 1)} ms  max ${round(conversations.parley.max, 1)} ms  (${conversations.parley.replies} replies)`,
  );
  console.log(
    `  baseline: p50 ${round(conversations.baseline.p50, 1)} ms  p99 ${round(conversations.baseline.p99, 1)} ms  (bare server answering and relaying a reply at once)`,
  );
  console.log(`  ratio:    ${round(conversations.ratio, 3)} (baseline p99 / parley p99)`);
}

if (runs('broadcasts')) {
  const broadcasts = await benchBroadcasts();
  results.broadcasts = broadcasts;
  console.log(
    `\nBroadcasts: ${broadcasts.recipients.toLocaleString('en-US')} recipients on one number with rate_limit ${broadcasts.rate}/s (Parley on one core, SQLite)`,
  );
  console.log(
    `  throughput: ${round(broadcasts.measuredPerSecond, 1)} texts/s at the provider (the broadcast and the live replies that took its slots)`,
  );
  console.log(`  baseline:   ${broadcasts.rate} texts/s (the configured rate)`);
  console.log(`  ratio:      ${round(broadcasts.throughputRatio, 3)}`);
  console.log(
    `  live replies (${broadcasts.texters} texters writing HELP at ${broadcasts.textersPerSecond}/s), webhook in to reply at the provider:`,
  );
  console.log(
    `    while the broadcast drains: p50 ${round(broadcasts.whileBroadcasting.p50, 1)} ms  p99 ${round(broadcasts.whileBroadcasting.p99, 1)} ms  (${broadcasts.whileBroadcasting.broadcastTexts} broadcast texts out meanwhile)`,
  );
  console.log(`    baseline, no broadcast:     p50 ${round(broadcasts.quiet.p50, 1)} ms  p99 ${round(broadcasts.quiet.p99, 1)} ms`);
  console.log(`    ratio:                      ${round(broadcasts.latencyRatio, 3)} (baseline p99 / p99 while broadcasting)`);
}

if (runs('dispatch')) {
  const dispatch: DispatchFigures[] = [];
  results.dispatch = dispatch;
  for (const database of (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>) {
    const figures = await benchBroadcastDispatch(database);
    if (!figures) {
      console.log(`\nBroadcast dispatch on ${database}: skipped (no PostgreSQL reachable; set BENCH_DATABASE_URL)`);
      continue;
    }
    dispatch.push(figures);
    console.log(
      `\nBroadcast dispatch on ${database}: ${figures.recipients.toLocaleString('en-US')} recipients (1% opted out) made into queued texts, no rate limit, no worker (this process)`,
    );
    console.log(
      `  ${round(figures.recipientsPerSecond).toLocaleString('en-US')} recipients/s  SQL ${round(figures.statementsPerRecipient, 2)} statements/recipient  (${figures.runs} runs, ${round(figures.seconds, 2)} s)`,
    );
  }
}

if (runs('pipeline')) {
  const pipeline: PipelineFigures[] = [];
  results.pipeline = pipeline;
  for (const database of (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>) {
    const figures = await benchPipeline(database);
    if (!figures) {
      console.log(`\nPipeline on ${database}: skipped (no PostgreSQL reachable; set BENCH_DATABASE_URL)`);
      continue;
    }
    pipeline.push(figures);
    const { parley, baseline, openLoop } = figures;
    console.log(
      `\nPipeline on ${database}: ${parley.messages} signed webhooks from new texters, ${figures.concurrency} at a time, each stored, classified, answered and the answer handed to a local provider (Parley ${figures.pinned ? 'pinned to one core' : 'unpinned'})`,
    );
    console.log(
      `  parley:   ${round(parley.messagesPerSecond).toLocaleString('en-US')} messages/s  CPU ${round(parley.cpuMsPerMessage, 3)} ms/message  SQL ${parley.statementsPerMessage === null ? 'not counted (worker in its job thread)' : `${round(parley.statementsPerMessage, 1)} statements/message`}  ack p50 ${round(parley.ackP50, 1)} ms  p99 ${round(parley.ackP99, 1)} ms`,
    );
    console.log(
      `  baseline: ${round(baseline.messagesPerSecond).toLocaleString('en-US')} messages/s  CPU ${round(baseline.cpuMsPerMessage, 3)} ms/message  (bare server answering and relaying a reply at once)`,
    );
    console.log(
      `  ratio:    ${round(figures.ratio, 3)} (messages/s)  ${round(baseline.cpuMsPerMessage / parley.cpuMsPerMessage, 3)} (CPU per message)`,
    );
    console.log(
      `  open loop at ${openLoop.rate}/s for ${openLoop.seconds} s: ack p50 ${round(openLoop.ackP50, 1)} ms  p99 ${round(openLoop.ackP99, 1)} ms  max ${round(openLoop.ackMax, 1)} ms  non-2xx ${openLoop.non2xx};  reply at the provider p50 ${round(openLoop.replyP50, 1)} ms  p99 ${round(openLoop.replyP99, 1)} ms  (${openLoop.replies} of ${openLoop.sent})`,
    );
  }
}

if (runs('jobs-due')) {
  const jobsDue: JobsDueFigures[] = [];
  results.jobsDue = jobsDue;
  for (const database of (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>) {
    const figures = await benchJobsDue(database);
    if (!figures) {
      console.log(`\nJobs due on ${database}: skipped (no PostgreSQL reachable; set BENCH_DATABASE_URL)`);
      continue;
    }
    jobsDue.push(figures);
    console.log(
      `\nJobs due on ${database}: ${figures.jobs.toLocaleString('en-US')} pending jobs queued for later; ms per call (this process), the plan's indexes`,
    );
    for (const v of [figures.without, figures.with]) {
      console.log(
        `  ${v.index ? 'with jobs_due:   ' : 'without jobs_due:'} next-due ${round(v.nextDueMs, 3)} ms [${v.nextDuePlan}]  empty claim ${round(v.emptyClaimMs, 3)} ms [${v.claimPlan}]  claim with all ${figures.jobs.toLocaleString('en-US')} due ${round(v.dueClaimMs, 3)} ms`,
      );
    }
    const w = figures.with;
    const wo = figures.without;
    console.log(
      `  ratio (without / with): next-due ${round(wo.nextDueMs / w.nextDueMs, 1)}  empty claim ${round(wo.emptyClaimMs / w.emptyClaimMs, 1)}  claim with all due ${round(wo.dueClaimMs / w.dueClaimMs, 2)}`,
    );
  }
}

if (runs('instances')) {
  const figures = await benchInstances();
  if (!figures) console.log('\nInstances on PostgreSQL: skipped (no PostgreSQL reachable; set BENCH_DATABASE_URL)');
  else {
    results.instances = figures;
    console.log(
      `\nInstances on one PostgreSQL database: signed webhooks from new texters spread over 1, 2 and 3 Parley processes, ${figures.concurrency} at a time in all, each answered at a local provider (unpinned; baseline: the one-instance run)`,
    );
    for (const run of figures.runs) {
      console.log(
        `  ${run.instances} instance${run.instances === 1 ? ': ' : 's:'} ${round(run.repliesPerSecond).toLocaleString('en-US')} replies/s  (${run.messages} in ${round(run.seconds, 1)} s)  CPU ${round(run.cpuMsPerMessage, 3)} ms${run.statementsPerMessage === null ? '' : ` and SQL ${round(run.statementsPerMessage, 1)} statements`} per message over all instances  ratio ${round(run.ratio, 2)}`,
      );
    }
  }
}

if (runs('console')) {
  // The console's pages at 100,000 conversations, in their own process (it fills its own database).
  console.log('');
  const pages = spawnSync(process.execPath, ['--import', 'tsx', 'bench/console.ts'], { stdio: 'inherit' });
  if (pages.status !== 0) process.exitCode = 1;
  const live = await benchConsoleLive();
  results.consoleLive = live;
  console.log(
    "\nConsole live updates: a new texter's message from its webhook's 2xx to its row on an open inbox (Chromium, SQLite, arrivals at random moments)",
  );
  console.log(
    `  parley:   p50 ${live.parley.p50} ms  p99 ${live.parley.p99} ms  max ${live.parley.max} ms  (${live.parley.samples} texts)`,
  );
  console.log(
    `  baseline: p50 ${live.baseline.p50} ms  p99 ${live.baseline.p99} ms  (a bare server pushing the same text to the same browser over SSE)`,
  );
}

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  asked.length === 0 ? 'bench/results/latest.json' : `bench/results/latest-${asked.join('-')}.json`,
  `${JSON.stringify(results, null, 2)}\n`,
);
if (!durable) process.exitCode = 1;
