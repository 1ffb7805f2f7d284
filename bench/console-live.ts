// How soon an agent sees a new message: the time from an inbound webhook's 2xx to the text on an
// open console inbox in a real Chromium, against a bare server that answers a POST and pushes the
// text to the same browser over server-sent events at once (the floor: HTTP, SSE, DOM). Each sample
// is a new texter writing something the rules hand to a human ("can we do 4pm?"), so the path is
// the whole one: ingest, routing to the human queue, the console's change poll, the stream, the
// page's fetch and swap. The page records when the text appears (a MutationObserver, the same
// machine's clock).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { request } from 'undici';
import { configFromObject } from '../src/config.js';
import { addUser } from '../src/console/users.js';
import { createLogger } from '../src/logger.js';
import { hmacSha256Hex } from '../src/providers/hmac.js';
import { startParley } from '../src/server.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { FakeProvider } from '../test/helpers/fake-provider.js';
import { genericChannel, genericSecret, inbound } from '../test/helpers/parley.js';

export interface LatencyFigures {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

export interface ConsoleLiveFigures {
  parley: LatencyFigures;
  baseline: LatencyFigures;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const figures = (ms: number[]): LatencyFigures => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)!, samples: ms.length };
};

/** What the page script below uses of the browser's globals (this project compiles without the DOM's types). */
interface Observer {
  observe(target: unknown, options: { childList: boolean; subtree: boolean; characterData: boolean }): void;
  disconnect(): void;
}
interface PageGlobals {
  document: { body: { textContent: string | null } };
  MutationObserver: new (callback: () => void) => Observer;
  seenAt?: number | undefined;
  seenObserver?: Observer;
}

/** Watches the page for `marker`; resolves with the page-clock time it appeared (ms since the epoch). */
async function watchFor(page: Page, marker: string): Promise<() => Promise<number>> {
  await page.evaluate((text) => {
    const w = globalThis as unknown as PageGlobals;
    w.seenAt = undefined;
    w.seenObserver?.disconnect();
    w.seenObserver = new w.MutationObserver(() => {
      if (w.seenAt === undefined && w.document.body.textContent?.includes(text)) w.seenAt = Date.now();
    });
    w.seenObserver.observe(w.document.body, { childList: true, subtree: true, characterData: true });
  }, marker);
  return async () => {
    const handle = await page.waitForFunction(() => (globalThis as unknown as PageGlobals).seenAt, undefined, {
      timeout: 10_000,
      polling: 50,
    });
    return (await handle.jsonValue()) as number;
  };
}

async function measureParley(page: Page, samples: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-console-live-'));
  const provider = await new FakeProvider().start();
  const config = configFromObject(
    {
      server: { port: 0, host: '127.0.0.1' },
      api_key: 'bench-api-key-0123456789',
      channels: [genericChannel(provider.url)],
      database: { url: join(dir, 'parley.db') },
      log: { level: 'silent' },
    },
    { env: {} },
  );
  const parley = await startParley(config, { log: createLogger('silent'), listen: true });
  try {
    await addUser(parley.ctx.store, 'bench@example.com', 'agent', 'bench password 123');
    await page.goto(`${parley.url}/console/login`);
    await page.fill('input[name=email]', 'bench@example.com');
    await page.fill('input[name=password]', 'bench password 123');
    await Promise.all([page.waitForURL(`${parley.url}/console`), page.click('button[type=submit]')]);
    const latencies: number[] = [];
    for (let i = 0; i < samples + 2; i++) {
      // The inbox row shows the texter's number (its preview is the last message, the acknowledgment).
      const phone = `+1555${String(7000000 + i)}`;
      const seen = await watchFor(page, phone);
      // Arrivals at random moments, not in step with the console's change poll.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 600));
      const payload = JSON.stringify(inbound(phone, 'Actually can we do 4pm instead?'));
      const res = await request(`${parley.url}/hooks/main/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': hmacSha256Hex(genericSecret, payload) },
        body: payload,
      });
      await res.body.dump();
      const acked = Date.now();
      if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`);
      const at = await seen();
      // The first two warm the page, the stream and the statements.
      if (i >= 2) latencies.push(at - acked);
    }
    return latencies;
  } finally {
    await parley.close();
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor: a page with an EventSource, and a POST that is answered, then pushed to it. */
async function measureBaseline(page: Page, samples: number): Promise<number[]> {
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': open\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
        for (const stream of streams) stream.write(`data: ${JSON.stringify(Buffer.concat(chunks).toString('utf8'))}\n\n`);
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>baseline</title><ul id="list"></ul><script>
      new EventSource('/events').onmessage = (e) => {
        const li = document.createElement('li');
        li.textContent = JSON.parse(e.data);
        document.getElementById('list').prepend(li);
      };
    </script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await page.goto(base);
    await page.waitForTimeout(200);
    const latencies: number[] = [];
    for (let i = 0; i < samples + 2; i++) {
      const marker = `baseline ${process.pid}-${i}`;
      const seen = await watchFor(page, marker);
      const res = await request(`${base}/post`, { method: 'POST', body: marker });
      await res.body.dump();
      const acked = Date.now();
      const at = await seen();
      if (i >= 2) latencies.push(at - acked);
    }
    return latencies;
  } finally {
    for (const stream of streams) stream.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function benchConsoleLive(samples = 20): Promise<ConsoleLiveFigures> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const baseline = figures(await measureBaseline(page, samples));
    const parley = figures(await measureParley(page, samples));
    return { parley, baseline };
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchConsoleLive(Number(process.env.SAMPLES ?? 20));
  console.log(JSON.stringify(result, null, 2));
}
