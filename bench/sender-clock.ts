// `node --import tsx bench/sender-clock.ts [postgres://…]`: what one bulk slot reservation costs with
// the channel's clock and the number's (channel_rate_limit and rate_limit) against the number's
// alone, on the same database in the same run. Two numbers of one channel take turns; `concurrency`
// reservations are in flight at once (several connections on PostgreSQL: the channel's row is the
// one they queue on). SQLite in a temporary folder when no URL is given.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { SenderRate } from '../src/core/sender-rate.js';
import { reserveSenderSlot } from '../src/outbound/sender-clock.js';
import { openStore, type Store } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';

const reservations = Number(process.env.BENCH_RESERVATIONS ?? 2_000);
const numbers = ['+18005550100', '+18005550101'];

async function perReservationMs(store: Store, rate: SenderRate, concurrency: number): Promise<number> {
  const channel = `bench_${Math.random().toString(36).slice(2, 8)}`;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < reservations; i = next++) await reserveSenderSlot(store, { channel, number: numbers[i % 2]!, rate });
    }),
  );
  return (performance.now() - started) / reservations;
}

const location = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'parley-clock-bench-'));
const schema = location?.startsWith('postgres') ? `clock_bench_${process.pid}` : undefined;
const store = await openStore(location ?? join(dir, 'bench.db'), schema ? { schema } : {});
await migrateToLatest(store);
try {
  for (const concurrency of [1, 8]) {
    for (let round = 1; round <= 3; round++) {
      const number = await perReservationMs(store, { perNumber: 1_000 }, concurrency);
      const both = await perReservationMs(store, { perNumber: 1_000, perChannel: 1_000 }, concurrency);
      console.log(
        `${schema ? 'postgres' : 'sqlite'} concurrency ${concurrency} round ${round}: number only ${(number * 1000).toFixed(0)} µs, ` +
          `number and channel ${(both * 1000).toFixed(0)} µs per reservation (ratio ${(both / number).toFixed(2)})`,
      );
    }
  }
} finally {
  if (schema) await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
