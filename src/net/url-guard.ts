import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

// Where a business's endpoint may not point: this machine, its private networks, link-local
// (cloud metadata at 169.254.169.254), and every other range the IANA IPv4 and IPv6 Special-Purpose
// Address Registries mark as not globally reachable. A name is checked by the address it resolves
// to when the connection is made, so a DNS answer that changes after registration cannot slip in.
const forbiddenIpv4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the limited broadcast address
] as const) {
  forbiddenIpv4.addSubnet(network, prefix, 'ipv4');
}

// Only global unicast (2000::/3) is a destination at all: that leaves out unspecified, loopback,
// the IPv4-compatible block, discard-only 100::/64, local-use NAT64 64:ff9b:1::/48, segment routing
// 5f00::/16, unique-local fc00::/7, link-local fe80::/10, the deprecated site-local fec0::/10 and
// multicast. Forms that carry an IPv4 address are judged by that address before this.
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');
const forbiddenIpv6 = new BlockList();
for (const [network, prefix] of [
  // IETF protocol assignments: Teredo (2001::/32) is judged by its IPv4 addresses before this; the
  // block's few anycast services are no place for a webhook either.
  ['2001::', 23],
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
] as const) {
  forbiddenIpv6.addSubnet(network, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (one `isIP` accepted), a trailing dotted IPv4 included. */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const gap = text.indexOf('::');
  if (gap === -1) return parse(text);
  const head = parse(text.slice(0, gap));
  const tail = parse(text.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function ipv4From(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/**
 * The IPv4 addresses an IPv6 address reaches through, for the transition forms that embed one:
 * IPv4-compatible ::/96, IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, NAT64
 * 64:ff9b::/96, 6to4 2002::/16, and Teredo 2001::/32 (its server, and its client, stored inverted).
 */
function embeddedIpv4(groups: number[]): string[] | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const zeroUpTo = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeroUpTo(6)) return [ipv4From(g6, g7)];
  if (zeroUpTo(5) && g5 === 0xffff) return [ipv4From(g6, g7)];
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return [ipv4From(g6, g7)];
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return [ipv4From(g6, g7)];
  if (g0 === 0x2002) return [ipv4From(g1, g2)];
  if (g0 === 0x2001 && g1 === 0) return [ipv4From(g2, g3), ipv4From(g6 ^ 0xffff, g7 ^ 0xffff)];
  return null;
}

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbiddenIpv4.check(address, 'ipv4');
  if (family !== 6) return true;
  const groups = ipv6Groups(address);
  const embedded = embeddedIpv4(groups);
  if (embedded) return embedded.some((ipv4) => forbiddenIpv4.check(ipv4, 'ipv4'));
  const canonical = groups.map((g) => g.toString(16)).join(':');
  return !globalUnicast.check(canonical, 'ipv6') || forbiddenIpv6.check(canonical, 'ipv6');
}

export class DestinationRefused extends Error {
  override name = 'DestinationRefused';
  constructor(
    message: string,
    /** Refused for its address (loopback, private…), which `allow_private_destinations` would allow. */
    readonly privateDestination = false,
  ) {
    super(message);
  }
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
    throw new DestinationRefused(`${host} is a private, loopback or link-local destination`, true);
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
export function guardedAgent(allowPrivate: boolean, resolve: Resolver = dnsLookup): Agent {
  if (allowPrivate) return new Agent();
  const lookup = (hostname: string, options: object, callback: LookupCallback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses;
      const refused = list.find((a) => isForbiddenAddress(a.address));
      if (refused) return callback(new DestinationRefused(`${hostname} resolves to ${refused.address}, a private destination`, true), []);
      const wantsAll = (options as { all?: boolean }).all === true;
      return wantsAll ? callback(null, list) : callback(null, list[0]!.address, list[0]!.family);
    });
  };
  return new Agent({ connect: { lookup: lookup } });
}
