import { z } from 'zod';
import { ParleyError } from '../../errors.js';
import { parleyIdParam, type WebhookRequest } from '../contract.js';
import { formParams, isForm, isJson, queryParams, readJsonBody, type Params } from '../webhook-body.js';

// Reading the body, shared by verify and parse so both see the same parameters.

/** A webhook's content: a Messages API JSON object, or the SMS API's flat parameters. */
export type VonageBody = { api: 'messages'; json: Record<string, unknown> } | { api: 'sms'; params: Params };

const jsonObject = z.record(z.string(), z.unknown());

export function readVonageBody(request: WebhookRequest): VonageBody {
  if (request.rawBody.length === 0) {
    // A GET: the parameters are the query's. parley_id is Parley's own, put in the callback URL
    // it gives Vonage; Vonage neither sends nor signs it.
    return { api: 'sms', params: queryParams(request).filter(([name]) => name !== parleyIdParam) };
  }
  // A POST: Vonage signs what it sends, the body; the query is the URL Parley gave it.
  if (isForm(request)) return { api: 'sms', params: formParams(request) };
  if (isJson(request)) {
    const json = readJsonBody(request, jsonObject);
    return 'message_uuid' in json ? { api: 'messages', json } : { api: 'sms', params: flatParams(json) };
  }
  throw new ParleyError(
    'unsupported_media_type',
    `Vonage webhooks are a query string, a form or JSON; got ${request.contentType ?? 'no content type'}.`,
  );
}

/** An SMS API JSON body as parameters. Its values are strings; anything nested is not an SMS API field. */
function flatParams(json: Record<string, unknown>): Params {
  return Object.entries(json).flatMap(([name, value]): Params =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? [[name, String(value)]] : [],
  );
}
