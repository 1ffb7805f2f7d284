import type { Kysely, Selectable } from 'kysely';
import { recordEvent, type FlowEndOutcome } from '../events/events.js';
import { precompile } from '../store/precompiled.js';
import type { Database, FlowSessionsTable } from '../store/schema.js';

// Flow-session rows as the rest of the engine sees them: which session a texter is in, and ending
// sessions from outside their flow. An opt-out ends them in the transaction that records it, so
// this sits below consent and sending; running a turn of a flow is sessions/turns.ts.

export type SessionRow = Selectable<FlowSessionsTable>;

/** The texter's running session on one business number, if any. */
export async function activeSession(db: Kysely<Database>, phone: string, localNumber: string): Promise<SessionRow | undefined> {
  return (await selectActiveSession(db, { phone, local_number: localNumber })).rows[0];
}

// Asked for every routed message: compiled once (see store/precompiled.ts).
const selectActiveSession = precompile(['phone', 'local_number'], (db, p: { phone: string; local_number: string }) =>
  db
    .selectFrom('flow_sessions')
    .selectAll()
    .where('phone', '=', p.phone)
    .where('local_number', '=', p.local_number)
    .where('status', '=', 'active'),
);

/** Ends a session other than by its flow: opted out, replaced. */
export async function endSession(
  trx: Kysely<Database>,
  session: SessionRow,
  outcome: Extract<FlowEndOutcome, 'opted_out' | 'replaced'>,
  now: number,
): Promise<void> {
  const ended = await trx
    .updateTable('flow_sessions')
    .set({ status: outcome, version: session.version + 1, updated_at: now, ended_at: now })
    .where('id', '=', session.id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (ended.numUpdatedRows === 0n) return;
  await recordEvent(
    trx,
    'flow.completed',
    { session_id: session.id, flow: session.flow, contact_id: session.contact_id, step: session.step, outcome },
    { contactId: session.contact_id, now },
  );
}

/** An opt-out ends the texter's sessions at once: on that number, or on every number for a deployment-wide opt-out. */
export async function endSessionsOnOptOut(trx: Kysely<Database>, phone: string, localNumber: string | null, now: number): Promise<void> {
  let query = trx.selectFrom('flow_sessions').selectAll().where('phone', '=', phone).where('status', '=', 'active');
  if (localNumber !== null) query = query.where('local_number', '=', localNumber);
  for (const session of await query.execute()) await endSession(trx, session, 'opted_out', now);
}
