import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { WriteLock } from './write-lock.js';

it('a second writer waits, with its event loop free, until the holder gives the lock back', async () => {
  const held = new WriteLock();
  const other = new WriteLock(held.buffer);
  const release = await held.acquire();
  let got = false;
  const waiting = other.acquire().then((giveBack) => ((got = true), giveBack));
  // Were the wait blocking, this thread (which holds the lock) could never reach its release.
  await delay(40);
  assert.equal(got, false, 'not while the lock is held');
  assert.equal(held.wanted(), true, 'the holder sees someone waiting');
  release();
  const giveBack = await waiting;
  assert.equal(got, true);
  assert.equal(held.wanted(), false);
  giveBack();
  (await held.acquire())();
});

it('gives turns in the order they were asked for: a writer asking again goes behind the one waiting', async () => {
  const a = new WriteLock();
  const b = new WriteLock(a.buffer);
  const order: string[] = [];
  const releaseA = await a.acquire();
  const bTurn = b.acquire().then((release) => (order.push('b'), release));
  releaseA();
  const aAgain = a.acquire().then((release) => (order.push('a again'), release));
  (await bTurn)();
  (await aAgain)();
  assert.deepEqual(order, ['b', 'a again']);
});
