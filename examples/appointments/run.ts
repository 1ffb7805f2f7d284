// `npm run example:appointments`: the booking service on :4100 and Parley on :3000 with the
// appointment flow, both keeping their data in examples/appointments/data/.
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startParley } from '../../src/server.js';
import { startBookingService } from './booking-service.js';

mkdirSync('examples/appointments/data', { recursive: true });
const config = loadConfig({ path: 'examples/appointments/parley.yaml' });
const parley = await startParley(config, { log: createLogger('info'), listen: true });
const booking = await startBookingService({
  dataFile: 'examples/appointments/data/booking.json',
  secret: parley.ctx.flowSecret,
  port: 4100,
});

const base = parley.url!.replace('0.0.0.0', 'localhost');
process.stdout.write(`
Parley:          ${base}  (API key: ${config.api_key})
Booking service: ${booking.url}

Start the flow for the texter +15551234567 (appointment apt_1001, Wednesday at 3 PM):
  curl -X POST ${base}/v1/flows/appointment/start -H 'authorization: Bearer ${config.api_key}' \\
    -H 'content-type: application/json' -d '{"to":"+15551234567","vars":{"appointment_id":"apt_1001"}}'

Then answer as the texter, in another terminal:
  npx parley simulate --config examples/appointments/parley.yaml --url ${base} --from +15551234567 "NO"
  npx parley simulate --config examples/appointments/parley.yaml --url ${base} --from +15551234567 "1"

Ctrl-C stops both. Delete examples/appointments/data/ to start over.
`);

// Show what Parley texts, as a phone would.
let seen = '';
const watcher = setInterval(() => {
  void parley.ctx.store.db
    .selectFrom('messages')
    .select(['id', 'to_number', 'body'])
    .where('direction', '=', 'outbound')
    .where('id', '>', seen)
    .orderBy('id')
    .execute()
    .then((rows) => {
      for (const row of rows) {
        process.stdout.write(`  ✉ Parley → ${row.to_number}: ${row.body}\n`);
        seen = row.id;
      }
    });
}, 300);

const stop = async () => {
  clearInterval(watcher);
  await parley.close();
  await booking.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
