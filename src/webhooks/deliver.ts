import { request, type Dispatcher } from 'undici';
import { precompile } from '../store/precompiled.js';
import type { JobHandler } from '../queue/worker.js';
import type { EngineContext } from '../runtime/context.js';
import { recordEvent } from '../events/events.js';
import { enqueueAttempt } from '../events/attempt-job.js';
import { deferredRunAt, mayAttempt, updatePause } from './endpoint-pause.js';
import { promoteNext } from '../events/ordering.js';
import { reserveSlot } from './rate-limit.js';
import { checkEndpointUrl, DestinationRefused, guardedAgent } from '../net/url-guard.js';
import { signatureHeader } from '../core/webhook-signature.js';

const maxResponseBody = 2048;
/** A rate-limited attempt whose slot is nearer than this waits for it in place; later ones are requeued. */
const maxInlineWaitMs = 1_000;

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
 * `Retry-After`), until the schedule runs out and the delivery has failed. An endpoint that cannot
 * be reached is paused meanwhile, with one probe at a time (endpoint-pause.ts). An endpoint that has
 * failed every attempt for `webhooks.disable_after` is disabled, with an `endpoint.disabled` event. HTTP failures are the
 * delivery's business, not the queue's: the job itself succeeds and enqueues the next attempt.
 */
export function deliverHandler(ctx: EngineContext): JobHandler<'webhook.deliver'> {
  const settings = ctx.config.webhooks;
  const dispatcher: Dispatcher = guardedAgent(settings.allow_private_destinations);

  return async (job, { finish, releaseLimitKey, log }) => {
    const [row] = (await selectDelivery(ctx.store.db, { id: job.payload.deliveryId })).rows;
    if (!row || row.status !== 'pending') return;
    // Kept pending while disabled: re-enabling the endpoint or `recover` sends it later.
    if (row.endpoint_status !== 'enabled') return;

    // An unreachable endpoint is paused: wait for the pause (no attempt spent), or be its probe.
    const gate = await mayAttempt(ctx.store, row.endpoint_id, row.paused_until, settings.timeout + 1_000);
    if (!gate.go) {
      ctx.metrics.deliveries.inc({ outcome: 'paused' });
      const now = Date.now();
      return finish((trx) =>
        enqueueAttempt(trx, { deliveryId: row.id, endpointId: row.endpoint_id, now, runAt: deferredRunAt(gate.until, now) }),
      );
    }

    if (row.rate_limit !== null && job.payload.slotAt === undefined) {
      const slot = await reserveSlot(ctx.store, row.endpoint_id, row.rate_limit);
      const wait = slot - Date.now();
      if (wait > maxInlineWaitMs) {
        // Far ahead: give the worker slot back and come back at the reserved time.
        return finish((trx) =>
          enqueueAttempt(trx, { deliveryId: row.id, endpointId: row.endpoint_id, now: Date.now(), runAt: slot, slotAt: slot }),
        );
      }
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }

    const started = Date.now();
    const timestamp = Math.floor(started / 1000);
    const eventId = row.event_id;
    // The event's data is stored as JSON text already; it goes out as it is.
    const body = `{"id":${JSON.stringify(eventId)},"type":${JSON.stringify(row.type)},"timestamp":"${new Date(row.occurred_at).toISOString()}","data":${row.data}}`;
    const secrets = [row.secret];
    if (row.previous_secret && (row.previous_secret_expires_at ?? 0) > started) secrets.push(row.previous_secret);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Parley-Webhooks/1',
      'webhook-id': eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, eventId, timestamp, body),
    };

    let outcome: AttemptOutcome;
    try {
      checkEndpointUrl(row.url, settings.allow_private_destinations);
      const response = await request(row.url, {
        method: 'POST',
        headers,
        body,
        dispatcher,
        headersTimeout: settings.timeout,
        bodyTimeout: settings.timeout,
        signal: AbortSignal.timeout(settings.timeout),
      });
      const text = await readCapped(response.body);
      outcome = {
        status: response.statusCode,
        body: text,
        error: null,
        retryAfter: retryAfterMs(response.headers['retry-after'], Date.now()),
      };
    } catch (error) {
      const refused = error instanceof DestinationRefused || (error as { cause?: unknown }).cause instanceof DestinationRefused;
      outcome = {
        status: null,
        body: null,
        error: refused ? `destination refused: ${(error as Error).message}` : describeFailure(error),
        retryAfter: null,
      };
    }

    const now = Date.now();
    const attempt = row.attempts + 1;
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    // A delivered request is over for the endpoint: its next delivery may start while this one
    // commits. A failed one keeps its place until its pause (if any) is committed, so the deliveries
    // behind it see the pause instead of trying a failing endpoint meanwhile.
    if (delivered) releaseLimitKey();
    const gone = outcome.status === 410;
    const wait = settings.retry_schedule[attempt - 1];
    const exhausted = !delivered && (gone || wait === undefined);
    const honoursRetryAfter = (outcome.status === 429 || outcome.status === 503) && outcome.retryAfter !== null;
    const retryAt = !delivered && !exhausted ? now + Math.max(wait!, honoursRetryAfter ? outcome.retryAfter! : 0) : null;
    const failingSince = delivered ? null : (row.failing_since ?? now);
    const disableReason = gone
      ? 'the endpoint answered 410 Gone'
      : failingSince !== null && now - failingSince >= settings.disable_after
        ? `every delivery failed since ${new Date(failingSince).toISOString()}`
        : null;

    ctx.metrics.deliveries.inc({ outcome: delivered ? 'delivered' : exhausted ? 'failed' : 'retry' });
    await finish(async (trx) => {
      await insertAttempt(trx, {
        delivery_id: row.id,
        attempted_at: started,
        duration_ms: now - started,
        request_headers: JSON.stringify(headers),
        response_status: outcome.status,
        response_body: outcome.body,
        error: outcome.error,
      });
      await recordOutcome(trx, {
        id: row.id,
        status: delivered ? 'delivered' : exhausted ? 'failed' : 'pending',
        attempts: attempt,
        next_attempt_at: retryAt,
        last_response_status: outcome.status,
        last_error: outcome.error ?? (delivered ? null : `HTTP ${outcome.status}`),
        delivered_at: delivered ? now : null,
        now,
      });
      await updatePause(
        trx,
        row.endpoint_id,
        gate.pausedUntil,
        { delivered, status: outcome.status, waitMs: (retryAt ?? now + (settings.retry_schedule[0] ?? 5_000)) - now },
        now,
      );
      if (failingSince !== row.failing_since) {
        await trx.updateTable('endpoints').set({ failing_since: failingSince }).where('id', '=', row.endpoint_id).execute();
      }
      if (disableReason !== null) {
        const disabled = await trx
          .updateTable('endpoints')
          .set({ status: 'disabled', disabled_reason: disableReason, updated_at: now })
          .where('id', '=', row.endpoint_id)
          .where('status', '=', 'enabled')
          .executeTakeFirst();
        if (disabled.numUpdatedRows > 0n) {
          log.warn({ endpoint: row.endpoint_id, reason: disableReason }, 'endpoint disabled');
          await recordEvent(trx, 'endpoint.disabled', { endpoint_id: row.endpoint_id, url: row.url, reason: disableReason }, { now });
        }
      }
      if (retryAt !== null) await enqueueAttempt(trx, { deliveryId: row.id, endpointId: row.endpoint_id, now, runAt: retryAt });
      else if (row.order_key !== null) await promoteNext(trx, row.endpoint_id, row.order_key, now);
    });
  };
}

// The statements every delivery attempt runs, thousands of times a second: compiled once (see
// store/precompiled.ts).

/** The delivery, its endpoint and its event, in one query. */
const selectDelivery = precompile(['id'], (db, p: { id: string }) =>
  db
    .selectFrom('deliveries as d')
    .innerJoin('endpoints as ep', 'ep.id', 'd.endpoint_id')
    .innerJoin('events as ev', 'ev.id', 'd.event_id')
    .select([
      'd.id',
      'd.status',
      'd.attempts',
      'd.order_key',
      'ep.id as endpoint_id',
      'ep.url',
      'ep.status as endpoint_status',
      'ep.secret',
      'ep.previous_secret',
      'ep.previous_secret_expires_at',
      'ep.rate_limit',
      'ep.failing_since',
      'ep.paused_until',
      'ev.id as event_id',
      'ev.type',
      'ev.occurred_at',
      'ev.data',
    ])
    .where('d.id', '=', p.id),
);

const insertAttempt = precompile(
  ['delivery_id', 'attempted_at', 'duration_ms', 'request_headers', 'response_status', 'response_body', 'error'],
  (
    db,
    p: {
      delivery_id: string;
      attempted_at: number;
      duration_ms: number;
      request_headers: string;
      response_status: number | null;
      response_body: string | null;
      error: string | null;
    },
  ) => db.insertInto('delivery_attempts').values(p),
);

const recordOutcome = precompile(
  ['id', 'status', 'attempts', 'next_attempt_at', 'last_response_status', 'last_error', 'delivered_at', 'now'],
  (
    db,
    p: {
      id: string;
      status: 'delivered' | 'failed' | 'pending';
      attempts: number;
      next_attempt_at: number | null;
      last_response_status: number | null;
      last_error: string | null;
      delivered_at: number | null;
      now: number;
    },
  ) =>
    db
      .updateTable('deliveries')
      .set({
        status: p.status,
        attempts: p.attempts,
        next_attempt_at: p.next_attempt_at,
        last_response_status: p.last_response_status,
        last_error: p.last_error,
        delivered_at: p.delivered_at,
        updated_at: p.now,
      })
      .where('id', '=', p.id),
);

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
