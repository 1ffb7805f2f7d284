import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countSegments } from './segments.js';
import { checkTemplate, renderTemplateReport } from './template.js';

const namespaces = ['contact', 'vars', 'business'];
const at = '2025-03-05T23:00:00Z'; // 3 PM in Los Angeles, 6 PM in New York, 5 PM in Mexico City
const render = (template: string, vars: Record<string, unknown>, locale = 'en-US', timeZone = 'America/Los_Angeles') =>
  renderTemplateReport(template, { vars }, { locale, timeZone });

describe('template filters', () => {
  it("write an instant in the reader's time zone and language", () => {
    assert.equal(render('{{vars.t | date}} at {{vars.t | time}}', { t: at }).text, 'Wednesday, March 5 at 3:00 PM');
    assert.equal(render('{{vars.t | time}}', { t: at }, 'en-US', 'America/New_York').text, '6:00 PM');
    assert.equal(
      render('{{vars.t | date}}, {{vars.t | time}}', { t: at }, 'es', 'America/Mexico_City').text,
      'miércoles, 5 de marzo, 17:00',
    );
    assert.equal(render('{{vars.t | time}}', { t: at }, 'es-MX', 'America/Mexico_City').text, '5:00 p.m.');
    assert.equal(render('{{ vars.t | weekday }}', { t: at }, 'fr', 'Europe/Paris').text, 'jeudi');
    assert.equal(render('{{vars.t | date:short}}', { t: Date.parse(at) }).text, '3/5/25');
  });

  it('keep a calendar date on its day in every zone, and refuse a time of day for it', () => {
    assert.equal(render('{{vars.d | date}}', { d: '2025-03-05' }, 'en-US', 'Pacific/Honolulu').text, 'Wednesday, March 5');
    assert.equal(render('{{vars.d | date}}', { d: '2025-03-05' }, 'en-US', 'Pacific/Kiritimati').text, 'Wednesday, March 5');
    const timeOfDay = render('{{vars.d | time}}', { d: '2025-03-05' });
    assert.equal(timeOfDay.text, '2025-03-05');
    assert.match(timeOfDay.invalid[0]!.problem, /without a time of day/);
  });

  it('report a value that is not a time, and a time without an offset, instead of guessing', () => {
    for (const t of ['tomorrow', '2025-03-05T15:00', '2025-02-30']) {
      const result = render('{{vars.t | time}}', { t });
      assert.equal(result.text, t);
      assert.deepEqual(
        result.invalid.map((i) => i.path),
        ['vars.t'],
        t,
      );
    }
  });

  it('write plain spaces, so a formatted time never turns a text into UCS-2', () => {
    for (const locale of ['en-US', 'fr', 'de', 'es', 'pt-BR']) {
      const { text } = render('{{vars.t | datetime}} {{vars.t | date:full}}', { t: at }, locale);
      assert.doesNotMatch(text, /[\u00a0\u2007\u2009\u202f]/, locale);
    }
    assert.equal(countSegments(render('See you {{vars.t | datetime}}', { t: at }).text).encoding, 'GSM-7');
  });

  it('fill a missing value with default, which then is not missing', () => {
    const result = renderTemplateReport('Hi {{contact.first_name | default:"there"}}{{contact.x}}!', { contact: {} });
    assert.equal(result.text, 'Hi there!');
    assert.deepEqual(result.missing, ['contact.x']);
    assert.equal(renderTemplateReport('Hi {{contact.first_name | default:there}}', { contact: { first_name: 'Ana' } }).text, 'Hi Ana');
  });

  it('leave an unreadable placeholder as written when rendering', () => {
    assert.equal(renderTemplateReport('a {{ not valid! }} b', {}).text, 'a {{ not valid! }} b');
  });
});

describe('checkTemplate', () => {
  it('accepts known namespaces and filters', () => {
    assert.deepEqual(checkTemplate('Hi {{contact.first_name | default:"you"}}, {{vars.t | date:long}} {{ business }}', namespaces), []);
  });

  it('names an unknown namespace, an unknown filter, a wrong argument and an unreadable placeholder', () => {
    assert.match(checkTemplate('Hi {{user.name}}', namespaces).join(), /"user" is not a variable namespace/);
    assert.match(checkTemplate('{{vars.t | shout}}', namespaces).join(), /"shout" is not a filter/);
    assert.match(checkTemplate('{{vars.t | date:tiny}}', namespaces).join(), /date takes short, medium, long or full/);
    assert.match(checkTemplate('{{vars.t | default}}', namespaces).join(), /default needs the text/);
    assert.match(checkTemplate('Hi {{ first name }}', namespaces).join(), /cannot be read/);
    assert.match(checkTemplate('Hi {{vars.x', namespaces).join(), /cannot be read/);
  });

  it('refuses a path below a namespace that is one value', () => {
    assert.deepEqual(checkTemplate('{{business}}', namespaces, ['business']), []);
    assert.match(checkTemplate('{{business.name}}', namespaces, ['business']).join(), /"business" is one value; write \{\{business\}\}/);
  });
});
