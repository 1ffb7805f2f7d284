import { isIP } from 'node:net';
import { z } from 'zod';
import { duration, e164, quietHours, type QuietHoursConfig } from '../config-fields.js';

// The settings every channel has, whatever its provider. Each provider's folder has a config.ts
// that adds its own credentials to these; config.ts joins them into one list by `provider`.

const channelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, "-" or "_" (it becomes part of a URL)');

const ipOrCidr = z.string().refine((value) => {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}, 'must be an IP address or CIDR range, e.g. "203.0.113.7" or "203.0.113.0/24"');

export const baseChannelFields = {
  name: channelName,
  numbers: z.array(e164).min(1, 'list at least one number this channel sends from'),
  /**
   * The origin (and optional path prefix) the provider calls, e.g. "https://sms.example.com".
   * Signatures over URLs are checked against it, and per-message status callback URLs are built
   * from it.
   */
  public_url: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** `monitor` logs and counts failed signature checks but accepts the webhook; for setting up only. */
  verify: z.enum(['enforce', 'monitor']).default('enforce'),
  /** When set, webhooks from any other source address are refused (after a trusted proxy, the client's). */
  allow_ips: z.array(ipOrCidr).min(1).optional(),
  /** A send call with no answer by then has failed (and is retried). */
  send_timeout: duration.default(15_000),
  /**
   * A send cut short by a crash may or may not have reached the provider: `resend` it (the
   * default; the provider gets the same Parley id) or `fail` the message and tell the business.
   */
  on_unknown_outcome: z.enum(['resend', 'fail']).optional(),
  /** Quiet hours for this channel's texts that start a conversation, over `outbound.quiet_hours`. */
  quiet_hours: quietHours.optional(),
  /**
   * Texts per second per sending number, held across instances: live replies go first, bulk
   * traffic (broadcasts, scheduled sends) takes the slots left. Unlimited when absent.
   */
  rate_limit: z.number().positive().max(10_000).optional(),
  /**
   * Texts per second across all the channel's numbers together (an account's or a campaign's
   * limit), held like `rate_limit`, with which it may be combined. Unlimited when absent.
   */
  channel_rate_limit: z.number().positive().max(10_000).optional(),
  /** The provider API's base URL, for a regional endpoint or a local stand-in in tests. */
  api_url: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
};

export interface BaseChannelConfig {
  name: string;
  provider: string;
  numbers: string[];
  public_url?: string | undefined;
  verify: 'enforce' | 'monitor';
  allow_ips?: string[] | undefined;
  send_timeout: number;
  /** Absent means `resend`. */
  on_unknown_outcome?: 'resend' | 'fail' | undefined;
  quiet_hours?: QuietHoursConfig | undefined;
  rate_limit?: number | undefined;
  channel_rate_limit?: number | undefined;
  api_url?: string | undefined;
}
