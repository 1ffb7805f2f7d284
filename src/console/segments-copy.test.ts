import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { countSegments, type SegmentCount } from '../core/segments.js';

// The reply box counts segments in the browser with assets/segments.js, a plain-script copy of
// core/segments.ts. Run both on the same strings: the copy cannot drift from the truth unnoticed.

const source = readFileSync(new URL('./assets/segments.js', import.meta.url), 'utf8');
const sandbox: { parleySegments?: { countSegments(body: string): SegmentCount } } = {};
runInNewContext(source, sandbox);
const copy = (body: string): SegmentCount => ({ ...sandbox.parleySegments!.countSegments(body) });

const gsmCharacters = [
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
];
const extension = [...'\f^{}\\[~]|€'];
const others = ['é', 'ç', 'ü', 'ñ', '😀', '👍🏽', '中', 'ё', '\u2019', '\ud83d', 'Ā'];

it('gives the answers of core/segments.ts on known texts', () => {
  for (const body of ['', 'hello', 'a'.repeat(160), 'a'.repeat(161), '€'.repeat(80), '€'.repeat(81), 'ç', '😀'.repeat(35), '😀'.repeat(36)])
    assert.deepEqual(copy(body), countSegments(body), JSON.stringify(body));
  assert.equal(copy('Sure, 4pm works 😀').encoding, 'UCS-2');
});

it('gives the answers of core/segments.ts on many texts, around every segment boundary', () => {
  const character = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...gsmCharacters) },
    { weight: 2, arbitrary: fc.constantFrom(...extension) },
    { weight: 1, arbitrary: fc.constantFrom(...others) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  );
  fc.assert(
    fc.property(fc.array(character, { maxLength: 500 }), (parts) => {
      const body = parts.join('');
      assert.deepEqual(copy(body), countSegments(body));
    }),
    { numRuns: 2000 },
  );
});
