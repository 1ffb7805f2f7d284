import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Agent, request } from 'undici';
import { openStore } from '../../src/store/database.js';
import { assertAnsweredOnce } from '../helpers/answered-once.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { freePort, postInbound, signedInbound, startParleyProcess, type Running } from '../helpers/parley-process.js';

// Promise 4, the database goes away: a PostgreSQL of the test's own (initdb in a temporary folder,
// its own port; the shared one is untouched) is stopped in the middle of the load. Parley keeps
// acknowledging verified webhooks into its local spool; when the database is back the spool drains
// into it, and every webhook is stored once and answered once.

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const version = readdirSync(root).sort().at(-1);
  const bin = version ? join(root, version, 'bin') : null;
  return bin && existsSync(join(bin, 'initdb')) ? bin : null;
}

const bin = postgresBin();
const asRoot = process.getuid?.() === 0;
// initdb refuses to run as root: as root, the cluster is run as the postgres user.
const runAs = (command: string, args: string[]) =>
  asRoot
    ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin!, command), ...args], { stdio: 'pipe' })
    : execFileSync(join(bin!, command), args, { stdio: 'pipe' });

const secret = 'outage-test-channel-secret-01';
const business = '+18005550100';

describe(
  'PostgreSQL stopped mid-load, then started again',
  { skip: bin ? false : 'no PostgreSQL server binaries (initdb) on this machine' },
  () => {
    let dir: string;
    let port: number;
    let provider: FakeProvider;
    const pg = (action: 'start' | 'stop') =>
      runAs('pg_ctl', [
        '-D',
        join(dir, 'data'),
        '-w',
        '-l',
        join(dir, 'pg.log'),
        ...(action === 'start'
          ? ['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']
          : ['-m', 'fast', 'stop']),
      ]);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'parley-outage-'));
      chmodSync(dir, 0o777);
      port = await freePort();
      runAs('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
      pg('start');
      provider = await new FakeProvider().start();
    });
    after(async () => {
      try {
        pg('stop');
      } catch {
        // already stopped
      }
      await provider.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('acknowledges into the spool while the database is away, and loses and doubles nothing', { timeout: 180_000 }, async () => {
      const config = join(dir, 'parley.yaml');
      writeFileSync(
        config,
        JSON.stringify({
          api_key: 'outage-test-api-key-0123456789',
          channels: [{ name: 'main', provider: 'generic', numbers: [business], secret, send_url: provider.url }],
          // The default lease (60 s) is longer than the test waits after the recovery: jobs that were
          // running when the database went away must be given back by their worker, not by expiry.
          queue: { poll_interval: '50ms', retry_base: '50ms', retry_max: '500ms', max_attempts: 50 },
          spool: { dir: join(dir, 'spool') },
          log: { level: 'error' },
        }),
      );
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const parleyPort = await freePort();
      const parley: Running = await startParleyProcess(
        { ...process.env, PORT: String(parleyPort), DATABASE_URL: url, PARLEY_CONFIG: config, PARLEY_API_KEY: '' },
        parleyPort,
      );
      const agent = new Agent({ connections: 16 });
      const send = async (from: number, to: number) => {
        const answers: Array<{ status: number | null; spooled: boolean }> = [];
        for (let i = from; i < to; i += 10) {
          await Promise.all(
            Array.from({ length: Math.min(10, to - i) }, async (_, k) => {
              const webhook = signedInbound(secret, business, i + k);
              const res = await request(`${parley.base}/hooks/main/inbound`, {
                method: 'POST',
                dispatcher: agent,
                headers: { 'content-type': 'application/json', 'x-signature': webhook.signature },
                body: webhook.body,
              });
              const body = (await res.body.json()) as { spooled?: boolean };
              answers.push({ status: res.statusCode, spooled: body.spooled === true });
            }),
          );
        }
        return answers;
      };

      try {
        const before = await send(0, 100);
        assert.ok(before.every((a) => a.status === 200 && !a.spooled));

        pg('stop');
        const during = await send(100, 200);
        assert.deepEqual([...new Set(during.map((a) => a.status))], [200], 'acknowledged while the database was away');
        assert.ok(
          during.every((a) => a.spooled),
          'kept in the spool',
        );
        const ready = await request(`${parley.base}/readyz`);
        assert.equal(ready.statusCode, 503, 'not ready without its database');
        await ready.body.dump();

        pg('start');
        const afterwards = await send(200, 300);
        assert.ok(afterwards.every((a) => a.status === 200));
        // A provider's retry of a spooled webhook, after the recovery, changes nothing.
        assert.equal(await postInbound(parley.base, agent, signedInbound(secret, business, 150)), 200);

        const store = await openStore(url);
        try {
          const deadline = Date.now() + 30_000;
          for (;;) {
            const routed = await store.db
              .selectFrom('messages')
              .select(sql<number | string>`count(*)`.as('n'))
              .where('direction', '=', 'inbound')
              .where('processed_at', 'is not', null)
              .executeTakeFirstOrThrow();
            const jobs = await store.db
              .selectFrom('jobs')
              .select(sql<number | string>`count(*)`.as('n'))
              .executeTakeFirstOrThrow();
            if (Number(routed.n) === 300 && Number(jobs.n) === 0) break;
            assert.ok(Date.now() < deadline, `${routed.n} of 300 routed, ${jobs.n} jobs left`);
            await new Promise((r) => setTimeout(r, 200));
          }
          const inbound = await store.db.selectFrom('messages').select('provider_message_id').where('direction', '=', 'inbound').execute();
          assert.equal(inbound.length, 300, 'each webhook stored once');
          assert.equal(new Set(inbound.map((m) => m.provider_message_id)).size, 300);
          await assertAnsweredOnce(store, 300);
        } finally {
          await store.close();
        }
      } catch (error) {
        throw new Error(`${(error as Error).message}\nparley's stderr:\n${parley.stderr().slice(-3000)}`, { cause: error });
      } finally {
        parley.child.kill('SIGTERM');
        await agent.close();
      }
    });
  },
);
