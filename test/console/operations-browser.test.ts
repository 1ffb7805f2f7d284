import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumForSuite, chromiumMissing } from '../helpers/chromium.js';
import { enqueue } from '../../src/queue/enqueue.js';
import { consoleRig, loggedInPage, logInPage, newConsolePage, phone, screenshotPath } from '../helpers/console.js';
import { businessNumber, inbound } from '../helpers/parley.js';
import { forEachStore } from '../helpers/stores.js';

// The operations pages in a real browser (test/helpers/chromium.ts): an admin finds a failing
// endpoint from the top navigation and replays its failed delivery, which reaches the endpoint.

describe('console operations in a browser', { skip: chromiumMissing }, () => {
  const chromium = chromiumForSuite();

  forEachStore('console operations browser', (stores) => {
    const rig = consoleRig(stores, {
      endpoint: true,
      per: 'all',
      config: { webhooks: { allow_private_destinations: true, timeout: '300ms', retry_schedule: ['30ms'] } },
    });

    it('replays a failed endpoint delivery, which reaches the endpoint', async () => {
      const registered = await rig.parley.api('POST', '/v1/endpoints', {
        url: rig.endpoint.url,
        events: ['message.received'],
        description: 'CRM',
      });
      const endpointId = registered.body.id as string;
      rig.endpoint.fallback = { status: 503 };
      assert.equal((await rig.parley.webhook('inbound', inbound('+15557770201', 'hello'))).status, 200);
      const failed = await rig.parley.until(() =>
        rig.store.db
          .selectFrom('deliveries')
          .selectAll()
          .where('endpoint_id', '=', endpointId)
          .where('status', '=', 'failed')
          .executeTakeFirst(),
      );
      rig.endpoint.fallback = { status: 200 };
      const received = rig.endpoint.received.length;

      const page = await newConsolePage(chromium.browser);
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && !/404/.test(message.text()) && problems.push(message.text()));
      // Every file the pages load is there (the browser's own favicon request aside).
      page.on(
        'response',
        (response) => response.status() === 404 && !response.url().endsWith('/favicon.ico') && problems.push(response.url()),
      );
      await logInPage(page, rig.parley.base, 'admin@example.com');

      await page.getByRole('link', { name: 'Operations' }).click();
      await page.waitForURL(`${rig.parley.base}/console/endpoints`);
      const row = page.locator(`tr[data-endpoint="${endpointId}"]`);
      assert.match((await row.textContent()) ?? '', /Failing since/);
      assert.match((await row.textContent()) ?? '', /HTTP 503/);

      await row.getByRole('link').click();
      await page.waitForURL(`${rig.parley.base}/console/endpoints/${endpointId}`);
      const delivery = page.locator(`tr[id="${failed.id}"]`);
      await delivery.locator('summary').click();
      assert.equal(await delivery.locator('.attempts li').count(), 2);
      await Promise.all([page.waitForURL(/done=delivery_replayed/), delivery.getByRole('button', { name: 'Replay' }).click()]);
      assert.equal(await page.getByRole('status').textContent(), 'The delivery is queued to be sent again.');

      await rig.parley.until(async () => rig.endpoint.received.length > received);
      assert.equal(rig.endpoint.received.at(-1)!.headers['webhook-id'], failed.event_id);
      // The endpoint has the request before Parley has recorded its answer: wait for the record.
      await rig.parley.until(async () =>
        rig.store.db.selectFrom('deliveries').select('id').where('id', '=', failed.id).where('status', '=', 'delivered').executeTakeFirst(),
      );
      await page.reload();
      assert.equal(await page.locator(`tr[id="${failed.id}"]`).getAttribute('data-status'), 'delivered');
      assert.equal((await page.locator('#endpoint-state').textContent())?.trim(), 'Healthy');
      assert.deepEqual(problems, [], 'no CSP violation or script error');
      await page.context().close();
    });

    it('takes screenshots of the operations pages', { skip: stores.dialect !== 'sqlite' }, async () => {
      const { parley, store } = rig;
      // Something on each page: a second endpoint that fails, a dead job, an unreadable webhook, an opt-out.
      const failing = await parley.api('POST', '/v1/endpoints', { url: `${rig.endpoint.url}/down`, events: ['message.received'] });
      rig.endpoint.fallback = { status: 500 };
      assert.equal((await parley.webhook('inbound', inbound('+15557770202', 'STOP'))).status, 200);
      await parley.until(() =>
        store.db
          .selectFrom('deliveries')
          .select('id')
          .where('endpoint_id', '=', failing.body.id)
          .where('status', '=', 'failed')
          .executeTakeFirst(),
      );
      await store.write(async (trx) => {
        await enqueue(trx, 'message.send', { messageId: 'msg_gone' }, { now: Date.now() });
        await trx
          .updateTable('jobs')
          .set({ state: 'dead', attempts: 4, last_error: 'provider answered 400: number is not a mobile' })
          .where('payload', 'like', '%msg_gone%')
          .execute();
      });
      const unreadable = await parley.webhook('inbound', { from: '+15557770203', to: businessNumber, body: 'hi', message_id: 4711 });
      assert.equal(unreadable.status, 400);
      const kept = await store.db.selectFrom('unreadable_webhooks').select('id').executeTakeFirstOrThrow();

      const page = await loggedInPage(chromium.browser, parley.base, 'admin@example.com');
      for (const [shot, path] of [
        ['endpoints', '/console/endpoints'],
        ['endpoint', `/console/endpoints/${failing.body.id}`],
        ['jobs', '/console/jobs'],
        ['unreadable', `/console/unreadable/${kept.id}`],
        ['consent', '/console/consent'],
      ]) {
        await page.goto(`${parley.base}${path}`);
        await page.screenshot({ path: screenshotPath(`${shot}-desktop.png`), fullPage: true });
      }
      await page.setViewportSize(phone);
      await page.goto(`${parley.base}/console/endpoints/${failing.body.id}`);
      // At phone width the header row is hidden and each cell stacks under its column's name.
      const cell = page.locator('table.deliveries tbody tr').first().locator('td').nth(2);
      assert.equal(await page.locator('table.deliveries thead').isVisible(), false);
      const labelAbove = await cell.evaluate(
        (td) =>
          (globalThis as unknown as { getComputedStyle(e: unknown, pseudo: string): { content: string } }).getComputedStyle(td, '::before')
            .content,
      );
      assert.equal(labelAbove, '"Status"');
      await page.screenshot({ path: screenshotPath('endpoint-phone.png'), fullPage: true });
      await page.context().close();
    });
  });
});
