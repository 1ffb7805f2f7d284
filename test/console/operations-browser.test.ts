import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { addUser } from '../../src/console/users.js';
import type { Store } from '../../src/store/database.js';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { FakeEndpoint } from '../helpers/fake-endpoint.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from '../helpers/parley.js';
import { forEachStore } from '../helpers/stores.js';

// The operations pages in a real browser (test/helpers/chromium.ts): an admin finds a failing
// endpoint from the top navigation and replays its failed delivery, which reaches the endpoint.

const password = 'correct horse battery';

describe('console operations in a browser', { skip: chromiumMissing }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  forEachStore('console operations browser', (stores) => {
    let store: Store;
    let parley: TestParley;
    let provider: FakeProvider;
    let endpoint: FakeEndpoint;

    before(async () => {
      provider = await new FakeProvider().start();
      endpoint = await new FakeEndpoint().start();
      store = await stores.open();
      parley = await startTestParley(store, provider.url, {
        webhooks: { allow_private_destinations: true, timeout: '300ms', retry_schedule: ['30ms'] },
      });
      await addUser(store, 'admin@example.com', 'admin', password);
    });
    after(async () => {
      await parley.close();
      await store.close();
      await provider.stop();
      await endpoint.stop();
    });

    it('replays a failed endpoint delivery, which reaches the endpoint', async () => {
      const registered = await parley.api('POST', '/v1/endpoints', { url: endpoint.url, events: ['message.received'], description: 'CRM' });
      const endpointId = registered.body.id as string;
      endpoint.fallback = { status: 503 };
      assert.equal((await parley.webhook('inbound', inbound('+15557770201', 'hello'))).status, 200);
      const failed = await parley.until(() =>
        store.db
          .selectFrom('deliveries')
          .selectAll()
          .where('endpoint_id', '=', endpointId)
          .where('status', '=', 'failed')
          .executeTakeFirst(),
      );
      endpoint.fallback = { status: 200 };
      const received = endpoint.received.length;

      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && !/404/.test(message.text()) && problems.push(message.text()));
      // Every file the pages load is there (the browser's own favicon request aside).
      page.on(
        'response',
        (response) => response.status() === 404 && !response.url().endsWith('/favicon.ico') && problems.push(response.url()),
      );
      await page.goto(`${parley.base}/console/login`);
      await page.getByLabel('Email').fill('admin@example.com');
      await page.getByLabel('Password').fill(password);
      await Promise.all([page.waitForURL(`${parley.base}/console`), page.click('button[type=submit]')]);

      await page.getByRole('link', { name: 'Operations' }).click();
      await page.waitForURL(`${parley.base}/console/endpoints`);
      const row = page.locator(`tr[data-endpoint="${endpointId}"]`);
      assert.match((await row.textContent()) ?? '', /Failing since/);
      assert.match((await row.textContent()) ?? '', /HTTP 503/);

      await row.getByRole('link').click();
      await page.waitForURL(`${parley.base}/console/endpoints/${endpointId}`);
      const delivery = page.locator(`tr[id="${failed.id}"]`);
      await delivery.locator('summary').click();
      assert.equal(await delivery.locator('.attempts li').count(), 2);
      await Promise.all([page.waitForURL(/done=delivery_replayed/), delivery.getByRole('button', { name: 'Replay' }).click()]);
      assert.equal(await page.getByRole('status').textContent(), 'The delivery is queued to be sent again.');

      await parley.until(async () => endpoint.received.length > received);
      assert.equal(endpoint.received.at(-1)!.headers['webhook-id'], failed.event_id);
      // The endpoint has the request before Parley has recorded its answer: wait for the record.
      await parley.until(async () =>
        store.db.selectFrom('deliveries').select('id').where('id', '=', failed.id).where('status', '=', 'delivered').executeTakeFirst(),
      );
      await page.reload();
      assert.equal(await page.locator(`tr[id="${failed.id}"]`).getAttribute('data-status'), 'delivered');
      assert.equal((await page.locator('#endpoint-state').textContent())?.trim(), 'Healthy');
      assert.deepEqual(problems, [], 'no CSP violation or script error');
      await context.close();
    });
  });
});
