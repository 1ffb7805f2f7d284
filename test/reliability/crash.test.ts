import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Agent } from 'undici';
import { openStore, type Store } from '../../src/store/database.js';
import { assertEachAnsweredOnce } from '../helpers/answered-once.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { exited, freePort, postInbound, signedInbound, startParleyProcess } from '../helpers/parley-process.js';
import { dropSchema, postgresUrl } from '../helpers/stores.js';

// Promise 1, "a 2xx means stored": thousands of distinct signed inbound webhooks fired
// concurrently at a real `parley start`, killed with SIGKILL in the middle. After a restart every
// webhook that got a 2xx is in the database exactly once and was answered exactly once, and the
// ones that got no answer can be sent again safely. CRASH_WEBHOOKS sets the count (default 1,500;
// `npm run test:reliability` uses more). It reports how long after the kill the last acknowledged
// webhook was answered (its reply reached the provider), and how many texts reached the provider twice.

const total = Number(process.env.CRASH_WEBHOOKS ?? 1_500);
const secret = 'crash-test-channel-secret-0123';
const business = '+18005550100';
const webhook = (i: number) => signedInbound(secret, business, i);
const post = (base: string, agent: Agent, i: number) => postInbound(base, agent, webhook(i));

const targets: Array<{
  name: string;
  skip: string | false;
  database: (dir: string) => Promise<{ url: string; open: () => Promise<Store>; drop: () => Promise<void> }>;
}> = [
  {
    name: 'sqlite',
    skip: false,
    database: async (dir) => {
      const url = join(dir, 'parley.db');
      return { url, open: () => openStore(url), drop: async () => {} };
    },
  },
  {
    name: 'postgres',
    skip: postgresUrl ? false : 'no PostgreSQL server (set PARLEY_TEST_DATABASE_URL)',
    database: async () => {
      const schema = `t_crash_${process.pid}_${Date.now()}`;
      const admin = await openStore(postgresUrl, { schema });
      await admin.close();
      const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      return {
        url,
        open: () => openStore(postgresUrl, { schema }),
        drop: async () => {
          const store = await openStore(postgresUrl);
          await dropSchema(store.db, schema);
          await store.close();
        },
      };
    },
  },
];

for (const target of targets) {
  describe(`SIGKILL during a burst of webhooks [${target.name}]`, { skip: target.skip }, () => {
    let dir: string;
    let provider: FakeProvider;
    let db: { url: string; open: () => Promise<Store>; drop: () => Promise<void> };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'parley-crash-'));
      provider = await new FakeProvider().start();
      db = await target.database(dir);
    });
    after(async () => {
      await provider.stop();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`every acknowledged webhook is stored and answered exactly once (${total} webhooks)`, { timeout: 240_000 }, async (t) => {
      const config = join(dir, 'parley.yaml');
      writeFileSync(
        config,
        JSON.stringify({
          api_key: 'crash-test-api-key-0123456789',
          channels: [{ name: 'main', provider: 'generic', numbers: [business], secret, send_url: provider.url }],
          // The lease and its heartbeat keep their defaults: how soon a dead process's jobs run again is measured here.
          queue: { poll_interval: '50ms', retry_base: '50ms', retry_max: '500ms' },
          log: { level: 'warn' },
        }),
      );
      const port = await freePort();
      const env = { ...process.env, PORT: String(port), DATABASE_URL: db.url, PARLEY_CONFIG: config, PARLEY_API_KEY: '' };
      const agent = new Agent({ connections: 64 });

      // The burst, and the kill once about a third has been acknowledged.
      let parley = await startParleyProcess(env, port);
      const acked = new Set<number>();
      let next = 0;
      let killed = false;
      let killedAt = 0;
      await Promise.all(
        Array.from({ length: 48 }, async () => {
          while (next < total) {
            const i = next++;
            const status = await post(parley.base, agent, i);
            if (status === 200) acked.add(i);
            else assert.ok(status === null || status === 503, `webhook ${i} answered ${status}`);
            if (!killed && acked.size >= total / 3) {
              killed = true;
              killedAt = Date.now();
              parley.child.kill('SIGKILL');
            }
          }
        }),
      );
      assert.ok(killed, 'the process was killed mid-burst');
      await exited(parley.child);
      const unanswered = Array.from({ length: total }, (_, i) => i).filter((i) => !acked.has(i));
      assert.ok(unanswered.length > 0, 'some webhooks got no answer: the kill came mid-burst');

      // From the kill on, when each acknowledged webhook's sender first gets its reply.
      const answeredAt = new Map<string, number>();
      let seen = 0;
      const noteReplies = () => {
        for (; seen < provider.sends.length; seen++)
          if (!answeredAt.has(provider.sends[seen]!.to)) answeredAt.set(provider.sends[seen]!.to, Date.now());
      };
      noteReplies();
      const senders = [...acked].map((i) => JSON.parse(webhook(i).body).from as string);
      const allAnswered = (async () => {
        for (;;) {
          noteReplies();
          if (senders.every((from) => answeredAt.has(from))) return Math.max(0, ...senders.map((from) => answeredAt.get(from)! - killedAt));
          if (Date.now() - killedAt > 180_000) return Infinity;
          await new Promise((r) => setTimeout(r, 25));
        }
      })();

      // Restart on the same database; everything acknowledged must be there.
      parley = await startParleyProcess(env, port);
      const readyMs = Date.now() - killedAt;
      const store = await db.open();
      try {
        // A webhook acknowledged from the local spool (PostgreSQL slow to commit on a loaded machine)
        // reaches the database when the restarted process drains the spool, shortly after it is ready.
        const missing = async () => {
          const ids = new Set(
            (await store.db.selectFrom('messages').select('provider_message_id').where('direction', '=', 'inbound').execute()).map(
              (r) => r.provider_message_id,
            ),
          );
          return [...acked].filter((i) => !ids.has(webhook(i).id));
        };
        let lost = await missing();
        for (const deadline = Date.now() + 30_000; lost.length > 0 && Date.now() < deadline; lost = await missing())
          await new Promise((r) => setTimeout(r, 250));
        assert.deepEqual(lost, [], 'acknowledged webhooks missing after the crash');

        // The provider retries what got no answer; that is safe, and so is retrying everything.
        for (const i of [...unanswered, ...[...acked].slice(0, 200)]) assert.equal(await post(parley.base, agent, i), 200);

        const settled = async () => {
          const deadline = Date.now() + 120_000;
          for (;;) {
            const left = await store.db
              .selectFrom('jobs')
              .select(sql<number | string>`count(*)`.as('n'))
              .executeTakeFirstOrThrow();
            if (Number(left.n) === 0) return;
            if (Date.now() > deadline) throw new Error(`${left.n} jobs still queued`);
            await new Promise((r) => setTimeout(r, 200));
          }
        };
        await settled();

        const inbound = await assertEachAnsweredOnce(store, total);
        assert.equal(new Set(inbound.map((m) => m.provider_message_id)).size, total);
        // A send interrupted by the kill may reach the provider twice; it carries the same Parley id both times.
        assert.equal(new Set(provider.sends.map((s) => s.id)).size, total);
        const answerMs = await allAnswered;
        const duplicates = provider.sends.length - total;
        const figures = `${target.name}: ${acked.size} acknowledged before the SIGKILL; ready again ${(readyMs / 1000).toFixed(1)} s after the kill, the last answered after ${(answerMs / 1000).toFixed(1)} s; ${duplicates} texts reached the provider twice`;
        console.log(figures);
        t.diagnostic(figures);
      } finally {
        await store.close();
        parley.child.kill('SIGTERM');
        await agent.close();
      }
    });
  });
}
