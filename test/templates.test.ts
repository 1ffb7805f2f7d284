import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import type { Store } from '../src/store/database.js';
import { apiCall } from './helpers/api-call.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Templates over HTTP: saved, checked, previewed, and sent in each contact's language and time zone
// to a real local server standing in for the provider.

const reminder = {
  name: 'reminder',
  description: 'Appointment reminder',
  body: 'Hi {{contact.first_name | default:"there"}}, your appointment is {{vars.starts_at | date}} at {{vars.starts_at | time}}. Reply YES to confirm.',
  variants: {
    es: 'Hola {{contact.first_name | default:"hola"}}, su cita es a las {{vars.starts_at | time}} del {{vars.starts_at | date}}. Responda SÍ para confirmar.',
  },
};
const startsAt = '2025-03-05T23:00:00Z';

forEachStore('templates', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(() => provider.stop());
  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, provider.url, { outbound: { default_timezone: 'America/Chicago' } });
    provider.sends.length = 0;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });
  const api = (...args: Parameters<typeof apiCall> extends [string, ...infer Rest] ? Rest : never) => apiCall(parley.base, ...args);

  it('are created, read, listed, replaced and deleted', async () => {
    const created = await api('POST', '/v1/templates', reminder);
    assert.equal(created.status, 201);
    assert.equal(created.body.language, 'en', 'the deployment default');
    assert.deepEqual(created.body.variants, reminder.variants);
    assert.equal((await api('POST', '/v1/templates', reminder)).body.error.code, 'template_exists');

    assert.equal((await api('GET', '/v1/templates/reminder')).body.body, reminder.body);
    const replaced = await api('PUT', '/v1/templates/reminder', {
      body: 'See you {{vars.starts_at | datetime}}',
      variants: { 'FR-ca': 'À {{vars.starts_at | time}}' },
    });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.body.variants, { 'fr-CA': 'À {{vars.starts_at | time}}' }, 'language tags kept canonical');
    assert.equal((await api('PUT', '/v1/templates/other', { body: 'Hi' })).status, 201, 'PUT creates');
    assert.deepEqual(
      (await api('GET', '/v1/templates')).body.data.map((t: { name: string }) => t.name),
      ['other', 'reminder'],
    );

    const deleted = await api('DELETE', '/v1/templates/other');
    assert.equal(deleted.status, 204);
    assert.equal((await api('GET', '/v1/templates/other')).status, 404);
    assert.equal((await api('DELETE', '/v1/templates/other')).status, 404);
  });

  it('refuses a template naming an unknown namespace, filter or language, and stores nothing', async () => {
    const unknown = await api('POST', '/v1/templates', { name: 'bad', body: 'Hi {{user.name}}, {{vars.x}}' });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.code, 'template_invalid');
    assert.match(unknown.body.error.message, /"user" is not a variable namespace/);

    const variant = await api('POST', '/v1/templates', { name: 'bad', body: 'ok', variants: { de: 'Am {{vars.t | datum}}', xx_YY: 'x' } });
    assert.equal(variant.status, 422);
    assert.match(variant.body.error.message, /variants\.de: \{\{vars\.t\}\}: "datum" is not a filter/);
    assert.match(variant.body.error.message, /"xx_YY" is not a language tag/);

    const below = await api('POST', '/v1/templates', { name: 'bad', body: 'From {{business.name}}' });
    assert.equal(below.status, 422);
    assert.match(below.body.error.message, /"business" is one value; write \{\{business\}\}/);

    const unreadable = await api('PUT', '/v1/templates/bad', { body: 'Hi {{ first name }}' });
    assert.equal(unreadable.body.error.code, 'template_invalid');
    assert.equal((await api('POST', '/v1/templates', { name: 'Bad Name', body: 'x' })).body.error.code, 'invalid_payload');
    assert.equal((await store.db.selectFrom('templates').selectAll().execute()).length, 0);
  });

  it('preview the text for a contact: their language and zone, segments, encoding, and missing values', async () => {
    await api('POST', '/v1/templates', reminder);
    await api('POST', '/v1/contacts', {
      phone: '+15557770001',
      fields: { first_name: 'Lucía' },
      language: 'es-MX',
      timezone: 'America/Mexico_City',
    });
    const spanish = await api('POST', '/v1/templates/reminder/preview', { to: '+15557770001', vars: { starts_at: startsAt } });
    assert.equal(spanish.status, 200);
    assert.equal(spanish.body.text, 'Hola Lucía, su cita es a las 5:00 p.m. del miércoles, 5 de marzo. Responda SÍ para confirmar.');
    assert.equal(spanish.body.language, 'es');
    assert.equal(spanish.body.locale, 'es-MX');
    assert.equal(spanish.body.timezone, 'America/Mexico_City');
    assert.equal(spanish.body.encoding, 'UCS-2', 'Í is outside GSM-7');
    assert.equal(spanish.body.segments, 2);
    assert.deepEqual(spanish.body.warnings, []);

    // No contact: the main text, the deployment's zone, and a warning for the value not given.
    const nobody = await api('POST', '/v1/templates/reminder/preview', {});
    assert.equal(nobody.body.text, 'Hi there, your appointment is  at . Reply YES to confirm.');
    assert.equal(nobody.body.encoding, 'GSM-7');
    assert.equal(nobody.body.segments, 1);
    assert.deepEqual(
      nobody.body.warnings.map((w: { code: string; variable: string }) => [w.code, w.variable]),
      [['missing_variable', 'vars.starts_at']],
    );

    const tried = await api('POST', '/v1/templates/reminder/preview', {
      contact: { timezone: 'America/New_York' },
      vars: { starts_at: 'next week' },
    });
    assert.deepEqual(
      tried.body.warnings.map((w: { code: string }) => w.code),
      ['invalid_value', 'invalid_value'],
    );

    const draft = await api('POST', '/v1/templates/preview', {
      template: { body: 'At {{vars.starts_at | time}}' },
      contact: { timezone: 'America/New_York' },
      vars: { starts_at: startsAt },
    });
    assert.equal(draft.body.text, 'At 6:00 PM');
    assert.equal((await api('POST', '/v1/templates/preview', { template: { body: '{{who.x}}' } })).body.error.code, 'template_invalid');
    assert.equal((await api('POST', '/v1/templates/nothing/preview', {})).status, 404);
  });

  it("sends a template in each contact's language and time zone, and keeps its name on the message", async () => {
    await api('POST', '/v1/templates', reminder);
    await api('POST', '/v1/contacts', {
      phone: '+15557770002',
      fields: { first_name: 'Lucía' },
      language: 'es',
      timezone: 'America/Mexico_City',
    });
    await api('POST', '/v1/contacts', {
      phone: '+15557770003',
      fields: { first_name: 'Ann' },
      language: 'en-US',
      timezone: 'America/Los_Angeles',
    });

    const sent = [];
    for (const to of ['+15557770002', '+15557770003', '+15557770004']) {
      const res = await api('POST', '/v1/messages', { to, template: 'reminder', vars: { starts_at: startsAt } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.template, 'reminder');
      sent.push(res.body);
    }
    assert.equal(sent[0].body, 'Hola Lucía, su cita es a las 17:00 del miércoles, 5 de marzo. Responda SÍ para confirmar.');
    assert.equal(sent[1].body, 'Hi Ann, your appointment is Wednesday, March 5 at 3:00 PM. Reply YES to confirm.');
    // No contact yet: the main text, and the deployment's default zone (Chicago).
    assert.equal(sent[2].body, 'Hi there, your appointment is Wednesday, March 5 at 5:00 PM. Reply YES to confirm.');

    await parley.until(async () => provider.sends.length === 3);
    assert.deepEqual(new Set(provider.sends.map((s) => s.body)), new Set(sent.map((m) => m.body)));
  });

  it('refuses a send whose template lacks a value or does not exist, and sends nothing', async () => {
    await api('POST', '/v1/templates', reminder);
    const missing = await api('POST', '/v1/messages', { to: '+15557770005', template: 'reminder' });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.error.code, 'template_vars_missing');
    assert.match(missing.body.error.message, /\{\{vars\.starts_at\}\} has no value/);
    const notATime = await api('POST', '/v1/messages', { to: '+15557770005', template: 'reminder', vars: { starts_at: 'soon' } });
    assert.equal(notATime.body.error.code, 'template_vars_missing');
    assert.match(notATime.body.error.message, /is not a time/);
    assert.equal((await api('POST', '/v1/messages', { to: '+15557770005', template: 'nope' })).body.error.code, 'unknown_template');
    const both = await api('POST', '/v1/messages', { to: '+15557770005', template: 'reminder', body: 'x' });
    assert.equal(both.body.error.code, 'invalid_payload');
    assert.equal((await store.db.selectFrom('messages').selectAll().execute()).length, 0);
  });
});
