import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { request } from 'undici';
import type { Store } from '../src/store/database.js';
import { apiKey, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// POST /v1/contacts/import over HTTP: a CSV file creates or updates contacts by phone; bad rows are
// reported by line, and import nothing or only the good rows, as the caller chose.

forEachStore('contacts CSV import', (stores) => {
  let store: Store;
  let parley: TestParley;

  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, 'http://127.0.0.1:9/send');
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  const upload = async (csv: string | Buffer, query = '', contentType = 'text/csv') => {
    const res = await request(`${parley.base}/v1/contacts/import${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': contentType },
      body: csv,
    });
    return { status: res.statusCode, body: (await res.body.json()) as any };
  };
  const contacts = () => store.db.selectFrom('contacts').selectAll().orderBy('phone').execute();

  it('creates and updates contacts by phone with fields, tags, timezone and language', async () => {
    await parley.api('POST', '/v1/contacts', { phone: '+15557300001', fields: { plan: 'gold', first_name: 'Old' }, tags: ['vip'] });
    const csv =
      '\uFEFFphone,first_name,Tags,timezone,language,city\r\n' +
      '+15557300001,Ann,"new;  spring ",America/New_York,en-us,\r\n' +
      '"+1 555 730 0002","Bo, Jr.",,europe/paris,FR,"Paris"\r\n';
    const res = await upload(csv);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { mode: 'all_or_nothing', rows: 2, created: 1, updated: 1, failed: 0, bad_rows: [] });
    const [ann, bo] = await contacts();
    assert.deepEqual(JSON.parse(ann!.fields), { plan: 'gold', first_name: 'Ann' }, 'fields merged; an empty cell changes nothing');
    assert.deepEqual(JSON.parse(ann!.tags), ['vip', 'new', 'spring'], 'tags added');
    assert.equal(ann!.timezone, 'America/New_York');
    assert.equal(ann!.language, 'en-US');
    assert.equal(bo!.phone, '+15557300002');
    assert.deepEqual(JSON.parse(bo!.fields), { first_name: 'Bo, Jr.', city: 'Paris' });
    assert.equal(bo!.timezone, 'Europe/Paris');
    assert.equal(bo!.language, 'fr');
  });

  it('applies a phone given twice in order, within a piece of the batch and across pieces', async () => {
    await parley.api('POST', '/v1/contacts', { phone: '+15557310000', fields: { plan: 'gold' }, tags: ['vip'] });
    const lines = ['phone,plan,step,tags'];
    lines.push('+15557310000,silver,1,a', '+15557319999,,1,b', '+15557310000,,2,c', '+15557319999,bronze,2,');
    // Past the 500 rows written at a time: the last two rows change contacts an earlier piece wrote.
    for (let i = 1; i <= 600; i++) lines.push(`+1555732${String(i).padStart(4, '0')},,0,`);
    lines.push('+15557310000,,3,d', '+15557320001,,9,late');
    const res = await upload(lines.join('\n'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { mode: 'all_or_nothing', rows: 606, created: 601, updated: 5, failed: 0, bad_rows: [] });
    const byPhone = new Map((await contacts()).map((c) => [c.phone, c]));
    assert.equal(byPhone.size, 602);
    const gold = byPhone.get('+15557310000')!;
    assert.deepEqual(JSON.parse(gold.fields), { plan: 'silver', step: '3' });
    assert.deepEqual(JSON.parse(gold.tags), ['vip', 'a', 'c', 'd']);
    const twice = byPhone.get('+15557319999')!;
    assert.deepEqual(JSON.parse(twice.fields), { plan: 'bronze', step: '2' });
    assert.deepEqual(JSON.parse(twice.tags), ['b']);
    assert.deepEqual(JSON.parse(byPhone.get('+15557320001')!.fields), { step: '9' });
    assert.deepEqual(JSON.parse(byPhone.get('+15557320001')!.tags), ['late']);
  });

  const mixed =
    'phone,first_name,timezone\n' +
    '+15557300003,Cy,\n' +
    'not a phone,Di,\n' +
    '+15557300004,Ed,Mars/Olympus\n' +
    '+15557300005,"Fay\non two lines",\n' +
    '+15557300006,Gus\n' +
    '+15557300007,Hal,UTC\n';

  it('imports nothing when a row is bad, by default, and names each bad row by its line', async () => {
    const res = await upload(mixed);
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'import_rows_invalid');
    assert.equal(res.body.rows, 6);
    assert.equal(res.body.failed, 3);
    assert.deepEqual(
      res.body.bad_rows.map((r: { line: number }) => r.line),
      [3, 4, 7],
    );
    assert.match(res.body.bad_rows[0].reason, /phone: "not a phone"/);
    assert.match(res.body.bad_rows[1].reason, /timezone: "Mars\/Olympus"/);
    assert.match(res.body.bad_rows[2].reason, /2 values for 3 columns/);
    assert.equal((await contacts()).length, 0);
  });

  it('imports the good rows only when asked, and reports the bad ones', async () => {
    const res = await upload(mixed, '?mode=good_rows');
    assert.equal(res.status, 200);
    assert.equal(res.body.created, 3);
    assert.equal(res.body.failed, 3);
    assert.deepEqual(
      (await contacts()).map((c) => [c.phone, JSON.parse(c.fields).first_name]),
      [
        ['+15557300003', 'Cy'],
        ['+15557300005', 'Fay\non two lines'],
        ['+15557300007', 'Hal'],
      ],
    );
  });

  it('refuses a file it cannot read at all, and stores nothing', async () => {
    assert.match((await upload('first_name\nAnn\n')).body.error.message, /no phone column/);
    assert.match((await upload('phone,first name\n+15557300008,x\n')).body.error.message, /column "first name"/);
    assert.match((await upload('phone,phone\n')).body.error.message, /appears twice/);
    const unclosed = await upload('phone,note\n+15557300008,ok\n+15557300009,"open\n');
    assert.equal(unclosed.status, 400);
    assert.match(unclosed.body.error.message, /line 3: a quoted field is never closed/);
    assert.equal((await upload('')).body.error.code, 'invalid_payload');
    assert.equal((await upload('phone\n+15557300008\n', '?mode=some')).status, 400);
    assert.equal((await upload('{"phone":"+15557300008"}', '', 'application/json')).body.error.code, 'unsupported_media_type');
    const noKey = await request(`${parley.base}/v1/contacts/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'phone\n',
    });
    assert.equal(noKey.statusCode, 401);
    await noKey.body.dump();
    assert.equal((await contacts()).length, 0);
  });

  it('reads a large file as it arrives, and refuses one past the size limit', async () => {
    const lines = ['phone,n'];
    for (let i = 0; i < 5_000; i++) lines.push(`+1555740${String(i).padStart(4, '0')},${i}`);
    const res = await upload(lines.join('\n'), '?mode=good_rows');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.created, 5_000);
    assert.equal((await contacts()).length, 5_000);

    const row = `+15557499999,${'a'.repeat(4000)}\n`;
    const big = Buffer.from('phone,n\n' + row.repeat(Math.ceil((17 * 1024 * 1024) / row.length)));
    const tooBig = await upload(big);
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error.code, 'payload_too_large');
    assert.equal((await contacts()).length, 5_000);
  });
});
