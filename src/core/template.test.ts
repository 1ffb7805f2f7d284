import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTemplate, renderUrlTemplate, UnsafeUrl, urlTemplateShape } from './template.js';

const base = 'http://booking.example.com';
const url = (template: string, vars: Record<string, unknown>) => renderUrlTemplate(template, { vars: { booking_url: base, ...vars } });

describe('renderUrlTemplate', () => {
  it('places the base as it is and encodes each value as one path segment', () => {
    assert.equal(url('{{vars.booking_url}}/appointments/{{vars.id}}/confirm', { id: 'apt_1001' }), `${base}/appointments/apt_1001/confirm`);
    assert.equal(
      url('{{vars.booking_url}}/appointments/{{vars.id}}', { id: '../../admin/keys?dump=1#' }),
      `${base}/appointments/..%2F..%2Fadmin%2Fkeys%3Fdump%3D1%23`,
    );
    assert.equal(url('{{ vars.booking_url }}/a/{{vars.id}}', { id: 'x y/é' }), `${base}/a/x%20y%2F%C3%A9`);
  });

  it('a traversal value cannot leave the path it was put in', () => {
    const rendered = url('{{vars.booking_url}}/appointments/{{vars.id}}', { id: '../../admin/keys?dump=1#' });
    const parsed = new URL(rendered);
    assert.equal(parsed.pathname, '/appointments/..%2F..%2Fadmin%2Fkeys%3Fdump%3D1%23');
    assert.equal(parsed.search, '');
    assert.equal(parsed.host, 'booking.example.com');
  });

  it('encodes query values, so & and = cannot add parameters', () => {
    assert.equal(
      url('{{vars.booking_url}}/slots?appointment={{vars.id}}', { id: 'a&admin=1#x' }),
      `${base}/slots?appointment=a%26admin%3D1%23x`,
    );
    assert.equal(url('{{vars.booking_url}}/slots?appointment={{vars.id}}', { id: '' }), `${base}/slots?appointment=`);
  });

  it('refuses values that would make "." or ".." segments, or an empty one', () => {
    for (const id of ['..', '.']) {
      assert.throws(() => url('{{vars.booking_url}}/appointments/{{vars.id}}/confirm', { id }), UnsafeUrl, id);
    }
    assert.throws(() => url('{{vars.booking_url}}/a/{{vars.x}}{{vars.y}}', { x: '.', y: '.' }), UnsafeUrl);
    assert.throws(() => url('{{vars.booking_url}}/appointments/{{vars.id}}/confirm', {}), /is empty/);
    assert.equal(url('{{vars.booking_url}}/a/{{vars.id}}', { id: '...' }), `${base}/a/...`);
  });

  it('a literal origin keeps its host; placeholders may not touch it', () => {
    assert.equal(renderUrlTemplate('https://api.example.com/x/{{vars.id}}', { vars: { id: 'a/b' } }), 'https://api.example.com/x/a%2Fb');
    assert.throws(() => renderUrlTemplate('https://{{vars.tenant}}.example.com/x', { vars: { tenant: 'evil.test/' } }), UnsafeUrl);
    assert.throws(() => renderUrlTemplate('https://api.example.com{{vars.p}}', { vars: { p: '.evil.test' } }), UnsafeUrl);
    assert.throws(() => url('{{vars.booking_url}}{{vars.p}}', { p: '.evil.test' }), UnsafeUrl);
    assert.throws(() => renderUrlTemplate('/relative/{{vars.id}}', { vars: { id: '1' } }), UnsafeUrl);
  });
});

describe('urlTemplateShape', () => {
  it('names the base placeholder, if the URL starts with one', () => {
    assert.deepEqual(urlTemplateShape('{{vars.booking_url}}/a'), { base: 'vars.booking_url', originLength: 20 });
    assert.deepEqual(urlTemplateShape('https://x.example/a'), { base: null, originLength: 17 });
    assert.ok('problem' in urlTemplateShape('ftp://x.example/'));
  });
});

describe('renderTemplate', () => {
  it('leaves text templates as they were: missing values are empty, nothing is encoded', () => {
    assert.equal(renderTemplate('Hi {{contact.name}}, {{x}} a/b', { contact: { name: 'Ann' }, x: '?' }), 'Hi Ann, ? a/b');
  });
});
