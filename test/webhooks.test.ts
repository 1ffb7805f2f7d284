import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { Store } from '../src/store/database.js';
import { FakeEndpoint } from './helpers/fake-endpoint.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Event webhooks end to end: real local servers as the business's endpoints, deliveries verified
// with the official standardwebhooks package, as a receiver would.

forEachStore('event webhooks', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let endpoint: FakeEndpoint;
  let parley: TestParley;
  let n = 0;

  beforeEach(async () => {
    store = await stores.open();
    provider = await new FakeProvider().start();
    endpoint = await new FakeEndpoint().start();
    parley = await startTestParley(store, provider.url, {
      webhooks: { allow_private_destinations: true, timeout: '300ms', retry_schedule: ['30ms', '30ms'] },
    });
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
    await provider.stop();
    await endpoint.stop();
  });

  const register = async (body: Record<string, unknown>) => {
    const res = await parley.api('POST', '/v1/endpoints', { url: endpoint.url, ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { id: string; secret: string };
  };
  const deliveries = async (id: string) => (await parley.api('GET', `/v1/endpoints/${id}/deliveries`)).body.data as any[];
  const settled = (id: string, count: number) =>
    parley.until(async () => {
      const list = await deliveries(id);
      return list.length >= count && list.every((d) => d.status !== 'pending') ? list : null;
    });
  const text = (body: string) => parley.webhook('inbound', inbound(`+1555600${String(1000 + ++n)}`, body));

  it('signs each event per Standard Webhooks and sends only what the endpoint subscribed to', async () => {
    const ep = await register({ events: ['message.received'], description: 'CRM' });
    assert.match(ep.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal((await text('hello there')).status, 200);
    const [delivery] = await settled(ep.id, 1);
    assert.equal(delivery.status, 'delivered');

    assert.equal(endpoint.received.length, 1, 'conversation.needs_human was not subscribed');
    const [request] = endpoint.received;
    const verified = new Webhook(ep.secret).verify(request!.body, request!.headers as Record<string, string>) as any;
    assert.equal(verified.type, 'message.received');
    assert.equal(verified.id, delivery.event_id, 'the body carries the event id the webhook-id header has');
    assert.equal(verified.data.body, 'hello there');
    assert.equal(request!.headers['webhook-id'], delivery.event_id);
    assert.throws(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(request!.body, request!.headers as Record<string, string>),
    );
  });

  it('retries after a 500 and a timeout with the same webhook-id, logging every attempt', async () => {
    const ep = await register({ events: ['message.received'] });
    endpoint.script.push({ status: 500 }, { status: 200, hang: true });
    await text('retry me');
    const [delivery] = await settled(ep.id, 1);
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts, 3);
    assert.equal(new Set(endpoint.received.map((r) => r.headers['webhook-id'])).size, 1);

    const attempts = (await parley.api('GET', `/v1/deliveries/${delivery.id}/attempts`)).body.data;
    assert.deepEqual(
      attempts.map((a: any) => a.response_status),
      [500, null, 200],
    );
    assert.equal(attempts[1].error, 'timed out');
    assert.equal(attempts[0].response_body, 'answered 500');
    assert.match(attempts[0].request_headers['webhook-signature'], /^v1,/);
  });

  it('gives up when the schedule runs out, and a retry or a recover sends it again', async () => {
    const ep = await register({ events: ['message.received'] });
    endpoint.fallback = { status: 503 };
    await text('will fail');
    const [failed] = await settled(ep.id, 1);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.attempts, 3, 'the first try and two retries');
    assert.equal(failed.last_response_status, 503);

    endpoint.fallback = { status: 204 };
    assert.equal((await parley.api('POST', `/v1/deliveries/${failed.id}/retry`)).status, 202);
    const [retried] = await settled(ep.id, 1);
    assert.equal(retried.status, 'delivered');

    endpoint.fallback = { status: 500 };
    await text('fails again');
    await parley.until(async () => (await deliveries(ep.id)).filter((d) => d.status === 'failed').length === 1);
    endpoint.fallback = { status: 200 };
    // A leap second is a valid RFC 3339 time, read as 23:59:59.999 of its minute.
    const leapRecover = await parley.api('POST', `/v1/endpoints/${ep.id}/recover`, { since: '2999-12-31T23:59:60Z' });
    assert.deepEqual([leapRecover.status, leapRecover.body.requeued], [202, 0], JSON.stringify(leapRecover.body));
    const recovered = await parley.api('POST', `/v1/endpoints/${ep.id}/recover`, { since: '2016-12-31T23:59:60Z' });
    assert.equal(recovered.status, 202);
    assert.equal(recovered.body.requeued, 1);
    const all = await settled(ep.id, 2);
    assert.deepEqual(
      all.map((d) => d.status),
      ['delivered', 'delivered'],
    );
  });

  it('disables an endpoint that answers 410 Gone, and one call enables it again', async () => {
    const ep = await register({});
    endpoint.fallback = { status: 410 };
    await text('gone');
    await parley.until(async () => (await parley.api('GET', `/v1/endpoints/${ep.id}`)).body.status === 'disabled');
    const disabled = (await parley.api('GET', `/v1/endpoints/${ep.id}`)).body;
    assert.match(disabled.disabled_reason, /410/);
    const seen = endpoint.received.length;
    await text('while disabled');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(endpoint.received.length, seen, 'nothing is sent to a disabled endpoint');

    endpoint.fallback = { status: 200 };
    assert.equal((await parley.api('PATCH', `/v1/endpoints/${ep.id}`, { status: 'enabled' })).body.status, 'enabled');
    await text('after');
    await parley.until(async () => endpoint.received.some((r) => r.body.includes('"after"')));
  });

  it('signs with both secrets during a rotation', async () => {
    const ep = await register({ events: ['message.received'] });
    const rotated = (await parley.api('POST', `/v1/endpoints/${ep.id}/rotate-secret`)).body;
    assert.notEqual(rotated.secret, ep.secret);
    await text('rotated');
    await settled(ep.id, 1);
    const [request] = endpoint.received;
    assert.equal(String(request!.headers['webhook-signature']).split(' ').length, 2);
    for (const secret of [rotated.secret, ep.secret]) new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>);
  });

  it('refuses endpoints that point at private destinations unless allowed', async () => {
    await parley.close();
    parley = await startTestParley(store, provider.url, { webhooks: { allow_private_destinations: false } });
    for (const url of [endpoint.url, 'http://localhost:9/x', 'http://169.254.169.254/latest/meta-data', 'ftp://example.com/x']) {
      const res = await parley.api('POST', '/v1/endpoints', { url });
      assert.equal(res.status, 422, url);
      assert.equal(res.body.error.code, 'destination_not_allowed');
      if (!url.startsWith('ftp:')) assert.match(res.body.error.message, /webhooks\.allow_private_destinations: true/, url);
    }
    assert.equal((await parley.api('POST', '/v1/endpoints', { url: 'https://crm.example.com/hooks', events: ['nope'] })).status, 400);
    assert.equal((await parley.api('POST', '/v1/endpoints', { url: 'https://crm.example.com/hooks' })).status, 201);
  });

  it('keeps a retry across a restart', async () => {
    await parley.close();
    parley = await startTestParley(store, provider.url, { webhooks: { allow_private_destinations: true, retry_schedule: ['700ms'] } });
    const ep = await register({ events: ['message.received'] });
    endpoint.script.push({ status: 500 });
    await text('survive a restart');
    await parley.until(async () => (await deliveries(ep.id))[0]?.attempts === 1);
    await parley.close();
    parley = await startTestParley(store, provider.url, { webhooks: { allow_private_destinations: true, retry_schedule: ['700ms'] } });
    const [delivery] = await settled(ep.id, 1);
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.attempts, 2);
    assert.equal(new Set(endpoint.received.map((r) => r.headers['webhook-id'])).size, 1);
  });

  it('lets a hanging endpoint hold only its own share: a healthy one gets everything meanwhile', async () => {
    await parley.close();
    parley = await startTestParley(store, provider.url, {
      webhooks: { allow_private_destinations: true, timeout: '20s', concurrency: 8, per_endpoint_concurrency: 2 },
    });
    const hanging = await new FakeEndpoint().start();
    hanging.fallback = { status: 200, hang: true };
    try {
      const slow = (await parley.api('POST', '/v1/endpoints', { url: hanging.url, events: ['message.received'] })).body;
      const healthy = await register({ events: ['message.received'] });
      for (let i = 0; i < 10; i++) await text(`burst ${i}`);
      const delivered = await settled(healthy.id, 10);
      assert.equal(delivered.filter((d) => d.status === 'delivered').length, 10);
      assert.equal(hanging.received.length, 2, 'the hanging endpoint never had more than its 2 requests in flight');
      const stuck = await deliveries(slow.id);
      assert.equal(stuck.filter((d) => d.status === 'pending').length, 10);
    } finally {
      await parley.close();
      await hanging.stop();
    }
  });

  it('pauses an endpoint that cannot be reached: one probe at a time, the rest wait without spending attempts', async () => {
    await parley.close();
    parley = await startTestParley(store, provider.url, {
      webhooks: {
        allow_private_destinations: true,
        timeout: '200ms',
        retry_schedule: ['300ms', '300ms', '300ms', '300ms', '300ms', '300ms'],
        per_endpoint_concurrency: 2,
      },
    });
    endpoint.fallback = { status: 200, hang: true };
    const ep = await register({ events: ['message.received'] });
    for (let i = 0; i < 12; i++) await text(`while down ${i}`);
    // Two attempts hang, time out and pause the endpoint; then only probes go out, one at a time.
    await new Promise((r) => setTimeout(r, 1_500));
    const whileDown = endpoint.received.length;
    assert.ok(
      whileDown <= 8,
      `${whileDown} attempts reached a dead endpoint in 1.5 s; without the pause it would be every delivery, twice`,
    );
    const waiting = await deliveries(ep.id);
    assert.ok(waiting.filter((d) => d.attempts === 0).length >= 6, 'most deliveries waited without spending an attempt');
    assert.ok(waiting.every((d) => d.status === 'pending'));
    assert.notEqual((await parley.api('GET', `/v1/endpoints/${ep.id}`)).body.paused_until, null, 'the pause is visible on the endpoint');

    endpoint.fallback = { status: 200 };
    const delivered = await settled(ep.id, 12);
    assert.deepEqual([...new Set(delivered.map((d) => d.status))], ['delivered'], 'a successful probe lets the rest through');
    assert.equal(
      (await store.db.selectFrom('endpoints').select('paused_until').where('id', '=', ep.id).executeTakeFirstOrThrow()).paused_until,
      null,
    );
  });

  it('does not pause an endpoint for a failure of one delivery (a 500 for one payload)', async () => {
    const ep = await register({ events: ['message.received'] });
    endpoint.script.push({ status: 500 });
    await text('poison');
    await parley.until(async () => endpoint.received.length >= 1);
    await text('fine');
    await parley.until(async () => endpoint.received.some((r) => r.body.includes('"fine"')));
    assert.equal(
      (await store.db.selectFrom('endpoints').select('paused_until').where('id', '=', ep.id).executeTakeFirstOrThrow()).paused_until,
      null,
    );
    await settled(ep.id, 2);
  });

  it("keeps one contact's events in order on an ordered endpoint, while other contacts flow", async () => {
    await parley.close();
    // The retry comes late enough that the other contact's event is surely sent meanwhile.
    parley = await startTestParley(store, provider.url, { webhooks: { allow_private_destinations: true, retry_schedule: ['800ms'] } });
    const ep = await register({ events: ['message.received'], ordered: true });
    endpoint.script.push({ status: 500 }); // the first event waits for its retry; the contact's next must wait too
    const contact = '+15556009001';
    await parley.webhook('inbound', inbound(contact, 'first'));
    await parley.until(async () => endpoint.received.length >= 1);
    await parley.webhook('inbound', inbound(contact, 'second'));
    await parley.webhook('inbound', inbound('+15556009002', 'someone else'));
    const list = await settled(ep.id, 3);
    assert.ok(list.every((d) => d.status === 'delivered'));

    const bodies = endpoint.received.map((r) => (JSON.parse(r.body) as { data: { body: string } }).data.body);
    const firstDelivered = bodies.lastIndexOf('first');
    assert.deepEqual(
      bodies.filter((b) => b !== 'someone else'),
      ['first', 'first', 'second'],
      'the second waited for the first to succeed',
    );
    assert.ok(bodies.indexOf('someone else') < firstDelivered, 'another contact was not held behind the retry');
  });

  it('spaces deliveries to a rate-limited endpoint', async () => {
    const ep = await register({ events: ['message.received'], rate_limit: 5 });
    const start = Date.now();
    for (let i = 0; i < 4; i++) await text(`paced ${i}`);
    await settled(ep.id, 4);
    const last = Math.max(...endpoint.received.map((r) => r.at));
    // Five a second: the fourth delivery's slot is at least three 200 ms gaps after the first's,
    // which is after `start`. Measured from `start`, a slow machine can only add to it.
    assert.ok(last - start >= 600, `the fourth delivery came ${last - start} ms after the first text`);
    const patched = await parley.api('PATCH', `/v1/endpoints/${ep.id}`, { rate_limit: null });
    assert.equal(patched.body.rate_limit, null);
  });

  it('disables an endpoint that failed everything for webhooks.disable_after, with an event, and re-enabling resets it', async () => {
    await parley.close();
    parley = await startTestParley(store, provider.url, {
      webhooks: { allow_private_destinations: true, retry_schedule: ['100ms', '100ms', '100ms'], disable_after: '150ms' },
    });
    const watcher = await new FakeEndpoint().start();
    try {
      const watching = (await parley.api('POST', '/v1/endpoints', { url: watcher.url, events: ['endpoint.disabled'] })).body;
      const ep = await register({ events: ['message.received'] });
      endpoint.fallback = { status: 500 };
      await text('nobody home');
      const disabled = await parley.until(async () => {
        const row = (await parley.api('GET', `/v1/endpoints/${ep.id}`)).body;
        return row.status === 'disabled' && row;
      });
      assert.match(disabled.disabled_reason, /^every delivery failed since \d{4}-/);
      assert.notEqual(disabled.failing_since, null);
      const [notice] = await settled(watching.id, 1);
      assert.equal(notice.event_type, 'endpoint.disabled');
      const event = JSON.parse(watcher.received[0]!.body) as { data: { endpoint_id: string; reason: string } };
      assert.deepEqual(event.data.endpoint_id, ep.id);

      endpoint.fallback = { status: 200 };
      const enabled = await parley.api('PATCH', `/v1/endpoints/${ep.id}`, { status: 'enabled' });
      assert.deepEqual([enabled.body.status, enabled.body.failing_since], ['enabled', null]);
      const [delivery] = await settled(ep.id, 1);
      assert.equal(delivery.status, 'delivered', 'the delivery left pending when it was disabled goes out');
    } finally {
      await watcher.stop();
    }
  });
});
