import { createHash, randomUUID } from 'node:crypto';
import { countSegments } from '../../core/segments.js';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// Vonage as the end-to-end test meets it: SMS API webhooks signed with the default md5hash
// method, and a stand-in for POST /sms/json that checks credentials and fields and answers as the
// SMS API does (200 with a status per part, refusals included).

const apiKey = 'kitkey01';
const apiSecret = 'kit-api-secret-01';
const signatureSecret = 'kit-signature-secret-0123456789ab';

/** Vonage's md5hash signing, written out here apart from the adapter's: sorted `&name=value` (`&`, `=` in values → `_`), then MD5 of that and the secret. */
function md5hashSig(params: Record<string, string>): string {
  const input = Object.keys(params)
    .sort()
    .map((name) => `&${name}=${params[name]!.replace(/[&=]/g, '_')}`)
    .join('');
  return createHash('md5')
    .update(input + signatureSecret)
    .digest('hex');
}

function signedForm(url: string, fields: Record<string, string>): SignedRequest {
  const params = { ...fields, timestamp: String(Math.floor(Date.now() / 1000)), nonce: randomUUID() };
  const body = new URLSearchParams({ ...params, sig: md5hashSig(params) }).toString();
  return { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
}

const bare = (phone: string) => phone.replace(/^\+/, '');
/** `YYYY-MM-DD HH:MM:SS` in UTC, as the SMS API writes times. */
const smsApiNow = () => new Date().toISOString().slice(0, 19).replace('T', ' ');

let sentParts = 0;

function smsApiAnswer(messages: Array<Record<string, string>>) {
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ 'message-count': String(messages.length), messages }) };
}

const refusal = (status: string, errorText: string) => smsApiAnswer([{ status, 'error-text': errorText }]);

/** The SMS API takes form or JSON bodies. */
function sendFields(contentType: string | undefined, body: string): Map<string, string> {
  if (contentType?.startsWith('application/json')) {
    try {
      return new Map(Object.entries(JSON.parse(body) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    } catch {
      return new Map();
    }
  }
  return new Map(new URLSearchParams(body));
}

export const kit: ProviderTestKit = {
  provider: 'vonage',
  inboundPath: 'inbound',
  statusPath: 'status',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'vonage',
    numbers: [number],
    api_key: apiKey,
    api_secret: apiSecret,
    signature_secret: signatureSecret,
    signature_method: 'md5hash',
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) =>
    signedForm(url, {
      msisdn: bare(m.from),
      to: bare(m.to),
      messageId: m.id,
      text: m.body,
      type: countSegments(m.body).encoding === 'UCS-2' ? 'unicode' : 'text',
      keyword: (m.body.split(/\s/)[0] ?? '').toUpperCase(),
      'api-key': apiKey,
      'message-timestamp': smsApiNow(),
    }),
  status: (r, url) =>
    signedForm(url, {
      // In a receipt, msisdn is the recipient of the message and to its sender.
      msisdn: bare(r.to),
      to: bare(r.from),
      'network-code': '310004',
      messageId: r.providerMessageId,
      price: '0.00845000',
      status: r.delivered ? 'delivered' : 'failed',
      scts: smsApiNow().replace(/\D/g, '').slice(2, 12),
      'err-code': r.delivered ? '0' : '6',
      'api-key': apiKey,
      'message-timestamp': smsApiNow(),
    }),
  answerSend(req) {
    if (req.method !== 'POST' || req.path.split('?')[0] !== '/sms/json')
      return { status: 404, contentType: 'text/plain', body: 'not found' };
    const fields = sendFields(req.headers['content-type'], req.body);
    // The SMS API refuses inside a 200, with a status code per message.
    if (fields.get('api_key') !== apiKey || fields.get('api_secret') !== apiSecret) return refusal('4', 'Bad Credentials');
    const [from, to, text] = [fields.get('from'), fields.get('to'), fields.get('text')];
    if (!from || !to || !text) return refusal('2', `Missing ${!from ? 'from' : !to ? 'to' : 'text'} param`);
    if (!/^\d{7,15}$/.test(to)) return refusal('3', 'Invalid to address');
    if (!/^(?:\d{3,15}|[A-Za-z0-9 ]{1,11})$/.test(from)) return refusal('3', 'Invalid from param');
    // One entry per part of the text, as Vonage splits it.
    const parts = Array.from({ length: countSegments(text).segments }, () => {
      sentParts += 1;
      return {
        to,
        'message-id': `0A00000000${String(sentParts).padStart(6, '0')}`,
        status: '0',
        'remaining-balance': '3.14159265',
        'message-price': '0.03330000',
        network: '12345',
        ...(fields.get('client-ref') ? { 'client-ref': fields.get('client-ref')! } : {}),
      };
    });
    return {
      ...smsApiAnswer(parts),
      sent: { to: `+${to}`, body: text, providerMessageId: parts[0]!['message-id'], statusUrl: fields.get('callback') ?? null },
    };
  },
};
