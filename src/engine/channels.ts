import { randomBytes } from 'node:crypto';
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
  /** The key that signs this channel's webhooks. */
  secret: string;
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

/** Resolves adapters and secrets; the simulator's secret is generated once and kept in the database. */
export async function loadChannels(config: Config, store: Store): Promise<ChannelDirectory> {
  const channels: Channel[] = [];
  for (const channel of config.channels) {
    let secret: string;
    if (channel.provider === 'sim') {
      secret = channel.secret ?? (await simSecret(store));
    } else {
      secret = channel.secret;
    }
    channels.push({ name: channel.name, config: channel, adapter: adapterFor(channel), secret });
  }
  return new ChannelDirectory(channels);
}

export async function simSecret(store: Store): Promise<string> {
  const existing = await readSetting(store.db, simSecretSetting);
  if (existing) return existing;
  return writeSettingOnce(store, simSecretSetting, randomBytes(24).toString('base64url'));
}
