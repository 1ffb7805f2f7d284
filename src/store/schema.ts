import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

// Times are integer milliseconds since the epoch in both dialects: comparable in SQL, no time
// zone surprises, and the same JavaScript number whichever database answers.
type Millis = number;
/** JSON stored as text, so one schema serves SQLite and PostgreSQL alike. */
type JsonText = string;

export interface SettingsTable {
  key: string;
  value: string;
}

export interface ContactsTable {
  id: string;
  phone: string;
  /** JSON object of business fields (first_name, appointment…), set by rules, flows and the API. */
  fields: ColumnType<string, string | undefined, string>;
  /** JSON array of tags. */
  tags: ColumnType<string, string | undefined, string>;
  /** IANA zone their dates and times are written in; the deployment's default when null. */
  timezone: ColumnType<string | null, string | null | undefined, string | null>;
  /** BCP 47 tag: which of a template's languages they read; the template's own when null. */
  language: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Millis;
  updated_at: Millis;
}

export interface ConversationsTable {
  id: string;
  contact_id: string;
  channel: string;
  /** The business's number on the channel that this conversation happens on. */
  local_number: string;
  status: 'open' | 'needs_human' | 'closed';
  needs_human_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the "we'll follow up" acknowledgment was last sent, to send it at most once per period. */
  acknowledged_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  last_message_at: Millis;
  /** The console user an agent assigned it to. */
  assigned_to: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Millis;
  updated_at: Millis;
}

export interface MessagesTable {
  id: string;
  conversation_id: string | null;
  direction: 'inbound' | 'outbound';
  channel: string;
  from_number: string;
  to_number: string;
  body: string;
  media_urls: JsonText;
  provider_message_id: string | null;
  status: string;
  provider_status: string | null;
  error_code: string | null;
  error_message: string | null;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  reply_to_id: string | null;
  origin: ColumnType<MessageOrigin, MessageOrigin | undefined, MessageOrigin>;
  /** Inbound: the intent the router read (opt_out, confirm, unknown…). */
  intent: ColumnType<string | null, string | null | undefined, string | null>;
  /** For inbound messages: when the provider says it was received. */
  provider_time: Millis | null;
  processed_at: Millis | null;
  /** When a scheduled message is (or was) due to go; null for one sent at once. */
  send_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
  /** The template it was written from. */
  template: ColumnType<string | null, string | null | undefined, string | null>;
  /** Inbound: JSON `RoutingRecord` (routing/decision.ts), what the router decided and why. */
  routing: ColumnType<JsonText | null, JsonText | null | undefined, JsonText | null>;
  /** The broadcast it was sent for. */
  broadcast_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Millis;
  updated_at: Millis;
}

/** Who sent an outbound message (inbound messages are `api`, unused). */
export type MessageOrigin = 'api' | 'automation' | 'agent' | 'compliance';

export interface SuppressionsTable {
  phone: string;
  /** The business number the contact opted out of, or '*' for every number of the deployment. */
  scope: string;
  contact_id: string;
  /** `contact`: their own STOP (here or at the provider); `api`: the business's list, through the API. */
  source: ColumnType<SuppressionSource, SuppressionSource | undefined, SuppressionSource>;
  created_at: Millis;
}

export type SuppressionSource = 'contact' | 'api';

export interface ConsentChangesTable {
  id: Generated<number>;
  contact_id: string;
  phone: string;
  action: 'opt_out' | 'opt_in';
  scope: string;
  channel: string;
  local_number: string;
  message_id: string | null;
  /** The words the contact used. */
  text: string;
  at: Millis;
}

export interface WebhookReceiptsTable {
  id: Generated<number>;
  channel: string;
  kind: 'inbound' | 'status';
  message_id: string | null;
  content_type: string | null;
  /** The body as text, for reading: decoded as UTF-8, NUL shown as U+FFFD (core/text.ts). */
  body: string;
  /** The body's exact bytes, which the provider's signature covers; null in rows from before 0015. */
  raw_body: Buffer | null;
  /**
   * JSON `WebhookRequestRecord` (core/webhook-record.ts): method, URL, headers with secrets already
   * replaced, provider, the signature's outcome; null in rows from before 0020.
   */
  request: ColumnType<JsonText | null, JsonText | null | undefined, JsonText | null>;
  /** When the row was written; an inbound message's raw webhook has its message's `created_at`. */
  received_at: Millis;
}

/** A verified webhook Parley could not read, kept for replay (see inbound/unreadable.ts). */
export interface UnreadableWebhooksTable {
  id: Generated<number>;
  channel: string;
  path: 'inbound' | 'status' | 'events';
  method: string;
  url: string;
  content_type: string | null;
  /** As in webhook_receipts: a text copy, and the exact bytes (null in rows from before 0015). */
  body: string;
  raw_body: Buffer | null;
  error_code: string;
  error_message: string;
  received_at: Millis;
}

export interface StatusReceiptsTable {
  id: Generated<number>;
  channel: string;
  provider_message_id: string;
  /** Parley's message id, when the provider called the per-message callback URL that carries it. */
  parley_message_id: string | null;
  status: string;
  provider_status: string;
  error_code: string | null;
  /** Set on a receipt for one part of a multipart message (see outbound/status.ts). */
  part_key: string | null;
  part_total: number | null;
  /** What makes this receipt distinct from the provider's retries of it. */
  dedupe_key: string;
  provider_time: Millis | null;
  received_at: Millis;
  applied_at: Millis | null;
  /** 1 when the provider says the recipient opted out with it; applying the receipt suppresses them. */
  recipient_opted_out: Generated<number>;
  /** The message's status when the receipt was applied, and after: equal when it changed nothing. */
  status_before: ColumnType<string | null, string | null | undefined, string | null>;
  status_after: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One call to the provider to send a message (outbound/send.ts), whatever came of it. */
export interface SendAttemptsTable {
  id: Generated<number>;
  message_id: string;
  attempt: number;
  started_at: Millis;
  duration_ms: number;
  outcome: SendAttemptOutcome;
  http_status: number | null;
  provider_message_id: string | null;
  provider_status: string | null;
  error_kind: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** `retrying`: failed, and the job tries again; `failed`: failed for good. */
export type SendAttemptOutcome = 'accepted' | 'retrying' | 'failed';

/** The provider ids of each part of a long outbound text, where the provider reports parts on their own. */
export interface OutboundPartIdsTable {
  channel: string;
  provider_message_id: string;
  message_id: string;
  part_index: number;
  part_total: number;
  created_at: Millis;
}

export interface InboundPartSetsTable {
  channel: string;
  from_number: string;
  reference: string;
  total: number;
  message_id: string | null;
  first_seen_at: Millis;
}

export interface InboundPartsTable {
  channel: string;
  from_number: string;
  reference: string;
  part_index: number;
  to_number: string;
  body: string;
  media_urls: string;
  provider_message_id: string;
  provider_time: Millis | null;
  received_at: Millis;
}

export interface EventsTable {
  id: string;
  type: string;
  occurred_at: Millis;
  contact_id: string | null;
  message_id: string | null;
  data: JsonText;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  payload: JsonText;
  /** Jobs sharing a group run one at a time, in id order. */
  group_key: string | null;
  /** Jobs sharing a limit key run at most `limitKeyMax` at a time per worker (one webhook endpoint's deliveries). */
  limit_key: ColumnType<string | null, string | null | undefined, string | null>;
  state: 'pending' | 'running' | 'dead';
  run_at: Millis;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  locked_by: string | null;
  locked_until: Millis | null;
  last_error: string | null;
  /** 1 when the last run was cut short (its process died or stalled past its lease), 0 otherwise. */
  interrupted: ColumnType<number, number | undefined, number>;
  /** Claimed in ascending order: 0 for live work, 1 for bulk sends (see queue/claim.ts). */
  priority: ColumnType<number, number | undefined, number>;
  created_at: Millis;
  updated_at: Millis;
}

/** A running worker, beaten by its heartbeat (queue/presence.ts); times by the database's clock. */
export interface WorkersTable {
  /** The id its claimed jobs carry in `jobs.locked_by`. */
  id: string;
  host: string;
  pid: number;
  started_at: Millis;
  seen_at: Millis;
}

export interface EndpointsTable {
  id: string;
  url: string;
  description: string | null;
  /** JSON array of subscribed event types; empty = all. */
  event_types: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Millis | null;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  /** Deliveries per second at most, across all instances; null = no limit. */
  rate_limit: number | null;
  /** 1: events about one contact are delivered in the order they happened. */
  ordered: ColumnType<number, number | undefined, number>;
  /** When the endpoint's current run of failures began; null while it succeeds. */
  failing_since: Millis | null;
  /** Set while the endpoint cannot be reached: deliveries wait until then, and one probes (webhooks/endpoint-pause.ts). */
  paused_until: Millis | null;
  next_slot_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export type FlowSessionStatus = 'active' | 'completed' | 'handed_off' | 'opted_out' | 'replaced' | 'expired';

export interface FlowSessionsTable {
  id: string;
  flow: string;
  contact_id: string;
  /** The texter's number: sessions are keyed by it and the business number. */
  phone: string;
  channel: string;
  local_number: string;
  step: string;
  /** JSON object: variables set by the flow and the answers of its calls. */
  vars: string;
  retries: number;
  status: FlowSessionStatus;
  version: number;
  started_at: Millis;
  updated_at: Millis;
  expires_at: Millis;
  ended_at: Millis | null;
}

export interface DeliveryOrderHeadsTable {
  endpoint_id: string;
  order_key: string;
  /** The one delivery of this contact being sent to this endpoint; the rest wait behind it. */
  delivery_id: string;
}

export interface DeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** `waiting`: in ordered mode, behind an earlier delivery about the same contact. */
  status: 'pending' | 'waiting' | 'delivered' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  /** The contact whose events are kept in order, for an ordered endpoint. */
  order_key: string | null;
  next_attempt_at: Millis | null;
  last_response_status: number | null;
  last_error: string | null;
  delivered_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempted_at: Millis;
  duration_ms: number;
  /** JSON object of the headers sent (signatures included: they are not secrets). */
  request_headers: string;
  response_status: number | null;
  /** The first 2 KiB of the response. */
  response_body: string | null;
  error: string | null;
}

export type ConsoleRole = 'admin' | 'agent';

export interface ConsoleUsersTable {
  id: string;
  /** Lowercased. */
  email: string;
  role: ConsoleRole;
  /** `scrypt$N$r$p$salt$hash` (console/passwords.ts). */
  password_hash: string;
  created_at: Millis;
  disabled_at: Millis | null;
}

export interface ConsoleSessionsTable {
  /** SHA-256 of the cookie's token: the token itself is never stored. */
  token_hash: string;
  user_id: string;
  /** The CSRF token of this session's forms. */
  csrf_secret: string;
  created_at: Millis;
  last_seen_at: Millis;
  /** The absolute end; the idle end is last_seen_at + console.session_idle. */
  expires_at: Millis;
  revoked_at: Millis | null;
  user_agent: string | null;
  address: string | null;
}

export interface ConsoleAuditTable {
  id: Generated<number>;
  user_id: string;
  action: string;
  /** What it acted on: a conversation id, a user's email. */
  subject: string | null;
  detail: JsonText;
  at: Millis;
}

export interface ConsoleLoginFailuresTable {
  id: Generated<number>;
  key: string;
  at: Millis;
}

export interface ConversationNotesTable {
  id: string;
  conversation_id: string;
  user_id: string;
  /** The author's email when written. */
  author: string;
  body: string;
  created_at: Millis;
}

/** A reply form's one-time key, and the message its first submit queued. */
export interface ConsoleSubmissionsTable {
  key: string;
  message_id: string | null;
  created_at: Millis;
}

/** A named text with its language variants (outbound/templates.ts). */
export interface TemplatesTable {
  name: string;
  description: string | null;
  /** The language `body` is written in. */
  language: string;
  body: string;
  /** JSON object: language tag → text. */
  variants: JsonText;
  created_at: Millis;
  updated_at: Millis;
}

/** The first answer to a request sent with an Idempotency-Key, for its repeats within a day (api/idempotency.ts). */
export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  /** SHA-256 of the request's canonical JSON: a repeat must be the same request. */
  request_hash: string;
  response_status: number;
  response_body: JsonText;
  created_at: Millis;
}

export interface TriggerEventsTable {
  trigger: string;
  /** The event's id (webhook-id): a retried event is recognised by it. */
  event_id: string;
  received_at: Millis;
}

export interface TriggerKeysTable {
  /** `<path>=<value>` (e.g. `appointment.id=apt_1001`). */
  key: string;
  message_id: string;
  created_at: Millis;
}

/** An answer agents insert into the reply box (the console's saved replies), kept by admins. */
export interface SavedRepliesTable {
  id: string;
  name: string;
  body: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface Database {
  settings: SettingsTable;
  contacts: ContactsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  webhook_receipts: WebhookReceiptsTable;
  unreadable_webhooks: UnreadableWebhooksTable;
  status_receipts: StatusReceiptsTable;
  outbound_part_ids: OutboundPartIdsTable;
  inbound_part_sets: InboundPartSetsTable;
  inbound_parts: InboundPartsTable;
  events: EventsTable;
  jobs: JobsTable;
  workers: WorkersTable;
  suppressions: SuppressionsTable;
  consent_changes: ConsentChangesTable;
  endpoints: EndpointsTable;
  deliveries: DeliveriesTable;
  delivery_attempts: DeliveryAttemptsTable;
  delivery_order_heads: DeliveryOrderHeadsTable;
  flow_sessions: FlowSessionsTable;
  console_users: ConsoleUsersTable;
  console_sessions: ConsoleSessionsTable;
  console_audit: ConsoleAuditTable;
  console_login_failures: ConsoleLoginFailuresTable;
  conversation_notes: ConversationNotesTable;
  console_submissions: ConsoleSubmissionsTable;
  templates: TemplatesTable;
  idempotency_keys: IdempotencyKeysTable;
  trigger_events: TriggerEventsTable;
  trigger_keys: TriggerKeysTable;
  sender_clocks: SenderClocksTable;
  saved_replies: SavedRepliesTable;
  send_attempts: SendAttemptsTable;
  broadcasts: BroadcastsTable;
  broadcast_recipients: BroadcastRecipientsTable;
}

export type BroadcastState = 'scheduled' | 'filling' | 'sending' | 'paused' | 'cancelled' | 'completed';

export interface BroadcastsTable {
  id: string;
  state: BroadcastState;
  channel: string;
  body: string | null;
  template: string | null;
  /** The template as it was when the broadcast was made (`Template`, JSON): later edits do not change it. */
  template_json: JsonText | null;
  vars: JsonText;
  /** `{"phones": […]}`, `{"tag": "…"}` or `{"filter": {…}}` (broadcasts/audience.ts); once filled, a list is replaced by its length. */
  audience: JsonText;
  /** `{"allowed": "HH:MM-HH:MM"}`: the broadcast's own quiet hours. */
  quiet_hours: JsonText | null;
  send_at: Millis | null;
  /** The fill's place: an index into the phones, or the last contact id read; null before it starts. */
  fill_cursor: string | null;
  /** When every recipient had been written (a resumed broadcast goes on filling until then). */
  filled_at: Millis | null;
  created_at: Millis;
  started_at: Millis | null;
  finished_at: Millis | null;
  updated_at: Millis;
}

export type BroadcastRecipientState = 'pending' | 'dispatched' | 'skipped' | 'cancelled';

export interface BroadcastRecipientsTable {
  broadcast_id: string;
  phone: string;
  contact_id: string | null;
  state: BroadcastRecipientState;
  message_id: string | null;
  /** Why a skipped recipient got nothing (`template_vars_missing`). */
  error: string | null;
}

export interface SenderClocksTable {
  channel: string;
  number: string;
  next_slot_at: Millis;
  held_until: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type JobRow = Selectable<JobsTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type ContactRow = Selectable<ContactsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type BroadcastRow = Selectable<BroadcastsTable>;
