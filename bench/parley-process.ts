// A real Parley for the benchmarks, in its own process: generic channel `main`, SQLite with the
// default durable settings (or PostgreSQL, in the schema BENCH_PG_SCHEMA), the worker running.
// Prints {"url": …} once listening; SIGTERM stops it. On SIGUSR2 it prints one line
// {"stats": {cpuMicros, statements}}: its CPU time so far and the SQL statements it has sent (null
// when the worker runs in its job thread, whose statements this process's counter does not see).
import { configFromObject } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { Worker } from '../src/queue/worker.js';
import { startParley } from '../src/server.js';
import { openStore } from '../src/store/database.js';
import { countStatements } from './statement-count.js';

const [database, secret, sendUrl] = process.argv.slice(2) as [string, string, string];
const statements = countStatements();
const config = configFromObject(
  {
    server: { port: 0, host: '127.0.0.1' },
    database: { url: database },
    api_key: 'bench-api-key-0123456789',
    channels: [{ name: 'main', provider: 'generic', numbers: ['+18005550100'], secret, send_url: sendUrl }],
    log: { level: 'warn' },
    // Extra settings for a benchmark (e.g. webhooks), as JSON.
    ...(JSON.parse(process.env.BENCH_CONFIG ?? '{}') as object),
  },
  { env: {} },
);
const schema = process.env.BENCH_PG_SCHEMA;
const parley = await startParley(config, {
  log: createLogger('warn'),
  listen: true,
  work: process.env.BENCH_WORKER !== 'off',
  ...(schema ? { store: await openStore(database, { schema, poolSize: Number(process.env.BENCH_PG_POOL ?? 10) }), jobThread: true } : {}),
});
process.stdout.write(`${JSON.stringify({ url: parley.url })}\n`);
process.on('SIGUSR2', () => {
  const cpu = process.cpuUsage();
  const counted = parley.worker instanceof Worker ? statements() : null;
  process.stdout.write(`${JSON.stringify({ stats: { cpuMicros: cpu.user + cpu.system, statements: counted } })}\n`);
});
process.on('SIGTERM', () => {
  parley.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
