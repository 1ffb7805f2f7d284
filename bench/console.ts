// The console's server time at size: the inbox page over 100,000 conversations (first page, a
// deep page, a number search) and a thread of 2,000 messages, each the median of repeated GETs
// against a real Parley (worker off), beside the median of `GET /healthz` on the same server (the
// floor of a request through Fastify and the client). Part of `npm run bench`; alone:
// `node --import tsx bench/console.ts [postgres://…]`, SQLite in a temporary folder by default.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromObject } from '../src/config.js';
import { addUser } from '../src/console/users.js';
import { startParley } from '../src/server.js';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createLogger } from '../src/logger.js';
import { ConsoleClient } from '../test/helpers/console-client.js';
import { messageRow } from '../test/helpers/message-row.js';

const conversations = 100_000;
const threadLength = 2_000;
const runs = 30;

export interface ConsolePageFigure {
  label: string;
  /** Median server time, ms. */
  ms: number;
  bytes: number;
}

export interface ConsolePagesFigures {
  dialect: string;
  conversations: number;
  runs: number;
  pages: ConsolePageFigure[];
  /** Median of GET /healthz on the same server, ms. */
  baselineMs: number;
}

export async function benchConsolePages(location?: string): Promise<ConsolePagesFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-console-bench-'));
  location ??= join(dir, 'bench.db');
  const schema = location.startsWith('postgres') ? `console_bench_${process.pid}` : undefined;
  const store = await openStore(location, schema ? { schema } : {});
  await migrateToLatest(store);

  const now = Date.now();
  const chunk = 500;
  for (let start = 0; start < conversations; start += chunk) {
    await store.write(async (trx) => {
      const ids = Array.from({ length: Math.min(chunk, conversations - start) }, (_, k) => start + k);
      const pad = (i: number) => String(i).padStart(6, '0');
      await trx
        .insertInto('contacts')
        .values(ids.map((i) => ({ id: `ct_b${pad(i)}`, phone: `+1555${pad(i)}0`, created_at: now, updated_at: now })))
        .execute();
      await trx
        .insertInto('conversations')
        .values(
          ids.map((i) => ({
            id: `conv_b${pad(i)}`,
            contact_id: `ct_b${pad(i)}`,
            channel: 'sim',
            local_number: '+15550100000',
            status: i % 3 === 0 ? ('needs_human' as const) : ('open' as const),
            last_message_at: now - i * 1000,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      await trx
        .insertInto('messages')
        .values(
          ids.map((i) =>
            messageRow({
              id: `msg_b${pad(i)}`,
              conversation_id: `conv_b${pad(i)}`,
              direction: 'inbound' as const,
              channel: 'sim',
              from_number: `+1555${pad(i)}0`,
              to_number: '+15550100000',
              body: `Message number ${i}: can we move it?`,
              provider_message_id: `p-b${pad(i)}`,
              status: 'received',
              processed_at: now,
              created_at: now - i * 1000,
              updated_at: now,
            }),
          ),
        )
        .execute();
    });
  }
  await store.write(async (trx) => {
    for (let start = 0; start < threadLength; start += chunk) {
      await trx
        .insertInto('messages')
        .values(
          Array.from({ length: chunk }, (_, k) => start + k).map((i) =>
            messageRow({
              id: `msg_t${String(i).padStart(6, '0')}`,
              conversation_id: 'conv_b000000',
              direction: i % 2 ? ('outbound' as const) : ('inbound' as const),
              channel: 'sim',
              from_number: '+15550000000',
              to_number: '+15550100000',
              body: `Thread message ${i} <b>with markup</b> & more`,
              provider_message_id: `p-t${i}`,
              status: i % 2 ? 'delivered' : 'received',
              processed_at: now,
              created_at: now - 10_000_000 + i,
              updated_at: now,
            }),
          ),
        )
        .execute();
    }
  });
  await addUser(store, 'bench@example.com', 'agent', 'bench password 123');

  const config = configFromObject(
    { server: { port: 0, host: '127.0.0.1' }, api_key: 'bench-api-key-0123456789', log: { level: 'silent' } },
    { env: {} },
  );
  const parley = await startParley(config, { log: createLogger('silent'), listen: true, store, work: false });
  const client = new ConsoleClient(parley.url!);
  await client.login('bench@example.com', 'bench password 123');

  async function median(path: string): Promise<{ ms: number; bytes: number }> {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const page = await client.get(path);
      times.push(performance.now() - started);
      if (page.status !== 200) throw new Error(`${path}: ${page.status}`);
      bytes = page.text.length;
    }
    times.sort((a, b) => a - b);
    return { ms: Number(times[Math.floor(runs / 2)]!.toFixed(1)), bytes };
  }

  const deep = `/console?filter=all&after=${now - 90_000 * 1000}.conv_b090000`;
  const pages: ConsolePageFigure[] = [];
  for (const [label, path] of [
    ['inbox, needs a human, first page', '/console'],
    ['inbox, all, first page', '/console?filter=all'],
    ['inbox, all, page at 90,000', deep],
    ['inbox, search by number', '/console?filter=all&q=5550424240'],
    ['inbox, search by text', '/console?filter=all&q=number%2042424%3A'],
    [`thread of ${threadLength.toLocaleString('en-US')}, latest page`, '/console/conversations/conv_b000000'],
    [
      `thread of ${threadLength.toLocaleString('en-US')}, its oldest page`,
      `/console/conversations/conv_b000000?before=${now - 10_000_000 + 200}.msg_t000200`,
    ],
  ] as const) {
    pages.push({ label, ...(await median(path)) });
  }
  const baseline = await median('/healthz');

  await parley.close();
  if (schema) {
    const { sql } = await import('kysely');
    await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { dialect: store.dialect, conversations, runs, pages, baselineMs: baseline.ms };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchConsolePages(process.argv[2]);
  console.log(
    `Console pages, ${result.dialect}, ${result.conversations.toLocaleString('en-US')} conversations, median of ${result.runs} GETs (ms, response bytes)`,
  );
  for (const { label, ms, bytes } of result.pages)
    console.log(`  ${label.padEnd(36)} ${String(ms).padStart(7)} ms  ${bytes.toLocaleString('en-US')} B`);
  console.log(`  ${'baseline: GET /healthz'.padEnd(36)} ${String(result.baselineMs).padStart(7)} ms`);
}
