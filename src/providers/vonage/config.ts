import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

/** The signature methods the Vonage dashboard offers for SMS API webhooks. */
export const vonageSignatureMethods = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;

export const vonageChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('vonage'),
  /** The account's API key (Dashboard → API settings); sends through the SMS API use it. */
  api_key: z.string().min(1, 'the API key from the Vonage dashboard (API settings)'),
  api_secret: z.string().min(1, 'the API secret from the Vonage dashboard (API settings)'),
  /**
   * The account's signature secret (Dashboard → API settings → Signed webhooks): it checks the
   * SMS API's `sig` and the Messages API's JWTs. Never an empty string: an empty secret would
   * make every signature computable by anyone.
   */
  signature_secret: z.string().min(1, 'the signature secret from the Vonage dashboard (API settings → Signed webhooks)'),
  /** The method chosen in the dashboard for SMS API webhooks; the Messages API always uses HS256. */
  signature_method: z
    .enum(vonageSignatureMethods, {
      error: `must be one of ${vonageSignatureMethods.join(', ')} (the method chosen in the Vonage dashboard)`,
    })
    .default('md5hash'),
});

export type VonageChannelConfig = z.output<typeof vonageChannelSchema>;
