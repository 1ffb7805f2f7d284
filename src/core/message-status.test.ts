import assert from 'node:assert/strict';
import { it } from 'node:test';
import { canAdvance, isOutboundStatus, messageStatuses, type MessageStatus } from './message-status.js';

// Every pair: a status may only move forward, and nothing moves a final one. A scheduled message is
// only released, dropped or canceled; nothing else is ever canceled.
const forward: Record<MessageStatus, MessageStatus[]> = {
  scheduled: ['queued', 'failed', 'canceled'],
  queued: ['sending', 'sent', 'delivered', 'undelivered', 'failed'],
  sending: ['sent', 'delivered', 'undelivered', 'failed'],
  sent: ['delivered', 'undelivered', 'failed'],
  delivered: [],
  undelivered: [],
  failed: [],
  canceled: [],
};
for (const from of messageStatuses) {
  for (const to of messageStatuses) {
    const expected = forward[from].includes(to);
    it(`${from} → ${to}: ${expected ? 'allowed' : 'refused'}`, () => assert.equal(canAdvance(from, to), expected));
  }
}

it('knows its statuses; a provider can report neither scheduled nor canceled', () => {
  assert.ok(isOutboundStatus('delivered'));
  assert.ok(!isOutboundStatus('read'));
  assert.ok(!isOutboundStatus(3));
  assert.ok(!isOutboundStatus('scheduled'));
  assert.ok(!isOutboundStatus('canceled'));
});
