import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const telnyxChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('telnyx'),
  /** The API key (Bearer) that sends: Mission Control → Account Settings → API Keys. */
  api_key: z.string().min(16, 'the API key from the Telnyx portal (Account Settings → API Keys), at least 16 characters'),
  /** The account's public key (base64 of the raw 32-byte Ed25519 key): it checks webhooks. */
  public_key: z
    .string()
    .trim()
    .refine(
      (k) => /^[A-Za-z0-9+/]{43}=?$/.test(k),
      'the base64 of the 32-byte Ed25519 public key (Telnyx portal → Account Settings → Keys & Credentials → Public Key)',
    ),
  /** Send through this messaging profile (its number pool, its settings) when set. */
  messaging_profile_id: z.string().min(1).max(128).optional(),
});

export type TelnyxChannelConfig = z.output<typeof telnyxChannelSchema>;
