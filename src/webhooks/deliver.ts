import { request, type Dispatcher } from 'undici';
import type { JobHandler } from '../queue/worker.js';
import type { EngineContext } from '../engine/context.js';
import { enqueueAttempt } from './fan-out.js';
import { checkEndpointUrl, DestinationRefused, guardedAgent } from './url-guard.js';
import { signatureHeader } from './signing.js';

const maxResponseBody = 2048;

/** Seconds to wait that a 429 or 503 asked for, from `Retry-After` (seconds or an HTTP date). */
function retryAfterMs(header: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export interface AttemptOutcome {
  status: number | null;
  body: string | null;
  error: string | null;
  retryAfter: number | null;
}

/**
 * Makes one attempt to deliver one event to one endpoint, signed per Standard Webhooks, and records
 * it. 2xx delivers; 410 Gone disables the endpoint; anything else, a timeout or a refused
 * connection schedules the next attempt from `webhooks.retry_schedule` (or the endpoint's
 * `Retry-After`), until the schedule runs out and the delivery has failed. HTTP failures are the
 * delivery's business, not the queue's: the job itself succeeds and enqueues the next attempt.
 */
export function deliverHandler(ctx: EngineContext): JobHandler<'webhook.deliver'> {
  const settings = ctx.config.webhooks;
  const dispatcher: Dispatcher = guardedAgent(settings.allow_private_destinations);

  return async (job, { finish, log }) => {
    const db = ctx.store.db;
    const delivery = await db.selectFrom('deliveries').selectAll().where('id', '=', job.payload.deliveryId).executeTakeFirst();
    if (!delivery || delivery.status !== 'pending') return;
    const endpoint = await db.selectFrom('endpoints').selectAll().where('id', '=', delivery.endpoint_id).executeTakeFirst();
    const event = await db.selectFrom('events').selectAll().where('id', '=', delivery.event_id).executeTakeFirst();
    if (!endpoint || !event) return;
    if (endpoint.status !== 'enabled') {
      // Kept pending: re-enabling the endpoint or `recover` sends it later.
      return;
    }

    const started = Date.now();
    const timestamp = Math.floor(started / 1000);
    const body = JSON.stringify({ type: event.type, timestamp: new Date(event.occurred_at).toISOString(), data: JSON.parse(event.data) as unknown });
    const secrets = [endpoint.secret];
    if (endpoint.previous_secret && (endpoint.previous_secret_expires_at ?? 0) > started) secrets.push(endpoint.previous_secret);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Parley-Webhooks/1',
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, event.id, timestamp, body),
    };

    let outcome: AttemptOutcome;
    try {
      checkEndpointUrl(endpoint.url, settings.allow_private_destinations);
      const response = await request(endpoint.url, {
        method: 'POST',
        headers,
        body,
        dispatcher,
        headersTimeout: settings.timeout,
        bodyTimeout: settings.timeout,
        signal: AbortSignal.timeout(settings.timeout),
      });
      const text = await readCapped(response.body);
      outcome = { status: response.statusCode, body: text, error: null, retryAfter: retryAfterMs(response.headers['retry-after'], Date.now()) };
    } catch (error) {
      const refused = error instanceof DestinationRefused || (error as { cause?: unknown }).cause instanceof DestinationRefused;
      outcome = { status: null, body: null, error: refused ? `destination refused: ${(error as Error).message}` : describeFailure(error), retryAfter: null };
    }

    const now = Date.now();
    const attempt = delivery.attempts + 1;
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const gone = outcome.status === 410;
    const wait = settings.retry_schedule[attempt - 1];
    const exhausted = !delivered && (gone || wait === undefined);
    const retryAt = !delivered && !exhausted ? now + Math.max(wait!, (outcome.status === 429 || outcome.status === 503) && outcome.retryAfter !== null ? outcome.retryAfter : 0) : null;

    await finish(async (trx) => {
      await trx
        .insertInto('delivery_attempts')
        .values({
          delivery_id: delivery.id,
          attempted_at: started,
          duration_ms: now - started,
          request_headers: JSON.stringify(headers),
          response_status: outcome.status,
          response_body: outcome.body,
          error: outcome.error,
        })
        .execute();
      await trx
        .updateTable('deliveries')
        .set({
          status: delivered ? 'delivered' : exhausted ? 'failed' : 'pending',
          attempts: attempt,
          next_attempt_at: retryAt,
          last_response_status: outcome.status,
          last_error: outcome.error ?? (delivered ? null : `HTTP ${outcome.status}`),
          delivered_at: delivered ? now : null,
          updated_at: now,
        })
        .where('id', '=', delivery.id)
        .execute();
      if (gone) {
        await trx
          .updateTable('endpoints')
          .set({ status: 'disabled', disabled_reason: 'the endpoint answered 410 Gone', updated_at: now })
          .where('id', '=', endpoint.id)
          .execute();
        log.warn({ endpoint: endpoint.id }, 'endpoint answered 410 Gone and is disabled');
      }
      if (retryAt !== null) await enqueueAttempt(trx, { deliveryId: delivery.id, endpointId: endpoint.id, now, runAt: retryAt });
    });
  };
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < maxResponseBody) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, maxResponseBody).toString('utf8');
}

function describeFailure(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string; cause?: { message?: string } };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return 'timed out';
  return [e.code, e.message, e.cause?.message].filter(Boolean).join(': ').slice(0, 500);
}
