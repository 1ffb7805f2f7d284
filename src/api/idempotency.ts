import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { stableJson } from '../core/stable-json.js';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import type { Database } from '../store/schema.js';

// `Idempotency-Key`: a business that retries a request (a timeout, a crash on its side) must not
// text its customer twice. The key is claimed in the same transaction as what the request does, so
// either both are stored or neither: a repeat within 24 hours gets the first answer again and
// does nothing; a repeat with a different body is refused, since the key would then mean two
// things. A request that failed stored nothing, key included, and may be retried with it.
//
// Two repeats at once are ordered by the claim itself: the second's insert waits for the first's
// commit (PostgreSQL's unique index; SQLite's one writer) and then finds the answer.

export const idempotencyWindowMs = 24 * 3_600_000;

/** The request headers of a route answered through `answerOnce`, as its schema declares them. */
export const idempotencyHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': { type: 'string', description: 'Makes a retry harmless: 1 to 255 printable ASCII characters, kept 24 hours.' },
  },
} as const;
const keyPattern = /^[\x21-\x7e]{1,255}$/;
/** Keys older than the window are dropped a bounded few per request, so none of them grows a backlog. */
const pruneBatch = 50;

export interface Answer {
  status: number;
  body: unknown;
}

/**
 * Runs `work` in a write transaction, once per Idempotency-Key within 24 hours when the request has
 * one, and sends its answer (or the first one's, marked `idempotent-replayed: true`).
 */
export async function answerOnce(
  ctx: EngineContext,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  work: (trx: Kysely<Database>) => Promise<Answer>,
): Promise<FastifyReply> {
  const header = request.headers['idempotency-key'];
  if (header === undefined) {
    const answer = await ctx.store.write(work);
    return reply.status(answer.status).send(answer.body);
  }
  if (typeof header !== 'string' || !keyPattern.test(header)) {
    throw new ParleyError('invalid_payload', 'Idempotency-Key: 1 to 255 printable ASCII characters without spaces (a UUID is usual).');
  }
  const requestHash = createHash('sha256')
    .update(stableJson(request.body ?? null))
    .digest('hex');
  const result = await ctx.store.write(async (trx) => {
    const now = Date.now();
    const expired = now - idempotencyWindowMs;
    await trx
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', header)
      .where('created_at', '<', expired)
      .execute();
    await trx
      .deleteFrom('idempotency_keys')
      .where((eb) =>
        eb(
          eb.refTuple('scope', 'key'),
          'in',
          eb
            .selectFrom('idempotency_keys')
            .select(['scope', 'key'])
            .where('created_at', '<', expired)
            .limit(pruneBatch)
            .$asTuple('scope', 'key'),
        ),
      )
      .execute();
    const claimed = await trx
      .insertInto('idempotency_keys')
      .values({ scope, key: header, request_hash: requestHash, response_status: 0, response_body: '', created_at: now })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    if ((claimed.numInsertedOrUpdatedRows ?? 0n) === 0n) {
      const first = await trx
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('scope', '=', scope)
        .where('key', '=', header)
        .executeTakeFirstOrThrow();
      if (first.request_hash !== requestHash) {
        throw new ParleyError(
          'idempotency_key_reused',
          `Idempotency-Key "${header.slice(0, 64)}" was used at ${new Date(first.created_at).toISOString()} for a different request; use a new key for a new request.`,
        );
      }
      return { replayed: true, answer: { status: first.response_status, body: JSON.parse(first.response_body) as unknown } };
    }
    const answer = await work(trx);
    await trx
      .updateTable('idempotency_keys')
      .set({ response_status: answer.status, response_body: JSON.stringify(answer.body) })
      .where('scope', '=', scope)
      .where('key', '=', header)
      .execute();
    return { replayed: false, answer };
  });
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return reply.status(result.answer.status).send(result.answer.body);
}
