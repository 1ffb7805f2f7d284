import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type Browser } from 'playwright-core';

// The console in a real browser: Debian's Chromium driven by playwright-core (no downloaded
// browser). Browser tests are skipped, saying why, where Chromium is missing; under CI a missing
// one fails instead.

const chromiumPath = '/usr/bin/chromium';
const ci = process.env.CI === 'true' || process.env.CI === '1';

/** Why browser tests cannot run here (a `skip` reason), or false when they can. */
export const chromiumMissing: string | false = existsSync(chromiumPath)
  ? false
  : `no Chromium at ${chromiumPath} (apt-get install chromium)`;
if (chromiumMissing && ci) throw new Error(`browser tests need Chromium under CI: ${chromiumMissing}`);

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Launches Chromium before the enclosing suite's tests and closes it after them. */
export function chromiumForSuite(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('Chromium is used outside a test');
      return browser;
    },
  };
}
