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
    // Special-purpose IPv4 ranges.
    ['192.0.0.8', true],
    ['192.88.99.1', true],
    ['198.18.0.1', true],
    ['203.0.113.7', true],
    ['255.255.255.255', true],
    ['224.0.0.1', true],
    // IPv4-compatible ::/96, judged by the IPv4 address it carries.
    ['::127.0.0.1', true],
    ['::7f00:1', true],
    ['::a00:1', true],
    ['::8.8.8.8', false],
    // IPv4-mapped ::ffff:0:0/96, in every spelling.
    ['::ffff:7f00:1', true],
    ['0:0:0:0:0:ffff:a9fe:a9fe', true],
    ['::FFFF:192.168.0.1', true],
    // IPv4-translated ::ffff:0:0:0/96.
    ['::ffff:0:127.0.0.1', true],
    ['::ffff:0:7f00:1', true],
    ['::ffff:0:808:808', false],
    // NAT64 64:ff9b::/96; the local-use 64:ff9b:1::/48 is not globally reachable at all.
    ['64:ff9b::127.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['64:ff9b::808:808', false],
    ['64:ff9b:1::808:808', true],
    // 6to4 2002::/16: the IPv4 address is in the second and third groups.
    ['2002:7f00:1::', true],
    ['2002:c0a8:101::1', true],
    ['2002:808:808::1', false],
    // Teredo 2001::/32: server in groups 3-4, client inverted in groups 7-8.
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', true], // client 127.0.0.1
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', true], // client 10.0.0.1
    ['2001:0:7f00:1:8000:63bf:f7f7:f7f7', true], // server 127.0.0.1
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false], // server 65.54.227.120, client 8.8.8.8
    // Outside global unicast 2000::/3, or a special-purpose range inside it.
    ['fec0::1', true],
    ['feff::1', true],
    ['100::1', true],
    ['5f00::1', true],
    ['::1:0:0:1', true],
    ['fe80::1%eth0', true],
    ['ff02::1', true],
    ['2001:db8::1', true],
    ['2001:2::1', true],
    ['2001:10::1', true],
    ['3fff::1', true],
    ['2606:4700:4700::1111', false],
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
    // IPv6 forms that carry a forbidden IPv4 address, or a range that is not globally reachable.
    'http://[::127.0.0.1]/x',
    'http://[64:ff9b::127.0.0.1]/x',
    'http://[::ffff:0:127.0.0.1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://[2002:7f00:1::]/x',
    'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/x',
    'http://[64:ff9b:1::a00:1]/x',
    'http://[fec0::1]/x',
    'https://[fd12:3456::1]:8443/x',
    'https://user:pw@example.com/',
    'not a url',
  ];
  for (const url of refused) it(`refuses ${url}`, () => assert.throws(() => checkEndpointUrl(url, false), DestinationRefused));
  it('allows public names and, when told, private addresses', () => {
    assert.equal(checkEndpointUrl('https://crm.example.com/hooks', false).hostname, 'crm.example.com');
    assert.equal(checkEndpointUrl('http://127.0.0.1:8080/hook', true).port, '8080');
    assert.equal(checkEndpointUrl('https://[2002:808:808::1]/hook', false).hostname, '[2002:808:808::1]');
    assert.equal(checkEndpointUrl('https://[64:ff9b::8.8.8.8]/hook', false).hostname, '[64:ff9b::808:808]');
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
        dispatcher: new (await import('undici')).Agent({ connect: { lookup: resolveToLoopback } }),
      });
      assert.equal(await allowed.body.text(), 'reached', 'the same name connects when nothing guards it');
    } finally {
      server.close();
    }
  });
});

describe('guardedAgent and IPv6 forms that carry an IPv4 address', () => {
  const answers = ['::7f00:1', '::ffff:0:7f00:1', '64:ff9b::7f00:1', '2002:7f00:1::1', '2001:0:4136:e378:8000:63bf:80ff:fffe', 'fec0::1'];
  for (const address of answers) {
    it(`refuses at connect time a name that resolves to ${address}`, async () => {
      const resolveTo = (_host: string, _options: object, callback: (e: null, a: Array<{ address: string; family: number }>) => void) =>
        callback(null, [{ address, family: 6 }]);
      await assert.rejects(
        request('http://crm.example.test/hook', { dispatcher: guardedAgent(false, resolveTo) }),
        (e: Error) => e instanceof DestinationRefused || (e as { cause?: unknown }).cause instanceof DestinationRefused,
      );
    });
  }
});
