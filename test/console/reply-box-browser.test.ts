import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { addSavedReply } from '../../src/console/saved-replies.js';
import { addUser } from '../../src/console/users.js';
import type { Store } from '../../src/store/database.js';
import { chromiumMissing as missing, launchChromium } from '../helpers/chromium.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from '../helpers/parley.js';
import { forEachStore } from '../helpers/stores.js';

// The reply box's script (saved replies in place, the segment counter), an opt-out arriving while
// an agent has the conversation open, and the reports pages, in a real browser.

const password = 'correct horse battery';
const xss = '<img src=x onerror="window.owned=1"></script><script>window.owned=2</script>';
const screenshots = process.env.PARLEY_SCREENSHOTS
  ? new URL('../../docs/console/', import.meta.url)
  : pathToFileURL(`${mkdtempSync(join(tmpdir(), 'parley-screens-'))}/`);

describe('reply box and reports in a browser', { skip: missing }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  forEachStore('reply box browser', (stores) => {
    let store: Store;
    let parley: TestParley;
    let provider: FakeProvider;
    let adminId: string;

    before(async () => {
      provider = await new FakeProvider().start();
      store = await stores.open();
      parley = await startTestParley(store, provider.url);
      adminId = (await addUser(store, 'admin@example.com', 'admin', password)).id;
      await addUser(store, 'agent@example.com', 'agent', password);
      await addSavedReply(store, adminId, 'Hours', 'We open at 9.');
      await addSavedReply(store, adminId, 'Careful', xss);
    });
    after(async () => {
      await parley.close();
      await store.close();
      await provider.stop();
    });

    async function needsHuman(from: string, body: string): Promise<string> {
      assert.equal((await parley.webhook('inbound', inbound(from, body))).status, 200);
      return parley.until(async () => {
        const row = await store.db
          .selectFrom('conversations')
          .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
          .select('conversations.id')
          .where('contacts.phone', '=', from)
          .where('conversations.status', '=', 'needs_human')
          .executeTakeFirst();
        return row?.id;
      });
    }

    async function logIn(email: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.on('dialog', (dialog) => {
        throw new Error(`a dialog opened: ${dialog.message()}`);
      });
      await page.goto(`${parley.base}/console/login`);
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', password);
      await Promise.all([page.waitForURL(`${parley.base}/console`), page.click('button[type=submit]')]);
      return page;
    }

    it('inserts a saved reply in place and counts segments as the agent types; an emoji turns it UCS-2', async () => {
      const id = await needsHuman('+15557773001', 'when do you open?');
      const page = await logIn('agent@example.com');
      const path = `${parley.base}/console/conversations/${id}`;
      await page.goto(path);
      const counter = page.locator('#segment-count');
      assert.equal(await counter.textContent(), '0 characters · GSM-7 · 1 segment');
      await page.getByLabel('Saved reply').selectOption({ label: 'Hours' });
      await page.getByRole('button', { name: 'Insert' }).click();
      assert.equal(await page.getByLabel('Reply', { exact: true }).inputValue(), 'We open at 9.');
      assert.equal(page.url(), path, 'filled in place, no reload');
      await counter.filter({ hasText: '13 characters · GSM-7 · 1 segment' }).waitFor({ timeout: 5_000 });
      await page.getByLabel('Reply', { exact: true }).press('End');
      await page.getByLabel('Reply', { exact: true }).pressSequentially(' 😀');
      await counter.filter({ hasText: '15 characters · UCS-2 · 1 segment' }).waitFor({ timeout: 5_000 });
      await page.getByLabel('Reply', { exact: true }).fill('a'.repeat(161));
      await counter.filter({ hasText: '161 characters · GSM-7 · 2 segments' }).waitFor({ timeout: 5_000 });

      await page.getByLabel('Reply', { exact: true }).fill('');
      await page.getByLabel('Saved reply').selectOption({ label: 'Careful' });
      await page.getByRole('button', { name: 'Insert' }).click();
      assert.equal(await page.getByLabel('Reply', { exact: true }).inputValue(), xss, 'a hostile saved reply is text');
      assert.equal(await page.evaluate(() => (globalThis as unknown as { owned?: number }).owned), undefined);
      await page.context().close();
    });

    it('disables the reply box with the reason, live, when the texter sends STOP while it is open', async () => {
      const id = await needsHuman('+15557773002', 'hmm');
      const page = await logIn('agent@example.com');
      await page.goto(`${parley.base}/console/conversations/${id}`);
      const box = page.getByLabel('Reply', { exact: true });
      assert.equal(await box.isDisabled(), false);
      assert.equal((await parley.webhook('inbound', inbound('+15557773002', 'STOP'))).status, 200);
      await page.locator('textarea#body[disabled]').waitFor({ timeout: 10_000 });
      assert.match((await page.locator('#opted-out-reason').textContent()) ?? '', /opted out of messages from/);
      assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
      await page.locator('#consent .opted-out').waitFor({ timeout: 5_000 });
      await page.context().close();
    });

    it('draws the dashboard charts and shows the reports pages; screenshots', { skip: stores.dialect !== 'sqlite' }, async () => {
      mkdirSync(screenshots, { recursive: true });
      const page = await logIn('admin@example.com');
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      await page.goto(`${parley.base}/console/dashboard`);
      await page.locator('#chart-messages .uplot canvas').waitFor({ timeout: 5_000 });
      assert.equal(await page.locator('.chart .uplot').count(), 3);
      assert.deepEqual(errors, [], 'no script error and no CSP violation');
      await page.screenshot({ path: new URL('dashboard-desktop.png', screenshots).pathname, fullPage: true });
      for (const [name, path] of [
        ['replies', '/console/replies'],
        ['consent', '/console/consent'],
        ['saved-replies', '/console/saved-replies'],
      ] as const) {
        await page.goto(`${parley.base}${path}`);
        await page.screenshot({ path: new URL(`${name}-desktop.png`, screenshots).pathname, fullPage: true });
      }
      assert.deepEqual(errors, []);
      await page.context().close();
    });
  });
});
