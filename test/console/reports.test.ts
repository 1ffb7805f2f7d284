import assert from 'node:assert/strict';
import { it } from 'node:test';
import { businessNumber, inbound } from '../helpers/parley.js';
import { consoleRig } from '../helpers/console.js';
import { forEachStore } from '../helpers/stores.js';

const xss = '<img src=x onerror=alert(1)></script><script>window.owned=1</script>';
const escapedXss = '&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;window.owned=1&lt;/script&gt;';

forEachStore('console reports', (stores) => {
  const rig = consoleRig(stores);

  it('shows the segment count of the reply box, and the running flow session with its vars escaped and secrets hidden', async () => {
    const { id, contactId } = await rig.needsHuman('+15557772001', 'hello');
    const agent = await rig.loggedIn('agent@example.com');
    const before = await agent.get(`/console/conversations/${id}`);
    assert.match(before.text, /id="segment-count" aria-live="polite">0 characters · GSM-7 · 1 segment<\/p>/);
    assert.match(before.text, /No flow running\./);

    const now = Date.now();
    await rig.store.db
      .insertInto('flow_sessions')
      .values({
        id: 'fls_test1',
        flow: 'appointment <b>confirm</b>',
        contact_id: contactId,
        phone: '+15557772001',
        channel: 'main',
        local_number: businessNumber,
        step: 'ask_time',
        vars: JSON.stringify({ name: xss, booking: { id: 42, api_key: 'sk-live-123' }, access_token: 'tok-abc-999' }),
        retries: 1,
        status: 'active',
        version: 1,
        started_at: now - 60_000,
        updated_at: now,
        expires_at: now + 3_600_000,
        ended_at: null,
      })
      .execute();
    const page = await agent.get(`/console/conversations/${id}`);
    assert.ok(page.text.includes('<dd>appointment &lt;b&gt;confirm&lt;/b&gt;</dd>'));
    assert.match(page.text, /<code>ask_time<\/code> \(asked again 1×\)/);
    assert.ok(page.text.includes(`<dd class="var">${escapedXss}</dd>`), 'a var is text');
    assert.ok(page.text.includes('{&quot;id&quot;:42,&quot;api_key&quot;:&quot;[hidden]&quot;}'), 'a nested secret is hidden');
    assert.match(page.text, /<dt class="var">access_token<\/dt>\s*<dd class="var"><em>hidden<\/em><\/dd>/);
    assert.ok(!page.text.includes('sk-live-123') && !page.text.includes('tok-abc-999'));
    assert.ok(!page.text.includes('<script>window.owned'));
  });

  it('finds a number in the consent ledger with each change, its words and its source', async () => {
    await rig.needsHuman('+15557772101', 'hello');
    assert.equal((await rig.parley.webhook('inbound', inbound('+15557772101', 'STOP'))).status, 200);
    await rig.parley.until(async () =>
      rig.store.db.selectFrom('suppressions').select('phone').where('phone', '=', '+15557772101').executeTakeFirst(),
    );
    const added = await rig.parley.api('POST', '/v1/opt-outs', {
      phones: ['+15557772102'],
      reason: `=HYPERLINK("http://evil","x") ${xss}`,
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const admin = await rig.loggedIn('admin@example.com');

    const page = await admin.get('/console/consent?q=%2B1%20555%20777%202101');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h2>\+15557772101<\/h2>/);
    assert.match(
      page.text,
      /<td data-label="Change">Opted out<\/td>\s*<td data-label="Business number">\+18005550100 \(main\)<\/td>\s*<td data-label="Source">their words<\/td>\s*<td data-label="Words">“STOP”<\/td>/,
    );
    assert.ok(!page.text.includes('+15557772102'), 'only the number searched');

    const all = await admin.get('/console/consent');
    assert.match(all.text, /<td data-label="Source">the API<\/td>/);
    assert.ok(all.text.includes(escapedXss) && !all.text.includes('<script>window.owned'));
    assert.match((await admin.get('/console/consent?q=not-a-number')).text, /not a phone number/);

    const agent = await rig.loggedIn('agent@example.com');
    assert.equal((await agent.get('/console/consent')).status, 403);
    assert.equal((await agent.get('/console/consent.csv')).status, 403);
  });

  it('exports the ledger as CSV with formulas neutralized, and audits the export', async () => {
    assert.equal((await rig.parley.api('POST', '/v1/opt-outs', { phones: ['+15557772201'], reason: '=cmd|"/c calc"!A1' })).status, 200);
    assert.equal((await rig.parley.api('POST', '/v1/opt-outs', { phones: ['+15557772202'], reason: '@SUM(1+1)' })).status, 200);
    const admin = await rig.loggedIn('admin@example.com');
    const csv = await admin.get('/console/consent.csv');
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="consent-\d{4}-\d\d-\d\d\.csv"/);
    const lines = csv.text.split('\r\n');
    assert.equal(lines[0], 'when,phone,action,scope,source,channel,business_number,words,message_id');
    assert.match(lines[1]!, /^\d{4}-.*,'\+15557772201,opt_out,all,api,api,all,"'=cmd\|""\/c calc""!A1",$/);
    assert.match(lines[2]!, /,'@SUM\(1\+1\),$/);
    for (const line of lines.slice(1, 3)) for (const cell of line.split(',')) assert.doesNotMatch(cell, /^"?[=+\-@]/);
    const one = await admin.get('/console/consent.csv?q=%2B15557772202');
    assert.equal(one.text.trim().split('\r\n').length, 2);
    const audit = await rig.store.db
      .selectFrom('console_audit')
      .select(['subject', 'detail'])
      .where('action', '=', 'consent_exported')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => JSON.parse(a.detail)),
      [{ phone: 'all' }, { phone: '+15557772202' }],
    );
  });

  it('imports pasted opt-outs in one commit, or nothing with each bad line named', async () => {
    const admin = await rig.loggedIn('admin@example.com');
    const bad = await admin.submit('/console/consent', '/console/consent/import', {
      csv: 'phone,action,date,source\n+15557772301,opt_out,2025-03-01,old CRM\n12,opt_out,2025-03-01,old CRM\n+15557772302,unsubscribe,2025-03-01,x\n+15557772303,opt_out,yesterday,x\n+15557772304,opt_out,2025-03-01',
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Nothing was imported\./);
    assert.match(bad.text, /line 3: &quot;12&quot; is not a phone number/);
    assert.match(bad.text, /line 4: action &quot;unsubscribe&quot; is neither opt_out nor opt_in/);
    assert.match(bad.text, /line 5: date &quot;yesterday&quot; is not a date/);
    assert.match(bad.text, /line 6: expected 4 cells/);
    assert.ok(bad.text.includes('+15557772301,opt_out,2025-03-01,old CRM'), 'what was pasted comes back');
    assert.equal((await rig.store.db.selectFrom('suppressions').selectAll().execute()).length, 0);
    assert.equal((await rig.store.db.selectFrom('consent_changes').selectAll().execute()).length, 0);

    const good = await admin.submit('/console/consent', '/console/consent/import', {
      csv: '+15557772301,opt_out,2025-03-01,old CRM\r\n+1 555 777 2302,opt-out,2025-03-02T10:00:00Z,"paper form, signed"\n+15557772301,opt_in,2025-04-01,old CRM\n',
    });
    assert.equal(good.status, 303, good.text);
    assert.match((await admin.get(good.headers.location as string)).text, /Imported 2 opt-outs and 1 opt-in\./);
    const suppressions = await rig.store.db.selectFrom('suppressions').select(['phone', 'scope', 'source']).execute();
    assert.deepEqual(suppressions, [{ phone: '+15557772302', scope: '*', source: 'api' }]);
    const history = await rig.store.db
      .selectFrom('consent_changes')
      .select(['phone', 'action', 'channel', 'text', 'at'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      history.map((h) => [h.phone, h.action, h.channel, h.text, new Date(Number(h.at)).toISOString()]),
      [
        ['+15557772301', 'opt_out', 'import', 'old CRM', '2025-03-01T00:00:00.000Z'],
        ['+15557772302', 'opt_out', 'import', 'paper form, signed', '2025-03-02T10:00:00.000Z'],
        ['+15557772301', 'opt_in', 'import', 'old CRM', '2025-04-01T00:00:00.000Z'],
      ],
    );
    const page = await admin.get('/console/consent?q=%2B15557772302');
    assert.match(page.text, /<td data-label="Source">an import<\/td>/);
    const audit = await rig.store.db.selectFrom('console_audit').select('detail').where('action', '=', 'consent_imported').execute();
    assert.deepEqual(
      audit.map((a) => JSON.parse(a.detail)),
      [{ opt_out: 2, opt_in: 1 }],
    );
  });

  it('shows admins a dashboard readable without JavaScript, its chart data escaped in a JSON block', async () => {
    await rig.needsHuman('+15557772401', 'what time again?');
    assert.equal((await rig.parley.webhook('inbound', inbound('+15557772402', 'STOP'))).status, 200);
    await rig.parley.until(async () =>
      rig.store.db.selectFrom('suppressions').select('phone').where('phone', '=', '+15557772402').executeTakeFirst(),
    );
    const sent = await rig.parley.until(async () =>
      rig.store.db
        .selectFrom('messages')
        .select(['provider_message_id'])
        .where('to_number', '=', '+15557772402')
        .where('status', '=', 'sent')
        .executeTakeFirst(),
    );
    assert.equal((await rig.parley.webhook('status', { message_id: sent.provider_message_id, status: 'delivered' })).status, 200);
    await rig.parley.until(async () =>
      rig.store.db.selectFrom('messages').select('id').where('status', '=', 'delivered').executeTakeFirst(),
    );

    const admin = await rig.loggedIn('admin@example.com');
    const page = await admin.get('/console/dashboard');
    assert.equal(page.status, 200);
    assert.match(page.text, /<dt>Opt-outs<\/dt>\s*<dd>1<\/dd>/);
    assert.match(page.text, /<dt>Replies received<\/dt>\s*<dd>2<\/dd>/);
    assert.match(page.text, /<dd id="delivery-rate">100\.0%<\/dd>/);
    assert.match(page.text, /<dt>Ack latency p50 \/ p95<\/dt>\s*<dd>≤ \d+ ms \/ ≤ \d+ ms<\/dd>/);
    assert.match(page.text, /<script src="\/console\/assets\/uPlot\.iife\.min\.js\?v=[0-9a-f]+" defer><\/script>/);
    // Delivery per channel and reply intents, as tables with their bars.
    const channel = /<tr data-channel="main">([\s\S]*?)<\/tr>/.exec(page.text)![1]!;
    assert.match(
      channel,
      /<td data-label="Channel">main<\/td>\s*<td data-label="Sent">\d+<\/td>\s*<td data-label="Delivered">1<\/td>\s*<td data-label="Failed">0<\/td>\s*<td data-label="Undelivered">0<\/td>/,
    );
    assert.match(channel, /<meter min="0" max="1" value="1\.0000" aria-label="Delivery rate of main"><\/meter> 100\.0%/);
    const intents = /<table class="dashboard-intents">([\s\S]*?)<\/table>/.exec(page.text)![1]!;
    assert.match(
      intents,
      /<td data-label="Intent">opt_out<\/td>\s*<td data-label="Replies">1<\/td>\s*<td data-label="Share"><span class="share"\s*><meter min="0" max="1" value="0\.5000"/,
    );
    const json = /<script type="application\/json" id="dashboard-data">([\s\S]*?)<\/script>/.exec(page.text)![1]!;
    const data = JSON.parse(json);
    assert.equal(
      data.inbound.reduce((a: number, b: number) => a + b, 0),
      2,
    );
    assert.equal(
      data.optOuts.reduce((a: number, b: number) => a + b, 0),
      1,
    );
    assert.equal((await admin.get('/console/dashboard?window=7d')).status, 200);
    assert.equal((await admin.get('/console/dashboard?window=__proto__')).status, 200);

    const replies = await admin.get('/console/replies?days=1');
    assert.equal(replies.status, 200);
    assert.match(replies.text, /2 replies since/);
    assert.match(
      replies.text,
      /<td data-label="Intent">opt_out<\/td>\s*<td data-label="Replies">1<\/td>\s*<td data-label="Share"><span class="share"\s*><meter [^>]*value="0\.5000"[^>]*><\/meter> 50\.0%<\/span\s*><\/td>/,
    );
    assert.ok(replies.text.includes('“what time again?” — 1'));

    const agent = await rig.loggedIn('agent@example.com');
    assert.equal((await agent.get('/console/dashboard')).status, 403);
    assert.equal((await agent.get('/console/replies')).status, 403);
  });
});
