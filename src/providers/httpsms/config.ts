import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const httpsmsChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('httpsms'),
  /** The API key from httpsms.com → Settings, sent as `x-api-key`. */
  api_key: z.string().min(1, 'the API key from httpsms.com → Settings'),
  /**
   * The signing key set on the httpSMS webhook. Required: without one httpSMS sends webhooks with
   * no credential at all, and Parley refuses to take unauthenticated messages.
   */
  signing_key: z
    .string()
    .min(16, 'set a signing key of 16 characters or more on the httpSMS webhook and here; unsigned httpSMS webhooks are refused'),
});

export type HttpsmsChannelConfig = z.output<typeof httpsmsChannelSchema>;
