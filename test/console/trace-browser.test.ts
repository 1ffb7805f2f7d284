import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { request } from 'undici';
import type { MessageRow } from '../../src/store/schema.js';
import { hmacSha256Hex } from '../../src/providers/hmac.js';
import { chromiumForSuite, chromiumMissing } from '../helpers/chromium.js';
import { consoleRig, loggedInPage, screenshotPath, viewports } from '../helpers/console.js';
import { genericSecret, inbound } from '../helpers/parley.js';
import { forEachStore } from '../helpers/stores.js';

// A message's trace in a real browser, reached the way an agent reaches it: from the message in the
// conversation view. The texter's "yes" came through an authenticating proxy (its credentials must
// not show), a rule answered it, the answer's first send attempt failed, and the receipts came out
// of order (delivered, then a late sent that is not applied).

const secrets = ['tr4ce-auth-s3cret-value', 'query-s3cret-value'];

describe('message trace in a browser', { skip: chromiumMissing }, () => {
  const chromium = chromiumForSuite();

  forEachStore('trace browser', (stores) => {
    const rig = consoleRig(stores, {
      endpoint: true,
      per: 'all',
      config: { webhooks: { allow_private_destinations: true, timeout: '2s', retry_schedule: ['30ms'] } },
    });
    let inboundMessage: MessageRow;
    let reply: MessageRow;

    before(async () => {
      const { parley, store, provider } = rig;
      assert.equal((await parley.api('POST', '/v1/endpoints', { url: rig.endpoint.url, events: ['message.received'] })).status, 201);
      provider.script.push({ status: 503, body: { error: 'busy' } });
      const raw = JSON.stringify(inbound('+15557774001', 'yes'));
      const res = await request(`${parley.base}/hooks/main/inbound?token=${secrets[1]}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature': hmacSha256Hex(genericSecret, raw),
          authorization: `Bearer ${secrets[0]}`,
        },
        body: raw,
      });
      assert.equal(res.statusCode, 200);
      const id = ((await res.body.json()) as { message_id: string }).message_id;
      inboundMessage = await parley.until(() =>
        store.db.selectFrom('messages').selectAll().where('id', '=', id).where('processed_at', 'is not', null).executeTakeFirst(),
      );
      reply = await parley.until(() =>
        store.db.selectFrom('messages').selectAll().where('reply_to_id', '=', id).where('status', '=', 'sent').executeTakeFirst(),
      );
      assert.equal((await parley.webhook('status', { message_id: reply.provider_message_id, status: 'delivered' })).status, 200);
      await parley.until(() =>
        store.db.selectFrom('messages').select('id').where('id', '=', reply.id).where('status', '=', 'delivered').executeTakeFirst(),
      );
      assert.equal((await parley.webhook('status', { message_id: reply.provider_message_id, status: 'sent' })).status, 200);
      await parley.until(async () => {
        const rows = await store.db
          .selectFrom('status_receipts')
          .select('applied_at')
          .where('provider_message_id', '=', reply.provider_message_id!)
          .execute();
        return rows.length === 2 && rows.every((r) => r.applied_at !== null);
      });
      await parley.until(() => store.db.selectFrom('deliveries').select('id').where('status', '=', 'delivered').executeTakeFirst());
    });

    /** The titles of the timeline's steps, in the order the page shows them. */
    const steps = async (page: Page) =>
      (await page.locator('ol.trace > li .title').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    const position = (titles: string[], start: string) => {
      const at = titles.findIndex((t) => t.startsWith(start));
      assert.ok(at >= 0, `the timeline shows "${start}": ${JSON.stringify(titles)}`);
      return at;
    };

    it('opens from the conversation view and shows the webhook, the decision, the send attempts and the receipts in order', async () => {
      const page = await loggedInPage(chromium.browser, rig.parley.base, 'agent@example.com');
      await page.goto(`${rig.parley.base}/console/conversations/${inboundMessage.conversation_id}`);
      await Promise.all([
        page.waitForURL(`${rig.parley.base}/console/messages/${inboundMessage.id}`),
        page.locator(`[id="${inboundMessage.id}"]`).getByRole('link', { name: 'Trace' }).click(),
      ]);

      // The inbound text: its raw webhook with the credentials replaced, then what the router decided.
      const headers = page.locator('table.headers');
      assert.equal((await headers.locator('tr', { hasText: 'authorization' }).locator('td').textContent())?.trim(), 'redacted');
      assert.equal((await headers.locator('tr', { hasText: 'x-signature' }).locator('td').textContent())?.trim(), 'redacted');
      assert.match((await page.locator('.step-received .title').textContent()) ?? '', /token=redacted/);
      assert.match((await page.locator('.raw-body').textContent()) ?? '', /"body":"yes"/);
      const html = await page.content();
      for (const secret of secrets) assert.ok(!html.includes(secret), `the page hides ${secret}`);
      const inboundSteps = await steps(page);
      const order = ['Webhook received', 'Signature verified', 'Stored, with its routing job', 'Routed: Matched a rule', 'Reply queued'];
      const at = order.map((title) => position(inboundSteps, title));
      assert.deepEqual(
        at,
        [...at].sort((a, b) => a - b),
        `in order: ${JSON.stringify(inboundSteps)}`,
      );
      const decision = page.locator('.step-routed dl.facts');
      assert.match((await decision.textContent()) ?? '', /confirm/);
      assert.match(
        (await decision.locator('dt', { hasText: 'Rule' }).locator('xpath=following-sibling::dd[1]').textContent()) ?? '',
        /by\s+the intent/,
      );
      assert.match((await page.locator('.step-event', { hasText: 'message.received' }).textContent()) ?? '', /delivered[\s\S]*HTTP 200/);

      // Its reply: both send attempts with the provider's answers, then the receipts as they arrived.
      await Promise.all([
        page.waitForURL(`${rig.parley.base}/console/messages/${reply.id}`),
        page.getByRole('link', { name: 'trace of the reply' }).click(),
      ]);
      const replySteps = await steps(page);
      const sequence = [
        'Queued',
        'Send attempt 1: failed, tried again later',
        'Send attempt 2: accepted by the provider',
        'Receipt: delivered',
        'Receipt: sent',
      ].map((title) => position(replySteps, title));
      assert.deepEqual(
        sequence,
        [...sequence].sort((a, b) => a - b),
        `in order: ${JSON.stringify(replySteps)}`,
      );
      assert.match((await page.locator('.step-attempt').first().textContent()) ?? '', /HTTP 503/);
      assert.match(
        (await page.locator('.step-attempt').nth(1).textContent()) ?? '',
        new RegExp(`HTTP 200[\\s\\S]*${reply.provider_message_id}`),
      );
      const late = page.locator('.step-receipt.receipt-late');
      assert.equal(await late.count(), 1);
      assert.match((await late.textContent()) ?? '', /Receipt: sent[\s\S]*not applied: the message was already\s+delivered/);
      assert.match((await page.locator('.summary .status').textContent()) ?? '', /delivered/);

      // And back to the conversation, at the message.
      await page.getByRole('link', { name: '← Conversation' }).click();
      await page.waitForURL(new RegExp(`/console/conversations/${inboundMessage.conversation_id}#${reply.id}$`));
      await page.context().close();
    });

    it('takes screenshots of a trace at desktop and phone width', { skip: stores.dialect !== 'sqlite' }, async () => {
      for (const [name, viewport] of viewports) {
        const page = await loggedInPage(chromium.browser, rig.parley.base, 'admin@example.com', viewport);
        await page.goto(`${rig.parley.base}/console/messages/${reply.id}`);
        await page.screenshot({ path: screenshotPath(`trace-${name}.png`), fullPage: true });
        if (name === 'desktop') {
          await page.goto(`${rig.parley.base}/console/messages/${inboundMessage.id}`);
          await page.screenshot({ path: screenshotPath('trace-inbound-desktop.png'), fullPage: true });
        }
        await page.context().close();
      }
    });
  });
});
