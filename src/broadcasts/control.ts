import type { Kysely } from 'kysely';
import { ParleyError } from '../errors.js';
import { broadcastGroup } from '../queue/groups.js';
import { groupHasLiveJob, runGroupNow } from '../queue/group-jobs.js';
import type { BroadcastRow, BroadcastState, Database } from '../store/schema.js';
import { queueRun } from './create.js';
import { lockBroadcast } from './run.js';

// Pause, resume and cancel, each one commit over the broadcast's row (written first, so a page in
// progress on PostgreSQL finishes before the change and the next page sees it).
//
// Pause stops the dispatch: no recipient is queued until resume. Texts queued already (at most
// `dispatchAheadMs` of the sender's clock) still go, and quiet-hours-deferred ones go at their time:
// a pause is "no more", not "recall". Cancel is the recall: pending recipients are cancelled and
// every text not yet handed to the provider (queued or deferred) is withdrawn.

export type BroadcastAction = 'pause' | 'resume' | 'cancel';

const allowedFrom: Record<BroadcastAction, readonly BroadcastState[]> = {
  pause: ['scheduled', 'filling', 'sending'],
  resume: ['paused'],
  cancel: ['scheduled', 'filling', 'sending', 'paused'],
};

/** Applies the action in the caller's transaction and returns the broadcast as it leaves it. */
export async function controlBroadcast(
  trx: Kysely<Database>,
  id: string,
  action: BroadcastAction,
  now = Date.now(),
): Promise<BroadcastRow> {
  const broadcast = await lockBroadcast(trx, id, now);
  if (!broadcast) throw new ParleyError('not_found', 'No broadcast has this id.');
  if (!allowedFrom[action].includes(broadcast.state)) {
    throw new ParleyError(
      'broadcast_state_conflict',
      `The broadcast is ${broadcast.state}; ${action} is allowed only when it is ${allowedFrom[action].join(', ')}.`,
    );
  }
  const state = nextState(broadcast, action, now);
  const changes: Partial<BroadcastRow> = { state };
  if ((state === 'filling' || state === 'sending') && broadcast.started_at === null) changes.started_at = now;
  await trx.updateTable('broadcasts').set(changes).where('id', '=', id).execute();
  if (action !== 'pause') {
    const group = broadcastGroup(id);
    // A run still waiting for its time comes now (a cancel should not wait for the sender's clock);
    // a resumed broadcast whose runs ended at the pause gets a new one.
    if (state !== 'scheduled') await runGroupNow(trx, group, now);
    if (!(await groupHasLiveJob(trx, group))) await queueRun(trx, id, state === 'scheduled' ? broadcast.send_at! : now, now);
  }
  return { ...broadcast, ...changes };
}

function nextState(broadcast: BroadcastRow, action: BroadcastAction, now: number): BroadcastState {
  if (action === 'pause') return 'paused';
  if (action === 'cancel') return 'cancelled';
  if (broadcast.send_at !== null && broadcast.send_at > now && broadcast.started_at === null) return 'scheduled';
  return broadcast.filled_at === null ? 'filling' : 'sending';
}
