import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

// Where a business's endpoint may not point: this machine, its private networks, link-local
// (cloud metadata at 169.254.169.254) and the like. A name is checked by the address it resolves
// to when the connection is made, so a DNS answer that changes after registration cannot slip in.
const forbidden = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(network, prefix, 'ipv6');
}

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbidden.check(address, 'ipv4');
  if (family === 6) {
    // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped ? forbidden.check(mapped[1]!, 'ipv4') : forbidden.check(address, 'ipv6');
  }
  return true;
}

export class DestinationRefused extends Error {
  override name = 'DestinationRefused';
}

/** Checks what can be checked without connecting: the scheme, and the host if it is an address. */
export function checkEndpointUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationRefused(`"${raw.slice(0, 100)}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DestinationRefused('only http and https URLs are allowed');
  if (url.username || url.password) throw new DestinationRefused('credentials in the URL are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || (isIP(host) !== 0 && isForbiddenAddress(host)))) {
    throw new DestinationRefused(`${host} is a private, loopback or link-local destination`);
  }
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

type Resolver = (
  hostname: string,
  options: { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * An HTTP agent whose every connection is refused if its address is forbidden. `resolve` is the
 * system resolver; tests give names of their own.
 */
export function guardedAgent(allowPrivate: boolean, resolve: Resolver = dnsLookup as unknown as Resolver): Agent {
  if (allowPrivate) return new Agent();
  const lookup = (hostname: string, options: object, callback: LookupCallback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => isForbiddenAddress(a.address));
      if (refused) return callback(new DestinationRefused(`${hostname} resolves to ${refused.address}, a private destination`), []);
      const wantsAll = (options as { all?: boolean }).all === true;
      return wantsAll ? callback(null, list) : callback(null, list[0]!.address, list[0]!.family);
    });
  };
  return new Agent({ connect: { lookup: lookup as never } });
}
