import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Agent } from 'undici';
import { openStore } from '../../src/store/database.js';
import { assertAnsweredOnce } from '../helpers/answered-once.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { freePort, postInbound, signedInbound, startParleyProcess } from '../helpers/parley-process.js';

// Promise 3, clean shutdown: SIGTERM in the middle of a burst, with sends in flight to a slow
// provider. Parley stops taking requests, lets the running requests and jobs finish (or gives
// their leases back), and exits promptly with code 0; nothing it acknowledged is lost, nothing is
// left leased, and a restart finishes the rest.

const secret = 'shutdown-test-channel-secret-01';
const business = '+18005550100';

describe('SIGTERM mid-burst [sqlite]', () => {
  let dir: string;
  let provider: FakeProvider;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-shutdown-'));
    provider = await new FakeProvider().start();
  });
  after(async () => {
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes what is running, exits within the grace period, and loses nothing', { timeout: 120_000 }, async () => {
    const total = 400;
    // Every send takes 800 ms: sends are surely in flight when the signal comes.
    for (let i = 0; i < total; i++) provider.script.push({ status: 200, delayMs: 800 });
    const database = join(dir, 'parley.db');
    const config = join(dir, 'parley.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        api_key: 'shutdown-test-api-key-01234567',
        channels: [{ name: 'main', provider: 'generic', numbers: [business], secret, send_url: provider.url }],
        queue: { poll_interval: '50ms', retry_base: '50ms', retry_max: '500ms' },
        log: { level: 'warn' },
      }),
    );
    const port = await freePort();
    const env = { ...process.env, PORT: String(port), DATABASE_URL: database, PARLEY_CONFIG: config, PARLEY_API_KEY: '' };
    const agent = new Agent({ connections: 32 });

    let parley = await startParleyProcess(env, port);
    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      parley.child.once('exit', (code) => resolve({ code, at: Date.now() })),
    );
    const acked = new Set<number>();
    let next = 0;
    let signalledAt = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const i = next++;
          const status = await postInbound(parley.base, agent, signedInbound(secret, business, i));
          if (status === 200) acked.add(i);
          else assert.ok(status === null || status === 503, `webhook ${i} answered ${status} during shutdown`);
          if (signalledAt === 0 && acked.size >= total / 2) {
            signalledAt = Date.now();
            parley.child.kill('SIGTERM');
          }
        }
      }),
    );
    const { code, at } = await exited;
    assert.equal(code, 0, 'a clean exit');
    assert.ok(at - signalledAt < 12_000, `exited ${at - signalledAt} ms after SIGTERM (grace: 10 s)`);

    const store = await openStore(database);
    try {
      const running = await store.db
        .selectFrom('jobs')
        .select(sql<number | string>`count(*)`.as('n'))
        .where('state', '=', 'running')
        .executeTakeFirstOrThrow();
      assert.equal(Number(running.n), 0, 'no job is left leased: each finished or was given back');
      const ids = new Set(
        (await store.db.selectFrom('messages').select('provider_message_id').where('direction', '=', 'inbound').execute()).map(
          (r) => r.provider_message_id,
        ),
      );
      assert.deepEqual(
        [...acked].filter((i) => !ids.has(signedInbound(secret, business, i).id)),
        [],
        'every acknowledged webhook is stored',
      );
      const sendsDuringShutdown = provider.sends.length;
      assert.ok(sendsDuringShutdown > 0, 'sends in flight at the signal were finished');

      parley = await startParleyProcess(env, port);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const left = await store.db
          .selectFrom('jobs')
          .select(sql<number | string>`count(*)`.as('n'))
          .executeTakeFirstOrThrow();
        if (Number(left.n) === 0) break;
        assert.ok(Date.now() < deadline, `${left.n} jobs left after the restart`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await assertAnsweredOnce(store, ids.size);
    } finally {
      await store.close();
      parley.child.kill('SIGTERM');
      await agent.close();
    }
  });
});
