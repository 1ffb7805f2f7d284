import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const androidSmsGatewayChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('android-sms-gateway'),
  /** The gateway's API credentials (Basic auth), shown in the app or by sms-gate.app. */
  username: z.string().min(1),
  password: z.string().min(1),
  /** The webhook signing key set in the app (Settings → Webhooks → Signing key). */
  signing_key: z.string().min(8, 'the webhook signing key from the app'),
  /** Send through this device when the account has several. */
  device_id: z.string().min(1).optional(),
});

export type AndroidSmsGatewayChannelConfig = z.output<typeof androidSmsGatewayChannelSchema>;
