import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { broadcastRunHandler } from '../src/broadcasts/run.js';
import { createBroadcast } from '../src/broadcasts/create.js';
import { configFromObject } from '../src/config.js';
import { newId } from '../src/core/ids.js';
import { createLogger } from '../src/logger.js';
import type { Job } from '../src/queue/job-kinds.js';
import { startParley } from '../src/server.js';
import { openStore } from '../src/store/database.js';
import { countStatements } from './statement-count.js';
import { postgresReachable, postgresUrl } from './postgres.js';

// A broadcast's dispatch alone: the `broadcast.run` job turning pending recipients into stored,
// queued texts (contacts and conversations made, opt-outs checked, messages, send jobs, recipients
// settled), run back to back in this process on a channel with no rate limit, with no worker and
// no provider, so the figure is the dispatch's own cost: recipients per second and SQL statements
// per recipient (BEGIN and COMMIT included). The fill is run first and not counted. 1% of the
// recipients have opted out (their texts are recorded refused). Both databases.

export interface DispatchFigures {
  database: 'sqlite' | 'postgres';
  recipients: number;
  seconds: number;
  recipientsPerSecond: number;
  statementsPerRecipient: number;
  runs: number;
}

const statements = countStatements();

export async function benchBroadcastDispatch(
  database: 'sqlite' | 'postgres',
  recipients = Number(process.env.BENCH_DISPATCH_RECIPIENTS ?? 5_000),
): Promise<DispatchFigures | null> {
  if (database === 'postgres' && !(await postgresReachable())) return null;
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-dispatch-'));
  const schema = `bench_dispatch_${process.pid}_${Date.now()}`;
  const store = database === 'sqlite' ? await openStore(join(dir, 'parley.db')) : await openStore(postgresUrl, { schema });
  const config = configFromObject(
    {
      server: { port: 0, host: '127.0.0.1' },
      api_key: 'bench-api-key-0123456789',
      channels: [
        {
          name: 'main',
          provider: 'generic',
          numbers: ['+18005550100'],
          secret: 'bench-secret-0123456789',
          send_url: 'http://127.0.0.1:9/send',
        },
      ],
      log: { level: 'warn' },
    },
    { env: {} },
  );
  const parley = await startParley(config, { log: createLogger('warn'), listen: false, work: false, store });
  const ctx = parley.ctx;
  try {
    const phones = Array.from({ length: recipients }, (_, i) => `+1212${String(5_000_000 + i).padStart(7, '0')}`);
    const now = Date.now();
    const optedOut = phones.filter((_, i) => i % 100 === 7).map((phone) => ({ phone, id: newId('ct', now) }));
    await store.db
      .insertInto('contacts')
      .values(optedOut.map(({ phone, id }) => ({ id, phone, created_at: now, updated_at: now })))
      .execute();
    await store.db
      .insertInto('suppressions')
      .values(optedOut.map(({ phone, id }) => ({ phone, scope: '*', contact_id: id, source: 'api' as const, created_at: now })))
      .execute();
    const broadcast = await store.write((trx) =>
      createBroadcast(trx, ctx, { body: 'Our spring sale starts today. Reply STOP to opt out.', audience: { phones } }),
    );
    const handler = broadcastRunHandler(ctx);
    const job = {
      id: 0,
      kind: 'broadcast.run',
      payload: { broadcastId: broadcast.id },
      attempts: 1,
      maxAttempts: 10,
    } as unknown as Job<'broadcast.run'>;
    const run = () =>
      handler(job, { finish: async (effects) => (effects ? store.write(effects) : undefined), releaseLimitKey: () => {}, log: ctx.log });
    const state = async () =>
      (await store.db.selectFrom('broadcasts').select('state').where('id', '=', broadcast.id).executeTakeFirstOrThrow()).state;
    while ((await state()) !== 'sending') await run();

    // Only the runs are timed and counted, not the bench's own read of the state after each.
    let seconds = 0;
    let counted = 0;
    let runs = 0;
    do {
      const before = statements();
      const started = performance.now();
      await run();
      seconds += (performance.now() - started) / 1000;
      counted += statements() - before;
      runs++;
    } while ((await state()) !== 'completed');
    return {
      database,
      recipients,
      seconds,
      recipientsPerSecond: recipients / seconds,
      statementsPerRecipient: counted / recipients,
      runs,
    };
  } finally {
    await parley.close();
    rmSync(dir, { recursive: true, force: true });
    if (database === 'postgres') {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}
