import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConsoleClient } from '../helpers/console-client.js';
import { consoleRig } from '../helpers/console.js';
import { forEachStore } from '../helpers/stores.js';

const xss = '<img src=x onerror=alert(1)>"\'</textarea><script>window.owned=1</script>';
const escapedXss = '&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&lt;/textarea&gt;&lt;script&gt;window.owned=1&lt;/script&gt;';

forEachStore('console saved replies', (stores) => {
  const rig = consoleRig(stores);
  const needsHuman = async (from: string, body: string) => (await rig.needsHuman(from, body)).id;

  const auditActions = async () =>
    (
      await rig.store.db
        .selectFrom('console_audit')
        .select(['action', 'detail'])
        .where('action', 'like', 'saved_reply%')
        .orderBy('id')
        .execute()
    ).map((r) => [r.action, JSON.parse(r.detail)]);

  it('lets an admin add, change and remove saved replies, each audited, the text escaped', async () => {
    const admin = await rig.loggedIn('admin@example.com');
    const page = '/console/saved-replies';
    assert.equal((await admin.submit(page, page, { name: 'Hours', body: `We open at 9. ${xss}` })).status, 303);
    const listed = await admin.get(page);
    assert.equal(listed.status, 200);
    assert.ok(listed.text.includes(`We open at 9. ${escapedXss}</textarea>`), 'the text is escaped in its textarea');
    assert.ok(!listed.text.includes('<script>window.owned'));
    const { id } = await rig.store.db.selectFrom('saved_replies').select('id').executeTakeFirstOrThrow();

    assert.equal((await admin.submit(page, `${page}/${id}`, { name: 'Opening hours', body: 'We open at 10.' })).status, 303);
    const changed = await rig.store.db.selectFrom('saved_replies').select(['name', 'body']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(changed, { name: 'Opening hours', body: 'We open at 10.' });

    assert.equal((await admin.submit(page, `${page}/${id}/remove`)).status, 303);
    assert.equal((await rig.store.db.selectFrom('saved_replies').selectAll().execute()).length, 0);
    assert.deepEqual(await auditActions(), [
      ['saved_reply_added', { name: 'Hours' }],
      ['saved_reply_changed', { name: 'Opening hours', was: 'Hours' }],
      ['saved_reply_removed', { name: 'Opening hours' }],
    ]);
  });

  it('refuses a saved reply without a name or text, or with a name taken, keeping what was typed', async () => {
    const admin = await rig.loggedIn('admin@example.com');
    const page = '/console/saved-replies';
    const noName = await admin.submit(page, page, { name: '  ', body: 'Some text <b>kept</b>' });
    assert.equal(noName.status, 400);
    assert.match(noName.text, /role="alert">name: give the saved reply a name\.</);
    assert.ok(noName.text.includes('Some text &lt;b&gt;kept&lt;/b&gt;</textarea>'), 'what was typed comes back');
    assert.equal((await admin.submit(page, page, { name: 'Hours', body: '' })).status, 400);
    assert.equal((await admin.submit(page, page, { name: 'Hours', body: 'x'.repeat(1601) })).status, 400);
    assert.equal((await admin.submit(page, page, { name: 'Hours', body: 'We open at 9.' })).status, 303);
    const taken = await admin.submit(page, page, { name: 'Hours', body: 'Another text' });
    assert.equal(taken.status, 400);
    assert.match(taken.text, /already called &quot;Hours&quot;/);
    assert.equal((await rig.store.db.selectFrom('saved_replies').selectAll().execute()).length, 1);
    const csrf = /name="csrf" value="([^"]+)"/.exec((await admin.get(page)).text)![1]!;
    assert.equal((await admin.post(`${page}/svr_nope`, { csrf, name: 'Other', body: 'x' })).status, 404);
  });

  it('keeps agents out of managing saved replies', async () => {
    const agent = await rig.loggedIn('agent@example.com');
    assert.equal((await agent.get('/console/saved-replies')).status, 403);
    const csrf = /name="csrf" value="([^"]+)"/.exec((await agent.get('/console')).text)![1]!;
    assert.equal((await agent.post('/console/saved-replies', { csrf, name: 'Mine', body: 'text' })).status, 403);
    assert.equal((await rig.store.db.selectFrom('saved_replies').selectAll().execute()).length, 0);
  });

  it("offers the saved replies in an agent's reply box, and fills the box with one without JavaScript", async () => {
    const admin = await rig.loggedIn('admin@example.com');
    await admin.submit('/console/saved-replies', '/console/saved-replies', { name: 'Careful <i>one</i>', body: xss });
    await admin.submit('/console/saved-replies', '/console/saved-replies', { name: 'Hours', body: 'We open at 9.' });
    const saved = await rig.store.db.selectFrom('saved_replies').select(['id', 'name']).orderBy('name').execute();
    const id = await needsHuman('+15557771001', 'when do you open?');
    const agent = await rig.loggedIn('agent@example.com');
    const path = `/console/conversations/${id}`;

    const page = await agent.get(path);
    assert.match(page.text, /<form method="get" action="\/console\/conversations\/[^"]+" class="saved-picker">/);
    assert.ok(page.text.includes(`<option value="${saved[0]!.id}" data-body="${escapedXss}">Careful &lt;i&gt;one&lt;/i&gt;</option>`));
    assert.match(
      page.text,
      /<textarea id="body" name="body" rows="3" maxlength="1600" required aria-describedby="segment-count"><\/textarea>/,
      'empty at first',
    );

    const filled = await agent.get(`${path}?saved=${saved[0]!.id}`);
    assert.ok(filled.text.includes(`aria-describedby="segment-count">${escapedXss}</textarea>`));
    assert.ok(!filled.text.includes('<script>window.owned'));
    const other = await agent.get(`${path}?saved=${saved[1]!.id}`);
    assert.ok(other.text.includes('aria-describedby="segment-count">We open at 9.</textarea>'));
    const unknown = await agent.get(`${path}?saved=svr_gone`);
    assert.equal(unknown.status, 200);
    assert.match(unknown.text, /aria-describedby="segment-count"><\/textarea>/);
  });

  it('answers 404, not 500, for an asset named like an object property', async () => {
    const client = new ConsoleClient(rig.parley.base);
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])
      assert.equal((await client.get(`/console/assets/${name}`)).status, 404, name);
    assert.equal((await client.get('/console/assets/console.css')).status, 200);
    const uplot = await client.get('/console/assets/uPlot.iife.min.js');
    assert.equal(uplot.status, 200);
    assert.match(String(uplot.headers['content-type']), /javascript/);
  });
});
