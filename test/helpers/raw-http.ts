import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach } from 'node:test';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { startTestParley, type TestParley } from './parley.js';

export interface RawAnswer {
  /** Everything the server wrote before closing (or before `waitMs` ran out). */
  text: string;
  status: number | null;
  body: any;
  /** Whether the server closed the connection within `waitMs`. */
  closed: boolean;
  /** From connecting to the close (or to giving up). */
  elapsedMs: number;
}

export interface RawOptions {
  /** The client's own address: 127.0.0.2, 127.0.0.3… are distinct sources on Linux. */
  localAddress?: string;
  /** Gives up waiting for the close after this long. */
  waitMs?: number;
  /** Sent after connecting, one chunk at a time with `trickleMs` between: a slow client. */
  trickle?: string[];
  trickleMs?: number;
}

/** Opens a TCP connection to `url`'s host and port, leaving the caller to write. */
export function openRaw(url: string, localAddress?: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads what the server answers on `socket` until it closes, or `waitMs` passes. */
export function readUntilClosed(socket: Socket, waitMs: number, started = Date.now()): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ text, ...parseResponse(text), closed, elapsedMs: Date.now() - started });
      socket.destroy();
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/** Sends `request` as raw bytes (then `trickle`, slowly) and reads the answer until the server closes. */
export async function rawRequest(url: string, request: string, options: RawOptions = {}): Promise<RawAnswer> {
  const started = Date.now();
  const socket = await openRaw(url, options.localAddress);
  const answer = readUntilClosed(socket, options.waitMs ?? 5_000, started);
  socket.write(request);
  let stopped = false;
  void answer.then(() => (stopped = true));
  void (async () => {
    for (const chunk of options.trickle ?? []) {
      await new Promise((r) => setTimeout(r, options.trickleMs ?? 100));
      if (stopped || socket.destroyed) return;
      socket.write(chunk);
    }
  })();
  return answer;
}

/** The status and JSON body of the first response in `text`. */
export function parseResponse(text: string): { status: number | null; body: any } {
  const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
  const split = text.indexOf('\r\n\r\n');
  let body: unknown = null;
  if (split !== -1) {
    const rest = text.slice(split + 4);
    const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split));
    try {
      body = JSON.parse(length ? rest.slice(0, Number(length[1])) : rest);
    } catch {
      body = rest;
    }
  }
  return { status: status ? Number(status[1]) : null, body };
}

/**
 * A Parley per test, listening on 127.0.0.1 with these `server` settings, on a fresh SQLite file.
 * What raw-socket tests look at happens before any handler or the database, so one store is enough.
 */
export function useParleyForRawTests(server: Record<string, unknown>): { parley: () => TestParley; store: () => Store } {
  let dir: string;
  let counter = 0;
  let store: Store;
  let parley: TestParley;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-raw-http-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    store = await openStore(join(dir, `raw-${++counter}.db`));
    await migrateToLatest(store);
    parley = await startTestParley(
      store,
      'http://127.0.0.1:9/send',
      { server: { port: 0, host: '127.0.0.1', ...server } },
      { work: false },
    );
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });
  return { parley: () => parley, store: () => store };
}

/** Rows a webhook would have left: messages, receipts, unreadable webhooks. */
export async function storedWebhookRows(store: Store): Promise<number> {
  let total = 0;
  for (const table of ['messages', 'webhook_receipts', 'unreadable_webhooks'] as const) {
    const row = await store.db
      .selectFrom(table)
      .select(sql<number | string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    total += Number(row.n);
  }
  return total;
}
