import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const vonageChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('vonage'),
  api_key: z.string().min(1),
  /** Authenticates sends through the SMS API. */
  api_secret: z.string().min(1),
  /** The account's signature secret (Dashboard → Settings): it checks signed SMS API webhooks and Messages API JWTs. */
  signature_secret: z.string().min(8, 'the signature secret from the Vonage dashboard'),
  /** The signature method chosen in the dashboard for SMS API webhooks. */
  signature_method: z.enum(['md5hash', 'md5', 'sha1', 'sha256', 'sha512']).default('md5hash'),
});

export type VonageChannelConfig = z.output<typeof vonageChannelSchema>;
