import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { forEachStore } from '../../test/helpers/stores.js';
import type { SenderRate } from '../core/sender-rate.js';
import type { Store } from '../store/database.js';
import { holdSender, nextSenderSlot, reserveSenderSlot, reserveSenderSlots, senderHeld, takeLiveSlot } from './sender-clock.js';

// The clocks with the time given to each call: slots are exact, so they are compared exactly.

const t = 1_800_000_000_000;
const a = '+18005550100';
const b = '+18005550101';

forEachStore('sender clocks', (stores) => {
  let store: Store;
  beforeEach(async () => {
    store = await stores.open();
  });
  afterEach(() => store.close());

  const sender = (number: string, rate: SenderRate) => ({ channel: 'main', number, rate });

  it("share the channel's budget between its numbers, in the order they reserve", async () => {
    const rate = { perChannel: 20 };
    const slots = [];
    for (const number of [a, b, b, a, b]) slots.push((await reserveSenderSlot(store, sender(number, rate), undefined, t)).at);
    assert.deepEqual(slots, [t, t + 50, t + 100, t + 150, t + 200]);
    assert.equal(await nextSenderSlot(store.db, sender(a, rate), t), t + 250);
  });

  it('give concurrent reservations from two numbers distinct channel slots (PostgreSQL: several connections, no deadlock)', async () => {
    const rate = { perNumber: 1_000, perChannel: 20 };
    const taken = await Promise.all(
      Array.from({ length: 40 }, (_, i) => reserveSenderSlot(store, sender(i % 2 === 0 ? a : b, rate), undefined, t)),
    );
    assert.deepEqual(
      taken.map((r) => r.at - t).sort((x, y) => x - y),
      Array.from({ length: 40 }, (_, i) => i * 50),
    );
  });

  it('give each text the later of its number slot and its channel slot', async () => {
    const rate = { perNumber: 10, perChannel: 20 };
    const taken = [];
    for (const number of [a, a, b, b, a]) taken.push(await reserveSenderSlot(store, sender(number, rate), undefined, t));
    // a's second text waits for its number (100 ms), b's fill the channel between a's.
    assert.deepEqual(
      taken.map((r) => [r.at - t, r.full]),
      [
        [0, true],
        [100, true],
        [150, true],
        [250, true],
        [300, true],
      ],
    );
  });

  it("queue a text whose number's turn is past the channel's next slot, and give it the channel's when it comes", async () => {
    const rate = { perNumber: 4, perChannel: 20 };
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), undefined, t), { at: t, full: true });
    const queued = await reserveSenderSlot(store, sender(a, rate), undefined, t);
    assert.deepEqual(queued, { at: t + 250, full: false }, "a's turn is 250 ms on: the channel is not held for it");
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), undefined, t), { at: t + 500, full: false }, 'behind the queued one');
    assert.deepEqual(await reserveSenderSlot(store, sender(b, rate), undefined, t), { at: t + 50, full: true });
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), queued.at, t + 250), { at: t + 250, full: true });
    assert.equal(await nextSenderSlot(store.db, sender(b, rate), t + 250), t + 300, 'the channel moved on from the queued text');
  });

  it("keep a number's spacing when the channel holds back its queued texts", async () => {
    const rate = { perNumber: 4, perChannel: 20 };
    await reserveSenderSlot(store, sender(a, rate), undefined, t);
    const second = await reserveSenderSlot(store, sender(a, rate), undefined, t);
    const third = await reserveSenderSlot(store, sender(a, rate), undefined, t);
    assert.deepEqual([second.at - t, third.at - t], [250, 500]);
    // Ten other numbers take the channel up to t + 550.
    for (let i = 0; i < 10; i++) await reserveSenderSlot(store, sender(`+1800555020${i}`, rate), undefined, t);
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), second.at, second.at), { at: t + 550, full: true });
    // The third is due at t + 500 but goes no sooner than a's spacing after the second.
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), third.at, third.at), { at: t + 800, full: false });
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), third.at, t + 800), { at: t + 800, full: true });
  });

  it('reserve a page on both clocks, one spacing of the slower limit apart, and the next page after it', async () => {
    const rate = { perNumber: 50, perChannel: 20 };
    const page = await store.write((trx) => reserveSenderSlots(trx, sender(a, rate), 10, t));
    assert.deepEqual(page, { at: t, full: true });
    // The channel's clock is past the page's last slot (t + 450) by one of its spacings.
    assert.deepEqual(await reserveSenderSlot(store, sender(b, rate), undefined, t), { at: t + 500, full: true });
  });

  it('queue a page from a number slower than the channel, each text taking its channel slot when due', async () => {
    const rate = { perNumber: 10, perChannel: 20 };
    assert.deepEqual(await store.write((trx) => reserveSenderSlots(trx, sender(a, rate), 5, t)), { at: t, full: false });
    assert.deepEqual(await reserveSenderSlot(store, sender(b, rate), undefined, t), { at: t, full: true }, 'the channel is free');
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), t, t), { at: t + 50, full: true });
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), undefined, t), { at: t + 500, full: false }, 'behind the page');
  });

  it('hold only the number the provider throttled', async () => {
    const rate = { perNumber: 10, perChannel: 20 };
    await reserveSenderSlot(store, sender(a, rate), undefined, t);
    await holdSender(store, sender(a, rate), t + 2_000);
    assert.equal(await senderHeld(store, sender(a, rate), t + 10), true);
    assert.equal(await senderHeld(store, sender(b, rate), t + 10), false);
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), undefined, t + 10), { at: t + 2_000, full: false });
    assert.deepEqual(await reserveSenderSlot(store, sender(b, rate), undefined, t + 10), { at: t + 50, full: true }, 'b goes on');
  });

  it('push every clock that applies for a live reply, which goes at once', async () => {
    const rate = { perNumber: 10, perChannel: 20 };
    await takeLiveSlot(store, sender(a, rate), t);
    assert.deepEqual(await reserveSenderSlot(store, sender(a, rate), undefined, t), { at: t + 100, full: true });
    assert.deepEqual(await reserveSenderSlot(store, sender(b, rate), undefined, t), { at: t + 150, full: true });
  });
});
