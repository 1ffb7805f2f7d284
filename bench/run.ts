// `npm run bench`: each figure next to a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchClassify } from './classify.js';
import { benchConsoleLive } from './console-live.js';
import { benchConversations } from './conversations.js';
import { benchIngest, type IngestFigures } from './ingest.js';
import { benchWebhooks } from './webhooks.js';

const round = (n: number, digits = 0) => Number(n.toFixed(digits));

const classifier = await benchClassify();
console.log('\nReply classifier (one core, this process)');
console.log(`  classify:             ${round(classifier.messagesPerSecond).toLocaleString('en-US')} messages/s`);
console.log(`  baseline (normalize): ${round(classifier.baselinePerSecond).toLocaleString('en-US')} messages/s`);
console.log(`  ratio:                ${round(classifier.ratio, 2)}`);

const ingestRuns: IngestFigures[] = [];
let durable = true;
for (const worker of [false, true]) {
  const ingest = await benchIngest(worker);
  ingestRuns.push(ingest);
  console.log(
    `\nIngest${worker ? ' while routing and replying (worker on, same core)' : ' alone (worker off)'}: signed generic webhooks, SQLite synchronous=FULL, ${ingest.connections} connections, ${ingest.durationSeconds}s per run`,
  );
  console.log(`  servers pinned to one core: ${ingest.pinned ? 'yes (taskset)' : 'no (taskset unavailable)'}`);
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

const webhooks = await benchWebhooks();
console.log(`\nEvent webhooks: ${webhooks.events} stored events delivered to a local endpoint answering 200 at once (Parley on one core)`);
console.log(`  parley:   ${round(webhooks.parleyPerSecond).toLocaleString('en-US')} deliveries/s (signed, logged, SQLite)`);
console.log(
  `  baseline: ${round(webhooks.baselinePerSecond).toLocaleString('en-US')} signed POSTs/s (bare loop, same concurrency, own process)`,
);
console.log(`  ratio:    ${round(webhooks.ratio, 2)}`);
console.log(
  `  with a second endpoint that never answers: ${round(webhooks.withHangingPerSecond).toLocaleString('en-US')} deliveries/s to the healthy one (${round(webhooks.hangingRatio, 2)} of its rate alone)`,
);

const conversations = await benchConversations();
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

// The console's pages at 100,000 conversations, in their own process (it fills its own database).
console.log('');
const consolePages = spawnSync(process.execPath, ['--import', 'tsx', 'bench/console.ts'], { stdio: 'inherit' });
const live = await benchConsoleLive();
console.log(
  "\nConsole live updates: an inbound text from its webhook's 2xx to the screen of an agent with its conversation open (Chromium, SQLite)",
);
if (live) {
  console.log(`  parley:   p50 ${live.p50} ms  p95 ${live.p95} ms  max ${live.max} ms  (${live.samples} texts)`);
  console.log(`  baseline: ${live.baselineFetch} ms  (the page's fetch of the conversation alone; the stream polls every 500 ms)`);
} else console.log('  skipped: no Chromium at /usr/bin/chromium');

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/latest.json',
  `${JSON.stringify({ at: new Date().toISOString(), classifier, ingest: ingestRuns, webhooks, conversations, consoleLive: live }, null, 2)}\n`,
);
if (!durable || consolePages.status !== 0) process.exitCode = 1;
