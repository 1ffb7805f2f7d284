import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isLoopback } from './metrics-access.js';

it('tells loopback addresses, also IPv4-mapped, from every other', () => {
  for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(address), true, address);
  for (const address of ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', '::', '0.0.0.0', '203.0.113.9', undefined, ''])
    assert.equal(isLoopback(address), false, String(address));
});
