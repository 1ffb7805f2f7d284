// The time from an inbound webhook's 2xx to its text on the screen of an agent who has the
// conversation open in Chromium (the live stream's path: the database poll, the event, the page's
// fetch of the changed part). Baseline: the same page's fetch of that part alone, in the same
// browser. Null where Chromium is missing (test/helpers/chromium.ts says why).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser } from '../src/console/users.js';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { chromiumMissing, launchChromium } from '../test/helpers/chromium.js';
import { consolePassword, loggedInPage } from '../test/helpers/console.js';
import { FakeProvider } from '../test/helpers/fake-provider.js';
import { inbound, startTestParley } from '../test/helpers/parley.js';

export interface ConsoleLiveFigures {
  samples: number;
  p50: number;
  p95: number;
  max: number;
  /** The page's fetch of the changed part alone, median. */
  baselineFetch: number;
}

const samples = 20;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

export async function benchConsoleLive(): Promise<ConsoleLiveFigures | null> {
  if (chromiumMissing) return null;
  const dir = mkdtempSync(join(tmpdir(), 'parley-console-live-'));
  const store = await openStore(join(dir, 'live.db'));
  await migrateToLatest(store);
  const provider = await new FakeProvider().start();
  const parley = await startTestParley(store, provider.url);
  const browser = await launchChromium();
  try {
    await addUser(store, 'agent@example.com', 'agent', consolePassword);
    const phone = '+15557779001';
    await parley.webhook('inbound', inbound(phone, 'Actually can we do 4pm?'));
    const conversation = await parley.until(() =>
      store.db
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
        .select('conversations.id')
        .where('contacts.phone', '=', phone)
        .where('conversations.status', '=', 'needs_human')
        .executeTakeFirst(),
    );
    const page = await loggedInPage(browser, parley.base, 'agent@example.com');
    await page.goto(`${parley.base}/console/conversations/${conversation.id}`);

    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      // A random pause, so the webhooks fall anywhere in the stream's poll interval.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 600));
      const body = `Live check ${i}`;
      const answer = await parley.webhook('inbound', inbound(phone, body));
      const acked = performance.now();
      if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}`);
      // Looked for every 10 ms: a locator's wait polls ever more slowly (up to 500 ms apart).
      await page.waitForFunction(
        (text) => {
          const { document } = globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } };
          return document.querySelector('ol.thread')?.textContent.includes(text) ?? false;
        },
        body,
        { polling: 10, timeout: 10_000 },
      );
      times.push(performance.now() - acked);
    }
    const fetches: number[] = [];
    for (let i = 0; i < samples; i++) {
      fetches.push(
        await page.evaluate(async (path) => {
          const started = performance.now();
          await (await fetch(path, { credentials: 'same-origin' })).text();
          return performance.now() - started;
        }, `/console/conversations/${conversation.id}`),
      );
    }
    times.sort((a, b) => a - b);
    fetches.sort((a, b) => a - b);
    const round = (n: number) => Number(n.toFixed(1));
    return {
      samples,
      p50: round(quantile(times, 0.5)),
      p95: round(quantile(times, 0.95)),
      max: round(times.at(-1)!),
      baselineFetch: round(quantile(fetches, 0.5)),
    };
  } finally {
    await browser.close();
    await parley.close();
    await store.close();
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
