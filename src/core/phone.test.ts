import assert from 'node:assert/strict';
import { it } from 'node:test';
import { countryOf, toE164, toE164FromHandset } from './phone.js';

// Numbers as providers send them.
const table: Array<[string, string | undefined, string | null]> = [
  ['+15551234567', undefined, '+15551234567'],
  ['+1 (555) 123-4567', undefined, '+15551234567'],
  ['15551234567', undefined, '+15551234567'], // Vonage, Plivo, Sinch drop the "+"
  ['+447700900123', undefined, '+447700900123'],
  ['447700900123', undefined, '+447700900123'],
  ['  +33 6 12 34 56 78 ', undefined, '+33612345678'],
  ['07400 123456', 'GB', '+447400123456'], // national format, with a default country
  ['07700 900123', undefined, null],
  ['', undefined, null],
  ['call me', undefined, null],
  ['+1', undefined, null],
  ['12', undefined, null],
  ['+1555123456789012345678901234567890', undefined, null],
];
for (const [raw, country, expected] of table) {
  it(`${JSON.stringify(raw)}${country ? ` (${country})` : ''} → ${expected}`, () => {
    assert.equal(toE164(raw, country as 'GB' | undefined), expected);
    assert.equal(toE164(raw, country as 'GB' | undefined), expected, 'the same answer from the cache');
  });
}

it("reads numbers as a handset stores them: national first, in the phone's own country", () => {
  assert.equal(countryOf('+18005550100'), 'US');
  assert.equal(countryOf('+447400123456'), 'GB');
  const cases: Array<[string, 'US' | 'GB' | undefined, string | null]> = [
    ['6505551212', 'US', '+16505551212'],
    ['(650) 555-1212', 'US', '+16505551212'],
    ['07400 123456', 'GB', '+447400123456'],
    ['+447700900123', 'US', '+447700900123'],
    ['447400123456', 'GB', '+447400123456'],
    ['MyBank', 'US', null],
  ];
  for (const [raw, country, expected] of cases) assert.equal(toE164FromHandset(raw, country), expected, raw);
});
