import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorCatalog, ParleyError, type ErrorCode } from './errors.js';

describe('error registry', () => {
  it('is documented code for code in docs/errors.md', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const documented = Object.fromEntries([...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
    const registry = Object.fromEntries(Object.entries(errorCatalog).map(([code, { status }]) => [code, status]));
    assert.deepEqual(documented, registry);
  });

  it('serializes every code as {"error":{"code","message"}}', () => {
    for (const code of Object.keys(errorCatalog) as ErrorCode[]) {
      const error = new ParleyError(code);
      assert.equal(error.status, errorCatalog[code].status);
      assert.deepEqual(JSON.parse(JSON.stringify(error)), { error: { code, message: errorCatalog[code].message } });
    }
    assert.deepEqual(new ParleyError('not_found', 'No message has this id.').toJSON(), {
      error: { code: 'not_found', message: 'No message has this id.' },
    });
  });
});
