import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { ParleyError } from '../../errors.js';
import type { WebhookEvent, WebhookRequest } from '../contract.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';

// Parsing: the Messages API

const messagesApiStatuses = new Map<string, OutboundStatus | null>([
  ['submitted', 'sent'],
  ['delivered', 'delivered'],
  ['rejected', 'failed'],
  ['undeliverable', 'undelivered'],
  ['read', null],
]);

const timestamp = z.string().max(64).nullish();
const media = z.object({ url: z.string().max(2048) }).nullish();

const messagesStatusSchema = z.object({
  message_uuid: z.string().min(1).max(256),
  status: z.string().max(64),
  timestamp,
  error: z.object({ title: z.union([z.string().max(64), z.number()]).nullish() }).nullish(),
});

const messagesInboundSchema = z.object({
  message_uuid: z.string().min(1).max(256),
  channel: z.string().max(32),
  from: z.string().max(64),
  to: z.string().max(64),
  text: z.string().max(65_536).nullish(),
  timestamp,
  image: media,
  audio: media,
  video: media,
  file: media,
  vcard: media,
});

export function messagesApiReceipt(request: WebhookRequest): WebhookEvent {
  const body = readJsonBody(request, messagesStatusSchema);
  if (!messagesApiStatuses.has(body.status))
    throw new ParleyError('invalid_payload', `status: "${body.status.slice(0, 40)}" is not a Messages API status`);
  const status = messagesApiStatuses.get(body.status);
  if (!status) return { kind: 'ignored', reason: `Messages API status ${body.status} is not tracked` };
  const title = body.error?.title;
  return {
    kind: 'status',
    receipt: {
      providerMessageId: body.message_uuid,
      status,
      providerStatus: body.status,
      errorCode: title === undefined || title === null || title === '' ? null : String(title),
      providerTime: readTimestamp(body.timestamp),
    },
  };
}

export function messagesApiInbound(request: WebhookRequest, channel: unknown): WebhookEvent {
  if (typeof channel === 'string' && channel !== 'sms' && channel !== 'mms') {
    return { kind: 'ignored', reason: `a Messages API message on channel ${channel.slice(0, 20)}; Parley reads sms and mms` };
  }
  const body = readJsonBody(request, messagesInboundSchema);
  const mediaUrls = [body.image, body.audio, body.video, body.file, body.vcard].flatMap((m) =>
    m && /^https?:\/\//i.test(m.url) ? [m.url] : [],
  );
  return {
    kind: 'inbound',
    message: {
      from: readPhone(body.from, 'from'),
      to: readPhone(body.to, 'to'),
      body: body.text ?? '',
      mediaUrls,
      providerMessageId: body.message_uuid,
      providerTime: readTimestamp(body.timestamp),
    },
  };
}
