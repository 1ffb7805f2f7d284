import assert from 'node:assert/strict';
import { it } from 'node:test';
import { canAdvance, isOutboundStatus, outboundStatuses, type OutboundStatus } from './message-status.js';

// Every pair: a status may only move forward, and nothing moves a final one.
const forward: Record<OutboundStatus, OutboundStatus[]> = {
  queued: ['sending', 'sent', 'delivered', 'undelivered', 'failed'],
  sending: ['sent', 'delivered', 'undelivered', 'failed'],
  sent: ['delivered', 'undelivered', 'failed'],
  delivered: [],
  undelivered: [],
  failed: [],
};
for (const from of outboundStatuses) {
  for (const to of outboundStatuses) {
    const expected = forward[from].includes(to);
    it(`${from} → ${to}: ${expected ? 'allowed' : 'refused'}`, () => assert.equal(canAdvance(from, to), expected));
  }
}

it('knows its statuses', () => {
  assert.ok(isOutboundStatus('delivered'));
  assert.ok(!isOutboundStatus('read'));
  assert.ok(!isOutboundStatus(3));
});
