import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const smsmodeChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('smsmode'),
  /** An API key from the smsmode account (Settings → API keys), sent as `X-Api-Key`. */
  api_key: z.string().min(1, 'an API key from the smsmode account'),
  /**
   * smsmode signs nothing: callbacks are trusted because their URL carries this secret as
   * `?token=…`. It goes into URLs, so it is limited to URL-safe characters.
   */
  webhook_token: z
    .string()
    .min(24, 'a random secret of 24 characters or more (e.g. `openssl rand -hex 16`); smsmode callbacks are trusted by it alone')
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" and "_" only: it is part of the callback URLs'),
  /**
   * The sender smsmode shows (`from`): an 11-character alphanumeric name or a number of the
   * account. Absent: smsmode's default sender, the one recipients can reply to.
   */
  sender: z
    .string()
    .regex(/^(?:[A-Za-z0-9 ]{1,11}|\+?\d{3,15})$/, 'up to 11 letters, digits or spaces, or a phone number')
    .optional(),
});

export type SmsmodeChannelConfig = z.output<typeof smsmodeChannelSchema>;
