import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Store } from '../../src/store/database.js';

/**
 * What the reliability tests demand after a crash or a takeover: each of `total` webhooks stored as
 * one inbound message, every one routed, and every one answered by exactly one reply. Returns the
 * inbound messages for further checks.
 */
export async function assertEachAnsweredOnce(store: Store, total: number) {
  const inbound = await store.db
    .selectFrom('messages')
    .select(['id', 'provider_message_id', 'processed_at'])
    .where('direction', '=', 'inbound')
    .execute();
  assert.equal(inbound.length, total, 'each webhook is one message, however often it was sent');
  assert.equal(inbound.filter((m) => m.processed_at === null).length, 0, 'every message was routed');
  await assertAnsweredOnce(store, total);
  return inbound;
}

/** That the outbound messages answer exactly `count` inbound ones, each with one reply. */
export async function assertAnsweredOnce(store: Store, count: number): Promise<void> {
  const replies = await store.db
    .selectFrom('messages')
    .select(['reply_to_id', sql<number | string>`count(*)`.as('n')])
    .where('direction', '=', 'outbound')
    .groupBy('reply_to_id')
    .execute();
  assert.equal(replies.length, count, 'every message was answered');
  assert.deepEqual(
    replies.filter((r) => Number(r.n) !== 1),
    [],
    'no message was answered twice',
  );
}
