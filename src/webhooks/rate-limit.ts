import type { Store } from '../store/database.js';

/**
 * Reserves the endpoint's next send slot under its rate limit and returns when it is. The slot
 * clock lives in the endpoint's row, so every instance draws from the same budget; a backlog
 * reserves slots further and further ahead, which spaces its attempts evenly.
 */
export async function reserveSlot(store: Store, endpointId: string, perSecond: number, now = Date.now()): Promise<number> {
  const spacing = Math.max(1, Math.round(1000 / perSecond));
  const row = await store.write((trx) =>
    trx
      .updateTable('endpoints')
      .set((eb) => ({
        next_slot_at: eb(
          eb.case().when('next_slot_at', 'is', null).then(now).when('next_slot_at', '<', now).then(now).else(eb.ref('next_slot_at')).end(),
          '+',
          spacing,
        ),
      }))
      .where('id', '=', endpointId)
      .returning('next_slot_at')
      .executeTakeFirst(),
  );
  return (row?.next_slot_at ?? now + spacing) - spacing;
}
