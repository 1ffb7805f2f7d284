import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const telnyxChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('telnyx'),
  /** The API key (Bearer) that sends. */
  api_key: z.string().min(16, 'the API key from the Telnyx portal'),
  /** The account's public key (base64 of the raw 32-byte Ed25519 key, from the portal): it checks webhooks. */
  public_key: z
    .string()
    .refine((k) => Buffer.from(k, 'base64').length === 32, 'the base64 of a 32-byte Ed25519 public key (Telnyx portal → Keys & Credentials → Public Key)'),
  /** Send through this messaging profile (its number pool) when set. */
  messaging_profile_id: z.string().min(1).optional(),
});

export type TelnyxChannelConfig = z.output<typeof telnyxChannelSchema>;
