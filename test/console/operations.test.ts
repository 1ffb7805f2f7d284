import assert from 'node:assert/strict';
import { it } from 'node:test';
import { enqueue } from '../../src/queue/enqueue.js';
import { hiddenValue } from '../helpers/console-client.js';
import { businessNumber, inbound } from '../helpers/parley.js';
import { consoleRig } from '../helpers/console.js';
import { forEachStore } from '../helpers/stores.js';

// The operations pages over HTTP: endpoints with their health and delivery log, dead jobs and
// unreadable webhooks, each action through the form a browser would submit.

const hostile = '</pre><script>window.owned=1</script><img src=x onerror=alert(1)>';

forEachStore('console operations', (stores) => {
  const rig = consoleRig(stores, {
    endpoint: true,
    config: { webhooks: { allow_private_destinations: true, timeout: '300ms', retry_schedule: ['30ms'] } },
  });
  let n = 0;

  const register = async () => {
    const res = await rig.parley.api('POST', '/v1/endpoints', { url: rig.endpoint.url, events: ['message.received'], description: 'CRM' });
    assert.equal(res.status, 201);
    return res.body as { id: string; secret: string };
  };
  const text = (body = 'hello') => rig.parley.webhook('inbound', inbound(`+1555610${String(1000 + ++n)}`, body));
  const delivery = (endpointId: string, status: 'pending' | 'delivered' | 'failed') =>
    rig.parley.until(() =>
      rig.store.db
        .selectFrom('deliveries')
        .selectAll()
        .where('endpoint_id', '=', endpointId)
        .where('status', '=', status)
        .executeTakeFirst(),
    );
  const audit = async () =>
    (
      await rig.store.db
        .selectFrom('console_audit')
        .select(['action', 'subject'])
        .where('action', '!=', 'logged_in')
        .orderBy('id')
        .execute()
    ).map((r) => `${r.action} ${r.subject}`);
  /** A kept unreadable webhook: signed, but its message_id is a number. */
  const keepUnreadable = async (body: string, query = '') => {
    const res = await rig.parley.webhook('inbound', { from: '+15556109999', to: businessNumber, body, message_id: 4711 }, { query });
    assert.equal(res.status, 400);
    const row = await rig.store.db.selectFrom('unreadable_webhooks').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    return row;
  };

  it('shows a failing endpoint, replays its failed delivery to the endpoint, and shows it healthy again', async () => {
    const ep = await register();
    rig.endpoint.fallback = { status: 500 };
    assert.equal((await text('first')).status, 200);
    const failed = await delivery(ep.id, 'failed');
    const admin = await rig.loggedIn('admin@example.com');

    const list = await admin.get('/console/endpoints');
    assert.equal(list.status, 200);
    const row = new RegExp(`<tr data-endpoint="${ep.id}">([\\s\\S]*?)</tr>`).exec(list.text)![1]!;
    assert.match(row, /Failing since/);
    assert.match(row, /<span class="rate">0%<\/span>/);
    assert.match(row, /0 of 1 delivered/);
    assert.match(row, /<span class="last-error">HTTP 500<\/span>/);
    assert.ok(!list.text.includes(ep.secret), 'the secret is never shown');

    const page = await admin.get(`/console/endpoints/${ep.id}`);
    assert.ok(!page.text.includes(ep.secret));
    assert.match(page.text, new RegExp(`<tr id="${failed.id}" data-status="failed">`));
    assert.match(page.text, /<summary>2 attempts<\/summary>/);
    assert.match(page.text, /<span class="answer">HTTP 500<\/span>\s*<span class="duration">\d+ ms<\/span>/);

    rig.endpoint.fallback = { status: 200 };
    const before = rig.endpoint.received.length;
    const replayed = await admin.submit(`/console/endpoints/${ep.id}`, `/console/deliveries/${failed.id}/replay`);
    assert.equal(replayed.status, 303);
    assert.equal(replayed.headers.location, `/console/endpoints/${ep.id}?done=delivery_replayed`);
    await delivery(ep.id, 'delivered');
    const sent = rig.endpoint.received.slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.headers['webhook-id'], failed.event_id, 'the same event, so the receiver can deduplicate');
    assert.deepEqual(await audit(), [`delivery_replayed ${failed.id}`]);

    const after = await admin.get(replayed.headers.location);
    assert.match(after.text, /<p class="flash" role="status">The delivery is queued to be sent again.<\/p>/);
    assert.match(after.text, /<span class="state state-healthy">Healthy<\/span>/);
    assert.match(after.text, /<span class="rate">100%<\/span>/);
    assert.match(after.text, /<summary>3 attempts<\/summary>/);
  });

  it('enables a disabled endpoint (its waiting delivery goes out) and recovers what failed since a time', async () => {
    const ep = await register();
    rig.endpoint.fallback = { status: 500 };
    await text('fails');
    const failed = await delivery(ep.id, 'failed');
    await text('fails too');
    await rig.parley.until(
      async () => (await rig.store.db.selectFrom('deliveries').select('id').where('status', '=', 'failed').execute()).length === 2,
    );
    assert.equal((await rig.parley.api('PATCH', `/v1/endpoints/${ep.id}`, { status: 'disabled' })).status, 200);
    // Replayed while disabled: it waits, pending, for the endpoint to be enabled.
    const waiting = await rig.store.db
      .selectFrom('deliveries')
      .select('id')
      .where('status', '=', 'failed')
      .where('id', '!=', failed.id)
      .executeTakeFirstOrThrow();
    assert.equal((await rig.parley.api('POST', `/v1/deliveries/${waiting.id}/retry`)).status, 202);
    rig.endpoint.fallback = { status: 200 };

    const admin = await rig.loggedIn('admin@example.com');
    const page = await admin.get(`/console/endpoints/${ep.id}`);
    assert.match(page.text, /<span class="state state-disabled">Disabled<\/span>\s*<span class="reason">disabled through the API<\/span>/);
    const enabled = await admin.submit(`/console/endpoints/${ep.id}`, `/console/endpoints/${ep.id}/enable`);
    assert.equal(enabled.headers.location, `/console/endpoints/${ep.id}?done=endpoint_enabled`);
    await rig.parley.until(async () => {
      const row = await rig.store.db.selectFrom('deliveries').select('status').where('id', '=', waiting.id).executeTakeFirstOrThrow();
      return row.status === 'delivered';
    });
    assert.doesNotMatch((await admin.get(`/console/endpoints/${ep.id}`)).text, /\/enable"/, 'no Enable button once enabled');

    const since = new Date(failed.created_at - 60_000).toISOString().slice(0, 16);
    const later = new Date(failed.created_at + 60_000).toISOString().slice(0, 16);
    const none = await admin.submit(`/console/endpoints/${ep.id}`, `/console/endpoints/${ep.id}/recover`, { since: later });
    assert.equal(none.headers.location, `/console/endpoints/${ep.id}?done=endpoint_recovered&count=0`);
    const recovered = await admin.submit(`/console/endpoints/${ep.id}`, `/console/endpoints/${ep.id}/recover`, { since });
    assert.equal(recovered.headers.location, `/console/endpoints/${ep.id}?done=endpoint_recovered&count=1`);
    assert.match((await admin.get(recovered.headers.location)).text, /1 failed delivery is queued to be sent again/);
    await rig.parley.until(async () => {
      const row = await rig.store.db.selectFrom('deliveries').select('status').where('id', '=', failed.id).executeTakeFirstOrThrow();
      return row.status === 'delivered';
    });
    assert.deepEqual(await audit(), [`endpoint_enabled ${ep.id}`, `endpoint_recovered ${ep.id}`, `endpoint_recovered ${ep.id}`]);

    const bad = await admin.submit(`/console/endpoints/${ep.id}`, `/console/endpoints/${ep.id}/recover`, { since: 'yesterday' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /since: give a date and time/);
  });

  it('pages the delivery log newest first by cursor, and filters it by status', async () => {
    const ep = await register();
    const t0 = Date.now() - 3_600_000;
    // Two deliveries per millisecond, and the first page ends between two of the same one: the
    // cursor needs the id as well as the time.
    const rows = Array.from({ length: 57 }, (_, i) => ({
      id: `dlv_test${String(i).padStart(4, '0')}`,
      endpoint_id: ep.id,
      event_id: `evt_test${i}`,
      event_type: 'message.received',
      status: i % 8 === 0 ? ('failed' as const) : ('delivered' as const),
      attempts: 1,
      created_at: t0 + Math.floor(i / 2) * 1000,
      updated_at: t0,
    }));
    await rig.store.db.insertInto('deliveries').values(rows).execute();
    const admin = await rig.loggedIn('admin@example.com');
    const ids = (html: string) => [...html.matchAll(/<tr id="(dlv_test\d+)"/g)].map((m) => m[1]);
    const first = await admin.get(`/console/endpoints/${ep.id}`);
    const expected = rows.map((r) => r.id).reverse();
    assert.deepEqual(ids(first.text), expected.slice(0, 50));
    const older = /<a href="([^"]+)">Older deliveries<\/a>/.exec(first.text)![1]!.replaceAll('&amp;', '&');
    assert.deepEqual(ids((await admin.get(older)).text), expected.slice(50));
    const failedOnly = await admin.get(`/console/endpoints/${ep.id}?status=failed`);
    assert.deepEqual(
      ids(failedOnly.text),
      expected.filter((id) => Number(id.slice(8)) % 8 === 0),
    );
    assert.doesNotMatch(failedOnly.text, /Older deliveries/);
  });

  it('lists a dead job with its kind, error and attempts, and retries it', async () => {
    const id = await rig.store.write(async (trx) => {
      await enqueue(trx, 'message.send', { messageId: 'msg_gone' }, { now: Date.now() });
      const job = await trx.selectFrom('jobs').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
      await trx
        .updateTable('jobs')
        .set({ state: 'dead', attempts: 4, last_error: 'provider said <b>no</b>' })
        .where('id', '=', job.id)
        .execute();
      return job.id;
    });
    const admin = await rig.loggedIn('admin@example.com');
    const page = await admin.get('/console/jobs');
    const row = new RegExp(`<tr id="job-${id}">([\\s\\S]*?)</tr>`).exec(page.text)![1]!;
    assert.match(row, /message\.send/);
    assert.match(row, /4 of \d+/);
    assert.match(row, /provider said &lt;b&gt;no&lt;\/b&gt;/);
    const retried = await admin.submit('/console/jobs', `/console/jobs/${id}/retry`);
    assert.equal(retried.headers.location, '/console/jobs?done=job_retried');
    // The job ran again: a send for a message that does not exist completes without doing anything.
    await rig.parley.until(async () => !(await rig.store.db.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst()));
    assert.deepEqual(await audit(), [`job_retried job:${id}`]);
    const again = await admin.post(`/console/jobs/${id}/retry`, { csrf: hiddenValue(page.text, 'csrf')! });
    assert.equal(again.status, 404);
  });

  it('shows a kept unreadable webhook escaped, with secrets in its URL redacted; replays it once readable; discards another', async () => {
    const kept = await keepUnreadable(hostile, '?token=s3cr3t-value&team=7');
    const admin = await rig.loggedIn('admin@example.com');
    const list = await admin.get('/console/unreadable');
    assert.match(list.text, new RegExp(`<a href="/console/unreadable/${kept.id}">`));
    const page = await admin.get(`/console/unreadable/${kept.id}`);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes('<script>window.owned'), 'the body is not markup');
    assert.ok(!page.text.includes('<img src=x'));
    assert.ok(page.text.includes('&lt;/pre&gt;&lt;script&gt;window.owned=1&lt;/script&gt;'));
    assert.ok(page.text.includes(Buffer.from(kept.raw_body!).toString('base64')), 'the exact bytes, as base64');
    assert.ok(!page.text.includes('s3cr3t-value'), 'a secret in the URL is not shown');
    assert.match(page.text, /token=redacted&amp;team=7/);

    const still = await admin.submit(`/console/unreadable/${kept.id}`, `/console/unreadable/${kept.id}/replay`);
    assert.equal(still.status, 400);
    assert.match(still.text, /<p class="error" role="alert">Still not readable: /);
    assert.equal(await audit().then((a) => a.length), 0);

    const learnt = JSON.stringify({ from: '+15556109999', to: businessNumber, body: 'hello again', message_id: '4711' });
    await rig.store.db
      .updateTable('unreadable_webhooks')
      .set({ body: learnt, raw_body: Buffer.from(learnt) })
      .where('id', '=', kept.id)
      .execute();
    const replayed = await admin.submit(`/console/unreadable/${kept.id}`, `/console/unreadable/${kept.id}/replay`);
    assert.equal(replayed.headers.location, '/console/unreadable?done=unreadable_replayed');
    const message = await rig.store.db
      .selectFrom('messages')
      .select('provider_message_id')
      .where('body', '=', 'hello again')
      .executeTakeFirst();
    assert.equal(message?.provider_message_id, '4711');
    assert.equal((await admin.get(`/console/unreadable/${kept.id}`)).status, 404);

    const other = await keepUnreadable('not wanted');
    const discarded = await admin.submit(`/console/unreadable/${other.id}`, `/console/unreadable/${other.id}/discard`);
    assert.equal(discarded.headers.location, '/console/unreadable?done=unreadable_discarded');
    assert.equal(await rig.store.db.selectFrom('unreadable_webhooks').select('id').executeTakeFirst(), undefined);
    assert.deepEqual(await audit(), [`unreadable_replayed unreadable:${kept.id}`, `unreadable_discarded unreadable:${other.id}`]);
  });

  it('answers an agent 403 on every operations page and action, and a POST without the CSRF token 403; nothing changes', async () => {
    const ep = await register();
    rig.endpoint.fallback = { status: 500 };
    await text();
    const failed = await delivery(ep.id, 'failed');
    await rig.parley.api('PATCH', `/v1/endpoints/${ep.id}`, { status: 'disabled' });
    const kept = await keepUnreadable('kept');
    const jobId = await rig.store.write(async (trx) => {
      await enqueue(trx, 'message.send', { messageId: 'msg_gone' }, { now: Date.now() });
      const job = await trx.selectFrom('jobs').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
      await trx.updateTable('jobs').set({ state: 'dead' }).where('id', '=', job.id).execute();
      return job.id;
    });
    const pages = [
      '/console/endpoints',
      `/console/endpoints/${ep.id}`,
      '/console/jobs',
      '/console/unreadable',
      `/console/unreadable/${kept.id}`,
    ];
    const actions: Array<[string, Record<string, string>]> = [
      [`/console/deliveries/${failed.id}/replay`, {}],
      [`/console/endpoints/${ep.id}/enable`, {}],
      [`/console/endpoints/${ep.id}/recover`, { since: '2000-01-01T00:00' }],
      [`/console/jobs/${jobId}/retry`, {}],
      [`/console/unreadable/${kept.id}/replay`, {}],
      [`/console/unreadable/${kept.id}/discard`, {}],
    ];

    const agent = await rig.loggedIn('agent@example.com');
    const inbox = await agent.get('/console');
    assert.doesNotMatch(inbox.text, /Operations/, 'no nav entry for agents');
    for (const path of pages) assert.equal((await agent.get(path)).status, 403, path);
    for (const [path, form] of actions) {
      assert.equal((await agent.post(path, { ...form, csrf: hiddenValue(inbox.text, 'csrf')! })).status, 403, path);
    }
    const admin = await rig.loggedIn('admin@example.com');
    assert.match((await admin.get('/console')).text, /<a href="\/console\/endpoints" >Operations<\/a>/);
    for (const [path, form] of actions) {
      for (const csrf of [undefined, 'forged-token']) {
        const refused = await admin.post(path, csrf ? { ...form, csrf } : form);
        assert.equal(refused.status, 403, path);
        assert.equal(refused.headers.location, undefined);
      }
    }

    assert.equal(
      (await rig.store.db.selectFrom('deliveries').select('status').where('id', '=', failed.id).executeTakeFirstOrThrow()).status,
      'failed',
    );
    assert.equal(
      (await rig.store.db.selectFrom('endpoints').select('status').where('id', '=', ep.id).executeTakeFirstOrThrow()).status,
      'disabled',
    );
    assert.equal((await rig.store.db.selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirstOrThrow()).state, 'dead');
    assert.ok(await rig.store.db.selectFrom('unreadable_webhooks').select('id').where('id', '=', kept.id).executeTakeFirst());
    assert.deepEqual(await audit(), []);
  });
});
