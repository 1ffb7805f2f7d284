import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Agent } from 'undici';
import { openStore, type Store } from '../../src/store/database.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { exited, freePort, postInbound, signedInbound, startParleyProcess, type Running } from '../helpers/parley-process.js';
import { dropSchema, postgresUrl } from '../helpers/stores.js';

// Promise 2, many instances share the work: three `parley start` processes on one PostgreSQL
// database, no balancer (requests are spread over them here), a mixed load from many texters, and
// one process killed with SIGKILL mid-run. Every message is routed exactly once, each texter's
// messages in the order they arrived, and the dead process's leased jobs are taken over by the
// survivors (once its heartbeat is silent past queue.takeover, or its leases expire). INSTANCE_TEXTERS sets the size (default 60 texters × 5).

const texters = Number(process.env.INSTANCE_TEXTERS ?? 60);
const perTexter = 5;
const secret = 'instances-test-channel-secret';
const business = '+18005550100';
const replies = ['YES', 'what time is it again?', 'sounds good', 'HELP', 'thanks!'];

describe(
  'three instances on one PostgreSQL database, one killed',
  { skip: postgresUrl ? false : 'no PostgreSQL server (set PARLEY_TEST_DATABASE_URL)' },
  () => {
    let dir: string;
    let provider: FakeProvider;
    let schema: string;
    let store: Store;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'parley-instances-'));
      provider = await new FakeProvider().start();
      schema = `t_inst_${process.pid}_${Date.now()}`;
      store = await openStore(postgresUrl, { schema });
    });
    after(async () => {
      await dropSchema(store.db, schema);
      await store.close();
      await provider.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`routes every message once and in order per texter (${texters} texters × ${perTexter})`, { timeout: 240_000 }, async () => {
      const config = join(dir, 'parley.yaml');
      writeFileSync(
        config,
        JSON.stringify({
          api_key: 'instances-test-api-key-0123456',
          channels: [{ name: 'main', provider: 'generic', numbers: [business], secret, send_url: provider.url }],
          // Short leases, so the dead instance's jobs come back quickly.
          queue: { poll_interval: '50ms', lease: '2s', retry_base: '50ms', retry_max: '500ms' },
          log: { level: 'warn' },
        }),
      );
      const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const instances: Running[] = [];
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        instances.push(
          await startParleyProcess(
            { ...process.env, PORT: String(port), DATABASE_URL: url, PARLEY_CONFIG: config, PARLEY_API_KEY: '' },
            port,
          ),
        );
      }
      const alive = new Set(instances);
      const agent = new Agent({ connections: 16 });
      let sent = 0;
      let killed = false;

      // Each texter sends their messages one after another (as a person does), each to a different
      // instance; texters run side by side.
      await Promise.all(
        Array.from({ length: texters }, async (_, t) => {
          for (let k = 0; k < perTexter; k++) {
            const i = t * perTexter + k;
            const request = signedInbound(secret, business, i, replies[k], `+1555${String(4_000_000 + t).padStart(7, '0')}`);
            for (let attempt = 0; ; attempt++) {
              const target = [...alive][(i + attempt) % alive.size]!;
              const status = await postInbound(target.base, agent, request);
              if (status === 200) break;
              assert.ok(attempt < 5, `message ${i} was refused everywhere (${status})`);
            }
            if (++sent === Math.floor((texters * perTexter) / 3) && !killed) {
              killed = true;
              const victim = instances[1]!;
              alive.delete(victim);
              victim.child.kill('SIGKILL');
            }
          }
        }),
      );
      assert.ok(killed);

      const total = texters * perTexter;
      const deadline = Date.now() + 120_000;
      for (;;) {
        const left = await store.db
          .selectFrom('jobs')
          .select(sql<number | string>`count(*)`.as('n'))
          .executeTakeFirstOrThrow();
        const routed = await store.db
          .selectFrom('messages')
          .select(sql<number | string>`count(*)`.as('n'))
          .where('direction', '=', 'inbound')
          .where('processed_at', 'is not', null)
          .executeTakeFirstOrThrow();
        if (Number(left.n) === 0 && Number(routed.n) === total) break;
        assert.ok(Date.now() < deadline, `still ${left.n} jobs and ${total - Number(routed.n)} unrouted messages`);
        await new Promise((r) => setTimeout(r, 200));
      }

      const inbound = await store.db
        .selectFrom('messages')
        .select(['id', 'from_number', 'provider_message_id', 'processed_at'])
        .where('direction', '=', 'inbound')
        .orderBy('id')
        .execute();
      assert.equal(inbound.length, total, 'each webhook stored once');
      const received = await store.db
        .selectFrom('events')
        .select(['message_id', sql<number | string>`count(*)`.as('n')])
        .where('type', '=', 'message.received')
        .groupBy('message_id')
        .execute();
      assert.equal(received.length, total, 'every message routed');
      assert.deepEqual(
        received.filter((r) => Number(r.n) !== 1),
        [],
        'no message routed twice',
      );

      // In order per texter: routed in the order their webhooks were stored.
      const byTexter = new Map<string, typeof inbound>();
      for (const m of inbound) byTexter.set(m.from_number, [...(byTexter.get(m.from_number) ?? []), m]);
      for (const [texter, messages] of byTexter) {
        const routedOrder = [...messages]
          .sort((a, b) => Number(a.processed_at) - Number(b.processed_at) || (a.id < b.id ? -1 : 1))
          .map((m) => m.id);
        assert.deepEqual(
          routedOrder,
          messages.map((m) => m.id),
          `texter ${texter} routed out of order`,
        );
      }

      for (const instance of alive) instance.child.kill('SIGTERM');
      await Promise.all([...alive].map((instance) => exited(instance.child)));
      await agent.close();
    });
  },
);
