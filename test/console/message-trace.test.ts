import assert from 'node:assert/strict';
import { it } from 'node:test';
import { request } from 'undici';
import { hmacSha256Hex } from '../../src/providers/hmac.js';
import { genericSecret, inbound } from '../helpers/parley.js';
import { consoleRig } from '../helpers/console.js';
import { forEachStore } from '../helpers/stores.js';

// A message's trace (console page and API): every step of an inbound text that was answered by a
// rule, the reply's send attempts and receipts (one arriving late), events and their deliveries;
// credentials never shown; texters' words escaped; who may see what.

const bearer = 'Bearer tr4ce-auth-s3cret-value';
const cookie = 'sid=c00kie-s3cret-value';

forEachStore('message trace', (stores) => {
  const rig = consoleRig(stores, {
    endpoint: true,
    config: { webhooks: { allow_private_destinations: true, timeout: '2s', retry_schedule: ['30ms'] } },
  });
  let n = 0;

  /** An inbound webhook as a provider behind an authenticating proxy might send it: signed, with an Authorization header and a cookie. */
  async function text(body: string): Promise<string> {
    const raw = JSON.stringify(inbound(`+1555620${String(1000 + ++n)}`, body));
    const res = await request(`${rig.parley.base}/hooks/main/inbound?token=query-s3cret-value&x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': hmacSha256Hex(genericSecret, raw), authorization: bearer, cookie },
      body: raw,
    });
    assert.equal(res.statusCode, 200);
    return ((await res.body.json()) as { message_id: string }).message_id;
  }
  /** Page text with its whitespace runs as one space: the templates wrap lines where prettier likes. */
  const flat = (text: string) => text.replace(/\s+/g, ' ').replace(/> </g, '><');

  const secrets = ['tr4ce-auth-s3cret-value', 'c00kie-s3cret-value', 'query-s3cret-value'];
  const routed = (id: string) =>
    rig.parley.until(() =>
      rig.store.db.selectFrom('messages').selectAll().where('id', '=', id).where('processed_at', 'is not', null).executeTakeFirst(),
    );

  it('shows every step of a text answered by a rule, its reply sent on the second attempt and delivered, a late receipt not applied', async () => {
    const ep = await rig.parley.api('POST', '/v1/endpoints', { url: rig.endpoint.url, events: ['message.received', 'message.status'] });
    assert.equal(ep.status, 201);
    rig.provider.script.push({ status: 503, body: { error: 'busy' } });
    const id = await text('yes');
    await routed(id);
    const reply = await rig.parley.until(() =>
      rig.store.db.selectFrom('messages').selectAll().where('reply_to_id', '=', id).where('status', '=', 'sent').executeTakeFirst(),
    );
    // Out of order: delivered first, then the sent that should have come before it.
    assert.equal((await rig.parley.webhook('status', { message_id: reply.provider_message_id, status: 'delivered' })).status, 200);
    await rig.parley.until(() =>
      rig.store.db.selectFrom('messages').select('id').where('id', '=', reply.id).where('status', '=', 'delivered').executeTakeFirst(),
    );
    assert.equal((await rig.parley.webhook('status', { message_id: reply.provider_message_id, status: 'sent' })).status, 200);
    await rig.parley.until(async () => {
      const rows = await rig.store.db
        .selectFrom('status_receipts')
        .select('applied_at')
        .where('provider_message_id', '=', reply.provider_message_id!)
        .execute();
      return rows.length === 2 && rows.every((r) => r.applied_at !== null);
    });
    await rig.parley.until(() => rig.store.db.selectFrom('deliveries').select('id').where('status', '=', 'delivered').executeTakeFirst());

    // The inbound message, through the API.
    const inTrace = await rig.parley.api('GET', `/v1/messages/${id}/trace`);
    assert.equal(inTrace.status, 200);
    const t = inTrace.body;
    assert.equal(t.message.id, id);
    assert.equal(t.webhook.method, 'POST');
    assert.equal(t.webhook.url, '/hooks/main/inbound?token=redacted&x=1');
    assert.equal(t.webhook.provider, 'generic');
    assert.equal(t.webhook.headers.authorization, 'redacted');
    assert.equal(t.webhook.headers.cookie, 'redacted');
    assert.equal(t.webhook.headers['x-signature'], 'redacted');
    assert.equal(t.webhook.headers['content-type'], 'application/json');
    assert.deepEqual(t.webhook.signature, {
      scheme: 'X-Signature: HMAC-SHA256 of the body',
      mode: 'enforce',
      verified: true,
      reason: null,
    });
    assert.ok(t.webhook.offset_ms >= 0 && t.webhook.stored_offset_ms >= 0);
    assert.equal(t.routing.path, 'rule');
    assert.equal(t.routing.intent, 'confirm');
    assert.equal(t.routing.rule.name, 'confirm');
    assert.equal(t.routing.rule.matched_by, 'intent');
    assert.deepEqual(
      t.replies.map((r: { id: string }) => r.id),
      [reply.id],
    );
    assert.ok(t.events.some((e: { type: string }) => e.type === 'message.received'));
    const received = t.events.find((e: { type: string }) => e.type === 'message.received');
    assert.equal(received.deliveries.length, 1);
    assert.equal(received.deliveries[0].status, 'delivered');
    assert.equal(received.deliveries[0].attempts[0].response_status, 200);

    // The reply: two attempts, two receipts, the second not applied.
    const outTrace = (await rig.parley.api('GET', `/v1/messages/${reply.id}/trace`)).body;
    assert.equal(outTrace.reply_to.id, id);
    assert.deepEqual(
      outTrace.send_attempts.map((a: { attempt: number; outcome: string; http_status: number | null }) => [
        a.attempt,
        a.outcome,
        a.http_status,
      ]),
      [
        [1, 'retrying', 503],
        [2, 'accepted', 200],
      ],
    );
    assert.equal(outTrace.send_attempts[1].provider_message_id, reply.provider_message_id);
    assert.deepEqual(
      outTrace.receipts.map((r: { status: string; status_before: string; status_after: string; changed: boolean }) => [
        r.status,
        r.status_before,
        r.status_after,
        r.changed,
      ]),
      [
        ['delivered', 'sent', 'delivered', true],
        ['sent', 'delivered', 'delivered', false],
      ],
    );
    assert.ok(
      outTrace.events.some((e: { type: string; deliveries: unknown[] }) => e.type === 'message.status' && e.deliveries.length === 1),
    );

    // The console pages.
    const admin = await rig.loggedIn('admin@example.com');
    const page = await admin.get(`/console/messages/${id}`);
    assert.equal(page.status, 200);
    for (const text of [
      'Webhook received',
      'Signature verified',
      'Stored, with its routing job',
      'Routed: Matched a rule',
      'Reply queued',
      'Event <code>message.received</code>',
    ])
      assert.ok(flat(page.text).includes(text), `inbound trace shows "${text}"`);
    assert.match(page.text, /<th scope="row">authorization<\/th>\s*<td><code>redacted<\/code>/);
    assert.match(
      page.text,
      /<dt>Request id<\/dt>\s*<dd><code>req_[A-Za-z0-9_-]{16}<\/code>/,
      'the log lines of its request are found by this id',
    );
    const replyPage = await admin.get(`/console/messages/${reply.id}`);
    for (const text of [
      'Send attempt 1: failed, tried again later',
      'HTTP 503',
      'Send attempt 2: accepted by the provider',
      'applied: <span class="status status-sent">sent</span> → <span class="status status-delivered">delivered</span>',
      'not applied: the message was already',
    ])
      assert.ok(flat(replyPage.text).includes(text), `reply trace shows "${text}"`);

    // No credential anywhere: pages, JSON, and what the database keeps.
    const stored = await rig.store.db.selectFrom('webhook_receipts').select(['request']).execute();
    for (const secret of secrets) {
      assert.ok(!page.text.includes(secret), `page hides ${secret}`);
      assert.ok(!JSON.stringify(t).includes(secret), `JSON hides ${secret}`);
      assert.ok(!JSON.stringify(stored).includes(secret), `stored rows hide ${secret}`);
    }
    assert.ok(!page.text.includes(hmacSha256Hex(genericSecret, t.webhook.body)), 'the signature is not shown');

    // Linked from the conversation view.
    const conversation = await admin.get(`/console/conversations/${t.message.conversation_id}`);
    assert.ok(conversation.text.includes(`href="/console/messages/${id}"`));
  });

  it("shows a texter's markup as text in the trace and the lookup", async () => {
    const hostile = '</pre><script>window.owned=1</script><img src=x onerror=alert(1)>';
    const id = await text(hostile);
    await routed(id);
    const admin = await rig.loggedIn('admin@example.com');
    const page = await admin.get(`/console/messages/${id}`);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('<script>window.owned'));
    assert.ok(!page.text.includes('<img src=x'));
    assert.ok(page.text.includes('&lt;script&gt;window.owned=1&lt;/script&gt;'));
    const lookup = await admin.get(`/console/messages?id=${encodeURIComponent('<script>x</script>')}`);
    assert.equal(lookup.status, 404);
    assert.ok(!lookup.text.includes('<script>x'));
    assert.ok(lookup.text.includes('No message has the id'));
  });

  it("finds a message by Parley's id or the provider's, and lets agents see only messages of conversations", async () => {
    const id = await text('what time is it?');
    const message = await routed(id);
    const admin = await rig.loggedIn('admin@example.com');
    const agent = await rig.loggedIn('agent@example.com');

    const byId = await agent.get(`/console/messages?id=${id}`);
    assert.equal(byId.status, 303);
    assert.equal(byId.headers.location, `/console/messages/${id}`);
    const byProviderId = await agent.get(`/console/messages?id=${encodeURIComponent(message.provider_message_id!)}`);
    assert.equal(byProviderId.status, 303);
    assert.equal(byProviderId.headers.location, `/console/messages/${id}`);
    assert.equal((await agent.get(`/console/messages/${id}`)).status, 200);
    assert.equal((await agent.get('/console/messages/msg_nothere')).status, 404);
    assert.equal((await rig.parley.api('GET', '/v1/messages/msg_nothere/trace')).status, 404);

    // A message no conversation holds (as before it is routed): admins only.
    await rig.store.db.updateTable('messages').set({ conversation_id: null }).where('id', '=', id).execute();
    assert.equal((await agent.get(`/console/messages/${id}`)).status, 403);
    assert.equal((await agent.get(`/console/messages?id=${id}`)).status, 404);
    assert.equal((await admin.get(`/console/messages/${id}`)).status, 200);
  });
});
