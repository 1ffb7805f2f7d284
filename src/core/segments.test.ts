import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countSegments, type SmsEncoding } from './segments.js';

const digits = (n: number) => '1234567890'.repeat(Math.ceil(n / 10)).slice(0, n);

// SEG-1…SEG-16: the acceptance vectors of Twilio's message-segment-calculator (providers.md §14).
const cases: Array<[string, string, SmsEncoding, number]> = [
  ['SEG-1 160 digits', digits(160), 'GSM-7', 1],
  ['SEG-2 161 digits', digits(161), 'GSM-7', 2],
  ['SEG-3 307 digits', digits(307), 'GSM-7', 3],
  ['SEG-4 emoji + 68 digits', `😜${digits(68)}`, 'UCS-2', 1],
  ['SEG-5 emoji + 69 digits', `😜${digits(69)}`, 'UCS-2', 2],
  ['SEG-6 emoji + 133 digits', `😜${digits(133)}`, 'UCS-2', 3],
  ['SEG-7 flag + 66 digits', `🇮🇹${digits(66)}`, 'UCS-2', 1],
  ['SEG-8 flag + 67 digits', `🇮🇹${digits(67)}`, 'UCS-2', 2],
  ['SEG-9 rainbow flag + 64 digits', `🏳️‍🌈${digits(64)}`, 'UCS-2', 1],
  ['SEG-10 rainbow flag + 65 digits', `🏳️‍🌈${digits(65)}`, 'UCS-2', 2],
  ...[...'|^€{}[]~\\'].flatMap((c): Array<[string, string, SmsEncoding, number]> => [
    [`SEG-11 "${c}" + 158 digits`, `${c}${digits(158)}`, 'GSM-7', 1],
    [`SEG-12 "${c}" + 159 digits`, `${c}${digits(159)}`, 'GSM-7', 2],
  ]),
  ...[...'ÁÚúçíÍóÓ'].flatMap((c): Array<[string, string, SmsEncoding, number]> => [
    [`SEG-13 70 × ${c}`, c.repeat(70), 'UCS-2', 1],
    [`SEG-14 71 × ${c}`, c.repeat(71), 'UCS-2', 2],
  ]),
  ['SEG-15 emoji + 68 × ]', `😀${']'.repeat(68)}`, 'UCS-2', 1],
  ['SEG-16 emoji + 69 × ]', `😀${']'.repeat(69)}`, 'UCS-2', 2],
  ['empty body bills one segment', '', 'GSM-7', 1],
  ['306 septets fill two parts', digits(306), 'GSM-7', 2],
  ['307 septets need a third', digits(307), 'GSM-7', 3],
  ['Ç is GSM', 'Ça va', 'GSM-7', 1],
  ['ç is not', 'ça va', 'UCS-2', 1],
  ['an escape never straddles a part boundary', `${digits(152)}€${digits(152)}`, 'GSM-7', 3],
  ['a surrogate pair never straddles a part boundary', `${'a'.repeat(66)}😀${'a'.repeat(66)}😀`, 'UCS-2', 3],
];

describe('countSegments', () => {
  for (const [name, body, encoding, segments] of cases) {
    it(name, () => {
      const count = countSegments(body);
      assert.equal(count.encoding, encoding);
      assert.equal(count.segments, segments);
    });
  }

  it('counts escapes as two septets and reports what is left', () => {
    assert.deepEqual(countSegments('a€'), { encoding: 'GSM-7', segments: 1, units: 3, remaining: 157 });
    assert.deepEqual(countSegments(digits(161)), { encoding: 'GSM-7', segments: 2, units: 161, remaining: 145 });
    assert.deepEqual(countSegments('😀'), { encoding: 'UCS-2', segments: 1, units: 2, remaining: 68 });
  });
});
