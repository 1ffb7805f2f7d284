import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { openStore } from '../../src/store/database.js';
import { chromiumForSuite, chromiumMissing } from '../helpers/chromium.js';
import {
  consolePassword,
  consoleRig,
  desktop,
  loggedInPage,
  logInPage,
  newConsolePage,
  screenshotPath,
  viewports,
} from '../helpers/console.js';
import { inbound, startTestParley } from '../helpers/parley.js';
import { forEachStore, postgresUrl } from '../helpers/stores.js';

// The console in a real browser (test/helpers/chromium.ts): skipped, saying why, without Chromium.

const xss = '<img src=x onerror="window.owned=1"></script><script>window.owned=2</script>';

describe('console in a browser', { skip: chromiumMissing }, () => {
  const chromium = chromiumForSuite();

  forEachStore('console browser', (stores) => {
    const rig = consoleRig(stores, { per: 'all' });
    let conversationId: string;

    before(async () => {
      const { parley, store } = rig;
      // The hostile text comes after Parley's acknowledgment, so it is the inbox's preview too.
      conversationId = (await rig.needsHuman('+15557770101', 'hello')).id;
      await parley.until(async () =>
        store.db.selectFrom('messages').select('id').where('to_number', '=', '+15557770101').executeTakeFirst(),
      );
      assert.equal((await parley.webhook('inbound', inbound('+15557770101', xss))).status, 200);
      await parley.until(async () =>
        store.db.selectFrom('messages').select('id').where('body', '=', xss).where('processed_at', 'is not', null).executeTakeFirst(),
      );
      await rig.needsHuman('+15557770102', 'Actually can we do 4pm?');
    });

    const logIn = (email: string, viewport = desktop) => loggedInPage(chromium.browser, rig.parley.base, email, viewport);

    it('refuses a wrong password without saying which part was wrong, then logs in', async () => {
      const page = await newConsolePage(chromium.browser);
      await page.goto(`${rig.parley.base}/console/login`);
      await page.getByLabel('Email').fill('agent@example.com');
      await page.getByLabel('Password').fill('not my password');
      const [refused] = await Promise.all([page.waitForResponse(`${rig.parley.base}/console/login`), page.click('button[type=submit]')]);
      assert.equal(refused.status(), 401);
      assert.equal(await page.locator('[role=alert]').textContent(), 'Email or password is incorrect.');
      await page.getByLabel('Password').fill(consolePassword);
      await Promise.all([page.waitForURL(`${rig.parley.base}/console`), page.click('button[type=submit]')]);
      assert.match((await page.locator('main').textContent()) ?? '', /\+15557770102/);
      await page.context().close();
    });

    it('shows a hostile body as text and runs nothing', async () => {
      const page = await logIn('agent@example.com');
      assert.match((await page.locator('.conversations').textContent()) ?? '', /<img src=x onerror=/);
      await page.goto(`${rig.parley.base}/console/conversations/${conversationId}`);
      assert.equal(await page.locator('.thread .inbound .body').last().textContent(), xss);
      assert.equal(await page.locator('.thread img').count(), 0);
      assert.equal(await page.evaluate(() => (globalThis as unknown as { owned?: number }).owned), undefined);
      await page.context().close();
    });

    it("an agent's reply reaches the provider and turns delivered on screen without a reload", async () => {
      const page = await logIn('agent@example.com');
      await page.getByText('+15557770102').click();
      await page.waitForURL(/\/console\/conversations\//);
      await page.getByLabel('Reply').fill('Sure, 4pm works.');
      await Promise.all([page.waitForURL(/#msg_/), page.getByRole('button', { name: 'Send' }).click()]);
      await rig.parley.until(async () => rig.provider.sends.find((s) => s.body === 'Sure, 4pm works.'));
      const sent = await rig.parley.until(async () =>
        rig.store.db
          .selectFrom('messages')
          .select(['provider_message_id', 'id'])
          .where('body', '=', 'Sure, 4pm works.')
          .where('status', '=', 'sent')
          .executeTakeFirst(),
      );
      // The page was rendered before the receipt; the live stream brings the change.
      const status = page.locator(`[id="${sent.id}"] .status`);
      await status.filter({ hasText: 'sent' }).waitFor({ timeout: 5_000 });
      const receivedAt = Date.now();
      assert.equal((await rig.parley.webhook('status', { message_id: sent.provider_message_id, status: 'delivered' })).status, 200);
      await status.filter({ hasText: 'delivered' }).waitFor({ timeout: 5_000 });
      console.log(`receipt to screen: ${Date.now() - receivedAt} ms`);
      await page.context().close();
    });

    it('a page whose stream opens late still shows a change that another tab was already told of', async () => {
      const watching = await logIn('agent@example.com');
      await watching.goto(`${rig.parley.base}/console/conversations/${conversationId}`);
      const late = await logIn('agent@example.com');
      // The late tab's stream is held back until the change has come and gone on the other tab.
      let releaseStream = () => {};
      const held = new Promise<void>((resolve) => (releaseStream = resolve));
      await late.route('**/console/stream', async (route) => {
        await held;
        await route.continue();
      });
      await late.goto(`${rig.parley.base}/console/conversations/${conversationId}`);
      const note = `Late tab check ${Date.now()}`;
      await watching.getByLabel('Internal note (never sent)').fill(note);
      await watching.getByRole('button', { name: 'Add note' }).click();
      await watching.getByText(note).first().waitFor({ timeout: 5_000 });
      // Let the watcher's next poll mark the change as told before the late stream subscribes.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      assert.equal(await late.getByText(note).count(), 0);
      releaseStream();
      await late.getByText(note).first().waitFor({ timeout: 5_000 });
      await watching.context().close();
      await late.context().close();
    });

    // On SQLite one process owns the database; several instances share PostgreSQL.
    const oneInstance = stores.dialect === 'sqlite' ? 'SQLite runs one Parley per database' : false;
    it('shows a text taken by another instance sharing PostgreSQL, without a reload', { skip: oneInstance }, async () => {
      // A second Parley with its own connections to the same schema, running no jobs: the agent's
      // browser is connected to it, the webhook goes to the first.
      const otherStore = await openStore(postgresUrl, { schema: rig.store.schema! });
      const other = await startTestParley(otherStore, rig.provider.url, {}, { work: false });
      try {
        const page = await loggedInPage(chromium.browser, other.base, 'agent@example.com');
        await page.locator('#inbox-list').waitFor();
        assert.equal(await page.getByText('+15557770109').count(), 0);
        assert.equal((await rig.parley.webhook('inbound', inbound('+15557770109', 'Can I move my booking?'))).status, 200);
        await page.locator('#inbox-list').getByText('+15557770109').waitFor({ timeout: 10_000 });
        assert.equal(page.url(), `${other.base}/console`, 'no navigation: the list was updated in place');
        await page.context().close();
      } finally {
        await other.close();
        await otherStore.close();
      }
    });

    it('keeps one stream per visible tab and closes it when the tab is hidden or left, so many tabs still get live updates', async () => {
      // Headless pages all count as visible: each tab is told it was hidden, as a browser does for
      // background tabs, through the same event.
      const setVisibility = (page: Page, state: 'hidden' | 'visible') =>
        page.evaluate(`Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' });
          document.dispatchEvent(new Event('visibilitychange'));`);
      const first = await newConsolePage(chromium.browser);
      const context = first.context();
      let open = 0;
      let most = 0;
      context.on('request', (request) => {
        if (request.url().endsWith('/console/stream')) most = Math.max(most, ++open);
      });
      const closed = (request: { url(): string }) => request.url().endsWith('/console/stream') && open--;
      context.on('requestfailed', closed);
      context.on('requestfinished', closed);
      await logInPage(first, rig.parley.base, 'agent@example.com');

      // Seven tabs of one browser on the inbox (a browser allows six connections per host), all
      // but the last sent to the background.
      const tabs = [first];
      for (let i = 0; i < 6; i++) tabs.push(await context.newPage());
      for (const tab of tabs) {
        if (tab !== first) await tab.goto(`${rig.parley.base}/console`);
        await rig.parley.until(async () => open === 1);
        if (tab !== tabs.at(-1)) {
          await setVisibility(tab, 'hidden');
          await rig.parley.until(async () => open === 0);
        }
      }
      const front = tabs.at(-1)!;
      await rig.parley.until(async () => open === 1);
      assert.equal((await rig.parley.webhook('inbound', inbound('+15557770110', 'Is anyone there?'))).status, 200);
      await front.locator('#inbox-list').getByText('+15557770110').waitFor({ timeout: 10_000 });

      // Back to the front: a tab opens its stream again; left, it closes it.
      await setVisibility(tabs[0]!, 'visible');
      await rig.parley.until(async () => open === 2);
      await tabs[0]!.goto(`${rig.parley.base}/console/users`).catch(() => undefined);
      await rig.parley.until(async () => open === 1);
      assert.ok(most <= 2, `never more streams than visible tabs (at most ${most})`);
      await context.close();
    });

    it('keeps an agent out of the admin pages', async () => {
      const page = await logIn('agent@example.com');
      const users = await page.goto(`${rig.parley.base}/console/users`);
      assert.equal(users!.status(), 403);
      const audit = await page.goto(`${rig.parley.base}/console/audit`);
      assert.equal(audit!.status(), 403);
      await page.context().close();
    });

    it('refuses a POST without a CSRF token, and nothing changes', async () => {
      const page = await logIn('agent@example.com');
      const status = await page.evaluate(async (id) => {
        const response = await fetch(`/console/conversations/${id}/close`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: '',
          redirect: 'manual',
        });
        return response.status;
      }, conversationId);
      assert.equal(status, 403);
      const row = await rig.store.db
        .selectFrom('conversations')
        .select('status')
        .where('id', '=', conversationId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'needs_human');
      await page.context().close();
    });

    it(
      'is accessible by the tree Chromium builds: names on every control, headings in order, lang, keyboard to Send with a visible focus',
      { skip: stores.dialect !== 'sqlite' },
      async () => {
        const page = await logIn('admin@example.com');
        const message = await rig.store.db.selectFrom('messages').select('id').where('body', '=', xss).executeTakeFirstOrThrow();
        for (const path of [
          '/console',
          `/console/conversations/${conversationId}`,
          `/console/messages/${message.id}`,
          '/console/endpoints',
          '/console/dashboard',
          '/console/consent',
          '/console/users',
        ]) {
          await page.goto(`${rig.parley.base}${path}`);
          assert.equal(await page.getAttribute('html', 'lang'), 'en', path);
          const tree = await page.locator('body').ariaSnapshot();
          // A control without an accessible name shows as a bare role in Chromium's tree; a name holding
          // a colon is quoted as a whole line ('- heading "Routed: …" [level=2]').
          const unnamed = tree
            .split('\n')
            .filter((line) => /^\s*- (textbox|combobox|button|link|checkbox|searchbox)\s*(\[.*\])?:?\s*$/.test(line));
          assert.deepEqual(unnamed, [], `${path}: every control has a name`);
          const levels = [...tree.matchAll(/heading "(?:[^"\\]|\\.)*" \[level=(\d)\]/g)].map((m) => Number(m[1]));
          assert.equal(levels[0], 1, `${path}: the first heading is h1 (${levels.join(',')})`);
          for (let i = 1; i < levels.length; i++)
            assert.ok(levels[i]! <= levels[i - 1]! + 1, `${path}: no heading level skipped (${levels.join(',')})\n${tree}`);
        }

        // The keyboard reaches the reply box's Send button, and the focus on it can be seen.
        await page.goto(`${rig.parley.base}/console/conversations/${conversationId}`);
        const send = page.locator('form.reply button[type=submit]:focus');
        let reached = false;
        for (let i = 0; i < 60 && !reached; i++) {
          await page.keyboard.press('Tab');
          reached = (await send.count()) === 1;
        }
        assert.ok(reached, 'Send is reachable with Tab');
        const outline = await send.evaluate(
          (button) =>
            (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string } }).getComputedStyle(button).outlineStyle,
        );
        assert.notEqual(outline, 'none', 'the focused button shows an outline');
        await page.context().close();
      },
    );

    it('takes screenshots of the login page, the inbox and a conversation', { skip: stores.dialect !== 'sqlite' }, async () => {
      for (const [name, viewport] of viewports) {
        const login = await newConsolePage(chromium.browser, viewport);
        await login.goto(`${rig.parley.base}/console/login`);
        await login.screenshot({ path: screenshotPath(`login-${name}.png`) });
        await login.context().close();
        const page = await logIn('admin@example.com', viewport);
        await page.screenshot({ path: screenshotPath(`inbox-${name}.png`) });
        await page.goto(`${rig.parley.base}/console/conversations/${conversationId}`);
        await page.screenshot({ path: screenshotPath(`conversation-${name}.png`), fullPage: true });
        await page.context().close();
      }
    });
  });
});
