import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type StatusReceipt, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { vonageAdapter } from './adapter.js';
import { vonageChannelSchema } from './config.js';
import { kit } from './test-kit.js';
import { channel, fixture, formRequest, getRequest, jsonRequest, request } from './test-requests.js';

describe('vonage adapter: parse, SMS API', () => {
  const parse = (req: WebhookRequest, path: 'inbound' | 'status' = 'inbound') => vonageAdapter.parse(req, channel(), path);
  const receiptOf = (event: WebhookEvent): StatusReceipt => {
    assert.equal(event.kind, 'status');
    return event.receipt;
  };
  const sdkInbound: WebhookEvent = {
    kind: 'inbound',
    message: {
      from: '+14845552121',
      to: '+16105553939',
      body: 'Test this.',
      mediaUrls: [],
      providerMessageId: '02000000DA7C52E7',
      providerTime: Date.parse('2016-05-24T11:12:01Z'),
    },
  };
  it("reads the SDK's inbound GET", () => assert.deepEqual(parse(getRequest(fixture('sms-inbound.query'))), sdkInbound));
  it("reads the SDK's inbound JSON", () => assert.deepEqual(parse(jsonRequest(fixture('sms-inbound.json'))), sdkInbound));
  it('reads the same message as a form POST', () => assert.deepEqual(parse(formRequest(fixture('sms-inbound.query'))), sdkInbound));
  it('reads one part of a concatenated message', () => {
    const event = parse(formRequest(fixture('sms-inbound-long.form')));
    assert.equal(event.kind, 'inbound');
    if (event.kind !== 'inbound') return;
    assert.deepEqual(event.message.part, { reference: '4', index: 3, total: 4 });
    assert.equal(event.message.providerMessageId, '02000000DA7C52E7');
    assert.match(event.message.body, /^y for a non-functionality-adding upgrading can be a hard sell\.\n\nI understand/);
  });
  it('ignores a binary message', () => assert.equal(parse(formRequest(fixture('sms-inbound-binary.form'))).kind, 'ignored'));

  const delivered = (time: string): WebhookEvent => ({
    kind: 'status',
    receipt: {
      providerMessageId: '14000000F9DBBBBB',
      status: 'delivered',
      providerStatus: 'delivered',
      errorCode: null,
      providerTime: Date.parse(time),
    },
  });
  it("reads the SDK's receipt as a GET", () =>
    assert.deepEqual(parse(getRequest(fixture('sms-dlr.query')), 'status'), delivered('2020-07-17T02:34:35Z')));
  it("reads the SDK's receipt as a form POST", () =>
    assert.deepEqual(parse(formRequest(fixture('sms-dlr.form')), 'status'), delivered('2020-07-17T02:35:15Z')));
  it("reads the SDK's receipt as JSON", () =>
    assert.deepEqual(parse(jsonRequest(fixture('sms-dlr.json')), 'status'), delivered('2020-07-17T02:35:01Z')));
  it("reads err-code 9 as a recipient who opted out with Vonage (the docs' example receipt)", () => {
    assert.deepEqual(parse(jsonRequest(fixture('sms-dlr-opted-out.json')), 'status'), {
      kind: 'status',
      receipt: {
        providerMessageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
        status: 'failed',
        providerStatus: 'failed',
        errorCode: '9',
        providerTime: Date.parse('2020-01-01T12:00:00Z'),
        recipientOptedOut: true,
      },
    });
    const rejected = fixture('sms-dlr-opted-out.json').replace('"failed"', '"rejected"');
    assert.equal(receiptOf(parse(jsonRequest(rejected), 'status')).recipientOptedOut, true);
  });
  it("reads client-ref as Parley's message id", () => {
    const withRef = JSON.stringify({ ...JSON.parse(fixture('sms-dlr.json')), 'client-ref': 'msg_01ABC' });
    assert.equal(receiptOf(parse(jsonRequest(withRef), 'status')).parleyMessageId, 'msg_01ABC');
    assert.equal(receiptOf(parse(jsonRequest(fixture('sms-dlr.json')), 'status')).parleyMessageId, undefined);
  });
  it('does not read other failures, or err-code 9 on a receipt that is not a failure, as an opt-out', () => {
    const other = fixture('sms-dlr-opted-out.json').replace('"err-code": "9"', '"err-code": "6"');
    assert.equal(receiptOf(parse(jsonRequest(other), 'status')).recipientOptedOut, undefined);
    const expired = fixture('sms-dlr-opted-out.json').replace('"failed"', '"expired"');
    assert.equal(receiptOf(parse(jsonRequest(expired), 'status')).recipientOptedOut, undefined);
  });
  it('reads a receipt that came to the inbound URL', () =>
    assert.equal(parse(jsonRequest(fixture('sms-dlr.json')), 'inbound').kind, 'status'));

  const statuses: Array<[string, string | null]> = [
    ['accepted', 'sent'],
    ['buffered', 'sent'],
    ['delivered', 'delivered'],
    ['expired', 'undelivered'],
    ['failed', 'failed'],
    ['rejected', 'failed'],
    ['unknown', null],
  ];
  for (const [vonage, parley] of statuses) {
    it(`maps receipt status ${vonage} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(
        formRequest(fixture('sms-dlr.form').replace('status=delivered', `status=${vonage}`).replace('err-code=0', 'err-code=4')),
        'status',
      );
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind, 'status');
      assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.providerStatus, event.receipt.errorCode], [
        parley,
        vonage,
        '4',
      ]);
    });
  }

  const inboundQuery = 'msisdn=14845552121&to=16105553939&text=hi&messageId=1';
  const bad: Array<[string, WebhookRequest, string, RegExp]> = [
    ['no messageId', getRequest('msisdn=14845552121&to=16105553939&text=hi'), 'invalid_payload', /^messageId/],
    ['no msisdn', getRequest('to=16105553939&text=hi&messageId=1'), 'invalid_payload', /^msisdn/],
    ['an empty GET', getRequest(''), 'invalid_payload', /^msisdn/],
    ['an unreadable msisdn', getRequest('msisdn=abc&to=16105553939&text=hi&messageId=1'), 'invalid_phone_number', /^msisdn/],
    ['an unreadable to', getRequest('msisdn=14845552121&to=12&text=hi&messageId=1'), 'invalid_phone_number', /^to/],
    [
      'a part past the total',
      getRequest(`${inboundQuery}&concat=true&concat-ref=1&concat-part=3&concat-total=2`),
      'invalid_payload',
      /^concat-part/,
    ],
    ['part 0', getRequest(`${inboundQuery}&concat=true&concat-ref=1&concat-part=0&concat-total=2`), 'invalid_payload', /^concat-part/],
    [
      'a total that is not a number',
      getRequest(`${inboundQuery}&concat=true&concat-ref=1&concat-part=1&concat-total=x`),
      'invalid_payload',
      /^concat-total/,
    ],
    [
      'a part without its reference',
      getRequest(`${inboundQuery}&concat=true&concat-part=1&concat-total=2`),
      'invalid_payload',
      /^concat-ref/,
    ],
    ['an unknown receipt status', getRequest('messageId=1&status=teleported'), 'invalid_payload', /^status/],
    ['a receipt status named like an Object method', getRequest('messageId=1&status=toString'), 'invalid_payload', /^status/],
    ['a receipt without messageId', getRequest('status=delivered&err-code=0'), 'invalid_payload', /^messageId/],
    ['an XML body', request({ rawBody: Buffer.from('<sms/>'), contentType: 'text/xml' }), 'unsupported_media_type', /text\/xml/],
    ['a body without a content type', request({ rawBody: Buffer.from('msisdn=1') }), 'unsupported_media_type', /no content type/],
    ['a JSON array', jsonRequest('[1]'), 'invalid_payload', /^body/],
    ['JSON that does not parse', jsonRequest('{"msisdn":'), 'invalid_json', /JSON/],
    ['a JSON msisdn that is an object', jsonRequest('{"msisdn":{"a":1},"to":"16105553939","messageId":"1"}'), 'invalid_payload', /^msisdn/],
  ];
  for (const [name, req, code, message] of bad) {
    it(`refuses ${name} with ${code}`, () =>
      assert.throws(
        () => parse(req),
        (e: unknown) => e instanceof ParleyError && e.code === code && message.test(e.message),
      ));
  }
  it('reads numbers where Vonage sends strings', () => {
    const event = parse(jsonRequest('{"msisdn":14845552121,"to":16105553939,"messageId":2000,"text":"hi","type":"text"}'));
    assert.deepEqual(event.kind === 'inbound' && [event.message.from, event.message.providerMessageId], ['+14845552121', '2000']);
  });
});

describe('vonage adapter: parse, Messages API', () => {
  const parse = (name: string) => vonageAdapter.parse(jsonRequest(fixture(name)), channel(), 'inbound');
  it('reads an inbound SMS', () => {
    assert.deepEqual(parse('messages-inbound-sms.json'), {
      kind: 'inbound',
      message: {
        from: '+447700900001',
        to: '+447700900000',
        body: 'Hello, world!',
        mediaUrls: [],
        providerMessageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
        providerTime: Date.parse('2020-01-01T15:43:21Z'),
      },
    });
  });
  it('reads an inbound MMS image', () => {
    const event = parse('messages-inbound-mms-image.json');
    assert.deepEqual(event.kind === 'inbound' && [event.message.body, event.message.mediaUrls], [
      '',
      ['https://www.example.org/path/to/image.png'],
    ]);
  });
  it('reads a submitted status', () => {
    assert.deepEqual(parse('messages-status-submitted.json'), {
      kind: 'status',
      receipt: {
        providerMessageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ad',
        status: 'sent',
        providerStatus: 'submitted',
        errorCode: null,
        providerTime: Date.parse('2020-01-01T14:00:03.010Z'),
      },
    });
  });
  it('reads a rejected status with its error code (a number in the JSON)', () => {
    const event = parse('messages-status-rejected.json');
    assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.errorCode], ['failed', '1050']);
  });
  it('reads an undeliverable status', () => {
    const event = parse('messages-status-undeliverable.json');
    assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.providerStatus], ['undelivered', 'undeliverable']);
  });
  it('ignores a read status', () => assert.equal(parse('messages-status-read.json').kind, 'ignored'));

  const statuses: Array<[string, string | null]> = [
    ['submitted', 'sent'],
    ['delivered', 'delivered'],
    ['rejected', 'failed'],
    ['undeliverable', 'undelivered'],
    ['read', null],
  ];
  for (const [vonage, parley] of statuses) {
    it(`maps status ${vonage} to ${parley ?? 'nothing (ignored)'}`, () => {
      const body = fixture('messages-status-submitted.json').replace('"submitted"', `"${vonage}"`);
      const event = vonageAdapter.parse(jsonRequest(body), channel(), 'status');
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
    });
  }
  it('ignores a message on another channel', () => {
    const body = fixture('messages-inbound-sms.json').replace('"sms"', '"whatsapp"');
    assert.equal(vonageAdapter.parse(jsonRequest(body), channel(), 'inbound').kind, 'ignored');
  });

  const inbound = JSON.parse(fixture('messages-inbound-sms.json')) as Record<string, unknown>;
  const bad: Array<[string, unknown, string, RegExp]> = [
    ['no from', { ...inbound, from: undefined }, 'invalid_payload', /^from/],
    ['a from that is a number', { ...inbound, from: 447700900001 }, 'invalid_payload', /^from/],
    ['an unreadable to', { ...inbound, to: 'nobody' }, 'invalid_phone_number', /^to/],
    ['no channel', { ...inbound, channel: undefined }, 'invalid_payload', /^channel/],
    ['a message_uuid that is a number', { ...inbound, message_uuid: 5 }, 'invalid_payload', /^message_uuid/],
    ['a text that is an array', { ...inbound, text: ['a'] }, 'invalid_payload', /^text/],
    ['an unknown status', { message_uuid: 'u', status: 'teleported' }, 'invalid_payload', /^status/],
    ['a status that is a number', { message_uuid: 'u', status: 7 }, 'invalid_payload', /^status/],
    ['an error that is a string', { message_uuid: 'u', status: 'rejected', error: 'oops' }, 'invalid_payload', /^error/],
  ];
  for (const [name, body, code, message] of bad) {
    it(`refuses ${name} with ${code}`, () =>
      assert.throws(
        () => vonageAdapter.parse(jsonRequest(JSON.stringify(body)), channel(), 'inbound'),
        (e: unknown) => e instanceof ParleyError && e.code === code && message.test(e.message),
      ));
  }
});

describe('vonage adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = {
    id: 'msg_01',
    from: '+16105553939',
    to: '+14845552121',
    body: 'Reply YES to confirm',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/vg/status?parley_id=msg_01',
  };
  const ok: Reply = { status: 200, body: JSON.parse(fixture('send-success.json')) };

  it('posts the SMS API form and reads the message-id', async () => {
    api.next = ok;
    assert.deepEqual(await vonageAdapter.send(message, channel({ api_url: api.url })), {
      providerMessageId: '0A0000000123ABCD1',
      status: 'sent',
    });
    assert.equal(api.last().method, 'POST');
    assert.equal(api.last().path, '/sms/json');
    assert.match(String(api.last().headers['content-type']), /^application\/x-www-form-urlencoded/);
    assert.deepEqual(Object.fromEntries(api.lastForm()), {
      api_key: 'a1234567',
      api_secret: 'api-secret-1',
      from: '16105553939',
      to: '14845552121',
      text: message.body,
      'client-ref': 'msg_01',
      callback: message.statusCallbackUrl,
      'status-report-req': '1',
    });
  });
  it('leaves out callback when the channel has no public_url', async () => {
    api.next = ok;
    await vonageAdapter.send({ ...message, statusCallbackUrl: null }, channel({ api_url: api.url }));
    assert.deepEqual([api.lastForm().has('callback'), api.lastForm().has('status-report-req')], [false, false]);
  });
  it('asks for unicode when the text needs UCS-2, and not otherwise', async () => {
    api.next = ok;
    await vonageAdapter.send({ ...message, body: 'Merci 😊' }, channel({ api_url: api.url }));
    assert.equal(api.lastForm().get('type'), 'unicode');
    await vonageAdapter.send({ ...message, body: 'Prix: 5€ {ok}' }, channel({ api_url: api.url }));
    assert.equal(api.lastForm().get('type'), null);
  });
  it("keeps every part's id for a message sent in parts, the first standing for the message", async () => {
    api.next = { status: 200, body: JSON.parse(fixture('send-multi.json')) };
    assert.deepEqual(await vonageAdapter.send({ ...message, body: 'x'.repeat(400) }, channel({ api_url: api.url })), {
      providerMessageId: '00000124',
      status: 'sent',
      partIds: ['00000124', '00000125', '00000126'],
    });
  });
  it('refuses media without calling Vonage', async () => {
    const calls = api.received.length;
    await assert.rejects(
      vonageAdapter.send({ ...message, mediaUrls: ['https://example.com/a.png'] }, channel({ api_url: api.url })),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected',
    );
    assert.equal(api.received.length, calls);
  });

  const answer = (name: string): Reply => ({ status: 200, body: JSON.parse(fixture(name)) });
  const refusal = (status: string, text: string, httpStatus = 200): Reply => ({
    status: httpStatus,
    body: { 'message-count': '1', messages: [{ status, 'error-text': text }] },
  });
  const partial: Reply = {
    status: 200,
    body: {
      'message-count': '2',
      messages: [
        { status: '0', 'message-id': '00000124', to: '14845552121' },
        { status: '1', 'error-text': 'Throughput Rate Exceeded' },
      ],
    },
  };
  const failures: Array<[string, Reply | 'closed', string, string | null, boolean]> = [
    ["status 1, the SDK's rate limit answer", answer('send-ratelimit.json'), 'throttled', '1', true],
    ["status 1, the SDK's MT limit answer", answer('send-mt-limit.json'), 'throttled', '1', true],
    ['status 2 (missing parameters)', answer('send-fail.json'), 'rejected', '2', false],
    ['status 5 (internal error)', answer('send-fail-server.json'), 'provider_unavailable', '5', true],
    ['status 101 (invalid account for campaign)', answer('send-fail-shortcode.json'), 'rejected', '101', false],
    ['status 3 (invalid parameters)', refusal('3', 'Invalid to address'), 'rejected', '3', false],
    ['status 4 (bad credentials)', refusal('4', 'Bad Credentials'), 'rejected', '4', false],
    ['status 7 (number barred)', refusal('7', 'Number barred'), 'recipient_opted_out', '7', false],
    ['status 9 (no credit)', refusal('9', 'Partner quota exceeded'), 'rejected', '9', false],
    ['status 10 (too many binds)', refusal('10', 'Too many existing binds'), 'throttled', '10', true],
    ['part 2 refused after part 1 was accepted', partial, 'rejected', '1', false],
    ['a 200 without messages', { status: 200, body: {} }, 'invalid_response', null, false],
    [
      'a 200 accepting without a message-id',
      { status: 200, body: { 'message-count': '1', messages: [{ status: '0' }] } },
      'invalid_response',
      null,
      false,
    ],
    ['an HTTP 429', { status: 429, body: {} }, 'throttled', '429', true],
    ['an HTTP 500', { status: 500, body: {} }, 'provider_unavailable', '500', true],
    ['an HTTP 401 carrying status 4', refusal('4', 'Bad Credentials', 401), 'rejected', '4', false],
    ['an HTTP 403 carrying status 7', refusal('7', 'Number barred', 403), 'recipient_opted_out', '7', false],
    ['a closed port', 'closed', 'connection', null, true],
    ['no answer', { status: 200, body: {}, hang: true }, 'connection', null, true],
  ];
  for (const [name, reply, kind, code, retryable] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      const ch = channel({ api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 });
      await assert.rejects(
        vonageAdapter.send(message, ch),
        (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code && e.retryable === retryable,
      );
    });
  }
});

describe("vonage adapter: against the test kit's stand-in for the SMS API", () => {
  const kitApi = new ApiStandIn((request) => kit.answerSend(request));
  before(() => kitApi.start());
  after(() => kitApi.stop());
  const kitChannel = () => vonageChannelSchema.parse(kit.channel('vg', '+16105553939', kitApi.url, 'https://sms.example.com'));
  const message = {
    id: 'msg_02',
    from: '+16105553939',
    to: '+14845552121',
    body: 'Hi',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/vg/status?parley_id=msg_02',
  };

  it("is accepted with the channel's key and secret", async () =>
    assert.equal((await vonageAdapter.send(message, kitChannel())).status, 'sent'));
  it('is refused with another secret', async () => {
    await assert.rejects(
      vonageAdapter.send(message, { ...kitChannel(), api_secret: 'wrong' }),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected' && e.providerCode === '4',
    );
  });
  it('is refused for an empty text', async () => {
    await assert.rejects(
      vonageAdapter.send({ ...message, body: '' }, kitChannel()),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected' && e.providerCode === '2',
    );
  });
  it("the kit's signed inbound message passes verify and parse", async () => {
    const ch = kitChannel();
    const signed = kit.inbound(
      { from: '+14845552121', to: '+16105553939', body: 'YES & more', id: '0B00000042AC53BD' },
      'https://sms.example.com/hooks/vg/inbound',
    );
    const req = formRequest(signed.body);
    assert.deepEqual(await vonageAdapter.verify(req, ch), { ok: true });
    const event = vonageAdapter.parse(req, ch, 'inbound');
    assert.deepEqual(event.kind === 'inbound' && [event.message.from, event.message.to, event.message.body], [
      '+14845552121',
      '+16105553939',
      'YES & more',
    ]);
  });
  it("the kit's signed receipt, posted to the callback URL, passes verify and parse", async () => {
    const ch = kitChannel();
    const signed = kit.status(
      { providerMessageId: '0A00000000000001', from: '+16105553939', to: '+14845552121', delivered: false },
      message.statusCallbackUrl,
    );
    const req = formRequest(signed.body, Date.now(), '/hooks/vg/status?parley_id=msg_02');
    assert.deepEqual(await vonageAdapter.verify(req, ch), { ok: true });
    const event = vonageAdapter.parse(req, ch, 'status');
    assert.deepEqual(event.kind === 'status' && [event.receipt.providerMessageId, event.receipt.status, event.receipt.errorCode], [
      '0A00000000000001',
      'failed',
      '6',
    ]);
  });
});

describe('vonage channel config', () => {
  const base = {
    name: 'vg',
    provider: 'vonage',
    numbers: ['+16105553939'],
    api_key: 'a1234567',
    api_secret: 's',
    signature_secret: 'sig-secret',
  };
  it('defaults signature_method to md5hash, as the dashboard does', () =>
    assert.equal(vonageChannelSchema.parse(base).signature_method, 'md5hash'));
  it('names the methods when given another', () => {
    const result = vonageChannelSchema.safeParse({ ...base, signature_method: 'sha384' });
    assert.equal(result.success, false);
    assert.match(result.error?.issues[0]?.message ?? '', /md5hash, md5, sha1, sha256, sha512/);
  });
  it('refuses an empty signature secret', () =>
    assert.equal(vonageChannelSchema.safeParse({ ...base, signature_secret: '' }).success, false));
  it('refuses a field it does not know', () => assert.equal(vonageChannelSchema.safeParse({ ...base, auth_token: 'x' }).success, false));
});
