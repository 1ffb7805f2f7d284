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
import { exited, freePort, postInbound, signedInbound, startParleyProcess, type Running } from '../helpers/parley-process.js';
import { dropSchema, postgresUrl } from '../helpers/stores.js';

// A SIGKILLed instance's work is taken over by the others: three `parley start` processes on one
// PostgreSQL database take a burst of webhooks (each from its own texter) while the provider
// answers slowly, so every instance holds running jobs; one is killed with SIGKILL. Every webhook
// that was acknowledged, by any instance, is answered exactly once, and the test reports how long
// after the kill the killed instance's acknowledged messages were all answered. Queue settings are
// the defaults: that time is what a deployment gets. TAKEOVER_WEBHOOKS sets the burst (default 450).

const total = Number(process.env.TAKEOVER_WEBHOOKS ?? 450);
const secret = 'takeover-test-channel-secret';
const business = '+18005550100';
const webhook = (i: number) => signedInbound(secret, business, i, 'YES', `+1555${String(5_000_000 + i).padStart(7, '0')}`);
const senderOf = (i: number) => JSON.parse(webhook(i).body).from as string;

describe(
  'a SIGKILLed instance among three on PostgreSQL',
  { skip: postgresUrl ? false : 'no PostgreSQL server (set PARLEY_TEST_DATABASE_URL)' },
  () => {
    let dir: string;
    let provider: FakeProvider;
    let schema: string;
    let store: Store;
    const instances: Running[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'parley-takeover-'));
      provider = await new FakeProvider().start();
      // Slow sends keep jobs running in every instance, so the killed one dies holding some.
      provider.delayMs = 150;
      schema = `t_takeover_${process.pid}_${Date.now()}`;
      store = await openStore(postgresUrl, { schema });
    });
    after(async () => {
      for (const instance of instances) instance.child.kill('SIGKILL');
      await Promise.all(instances.map((instance) => exited(instance.child)));
      await dropSchema(store.db, schema);
      await store.close();
      await provider.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`answers every acknowledged webhook once, the killed instance's too (${total} webhooks)`, { timeout: 240_000 }, async (t) => {
      const config = join(dir, 'parley.yaml');
      writeFileSync(
        config,
        JSON.stringify({
          api_key: 'takeover-test-api-key-0123456',
          channels: [{ name: 'main', provider: 'generic', numbers: [business], secret, send_url: provider.url }],
          // A webhook acknowledged from an instance's local spool (its commit slower than spool.after
          // on a loaded machine) waits in that instance's disk until it restarts (crash.test.ts covers
          // that); here every acknowledgment is a commit, so the survivors can answer it.
          spool: { dir: join(dir, 'spool'), after: '60s' },
          log: { level: 'warn' },
        }),
      );
      const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        instances.push(
          await startParleyProcess(
            { ...process.env, PORT: String(port), DATABASE_URL: url, PARLEY_CONFIG: config, PARLEY_API_KEY: '' },
            port,
          ),
        );
      }
      const victim = instances[1]!;
      const alive = new Set(instances);
      const agent = new Agent({ connections: 32 });
      const ackedBy = new Map<number, Running>();
      let next = 0;
      let killedAt = 0;
      let heldAtKill = 0;
      let releasedMs: Promise<number> = Promise.resolve(NaN);
      // How long after the kill nothing is leased to the victim any more: its jobs are others' to run.
      const waitUntilReleased = async (pid: number) => {
        for (;;) {
          const held = await store.db
            .selectFrom('jobs')
            .select(sql<number | string>`count(*)`.as('n'))
            .where('state', '=', 'running')
            .where('locked_by', 'like', `%:${pid}:%`)
            .executeTakeFirstOrThrow();
          if (Number(held.n) === 0) return Date.now() - killedAt;
          await new Promise((r) => setTimeout(r, 50));
        }
      };

      // Webhooks go round the instances; one the victim dropped (its connection died) goes to a
      // survivor, as a provider's retry would.
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          while (next < total) {
            const i = next++;
            for (let attempt = 0; ; attempt++) {
              const target = [...alive][(i + attempt) % alive.size]!;
              const status = await postInbound(target.base, agent, webhook(i));
              if (status === 200) {
                ackedBy.set(i, target);
                break;
              }
              assert.ok(status === null || status === 503, `webhook ${i} answered ${status}`);
              assert.ok(attempt < 10, `webhook ${i} was refused everywhere`);
            }
            if (killedAt === 0 && ackedBy.size >= total / 3) {
              alive.delete(victim);
              victim.child.kill('SIGKILL');
              killedAt = Date.now();
              // What it held when it died: its worker id carries its pid.
              const held = await store.db
                .selectFrom('jobs')
                .select(sql<number | string>`count(*)`.as('n'))
                .where('state', '=', 'running')
                .where('locked_by', 'like', `%:${victim.child.pid}:%`)
                .executeTakeFirstOrThrow();
              heldAtKill = Number(held.n);
              releasedMs = waitUntilReleased(victim.child.pid!);
            }
          }
        }),
      );
      assert.ok(killedAt > 0, 'the victim was killed mid-burst');
      assert.ok(heldAtKill > 0, 'the victim died holding running jobs');

      // When each texter first got an answer at the provider.
      const answeredAt = new Map<string, number>();
      let seen = 0;
      const noteReplies = () => {
        for (; seen < provider.sends.length; seen++)
          if (!answeredAt.has(provider.sends[seen]!.to)) answeredAt.set(provider.sends[seen]!.to, provider.acceptedAt[seen]!);
      };
      const victimAcked = [...ackedBy].filter(([, by]) => by === victim).map(([i]) => senderOf(i));
      const everyAcked = [...ackedBy.keys()].map(senderOf);
      assert.ok(victimAcked.length > 0, 'the victim acknowledged webhooks before it died');
      for (const deadline = Date.now() + 120_000; ;) {
        noteReplies();
        if (everyAcked.every((from) => answeredAt.has(from))) break;
        if (Date.now() > deadline) {
          const unanswered = [...ackedBy].filter(([i]) => !answeredAt.has(senderOf(i)));
          const stored = await store.db
            .selectFrom('messages')
            .select(['provider_message_id', 'processed_at'])
            .where('direction', '=', 'inbound')
            .where(
              'provider_message_id',
              'in',
              unanswered.map(([i]) => webhook(i).id),
            )
            .execute();
          assert.fail(
            `${unanswered.length} acknowledged webhooks unanswered (${unanswered.filter(([, by]) => by === victim).length} by the killed instance); ` +
              `${stored.length} of them stored, ${stored.filter((m) => m.processed_at !== null).length} routed`,
          );
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      const victimAnsweredMs = Math.max(...victimAcked.map((from) => answeredAt.get(from)! - killedAt));

      // Then the queue empties, and the database shows each webhook stored, routed and answered once.
      for (const deadline = Date.now() + 60_000; ;) {
        const left = await store.db
          .selectFrom('jobs')
          .select(sql<number | string>`count(*)`.as('n'))
          .executeTakeFirstOrThrow();
        if (Number(left.n) === 0) break;
        assert.ok(Date.now() < deadline, `${left.n} jobs still queued`);
        await new Promise((r) => setTimeout(r, 200));
      }
      await assertEachAnsweredOnce(store, total);
      // A send cut short by the kill may reach the provider again, under the same Parley id.
      assert.equal(new Set(provider.sends.map((s) => s.id)).size, total, 'one Parley id per reply at the provider');

      const figures =
        `${victimAcked.length} of ${ackedBy.size} acknowledged webhooks were the killed instance's, ${heldAtKill} jobs running there at the kill; ` +
        `its jobs back in the queue ${((await releasedMs) / 1000).toFixed(1)} s and its acknowledged webhooks all answered ${(victimAnsweredMs / 1000).toFixed(1)} s after the SIGKILL; ` +
        `${provider.sends.length - total} texts reached the provider twice`;
      console.log(figures);
      t.diagnostic(figures);
      await agent.close();
    });
  },
);
