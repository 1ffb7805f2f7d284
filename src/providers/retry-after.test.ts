import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRetryAfter } from './provider-http.js';

describe('Retry-After', () => {
  it('reads seconds or an HTTP date, capped at an hour, and nothing else', () => {
    const now = Date.UTC(2026, 0, 1);
    assert.equal(readRetryAfter('2', now), 2_000);
    assert.equal(readRetryAfter(['5', '9'], now), 5_000);
    assert.equal(readRetryAfter('99999', now), 3_600_000);
    assert.equal(readRetryAfter(new Date(now + 30_000).toUTCString(), now), 30_000);
    assert.equal(readRetryAfter(new Date(now - 30_000).toUTCString(), now), 0);
    for (const bad of [undefined, '', 'soon', '-1']) assert.equal(readRetryAfter(bad, now), null, String(bad));
  });
});
