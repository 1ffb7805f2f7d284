// Every error Parley reports to a client or operator has a stable code from this registry.
// Codes are part of the public contract (they appear in `{"error":{"code","message"}}` bodies
// and in logs); never reuse or rename one. docs/errors.md lists them, and errors.test.ts keeps
// the two in step.

export const errorCatalog = {
  bad_request: { status: 400, message: 'The request is malformed.' },
  invalid_json: { status: 400, message: 'The body is not valid JSON.' },
  invalid_payload: { status: 400, message: 'The payload is missing a field or has a field of the wrong type.' },
  invalid_cursor: { status: 400, message: 'The cursor is not one this list gave out.' },
  invalid_phone_number: { status: 400, message: 'A phone number could not be read as an E.164 number.' },
  unauthorized: { status: 401, message: 'Missing or invalid API key.' },
  invalid_signature: { status: 401, message: 'The webhook signature is missing or does not match.' },
  source_not_allowed: { status: 403, message: 'Webhooks for this channel are not accepted from this address.' },
  forbidden: { status: 403, message: 'Your role may not do this.' },
  invalid_csrf_token: { status: 403, message: 'The form is missing its CSRF token or it does not match; reload the page.' },
  not_found: { status: 404, message: 'Not found.' },
  unknown_channel: { status: 404, message: 'No channel has this name.' },
  request_timeout: { status: 408, message: 'The request did not arrive in time.' },
  session_active: { status: 409, message: 'The contact is already in a flow on this number.' },
  opted_out_by_contact: { status: 409, message: 'The contact opted out themselves; only they can opt back in (START).' },
  template_exists: { status: 409, message: 'A template already has this name; PUT replaces it.' },
  not_cancelable: { status: 409, message: 'Only a scheduled message can be canceled; this one is already on its way or settled.' },
  broadcast_state_conflict: { status: 409, message: "The broadcast's state does not allow this (a completed broadcast cannot be paused)." },
  payload_too_large: { status: 413, message: 'The body is larger than the limit.' },
  uri_too_long: { status: 414, message: 'A part of the URL is longer than allowed.' },
  unsupported_media_type: { status: 415, message: 'The content type is not accepted here.' },
  opted_out: { status: 422, message: 'The recipient has opted out of messages from this sender.' },
  channel_unavailable: { status: 422, message: 'The channel cannot send this message.' },
  vars_missing: { status: 422, message: 'The flow needs a var the request did not give.' },
  vars_not_declared: { status: 422, message: "The request gives vars that are not among the flow's params." },
  idempotency_key_reused: { status: 422, message: 'This Idempotency-Key was used in the last 24 hours for a different request.' },
  unknown_template: { status: 422, message: 'No template has this name.' },
  template_invalid: { status: 422, message: 'The template cannot be used as written.' },
  template_vars_missing: { status: 422, message: 'The template needs a value the request and the contact do not give.' },
  trigger_field_missing: { status: 422, message: 'The event has no value at a field path the trigger maps; it was kept for replay.' },
  trigger_field_invalid: { status: 422, message: 'A field the trigger maps has a value it cannot use (a time that is not RFC 3339).' },
  import_rows_invalid: {
    status: 422,
    message: 'Rows of the CSV file cannot be imported; nothing was (bad_rows lists each with its line).',
  },
  broadcast_content_invalid: { status: 422, message: 'A broadcast needs exactly one of body and template (vars only with a template).' },
  broadcast_audience_invalid: {
    status: 422,
    message: 'The audience is not one of phones, tag or filter, or lists an entry that is not a phone number.',
  },
  broadcast_audience_empty: { status: 422, message: 'The audience lists no numbers (an empty list or filter).' },
  destination_not_allowed: { status: 422, message: 'Webhook endpoints may not point at private, loopback or link-local addresses.' },
  headers_too_large: { status: 431, message: 'The request headers are larger than allowed.' },
  too_many_requests: { status: 429, message: 'Too many attempts; wait and try again.' },
  internal: { status: 500, message: 'Internal error.' },
  unavailable: { status: 503, message: 'Temporarily unavailable; retry later.' },
  too_many_connections: { status: 503, message: 'Too many connections from this address; close some and retry.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalog;

/** An error whose code, HTTP status and message may be shown to the client as they are. */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? errorCatalog[code].message, options);
    this.name = 'ParleyError';
    this.code = code;
    this.status = errorCatalog[code].status;
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Raised when a config file or the environment is invalid; the message names file and key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
