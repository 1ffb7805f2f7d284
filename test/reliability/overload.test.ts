import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from '../helpers/parley.js';
import { dropSchema, postgresUrl } from '../helpers/stores.js';

// Promise 5, overload never grows memory: with the database unable to keep up (here another
// session holds a lock on the messages table), webhooks are spooled and acknowledged within a
// bounded time instead of waiting in memory; past the spool's size limit they are refused with
// 503 and Retry-After; once the database frees up, everything acknowledged arrives, once.

describe('a locked database [postgres]', { skip: postgresUrl ? false : 'no PostgreSQL server (set PARLEY_TEST_DATABASE_URL)' }, () => {
  let dir: string;
  let schema: string;
  let store: Store;
  let locker: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-overload-'));
    schema = `t_over_${process.pid}_${Date.now()}`;
    store = await openStore(postgresUrl, { schema });
    const { migrateToLatest } = await import('../../src/store/migrate.js');
    await migrateToLatest(store);
    locker = await openStore(postgresUrl, { schema, poolSize: 1 });
    provider = await new FakeProvider().start();
    parley = await startTestParley(store, provider.url, { spool: { dir, after: '300ms', max_in_flight: 8, max_bytes: 40_000 } });
  });
  after(async () => {
    await parley.close();
    await dropSchema(locker.db, schema);
    await locker.close();
    await store.close();
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges within a bounded time from the spool, refuses past its limit, and catches up after', { timeout: 60_000 }, async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = locker.db.transaction().execute(async (trx) => {
      await sql`lock table messages in access exclusive mode`.execute(trx);
      locked();
      await released;
    });
    await isLocked;

    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        const t0 = Date.now();
        const res = await parley.webhook('inbound', inbound(`+1555700${String(1000 + i)}`, `locked ${i}`));
        return {
          status: res.status,
          spooled: res.body.spooled === true,
          ms: Date.now() - t0,
          code: res.body.error?.code as string | undefined,
        };
      }),
    );
    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    assert.equal(
      accepted.length + refused.length,
      120,
      `unexpected answers: ${JSON.stringify(answers.filter((a) => a.status !== 200 && a.status !== 503))}`,
    );
    assert.ok(accepted.length > 0 && accepted.every((a) => a.spooled), 'acknowledged from the spool while the table was locked');
    assert.ok(refused.length > 0, 'the spool limit was reached and webhooks were refused');
    assert.ok(refused.every((a) => a.code === 'unavailable'));
    assert.ok(
      Math.max(...answers.map((a) => a.ms)) < 5_000,
      `answers came within a bounded time (slowest ${Math.max(...answers.map((a) => a.ms))} ms)`,
    );
    assert.ok(Date.now() - started < 10_000);

    release();
    await holding;
    const expected = new Set(answers.map((a, i) => (a.status === 200 ? i : -1)).filter((i) => i >= 0));
    const stored = async () =>
      (await store.db.selectFrom('messages').select('body').where('direction', '=', 'inbound').execute()).map((m) => m.body);
    // A refused webhook whose commit was already waiting may land too: the provider's retry of it
    // is then a duplicate. Every acknowledged one must arrive.
    await parley.until(async () => {
      const bodies = new Set(await stored());
      return [...expected].every((i) => bodies.has(`locked ${i}`));
    }, 30_000);
    await parley.until(async () => !parley.ctx.spool?.pending());
    const bodies = await stored();
    assert.equal(bodies.length, new Set(bodies).size, 'nothing twice');
  });
});
