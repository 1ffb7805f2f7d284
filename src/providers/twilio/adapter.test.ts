import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { twilioAdapter, twilioSigningInput, urlVariants } from './adapter.js';
import type { TwilioChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function request(overrides: Partial<WebhookRequest> & { signature?: string | null } = {}): WebhookRequest {
  const { signature, ...rest } = overrides;
  return {
    method: 'POST',
    url: '/hooks/us/inbound',
    publicUrl: 'https://sms.example.com/hooks/us/inbound',
    headers: signature === null || signature === undefined ? {} : { 'x-twilio-signature': signature },
    rawBody: Buffer.alloc(0),
    contentType: 'application/x-www-form-urlencoded',
    receivedAt: Date.now(),
    ...rest,
  };
}

const formOf = (params: Record<string, string | string[]>) => {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of [value].flat()) form.append(name, v);
  return form.toString();
};

describe('twilio adapter: the published twilio-node signature vectors', () => {
  // twilio/twilio-node spec/validation.spec.js (commit 005ea9cd): token "12345", these params and URL.
  const token = '12345';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const signed = (publicUrl: string, signature: string, body: Record<string, string | string[]> = params) =>
    request({ publicUrl, url: publicUrl.replace(/^https?:\/\/[^/]+/, ''), rawBody: Buffer.from(formOf(body)), signature });
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['the default vector', signed(url, 'RSOYDt4T1cUTdK1PDd93/VVr8B8='), true],
    ['a wrong signature', signed(url, 'WRONG_SIGNATURE'), false],
    ['an https URL with a port, signed without it', signed(url.replace('.com', '.com:1234'), 'RSOYDt4T1cUTdK1PDd93/VVr8B8='), true],
    ['an http URL with a port', signed('http://mycompany.com:1234/myapp.php?foo=1&bar=2', 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU='), true],
    ['an https URL signed with :443 added', signed(url, 'kvajT1Ptam85bY51eRf/AJRuM3w='), true],
    ['an http URL signed with :80 added', signed('http://mycompany.com/myapp.php?foo=1&bar=2', '0ZXoZLH/DfblKGATFgpif+LLRf4='), true],
    ['a URL with credentials', signed('https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', 'CukzLTc1tT5dXEDIHm/tKBanW10='), true],
    [
      'a URL with credentials, signed with :443',
      signed('https://user:pass@mycompany.com/myapp.php?foo=1&bar=2', 'ZQFR1PTIZXF2MXB8ZnKCvnnA+rI='),
      true,
    ],
    ['special characters in the URL', signed(`${url}&Body=It's+amazing`, 'dsq4Ehbj6cs+KdTkpF5sSSplOWw='), true],
    [
      'a repeated parameter',
      signed(url, '83O6e2vORAoJHUNzJjDWN1jz+BA=', { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] }),
      true,
    ],
    [
      'a repeated parameter in another order',
      signed(url, '83O6e2vORAoJHUNzJjDWN1jz+BA=', { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] }),
      true,
    ],
    [
      'repeated values, one of them twice',
      signed(url, 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] }),
      true,
    ],
    ['a parameter added in transit', signed(url, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', { ...params, Digits: '9999' }), false],
    ['another URL', signed('https://mycompany.com/myapp.php?foo=1&bar=3', 'RSOYDt4T1cUTdK1PDd93/VVr8B8='), false],
  ];
  for (const [name, req, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal((twilioAdapter.verify(req, channel(token)) as { ok: boolean }).ok, ok));
  }

  // JSON bodies: bodySHA256 in the URL, the signature over the URL alone.
  const body = '{"property": "value", "boolean": true}';
  const withHash = `${url}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;
  const json = (publicUrl: string, raw: string, signature: string) =>
    request({
      publicUrl,
      url: publicUrl.replace('https://mycompany.com', ''),
      rawBody: Buffer.from(raw),
      contentType: 'application/json',
      signature,
    });
  it('accepts the JSON-body vector', () =>
    assert.equal((twilioAdapter.verify(json(withHash, body, 'a9nBmqA0ju/hNViExpshrM61xv4='), channel(token)) as { ok: boolean }).ok, true));
  it('rejects a JSON body that does not match bodySHA256', () => {
    const verdict = twilioAdapter.verify(json(withHash, body.replace('true', 'false'), 'a9nBmqA0ju/hNViExpshrM61xv4='), channel(token)) as {
      ok: boolean;
      reason?: string;
    };
    assert.equal(verdict.ok, false);
    assert.match(verdict.reason!, /bodySHA256/);
  });
});

describe('twilio adapter: verify', () => {
  const token = 'twilio-auth-token-0123456789abcdef';
  const raw = fixture('inbound.form');
  const sign = (url: string, body: string) => {
    let data = url;
    const params = [...new URLSearchParams(body)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, value] of params) data += name + value;
    return createHmac('sha1', token).update(data).digest('base64');
  };
  const publicUrl = 'https://sms.example.com/hooks/us/inbound';

  it('accepts a real inbound webhook signed over the public URL', () => {
    assert.deepEqual(twilioAdapter.verify(request({ rawBody: Buffer.from(raw), signature: sign(publicUrl, raw) }), channel(token)), {
      ok: true,
    });
  });
  it('explains a signature made for another URL (the proxy case)', () => {
    const verdict = twilioAdapter.verify(
      request({ rawBody: Buffer.from(raw), signature: sign(publicUrl, raw), publicUrl: 'http://10.0.0.5:3000/hooks/us/inbound' }),
      channel(token),
    );
    assert.equal(verdict instanceof Promise, false);
    assert.deepEqual(verdict, {
      ok: false,
      reason:
        'X-Twilio-Signature does not match; it was checked against the URL http://10.0.0.5:3000/hooks/us/inbound. ' +
        "If Twilio calls another URL (https, another host, a proxy in front), set the channel's public_url or server.trust_proxy.",
    });
  });
  it('names the URL Twilio signed when only the scheme differs (TLS ended by a proxy Parley was not told about)', () => {
    const verdict = twilioAdapter.verify(
      request({ rawBody: Buffer.from(raw), signature: sign(publicUrl, raw), publicUrl: publicUrl.replace('https:', 'http:') }),
      channel(token),
    );
    assert.deepEqual(verdict, {
      ok: false,
      reason:
        'X-Twilio-Signature does not match; signed URL expected http://sms.example.com/hooks/us/inbound, got https://sms.example.com/hooks/us/inbound: ' +
        "Twilio called https://sms.example.com. Set the channel's public_url to https://sms.example.com, or server.trust_proxy when a proxy in front sets X-Forwarded-Proto.",
    });
  });
  const rejected: Array<[string, WebhookRequest]> = [
    ['no header', request({ rawBody: Buffer.from(raw), signature: null })],
    ['a tampered body', request({ rawBody: Buffer.from(raw.replace('Body=St', 'Body=START')), signature: sign(publicUrl, raw) })],
    [
      'another token',
      request({ rawBody: Buffer.from(raw), signature: createHmac('sha1', 'x'.repeat(32)).update(publicUrl).digest('base64') }),
    ],
    ['a truncated signature', request({ rawBody: Buffer.from(raw), signature: sign(publicUrl, raw).slice(0, 20) })],
    [
      'hex instead of base64',
      request({ rawBody: Buffer.from(raw), signature: Buffer.from(sign(publicUrl, raw), 'base64').toString('hex') }),
    ],
  ];
  for (const [name, req] of rejected) {
    it(`rejects ${name}`, () => assert.equal((twilioAdapter.verify(req, channel(token)) as { ok: boolean }).ok, false));
  }
  it('signs GET webhooks over the URL, query included', () => {
    const url = `${publicUrl}?${raw}`;
    const signature = createHmac('sha1', token).update(url).digest('base64');
    const req = request({ method: 'GET', url: `/hooks/us/inbound?${raw}`, publicUrl: url, signature, contentType: null });
    assert.deepEqual(twilioAdapter.verify(req, channel(token)), { ok: true });
  });
});

describe('twilio adapter: signing input and URL forms', () => {
  it('joins sorted names and values without separators', () => {
    assert.equal(
      twilioSigningInput('https://a.example/x', [
        ['b', '2'],
        ['a', '1'],
        ['a', '0'],
      ]),
      'https://a.example/xa0a1b2',
    );
  });
  it('tries the URL as given, without its port and with the default port', () => {
    assert.deepEqual(urlVariants('https://a.example:8443/x?y=1'), ['https://a.example:8443/x?y=1', 'https://a.example/x?y=1']);
    assert.deepEqual(urlVariants('http://a.example/x'), ['http://a.example/x', 'http://a.example:80/x']);
  });
});

describe('twilio adapter: parse', () => {
  const parse = (raw: string, path: 'inbound' | 'status' | 'events' = 'inbound', method = 'POST') =>
    twilioAdapter.parse(
      request(method === 'GET' ? { method, url: `/hooks/us/${path}?${raw}`, contentType: null } : { rawBody: Buffer.from(raw) }),
      channel(),
      path,
    );

  it('reads a real inbound SMS', () => {
    assert.deepEqual(parse(fixture('inbound.form')), {
      kind: 'inbound',
      message: {
        from: '+31612345678',
        to: '+3197014204768',
        body: 'St',
        mediaUrls: [],
        providerMessageId: 'SMb711289e438f577f230f5837e9c74a08',
        providerTime: null,
      },
    });
  });
  it('reads media URLs in order', () => {
    const event = parse(fixture('inbound-mms.form'));
    assert.equal(event.kind, 'inbound');
    if (event.kind !== 'inbound') return;
    assert.equal(event.message.body, 'Here is the photo');
    assert.equal(event.message.mediaUrls.length, 2);
    assert.match(event.message.mediaUrls[1]!, /Media\/ME2$/);
  });
  it('reads the same message sent with GET', () => {
    assert.equal(parse(fixture('inbound.form'), 'inbound', 'GET').kind, 'inbound');
  });
  it('reads status callbacks, keeping the error code', () => {
    assert.deepEqual(parse(fixture('status-undelivered.form'), 'status'), {
      kind: 'status',
      receipt: {
        providerMessageId: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
        status: 'undelivered',
        providerStatus: 'undelivered',
        errorCode: '30003',
        providerTime: null,
      },
    });
  });
  it('tells a receipt from a message on the shared events URL', () => {
    assert.equal(parse(fixture('status-sent.form'), 'events').kind, 'status');
    assert.equal(parse(fixture('inbound.form'), 'events').kind, 'inbound');
  });

  const statuses: Array<[string, string | null]> = [
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['partially_delivered', 'undelivered'],
    ['read', null],
    ['receiving', null],
    ['received', null],
  ];
  for (const [twilio, parley] of statuses) {
    it(`maps MessageStatus ${twilio} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(`MessageSid=SM1&MessageStatus=${twilio}&ErrorCode=0`, 'status');
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
      assert.equal(event.kind === 'status' && event.receipt.errorCode, null, 'ErrorCode 0 is no error');
    });
  }

  it('reads a failed receipt with 21610 (unsubscribed recipient) as an opt-out, and no other', () => {
    const optedOut = parse('MessageSid=SM1&MessageStatus=failed&ErrorCode=21610', 'status');
    assert.deepEqual(optedOut.kind === 'status' && [optedOut.receipt.errorCode, optedOut.receipt.recipientOptedOut], ['21610', true]);
    const unreachable = parse('MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003', 'status');
    assert.equal(unreachable.kind === 'status' && unreachable.receipt.recipientOptedOut, undefined);
  });

  const bad: Array<[string, WebhookRequest, string]> = [
    ['a JSON body', request({ rawBody: Buffer.from('{"From":"+1"}'), contentType: 'application/json' }), 'unsupported_media_type'],
    ['no MessageSid', request({ rawBody: Buffer.from('From=%2B15551234567&To=%2B18005550100&Body=hi') }), 'invalid_payload'],
    [
      'an unreadable From',
      request({ rawBody: Buffer.from('From=front+desk&To=%2B18005550100&Body=hi&MessageSid=SM1') }),
      'invalid_phone_number',
    ],
    ['an unknown status', request({ rawBody: Buffer.from('MessageSid=SM1&MessageStatus=teleported') }), 'invalid_payload'],
  ];
  for (const [name, req, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      const path = name === 'an unknown status' ? 'status' : 'inbound';
      assert.throws(
        () => twilioAdapter.parse(req, channel(), path),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      );
    });
  }
});

describe('twilio adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());

  const message = {
    id: 'msg_01',
    from: '+18005550100',
    to: '+15551234567',
    body: 'Your appointment is Wednesday at 3 PM.',
    mediaUrls: ['https://example.com/a.png'],
    statusCallbackUrl: 'https://sms.example.com/hooks/us/status?parley_id=msg_01',
  };

  it('posts the form Twilio expects with Basic auth and reads the sid', async () => {
    api.next = { status: 201, body: { sid: 'SM7f3a', status: 'queued', num_segments: '1' } };
    const ch = { ...channel('secret-token-0123456789'), api_url: api.url };
    assert.deepEqual(await twilioAdapter.send(message, ch), { providerMessageId: 'SM7f3a', status: 'queued' });
    const sent = { path: api.last().path, authorization: api.last().headers.authorization, form: api.lastForm() };
    assert.equal(sent.path, `/2010-04-01/Accounts/${ch.account_sid}/Messages.json`);
    assert.equal(sent.authorization, `Basic ${Buffer.from(`${ch.account_sid}:secret-token-0123456789`).toString('base64')}`);
    assert.deepEqual(Object.fromEntries(sent.form), {
      To: message.to,
      From: message.from,
      Body: message.body,
      MediaUrl: message.mediaUrls[0],
      StatusCallback: message.statusCallbackUrl,
    });
  });

  it('sends through the Messaging Service instead of a From number when configured', async () => {
    api.next = { status: 201, body: { sid: 'SM7f3b', status: 'accepted' } };
    const sid = `MG${'a'.repeat(32)}`;
    assert.deepEqual(await twilioAdapter.send(message, { ...channel(), api_url: api.url, messaging_service_sid: sid }), {
      providerMessageId: 'SM7f3b',
      status: 'queued',
    });
    assert.equal(api.lastForm().get('MessagingServiceSid'), sid);
    assert.equal(api.lastForm().has('From'), false);
  });

  const failures: Array<[string, Reply | 'closed', string, string | null]> = [
    [
      '21610 (the recipient replied STOP to Twilio)',
      { status: 400, body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 } },
      'recipient_opted_out',
      '21610',
    ],
    [
      '21211 (an invalid To number)',
      { status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } },
      'rejected',
      '21211',
    ],
    ['20003 (bad credentials)', { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } }, 'rejected', '20003'],
    ['20429 (too many requests)', { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } }, 'throttled', '20429'],
    ['a 500', { status: 500, body: {} }, 'provider_unavailable', '500'],
    ['a 2xx without a sid', { status: 201, body: { status: 'queued' } }, 'invalid_response', null],
    ['a closed port', 'closed', 'connection', null],
    ['no answer', { status: 200, body: {}, hang: true }, 'connection', null],
  ];
  for (const [name, reply, kind, code] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      const ch = { ...channel(), api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 };
      await assert.rejects(
        twilioAdapter.send(message, ch),
        (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code,
      );
    });
  }
});

it('answers webhooks with empty TwiML', () => {
  assert.deepEqual(twilioAdapter.answer, {
    status: 200,
    contentType: 'text/xml',
    body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
  });
});

function channel(authToken = 'twilio-auth-token-0123456789abcdef'): TwilioChannelConfig {
  return {
    name: 'us',
    provider: 'twilio',
    numbers: ['+18005550100'],
    account_sid: `AC${'f'.repeat(32)}`,
    auth_token: authToken,
    verify: 'enforce',
    send_timeout: 2_000,
  };
}
