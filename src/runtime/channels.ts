import { randomBytes } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import type { ChannelConfig, Config } from '../config.js';
import { ParleyError } from '../errors.js';
import type { ProviderAdapter } from '../providers/contract.js';
import { adapterFor } from '../providers/registry.js';
import type { Store } from '../store/database.js';
import { readSetting, writeSettingOnce } from '../store/settings.js';

export interface Channel {
  name: string;
  config: ChannelConfig;
  adapter: ProviderAdapter<ChannelConfig>;
  /** The channel's `allow_ips` as a matcher, or null when any source may post. */
  allowedSources: BlockList | null;
  /** Webhooks that failed the signature check and were accepted anyway (`verify: monitor`), since start. */
  acceptedUnverified: number;
}

/** The configured channels, by name, with their adapters and secrets resolved once at start. */
export class ChannelDirectory {
  private readonly byName: Map<string, Channel>;

  constructor(channels: Channel[]) {
    this.byName = new Map(channels.map((c) => [c.name, c]));
  }

  get(name: string): Channel | undefined {
    return this.byName.get(name);
  }

  all(): Channel[] {
    return [...this.byName.values()];
  }

  /**
   * The channel an API send uses when it names none: the first configured provider channel, or
   * the simulator when it is the only one.
   */
  require(name: string | undefined): Channel {
    if (name !== undefined) {
      const channel = this.byName.get(name);
      if (!channel) throw new ParleyError('unknown_channel', `No channel is named "${name}".`);
      return channel;
    }
    const all = this.all();
    const chosen = all.find((c) => c.config.provider !== 'sim') ?? all[0];
    if (!chosen) throw new ParleyError('channel_unavailable', 'No channel is configured.');
    return chosen;
  }
}

export const simSecretSetting = 'sim.secret';

/** Resolves adapters; the simulator's secret is generated once and kept in the database. */
export async function loadChannels(config: Config, store: Store): Promise<ChannelDirectory> {
  const channels: Channel[] = [];
  for (const channel of config.channels) {
    // The simulator's secret, when not configured, lives in the database; the adapter reads it from the config.
    const config = channel.provider === 'sim' ? { ...channel, secret: channel.secret ?? (await simSecret(store)) } : channel;
    channels.push({
      name: channel.name,
      config,
      adapter: adapterFor(config),
      allowedSources: sourceMatcher(channel.allow_ips),
      acceptedUnverified: 0,
    });
  }
  return new ChannelDirectory(channels);
}

export async function simSecret(store: Store): Promise<string> {
  const existing = await readSetting(store.db, simSecretSetting);
  if (existing) return existing;
  return writeSettingOnce(store, simSecretSetting, randomBytes(24).toString('base64url'));
}

function sourceMatcher(allowIps: string[] | undefined): BlockList | null {
  if (!allowIps) return null;
  const list = new BlockList();
  for (const entry of allowIps) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/** Whether a webhook from `ip` may be read on this channel. IPv4 clients seen on a dual-stack socket arrive as ::ffff:a.b.c.d. */
export function sourceAllowed(channel: Channel, ip: string): boolean {
  if (!channel.allowedSources) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return channel.allowedSources.check(mapped[1]!, 'ipv4');
  return channel.allowedSources.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
}
