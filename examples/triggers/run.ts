// `npm run example:triggers`: Parley on :3000 (or $PORT) with an appointment system's and a billing
// system's triggers (./triggers), and the events those systems send, played in order. It prints
// what Parley did with each, then the texts, and keeps running for you to post events of your own.
import { mkdirSync } from 'node:fs';
import { request } from 'undici';
import { listenProblem } from '../../src/cli-args.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startParley, type Parley } from '../../src/server.js';
import { loadTriggers } from '../../src/triggers/definition.js';
import { customer, describeAnswer, patient, postEvent, saveTemplates, storyEvents } from './story.js';

mkdirSync('examples/triggers/data', { recursive: true });
const config = loadConfig({ path: 'examples/triggers/parley.yaml' });
const apiKey = config.api_key!;
let parley: Parley;
try {
  parley = await startParley(config, { log: createLogger('warn'), listen: true });
} catch (error) {
  const problem = listenProblem(error, config.server.host, config.server.port, 'PORT=N npm run example:triggers');
  if (!problem) throw error;
  process.stderr.write(`example:triggers: ${problem}\n`);
  process.exit(2);
}
const base = parley.url!.replace('0.0.0.0', 'localhost');
const triggers = loadTriggers(config);
const out = (line = '') => process.stdout.write(`${line}\n`);

out(`Parley: ${base}  (API key: ${apiKey})`);
out(`Templates saved: ${(await saveTemplates(base, apiKey)).join(', ')}\n`);
for (const step of storyEvents()) {
  out(`▸ ${step.says}: ${step.event.type as string} (${step.id}) → POST /hooks/triggers/${step.trigger}`);
  for (const line of describeAnswer(await postEvent(base, triggers.get(step.trigger)!.secret!, step))) out(`    ${line}`);
}

out('\nThe texts, newest first:');
for (const phone of [patient, customer]) {
  const res = await request(`${base}/v1/messages?to=${encodeURIComponent(phone)}&direction=outbound`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const { data } = (await res.body.json()) as { data: Array<{ status: string; send_at: string | null; body: string }> };
  for (const m of data) out(`  ${phone} [${m.status}${m.send_at ? ` for ${m.send_at}` : ''}] ${m.body}`);
}

if (process.argv.includes('--once')) {
  await parley.close();
  process.exit(0);
}
out(`
Post an event of your own with the API key (Idempotency-Key is the event's id):
  curl -X POST ${base}/hooks/triggers/appointments -H 'authorization: Bearer ${apiKey}' \\
    -H 'idempotency-key: evt_mine_1' -H 'content-type: application/json' \\
    -d '{"type":"appointment.booked","appointment":{"id":"apt_3001","starts_at":"${new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 13)}:00:00Z","provider_name":"Dr. Okafor"},"patient":{"phone":"+15557650103","first_name":"Sam"}}'

Ctrl-C stops Parley. Delete examples/triggers/data/ to start over.`);
const stop = async () => {
  await parley.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
