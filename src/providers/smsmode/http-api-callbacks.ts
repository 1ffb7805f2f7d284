import { createHash } from 'node:crypto';
import type { OutboundStatus } from '../../core/message-status.js';
import { toE164 } from '../../core/phone.js';
import { ParleyError } from '../../errors.js';
import type { InboundMessage, StatusReceipt, WebhookEvent, WebhookPath } from '../contract.js';
import { readPhone, requireField } from '../webhook-body.js';
import type { SmsmodeChannelConfig } from './config.js';

// The callbacks of smsmode's HTTP API (v1.6, `sendSMS.do`), which accounts set up for it still
// send: flat parameters, as a GET query (or a form body). Delivery reports carry `numero`, `statut`,
// `smsID`, `date_reception`, `refClient`, `mcc_mnc`; replies carry `numero`, `message`, `emetteur`,
// `date_reception`, `smsID`, `refClient`, `responseID`. `date_reception` is a local time without a
// zone, so Parley does not read it as the provider's time.

/** Whether these parameters are an HTTP API callback rather than something else sent without JSON. */
export function isHttpApiCallback(fields: Map<string, string>): boolean {
  return fields.has('smsID') || fields.has('statut') || fields.has('responseID');
}

export function parseHttpApiCallback(fields: Map<string, string>, channel: SmsmodeChannelConfig, path: WebhookPath): WebhookEvent {
  // Only delivery reports carry a `statut`; only replies a `message`.
  const isReport = fields.has('statut') || (path === 'status' && !fields.has('message'));
  return isReport ? reportOf(fields) : { kind: 'inbound', message: replyOf(fields, channel) };
}

/**
 * The HTTP API's delivery codes in Parley's set. `undelivered`: the operator tried and could not
 * deliver; `failed`: it was refused or could never reach the number. Codes that say nothing about
 * delivery (read receipts, a template, "undefined") are acknowledged and not applied.
 */
const statusCodes = new Map<string, OutboundStatus | null>([
  ['0', 'sent'], // sent
  ['1', 'queued'], // being processed
  ['2', 'failed'], // internal error
  ['10', 'queued'], // scheduled
  ['11', 'delivered'], // received by the handset
  ['12', 'sent'], // partly delivered: the other parts may still arrive
  ['13', 'sent'], // handed to the operator (temporary)
  ['14', 'sent'], // handed to the operator
  ['15', 'sent'], // partly received
  ['16', 'delivered'], // listened to (voice)
  ['21', 'failed'], // not deliverable
  ['22', 'failed'], // rejected
  ['33', 'failed'], // not sent: no credit left
  ['34', 'failed'], // routing error
  ['35', 'undelivered'], // reception error
  ['3501', 'undelivered'], // temporary operator error
  ['3502', 'undelivered'], // temporary absence
  ['3503', 'undelivered'], // temporary handset error
  ['3504', 'undelivered'], // temporary portability error
  ['3521', 'undelivered'], // permanent operator error
  ['3522', 'undelivered'], // permanent absence
  ['3523', 'undelivered'], // permanent handset error
  ['3524', 'failed'], // refused by an anti-spam filter
  ['3525', 'failed'], // refused for its content
  ['3526', 'undelivered'], // permanent portability error
  ['3527', 'undelivered'], // permanent roaming error
  ['3560', 'failed'], // not routable
  ['3599', 'undelivered'], // other error
  ['36', 'failed'], // message error
  ['37', 'undelivered'], // expired
  ['38', 'failed'], // too long
  ['3998', 'failed'], // invalid recipient
  ['3999', 'failed'], // blacklisted recipient: see below
  ['40', null], // a template, not a send
  ['50', 'undelivered'], // not delivered
  ['100', null], // read
  ['101', null], // not read
  ['999', null], // undefined
]);

/** smsmode blacklists a number that sent it STOP, and reports sends to it with this code. */
const blacklistedCode = '3999';

function reportOf(fields: Map<string, string>): WebhookEvent {
  const code = requireField(fields, 'statut');
  if (!statusCodes.has(code)) throw new ParleyError('invalid_payload', `statut: "${code.slice(0, 20)}" is not an smsmode delivery code`);
  const status = statusCodes.get(code);
  if (!status) return { kind: 'ignored', reason: `delivery code ${code} says nothing about delivery` };
  const receipt: StatusReceipt = {
    providerMessageId: requireField(fields, 'smsID'),
    status,
    providerStatus: code,
    errorCode: status === 'failed' || status === 'undelivered' ? code : null,
    providerTime: null,
  };
  const refClient = fields.get('refClient');
  if (refClient) receipt.parleyMessageId = refClient;
  if (code === blacklistedCode) receipt.recipientOptedOut = true;
  return { kind: 'status', receipt };
}

function replyOf(fields: Map<string, string>, channel: SmsmodeChannelConfig): InboundMessage {
  const body = fields.get('message');
  if (body === undefined) throw new ParleyError('invalid_payload', 'message: required');
  const from = readPhone(requireField(fields, 'numero'), 'numero');
  return {
    from,
    // `emetteur` is the number the reply was sent to; a short code or a name is not one of ours.
    to: toE164(fields.get('emetteur') ?? '') ?? channel.numbers[0]!,
    body,
    mediaUrls: [],
    providerMessageId: replyId(fields, from, body),
    providerTime: null,
  };
}

/**
 * `responseID` identifies the reply. Without it, `smsID` names the message replied to, which every
 * reply to that message shares: the id is then made from everything the reply says, so that
 * smsmode's retries of one reply are one message and two replies stay two.
 */
function replyId(fields: Map<string, string>, from: string, body: string): string {
  const responseId = fields.get('responseID');
  if (responseId) return responseId;
  const repliedTo = requireField(fields, 'smsID');
  const digest = createHash('sha256')
    .update(`${from}\n${fields.get('date_reception') ?? ''}\n${body}`)
    .digest('hex')
    .slice(0, 16);
  return `${repliedTo}:${digest}`;
}
