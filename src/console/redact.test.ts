import assert from 'node:assert/strict';
import { it } from 'node:test';
import { redactUrl } from './redact.js';

it('hides userinfo and secret-looking query values, keeps where the request went', () => {
  assert.equal(redactUrl('https://user:pa55@crm.example.com/hooks?x=1'), 'https://redacted@crm.example.com/hooks?x=1');
  assert.equal(
    redactUrl('https://crm.example.com/in?api_key=abc&Token=def&team=7#frag'),
    'https://crm.example.com/in?api_key=redacted&Token=redacted&team=7',
  );
  assert.equal(redactUrl('/hooks/main/inbound?signature=zz&parley_id=msg_1'), '/hooks/main/inbound?signature=redacted&parley_id=msg_1');
  assert.equal(redactUrl('/hooks/main/inbound'), '/hooks/main/inbound');
  assert.equal(redactUrl('https://crm.example.com/a@b'), 'https://crm.example.com/a@b');
});
