import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { histogramQuantile } from '../dashboard.js';
import { jsonForScript } from './dashboard.js';

it('writes JSON that cannot close its script element, and reads back the same', () => {
  const hostile = { label: '</script><script>alert(1)</script> & <!-- \u2028' };
  const text = jsonForScript(hostile).value;
  assert.doesNotMatch(text, /[<>&\u2028]/);
  assert.deepEqual(JSON.parse(text), hostile);
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const written = jsonForScript(value).value;
      assert.doesNotMatch(written, /[<>&]/);
      assert.deepEqual(JSON.parse(written), JSON.parse(JSON.stringify(value)));
    }),
  );
});

it('reads a quantile from cumulative histogram buckets', () => {
  const buckets = [
    { le: 0.005, count: 50 },
    { le: 0.01, count: 90 },
    { le: 0.025, count: 100 },
    { le: Infinity, count: 100 },
  ];
  assert.equal(histogramQuantile(buckets, 0.5), 0.005);
  assert.equal(histogramQuantile(buckets, 0.95), 0.025);
  assert.equal(histogramQuantile([{ le: Infinity, count: 0 }], 0.5), null);
});
