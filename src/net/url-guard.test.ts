import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { checkEndpointUrl, DestinationRefused, guardedAgent, isForbiddenAddress } from './url-guard.js';

describe('isForbiddenAddress', () => {
  const table: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['8.8.8.8', false],
    ['2001:4860:4860::8888', false],
    ['93.184.216.34', false],
    ['not an address', true],
  ];
  for (const [address, expected] of table)
    it(`${address}: ${expected ? 'refused' : 'allowed'}`, () => assert.equal(isForbiddenAddress(address), expected));
});

describe('checkEndpointUrl', () => {
  const refused = [
    'ftp://example.com/x',
    'file:///etc/passwd',
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://[::1]/x',
    'http://169.254.169.254/latest',
    'https://user:pw@example.com/',
    'not a url',
  ];
  for (const url of refused) it(`refuses ${url}`, () => assert.throws(() => checkEndpointUrl(url, false), DestinationRefused));
  it('allows public names and, when told, private addresses', () => {
    assert.equal(checkEndpointUrl('https://crm.example.com/hooks', false).hostname, 'crm.example.com');
    assert.equal(checkEndpointUrl('http://127.0.0.1:8080/hook', true).port, '8080');
  });
});

describe('guardedAgent', () => {
  it('refuses at connect time a name that resolves to a loopback address', async () => {
    const server = createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // The name passes the URL check (it is not an address); only the connection can tell.
    const resolveToLoopback = (
      _host: string,
      _options: object,
      callback: (e: null, a: Array<{ address: string; family: number }>) => void,
    ) => callback(null, [{ address: '127.0.0.1', family: 4 }]);
    try {
      checkEndpointUrl(`http://crm.example.test:${port}/hook`, false);
      await assert.rejects(
        request(`http://crm.example.test:${port}/hook`, { dispatcher: guardedAgent(false, resolveToLoopback) }),
        (e: Error) =>
          e instanceof DestinationRefused ||
          (e as { cause?: unknown }).cause instanceof DestinationRefused ||
          /private destination/.test(e.message),
      );
      const allowed = await request(`http://crm.example.test:${port}/hook`, {
        dispatcher: new (await import('undici')).Agent({ connect: { lookup: resolveToLoopback as never } }),
      });
      assert.equal(await allowed.body.text(), 'reached', 'the same name connects when nothing guards it');
    } finally {
      server.close();
    }
  });
});
