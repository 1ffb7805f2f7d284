import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs } from './backoff.js';
import { parseDuration } from './duration.js';
import { newId } from './ids.js';
import { renderTemplate } from './template.js';

describe('parseDuration', () => {
  const table: Array<[string, number | null]> = [
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5s', 1_500],
    ['1200', null],
    ['5 minutes', null],
    ['-1s', null],
    ['', null],
    ['10x', null],
  ];
  for (const [input, expected] of table) it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(parseDuration(input), expected));
});

describe('retryDelayMs', () => {
  it('doubles from the base, stays between half and all of its ceiling, and caps at the maximum', () => {
    assert.equal(
      retryDelayMs(1, 1000, 60_000, () => 0),
      500,
    );
    assert.equal(
      retryDelayMs(1, 1000, 60_000, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(4, 1000, 60_000, () => 1),
      8000,
    );
    assert.equal(
      retryDelayMs(4, 1000, 60_000, () => 0),
      4000,
    );
    assert.equal(
      retryDelayMs(20, 1000, 60_000, () => 1),
      60_000,
    );
  });
});

describe('newId', () => {
  it('is prefixed, 26 Crockford characters, and strictly increasing within a millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newId('msg', 1_795_000_000_000));
    for (const id of ids) assert.match(id, /^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  });
  it('carries its time in the first ten characters, and never goes back in time within a process', () => {
    const decode = (id: string) => [...id.slice(2, 12)].reduce((t, c) => t * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c), 0);
    assert.equal(decode(newId('x', 3_000_000_000_000)), 3_000_000_000_000);
    assert.equal(decode(newId('x', 3_000_000_000_001)), 3_000_000_000_001);
    assert.equal(decode(newId('x', 2_000_000_000_000)), 3_000_000_000_001, 'a clock step back keeps the last time');
  });
});

describe('renderTemplate', () => {
  it('fills dotted paths and renders missing values as nothing', () => {
    const values = { business: 'Acme', contact: { phone: '+1555', fields: { first_name: 'Ana' } } };
    assert.equal(renderTemplate('Hi {{ contact.fields.first_name }}, {{business}} here', values), 'Hi Ana, Acme here');
    assert.equal(renderTemplate('Hi {{contact.fields.last_name}}!', values), 'Hi !');
    assert.equal(renderTemplate('{{contact.phone.length}}', values), '');
  });
});
