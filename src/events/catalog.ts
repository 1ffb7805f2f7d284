import { messageStatuses } from '../core/message-status.js';
import { eventTypes, type EventPayloads, type EventType } from './events.js';

// The published event catalog: for each event type, what it means, the JSON Schema of its `data`
// and an example. `GET /v1/event-types` serves it and docs/webhooks.md points there. The version
// changes only when a change could break a receiver (a field removed or retyped); new optional
// fields and new event types keep it.

export const eventCatalogVersion = 1;

type Schema = Record<string, unknown>;

const text: Schema = { type: 'string' };
const nullableText: Schema = { type: ['string', 'null'] };
const e164: Schema = { type: 'string', pattern: '^\\+[1-9][0-9]{1,14}$' };
const id = (prefix: string): Schema => ({ type: 'string', pattern: `^${prefix}_` });

function object(properties: Record<string, Schema>): Schema {
  return { type: 'object', required: Object.keys(properties), properties, additionalProperties: false };
}

const consentData = object({
  contact_id: id('ct'),
  phone: e164,
  channel: text,
  local_number: e164,
  scope: { type: 'string', description: 'The business number the change covers, or "*" for all of them.' },
  message_id: { anyOf: [id('msg'), { type: 'null' }] },
  text: { type: 'string', description: 'What the contact wrote, or why the provider refused.' },
});

const flowBase = { session_id: id('fs'), flow: text, contact_id: id('ct') };
const flowExample = { session_id: 'fs_01KAQ3FE0000000000000000EE', flow: 'appointment', contact_id: 'ct_01KAQ3F8ZK9W0Y7D5C2B1A0002' };

interface CatalogEntry<T extends EventType> {
  description: string;
  schema: Schema;
  example: EventPayloads[T];
}

export const eventCatalog: { [T in EventType]: CatalogEntry<T> } = {
  'message.received': {
    description: 'An inbound message was stored and routed.',
    schema: object({
      message_id: id('msg'),
      conversation_id: id('conv'),
      channel: text,
      from: e164,
      to: e164,
      body: text,
      media_urls: { type: 'array', items: { type: 'string' } },
    }),
    example: {
      message_id: 'msg_01KAQ3F8ZK9W0Y7D5C2B1A0000',
      conversation_id: 'conv_01KAQ3F8ZK9W0Y7D5C2B1A0001',
      channel: 'us-main',
      from: '+15551234567',
      to: '+18005550100',
      body: 'YES',
      media_urls: [],
    },
  },
  'message.sent': {
    description: 'The provider accepted an outbound message.',
    schema: object({ message_id: id('msg'), channel: text, to: e164, provider_message_id: text }),
    example: {
      message_id: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
      channel: 'us-main',
      to: '+15551234567',
      provider_message_id: 'SM1342fe1b2c904d1ab04f0fc7a58abca9',
    },
  },
  'message.unknown_outcome': {
    description:
      "A send was cut short by a crash after it may have reached the provider, so whether the text went out is unknown. With the channel's on_unknown_outcome: resend (the default) it is sent again under the same Parley id; with fail the message is failed (message.status with error_code unknown_outcome).",
    schema: object({ message_id: id('msg'), channel: text, to: e164, action: { enum: ['resend', 'fail'] } }),
    example: { message_id: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9', channel: 'us-main', to: '+15551234567', action: 'resend' },
  },
  'message.status': {
    description:
      "An outbound message's status moved forward (statuses only move forward; receipts that arrive late change nothing). A scheduled message moves to queued at its send_at, to canceled when called off, or to failed with error_code too_late when its time passed too long ago while Parley was not running.",
    schema: object({
      message_id: id('msg'),
      status: { enum: [...messageStatuses] },
      previous_status: text,
      provider_status: nullableText,
      error_code: nullableText,
    }),
    example: {
      message_id: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
      status: 'delivered',
      previous_status: 'sent',
      provider_status: 'delivered',
      error_code: null,
    },
  },
  'conversation.needs_human': {
    description:
      'A conversation entered the human queue; emitted once more, with reason auto_reply_loop, when loop protection pauses automatic replies in a conversation already waiting there.',
    schema: object({
      conversation_id: id('conv'),
      contact_id: id('ct'),
      channel: text,
      reason: { enum: ['unrecognized', 'help', 'rule', 'auto_reply_loop', 'unrouted', 'flow'] },
    }),
    example: {
      conversation_id: 'conv_01KAQ3F8ZK9W0Y7D5C2B1A0001',
      contact_id: 'ct_01KAQ3F8ZK9W0Y7D5C2B1A0002',
      channel: 'us-main',
      reason: 'unrecognized',
    },
  },
  'conversation.closed': {
    description: 'An agent closed a conversation.',
    schema: object({ conversation_id: id('conv'), contact_id: id('ct'), channel: text }),
    example: { conversation_id: 'conv_01KAQ3F8ZK9W0Y7D5C2B1A0001', contact_id: 'ct_01KAQ3F8ZK9W0Y7D5C2B1A0002', channel: 'us-main' },
  },
  'contact.opted_out': {
    description: 'A contact opted out (STOP and its variants, or the provider refused a send because the recipient opted out there).',
    schema: consentData,
    example: {
      contact_id: 'ct_01KAQ3F8ZK9W0Y7D5C2B1A0002',
      phone: '+15551234567',
      channel: 'us-main',
      local_number: '+18005550100',
      scope: '+18005550100',
      message_id: 'msg_01KAQ3FA0000000000000000AA',
      text: 'STOP',
    },
  },
  'contact.opted_in': {
    description: 'A contact opted back in (START, UNSTOP, …).',
    schema: consentData,
    example: {
      contact_id: 'ct_01KAQ3F8ZK9W0Y7D5C2B1A0002',
      phone: '+15551234567',
      channel: 'us-main',
      local_number: '+18005550100',
      scope: '+18005550100',
      message_id: 'msg_01KAQ3FB0000000000000000BB',
      text: 'START',
    },
  },
  'rule.matched': {
    description: 'A keyword or intent rule with an `event:` matched an inbound message.',
    schema: object({
      rule: text,
      event: text,
      intent: nullableText,
      message_id: id('msg'),
      conversation_id: id('conv'),
      contact_id: id('ct'),
    }),
    example: {
      rule: 'confirm',
      event: 'appointment.confirmed',
      intent: 'confirm',
      message_id: 'msg_01KAQ3F8ZK9W0Y7D5C2B1A0000',
      conversation_id: 'conv_01KAQ3F8ZK9W0Y7D5C2B1A0001',
      contact_id: 'ct_01KAQ3F8ZK9W0Y7D5C2B1A0002',
    },
  },
  'flow.started': {
    description: 'A conversation flow started for a contact (from the API or a keyword rule).',
    schema: object({ ...flowBase, phone: e164, channel: text }),
    example: { ...flowExample, phone: '+15551234567', channel: 'us-main' },
  },
  'flow.step': {
    description: "A flow session entered a step; the step's message, if any, was queued with it.",
    schema: object({ ...flowBase, step: text }),
    example: { ...flowExample, step: 'offer_slots' },
  },
  'flow.completed': {
    description:
      'A flow session ended: the flow finished, handed the contact to a human, the contact opted out, or another flow replaced it.',
    schema: object({ ...flowBase, step: text, outcome: { enum: ['completed', 'handed_off', 'opted_out', 'replaced'] } }),
    example: { ...flowExample, step: 'booked', outcome: 'completed' },
  },
  'flow.expired': {
    description: "A flow session reached its flow's expires_after before finishing.",
    schema: object({ ...flowBase, step: text }),
    example: { ...flowExample, step: 'confirm' },
  },
  'flow.event': {
    description: "A flow's `event:` action ran; `vars` are the session's variables at that moment.",
    schema: object({ ...flowBase, step: text, name: text, vars: { type: 'object' } }),
    example: { ...flowExample, step: 'booked', name: 'appointment.rescheduled', vars: { appointment_id: 'apt_1001' } },
  },
  'broadcast.completed': {
    description:
      "A broadcast's dispatch is done: every recipient's text was queued (some may wait for their quiet hours) or skipped (opted out, a template value missing). Sends and receipts still follow; GET /v1/broadcasts/:id has the counts as they move.",
    schema: object({ broadcast_id: id('bc'), channel: text, recipients: { type: 'integer', minimum: 0 } }),
    example: { broadcast_id: 'bc_01KAQ3FG0000000000000000GG', channel: 'us-main', recipients: 12480 },
  },
  'endpoint.disabled': {
    description: 'An event webhook endpoint was disabled: it answered 410 Gone, or every attempt failed for `webhooks.disable_after`.',
    schema: object({ endpoint_id: id('ep'), url: text, reason: text }),
    example: {
      endpoint_id: 'ep_01KAQ3FC0000000000000000CC',
      url: 'https://crm.example.com/parley',
      reason: 'every delivery failed since 2026-11-18T09:12:44.000Z',
    },
  },
};

/** The whole webhook body's schema for one type: what a receiver parses. */
export function envelopeSchema(type: EventType): Schema {
  return object({
    id: id('evt'),
    type: { const: type },
    timestamp: { type: 'string', format: 'date-time' },
    data: eventCatalog[type].schema,
  });
}

export function catalogJson() {
  return {
    version: eventCatalogVersion,
    data: eventTypes.map((type) => ({
      type,
      description: eventCatalog[type].description,
      schema: envelopeSchema(type),
      example: { id: 'evt_01KAQ3FD0000000000000000DD', type, timestamp: '2026-11-23T09:30:00.000Z', data: eventCatalog[type].example },
    })),
  };
}
