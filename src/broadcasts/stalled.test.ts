import assert from 'node:assert/strict';
import { it } from 'node:test';
import { heldGraceMs, stallOf, type StallFacts } from './stalled.js';

const now = 1_800_000_000_000;
const moving: StallFacts = { state: 'sending', channelConfigured: true, heldUntil: null, lastProgressAt: now - 1_000 };

it('calls a sending broadcast stalled when its channel is gone, since it last moved', () => {
  assert.deepEqual(stallOf({ ...moving, channelConfigured: false }, now), { reason: 'channel_not_configured', since: now - 1_000 });
  assert.equal(stallOf(moving, now), null);
});

it('calls it stalled on a provider hold only once no text has gone for the grace period', () => {
  const held = { ...moving, heldUntil: now + 60_000 };
  assert.equal(stallOf(held, now), null, 'held a moment after its last text: ordinary pacing');
  const quiet = { ...held, lastProgressAt: now - heldGraceMs };
  assert.deepEqual(stallOf(quiet, now), { reason: 'sender_held', since: now - heldGraceMs });
  // A hold that ended a moment ago with nothing sent since still counts; one long over does not.
  assert.deepEqual(stallOf({ ...quiet, heldUntil: now - 5_000 }, now), { reason: 'sender_held', since: now - heldGraceMs });
  assert.equal(stallOf({ ...quiet, lastProgressAt: now - 3 * heldGraceMs, heldUntil: now - 2 * heldGraceMs }, now), null);
  // Texts went after the hold ended: moving again.
  assert.equal(stallOf({ ...moving, heldUntil: now - 5_000, lastProgressAt: now - 1_000 }, now), null);
});

it('never calls a broadcast that is not sending stalled', () => {
  for (const state of ['scheduled', 'filling', 'paused', 'cancelled', 'completed'] as const) {
    assert.equal(stallOf({ ...moving, state, channelConfigured: false, heldUntil: now + 60_000, lastProgressAt: 0 }, now), null);
  }
});
