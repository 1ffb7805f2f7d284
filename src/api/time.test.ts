import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyError } from '../errors.js';
import { readTime } from './time.js';

describe('readTime', () => {
  it('reads RFC 3339 times', () => {
    assert.equal(readTime('2020-12-31T23:59:59Z', 'since'), Date.UTC(2020, 11, 31, 23, 59, 59));
    assert.equal(readTime('2021-01-01T01:00:00.5+01:00', 'since'), Date.UTC(2021, 0, 1, 0, 0, 0, 500));
  });

  it('reads a leap second as the last millisecond before the next minute', () => {
    const last = Date.UTC(2020, 11, 31, 23, 59, 59, 999);
    assert.equal(readTime('2020-12-31T23:59:60Z', 'since'), last);
    assert.equal(readTime('2020-12-31T23:59:60.25Z', 'since'), last);
    assert.equal(readTime('2020-12-31t23:59:60z', 'since'), last);
    assert.equal(readTime('2020-12-31T18:59:60-05:00', 'since'), last);
  });

  it('refuses what is not a time with a 400 naming the field', () => {
    for (const value of ['yesterday', '2020-12-31T23:59:61Z', '2020-13-01T00:00:00Z', '']) {
      assert.throws(
        () => readTime(value, 'since'),
        (e: unknown) => e instanceof ParleyError && e.status === 400 && e.code === 'invalid_payload' && e.message.startsWith('since: '),
        value,
      );
    }
  });
});
