import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const sinchChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('sinch'),
  service_plan_id: z.string().min(1),
  /** The API token (Bearer) of the service plan. */
  api_token: z.string().min(8),
  /** The region of the service plan: the send API's host is `{region}.sms.api.sinch.com`. */
  region: z.enum(['us', 'eu', 'au', 'br', 'ca']).default('us'),
  /** The HMAC secret of the callbacks (set up with Sinch): every callback must be signed with it. */
  callback_secret: z.string().min(8, 'the callback signing secret agreed with Sinch'),
});

export type SinchChannelConfig = z.output<typeof sinchChannelSchema>;
