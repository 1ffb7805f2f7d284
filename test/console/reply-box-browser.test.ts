import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { addSavedReply } from '../../src/console/saved-replies.js';
import { chromiumForSuite, chromiumMissing } from '../helpers/chromium.js';
import { consoleRig, desktop, loggedInPage, screenshotPath } from '../helpers/console.js';
import { inbound } from '../helpers/parley.js';
import { forEachStore } from '../helpers/stores.js';

// The reply box's script (saved replies in place, the segment counter), an opt-out arriving while
// an agent has the conversation open, and the reports pages, in a real browser.

const xss = '<img src=x onerror="window.owned=1"></script><script>window.owned=2</script>';

describe('reply box and reports in a browser', { skip: chromiumMissing }, () => {
  const chromium = chromiumForSuite();

  forEachStore('reply box browser', (stores) => {
    const rig = consoleRig(stores, { per: 'all' });

    before(async () => {
      await addSavedReply(rig.store, rig.adminId, 'Hours', 'We open at 9.');
      await addSavedReply(rig.store, rig.adminId, 'Careful', xss);
    });

    const needsHuman = async (from: string, body: string) => (await rig.needsHuman(from, body)).id;
    const logIn = (email: string, viewport = desktop) => loggedInPage(chromium.browser, rig.parley.base, email, viewport);

    it('inserts a saved reply in place and counts segments as the agent types; an emoji turns it UCS-2', async () => {
      const id = await needsHuman('+15557773001', 'when do you open?');
      const page = await logIn('agent@example.com');
      const path = `${rig.parley.base}/console/conversations/${id}`;
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

    it('disables the reply box with the reason, live, when the texter sends STOP while it is open, and enables it again on START', async () => {
      const id = await needsHuman('+15557773002', 'hmm');
      const page = await logIn('agent@example.com');
      await page.goto(`${rig.parley.base}/console/conversations/${id}`);
      const box = page.getByLabel('Reply', { exact: true });
      assert.equal(await box.isDisabled(), false);
      assert.equal((await rig.parley.webhook('inbound', inbound('+15557773002', 'STOP'))).status, 200);
      await page.locator('textarea#body[disabled]').waitFor({ timeout: 10_000 });
      assert.match((await page.locator('#opted-out-reason').textContent()) ?? '', /opted out of messages from/);
      assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
      await page.locator('#consent .opted-out').waitFor({ timeout: 5_000 });

      // START brings a fresh, enabled box in live: the counter and the saved-reply picker work on it.
      assert.equal((await rig.parley.webhook('inbound', inbound('+15557773002', 'START'))).status, 200);
      await page.locator('textarea#body:not([disabled])').waitFor({ timeout: 10_000 });
      await box.pressSequentially('Hi 😀');
      await page.locator('#segment-count').filter({ hasText: '4 characters · UCS-2 · 1 segment' }).waitFor({ timeout: 5_000 });
      await box.fill('');
      await page.getByLabel('Saved reply').selectOption({ label: 'Hours' });
      await page.getByRole('button', { name: 'Insert' }).click();
      assert.equal(await box.inputValue(), 'We open at 9.');
      await page.locator('#segment-count').filter({ hasText: '13 characters · GSM-7 · 1 segment' }).waitFor({ timeout: 5_000 });
      await page.context().close();
    });

    it("shows the dashboard charts' times in UTC, as its tables, in a browser far from UTC", async () => {
      const page = await loggedInPage(chromium.browser, rig.parley.base, 'admin@example.com', desktop, {
        timezoneId: 'Pacific/Kiritimati',
      });
      assert.equal(await page.evaluate(() => new Date().getTimezoneOffset()), -14 * 60, 'the browser is at UTC+14');
      await page.goto(`${rig.parley.base}/console/dashboard`);
      const chart = page.locator('#chart-messages');
      await chart.locator('.uplot canvas').waitFor({ timeout: 5_000 });
      assert.equal(await page.getByRole('heading', { name: 'Messages per hour (UTC)' }).count(), 1);
      // The cursor on the newest hour: the legend names it as the table's first row does.
      const over = (await chart.locator('.u-over').boundingBox())!;
      await page.mouse.move(over.x + over.width - 1, over.y + over.height / 2);
      const legend = chart.locator('.u-legend .u-series').first().locator('.u-value');
      await legend.filter({ hasText: /UTC$/ }).waitFor({ timeout: 5_000 });
      const newest = (await page.locator('table.dashboard-buckets tbody tr:first-child td:first-child').textContent())!;
      assert.equal((await legend.textContent())!.slice(11, 16), newest);
      await page.context().close();
    });

    it('draws the dashboard charts and shows the reports pages; screenshots', { skip: stores.dialect !== 'sqlite' }, async () => {
      const page = await logIn('admin@example.com');
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      await page.goto(`${rig.parley.base}/console/dashboard`);
      await page.locator('#chart-messages .uplot canvas').waitFor({ timeout: 5_000 });
      assert.equal(await page.locator('.chart .uplot').count(), 3);
      assert.deepEqual(errors, [], 'no script error and no CSP violation');
      await page.screenshot({ path: screenshotPath('dashboard-desktop.png'), fullPage: true });
      for (const [name, path] of [
        ['replies', '/console/replies'],
        ['consent', '/console/consent'],
        ['saved-replies', '/console/saved-replies'],
      ] as const) {
        await page.goto(`${rig.parley.base}${path}`);
        await page.screenshot({ path: screenshotPath(`${name}-desktop.png`), fullPage: true });
      }
      assert.deepEqual(errors, []);
      await page.context().close();
    });
  });
});
