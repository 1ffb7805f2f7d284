// `npm run example:appointments`: the booking service on :4100 and Parley on :3000 (or $PORT) with
// the appointment flow, both keeping their data in examples/appointments/data/.
import { mkdirSync } from 'node:fs';
import { listenProblem } from '../../src/cli-args.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startParley, type Parley } from '../../src/server.js';
import { startBookingService, type BookingService } from './booking-service.js';

/** A port in use is one line on stderr and exit code 2, never a stack trace. */
function exitIfPortProblem(error: unknown, host: string, port: number): never {
  const problem = listenProblem(error, host, port, 'PORT=N npm run example:appointments');
  if (!problem) throw error;
  process.stderr.write(`example:appointments: ${problem}\n`);
  process.exit(2);
}

mkdirSync('examples/appointments/data', { recursive: true });
const config = loadConfig({ path: 'examples/appointments/parley.yaml' });
process.stdout.write(`Starting Parley on port ${config.server.port} (set PORT to change it) and the booking service on port 4100…\n`);
let parley: Parley;
try {
  parley = await startParley(config, { log: createLogger('info'), listen: true });
} catch (error) {
  exitIfPortProblem(error, config.server.host, config.server.port);
}
let booking: BookingService;
try {
  booking = await startBookingService({
    dataFile: 'examples/appointments/data/booking.json',
    secret: parley.ctx.flowSecret,
    port: 4100,
  });
} catch (error) {
  await parley.close();
  // The booking service's port is the flow's booking_url (flows/appointment.yaml), so it is not a flag.
  const problem = listenProblem(error, '127.0.0.1', 4100);
  if (!problem) throw error;
  process.stderr.write(
    `example:appointments: booking service: port 4100 is already in use (127.0.0.1:4100); stop what listens there (another example run?), or change booking_url in examples/appointments/flows/appointment.yaml and the port in examples/appointments/run.ts\n`,
  );
  process.exit(2);
}

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
