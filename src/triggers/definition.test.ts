import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { loadTriggers } from './definition.js';

describe('triggers in the triggers/ folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-triggers-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'parley.yaml'), 'api_key: a-key-of-sixteen-chars\n');
  mkdirSync(join(dir, 'triggers'));
  writeFileSync(
    join(dir, 'triggers', 'orders.yaml'),
    'name: orders\nsecret: ${ORDERS_SECRET}\nto: customer.phone\nactions:\n  - send: { template: shipped }\n',
  );
  const config = loadConfig({ path: join(dir, 'parley.yaml'), env: {} });

  it('reads ${NAME} from the environment, so a secret stays out of the file', () => {
    const secret = 'whsec_c2VjcmV0LW9mLXRoZS1vcmRlcnM=';
    assert.equal(loadTriggers(config, dir, { ORDERS_SECRET: secret }).get('orders')!.secret, secret);
  });

  it('names the file and the key when the variable is not set', () => {
    assert.throws(
      () => loadTriggers(config, dir, {}),
      (error: unknown) =>
        error instanceof ConfigError && /orders\.yaml: secret: environment variable ORDERS_SECRET is not set/.test(error.message),
    );
  });
});
