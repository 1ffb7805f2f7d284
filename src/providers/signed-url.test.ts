import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signedUrlMismatch } from './signed-url.js';

describe('signedUrlMismatch', () => {
  const signedFor = (url: string) => (candidate: string) => candidate === url;
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'http checked, https signed',
      'http://sms.example.com/hooks/a/inbound',
      'https://sms.example.com/hooks/a/inbound',
      /^signed URL expected http:\/\/sms\.example\.com\/hooks\/a\/inbound, got https:\/\/sms\.example\.com\/hooks\/a\/inbound: Plivo called https:\/\/sms\.example\.com\. Set the channel's public_url to https:\/\/sms\.example\.com/,
    ],
    [
      'https checked, http signed, with a port and a query',
      'https://sms.example.com:8443/hooks/a/status?x=1',
      'http://sms.example.com:8443/hooks/a/status?x=1',
      /got http:\/\/sms\.example\.com:8443\/hooks\/a\/status\?x=1: Plivo called http:\/\/sms\.example\.com:8443\./,
    ],
    [
      'another host signed',
      'https://10.0.0.5/hooks/a/inbound',
      'https://sms.example.com/hooks/a/inbound',
      /^it was checked against the URL https:\/\/10\.0\.0\.5\/hooks\/a\/inbound\. If Plivo calls another URL/,
    ],
    ['nothing signed that Parley can find', 'https://sms.example.com/hooks/a/inbound', 'x', /^it was checked against the URL/],
  ];
  for (const [name, checked, signed, expected] of cases) {
    it(`explains ${name}`, () => assert.match(signedUrlMismatch('Plivo', checked, signedFor(signed)), expected));
  }
});
