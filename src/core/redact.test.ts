import assert from 'node:assert/strict';
import { it } from 'node:test';
import { redactHeaders, redactUrl } from './redact.js';

it('hides userinfo and secret-looking query values, keeps where the request went', () => {
  assert.equal(redactUrl('https://user:pa55@crm.example.com/hooks?x=1'), 'https://redacted@crm.example.com/hooks?x=1');
  assert.equal(
    redactUrl('https://crm.example.com/in?api_key=abc&Token=def&team=7#frag'),
    'https://crm.example.com/in?api_key=redacted&Token=redacted&team=7',
  );
  assert.equal(redactUrl('/hooks/main/inbound?signature=zz&parley_id=msg_1'), '/hooks/main/inbound?signature=redacted&parley_id=msg_1');
  assert.equal(redactUrl('/hooks/main/inbound'), '/hooks/main/inbound');
  assert.equal(redactUrl('https://crm.example.com/a@b'), 'https://crm.example.com/a@b');
  assert.equal(redactUrl('/hooks/sm/inbound?t=s3cret&x=1', ['t']), '/hooks/sm/inbound?t=redacted&x=1');
});

it('keeps every header name and replaces the values of credentials', () => {
  const shown = redactHeaders({
    Authorization: 'Basic dXNlcjpwYXNz',
    cookie: 'a=b',
    'x-twilio-signature': 'abc=',
    'telnyx-signature-ed25519': 'zz',
    'x-api-key': 'k',
    'messagebird-request-timestamp': '1700000000',
    'content-type': 'application/json',
    'user-agent': 'TwilioProxy/1.1',
    'x-forwarded-for': ['203.0.113.7', '10.0.0.1'],
    absent: undefined,
  });
  assert.deepEqual(shown, {
    authorization: 'redacted',
    cookie: 'redacted',
    'x-twilio-signature': 'redacted',
    'telnyx-signature-ed25519': 'redacted',
    'x-api-key': 'redacted',
    'messagebird-request-timestamp': '1700000000',
    'content-type': 'application/json',
    'user-agent': 'TwilioProxy/1.1',
    'x-forwarded-for': '203.0.113.7, 10.0.0.1',
  });
});
