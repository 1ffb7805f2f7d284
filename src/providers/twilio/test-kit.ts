import { createHmac } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
const authToken = 'kit-auth-token-0123456789abcdef';

// Signs as Twilio does: URL + sorted name/value pairs, HMAC-SHA1 with the Auth Token, base64.
function signedForm(url: string, params: Record<string, string>): SignedRequest {
  let data = url;
  for (const name of Object.keys(params).sort()) data += name + params[name];
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': createHmac('sha1', authToken).update(data).digest('base64'),
    },
    body: new URLSearchParams(params).toString(),
  };
}

let sids = 0;

export const kit: ProviderTestKit = {
  provider: 'twilio',
  inboundPath: 'inbound',
  statusPath: 'status',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'twilio',
    numbers: [number],
    account_sid: accountSid,
    auth_token: authToken,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) =>
    signedForm(url, {
      MessageSid: m.id,
      SmsSid: m.id,
      AccountSid: accountSid,
      From: m.from,
      To: m.to,
      Body: m.body,
      NumMedia: '0',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    }),
  status: (r, url) =>
    signedForm(url, {
      MessageSid: r.providerMessageId,
      AccountSid: accountSid,
      From: r.from,
      To: r.to,
      MessageStatus: r.delivered ? 'delivered' : 'undelivered',
      ...(r.delivered ? {} : { ErrorCode: '30003' }),
    }),
  answerSend(req) {
    const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expectedAuth)
      return { status: 401, contentType: 'application/json', body: JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }) };
    if (req.method !== 'POST' || req.path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`)
      return { status: 404, contentType: 'application/json', body: '{"code":20404}' };
    const form = new URLSearchParams(req.body);
    const to = form.get('To');
    const body = form.get('Body');
    if (!to || !body || !(form.get('From') || form.get('MessagingServiceSid'))) {
      return {
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ code: 21604, message: "A 'To' phone number is required.", status: 400 }),
      };
    }
    const sid = `SM${String(++sids).padStart(32, '0')}`;
    return {
      status: 201,
      contentType: 'application/json',
      body: JSON.stringify({ sid, status: 'queued', to, body, num_segments: '1' }),
      sent: { to, body, providerMessageId: sid, statusUrl: form.get('StatusCallback') },
    };
  },
};
