import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

// A broadcast's figures, read from its recipients and messages each time they are asked for, so
// they cannot drift from what happened: a receipt, a reply or a STOP that comes in a day later
// moves them. A recipient's "send time" is when its text was due: its quiet-hours `send_at`, else
// when it was queued (a few seconds before it went).

export interface BroadcastCounts {
  /** Recipients written so far (every number once). */
  total: number;
  /** Recipients not reached yet by the dispatch. */
  pending: number;
  /** Texts made and not yet handed to the provider (waiting for a slot or for quiet hours to end). */
  queued: number;
  /** Handed to the provider (whatever its receipts said since). */
  sent: number;
  delivered: number;
  /** Refused by the provider or undeliverable; not the opted-out ones. */
  failed: number;
  /** Recipients who wrote back after their text. */
  replied: number;
  /** Recipients who opted out after their text. */
  opted_out: number;
  /** Not sent: the recipient had opted out (when it was queued, or by its send time). */
  skipped_opted_out: number;
  /** Not sent: the template needs a value this contact does not have. */
  skipped_missing_vars: number;
  /** Texts that waited for the recipient's quiet hours to end (sent since or still waiting). */
  deferred_quiet_hours: number;
  /** Recipients cancelled before their text was made, and texts withdrawn by a cancel. */
  cancelled: number;
}

export interface BroadcastStats {
  counts: BroadcastCounts;
  /** The intent of each recipient's first reply (confirm, decline, opt_out, unknown…) and how many. */
  reply_intents: Record<string, number>;
}

const sentStatuses = ['sent', 'delivered', 'undelivered'];

export async function broadcastStats(db: Kysely<Database>, broadcastId: string): Promise<BroadcastStats> {
  const counts: BroadcastCounts = {
    total: 0,
    pending: 0,
    queued: 0,
    sent: 0,
    delivered: 0,
    failed: 0,
    replied: 0,
    opted_out: 0,
    skipped_opted_out: 0,
    skipped_missing_vars: 0,
    deferred_quiet_hours: 0,
    cancelled: 0,
  };
  const recipients = await db
    .selectFrom('broadcast_recipients')
    .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('broadcast_id', '=', broadcastId)
    .groupBy('state')
    .execute();
  for (const { state, n } of recipients) {
    counts.total += Number(n);
    if (state === 'pending') counts.pending += Number(n);
    if (state === 'skipped') counts.skipped_missing_vars += Number(n);
    if (state === 'cancelled') counts.cancelled += Number(n);
  }

  const messages = await db
    .selectFrom('messages')
    .select([
      'status',
      sql<boolean>`error_code = 'opted_out'`.as('opted_out'),
      (eb) => eb.fn.countAll<number | string>().as('n'),
      (eb) => eb.fn.count<number | string>('send_at').as('deferred'),
    ])
    .where('broadcast_id', '=', broadcastId)
    .groupBy(['status', sql`error_code = 'opted_out'`])
    .execute();
  for (const { status, opted_out, n, deferred } of messages) {
    const count = Number(n);
    counts.deferred_quiet_hours += Number(deferred);
    if (status === 'scheduled' || status === 'queued' || status === 'sending') counts.queued += count;
    if (sentStatuses.includes(status)) counts.sent += count;
    if (status === 'delivered') counts.delivered += count;
    if (status === 'canceled') counts.cancelled += count;
    // SQLite answers the comparison as 0 or 1, PostgreSQL as a boolean.
    if (status === 'failed' && Boolean(Number(opted_out))) counts.skipped_opted_out += count;
    else if (status === 'failed' || status === 'undelivered') counts.failed += count;
  }

  const firstReplies = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('messages as m')
        .select((inner) =>
          inner
            .selectFrom('messages as i')
            .select(sql<string>`coalesce(i.intent, 'unknown')`.as('intent'))
            .whereRef('i.conversation_id', '=', 'm.conversation_id')
            .where('i.direction', '=', 'inbound')
            .where('i.created_at', '>=', sql<number>`coalesce(m.send_at, m.created_at)`)
            .orderBy('i.created_at')
            .orderBy('i.id')
            .limit(1)
            .as('intent'),
        )
        .where('m.broadcast_id', '=', broadcastId)
        .where('m.status', 'in', sentStatuses)
        .as('r'),
    )
    .select(['r.intent', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('r.intent', 'is not', null)
    .groupBy('r.intent')
    .execute();
  const replyIntents: Record<string, number> = {};
  for (const { intent, n } of firstReplies) {
    replyIntents[intent!] = Number(n);
    counts.replied += Number(n);
  }

  const optedOut = await db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select((eb) => eb.fn.count<number | string>('m.id').distinct().as('n'))
    .where('m.broadcast_id', '=', broadcastId)
    .where('m.status', 'in', sentStatuses)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('consent_changes as cc')
          .select('cc.id')
          .whereRef('cc.contact_id', '=', 'c.contact_id')
          .where('cc.action', '=', 'opt_out')
          .where('cc.at', '>=', sql<number>`coalesce(m.send_at, m.created_at)`),
      ),
    )
    .executeTakeFirstOrThrow();
  counts.opted_out = Number(optedOut.n);
  return { counts, reply_intents: replyIntents };
}
