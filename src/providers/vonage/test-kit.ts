import { createHash, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

const apiKey = 'kitkey01';
const apiSecret = 'kit-api-secret-01';
const signatureSecret = 'kit-signature-secret-0123';

// Signs as Vonage does with md5hash: sorted `&name=value` pairs (`&`, `=` in values → `_`) + secret.
function signedForm(url: string, params: Record<string, string>): SignedRequest {
  const all = { ...params, timestamp: String(Math.floor(Date.now() / 1000)), nonce: randomUUID() };
  const input = Object.keys(all)
    .sort()
    .map((k) => `&${k}=${all[k as keyof typeof all].replace(/[&=]/g, '_')}`)
    .join('');
  const sig = createHash('md5').update(input + signatureSecret).digest('hex');
  return { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...all, sig }).toString() };
}

const bare = (phone: string) => phone.replace(/^\+/, '');
let ids = 0;

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
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) =>
    signedForm(url, {
      msisdn: bare(m.from),
      to: bare(m.to),
      messageId: m.id,
      text: m.body,
      type: 'text',
      keyword: m.body.split(' ')[0]!.toUpperCase(),
      'api-key': apiKey,
      'message-timestamp': new Date().toISOString().slice(0, 19).replace('T', ' '),
    }),
  status: (r, url) =>
    signedForm(url, {
      msisdn: bare(r.to),
      to: bare(r.from),
      'network-code': '310004',
      messageId: r.providerMessageId,
      price: '0.00845000',
      status: r.delivered ? 'delivered' : 'failed',
      'err-code': r.delivered ? '0' : '6',
      'api-key': apiKey,
      'message-timestamp': new Date().toISOString().slice(0, 19).replace('T', ' '),
    }),
  answerSend(req) {
    const json = (body: unknown) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    if (req.method !== 'POST' || req.path !== '/sms/json') return { status: 404, contentType: 'text/plain', body: 'not found' };
    const form = new URLSearchParams(req.body);
    // The SMS API answers 200 and puts refusals in messages[].status.
    if (form.get('api_key') !== apiKey || form.get('api_secret') !== apiSecret) return json({ 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials' }] });
    const to = form.get('to');
    const text = form.get('text');
    if (!to || !text || !form.get('from')) return json({ 'message-count': '1', messages: [{ status: '2', 'error-text': 'Missing to, from or text' }] });
    const id = `0A00000000${String(++ids).padStart(6, '0')}`;
    return {
      ...json({ 'message-count': '1', messages: [{ to, 'message-id': id, status: '0', 'client-ref': form.get('client-ref') }] }),
      sent: { to: `+${to}`, body: text, providerMessageId: id, statusUrl: form.get('callback') },
    };
  },
};
