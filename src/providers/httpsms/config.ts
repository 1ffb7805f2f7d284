import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const httpsmsChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('httpsms'),
  /** The API key from httpsms.com settings (x-api-key). */
  api_key: z.string().min(8),
  /** The webhook signing key set on the httpSMS webhook: every webhook must carry a JWT made with it. */
  signing_key: z.string().min(8, 'the signing key set on the httpSMS webhook'),
});

export type HttpsmsChannelConfig = z.output<typeof httpsmsChannelSchema>;
