import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const androidSmsGatewayChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('android-sms-gateway'),
  /** The gateway API's Basic auth credentials, shown in the app (Home → Cloud/Private server). */
  username: z.string().min(1, 'the username the app shows for the cloud or private server'),
  password: z.string().min(1, 'the password the app shows for the cloud or private server'),
  /** The webhook signing key, from the app: Settings → Webhooks → Signing Key. */
  signing_key: z.string().min(8, 'the webhook signing key from the app (Settings → Webhooks → Signing Key), 8 characters or more'),
  /** Send through this phone when the account has several (the gateway picks one at random otherwise). */
  device_id: z.string().min(1).max(21, 'device ids are at most 21 characters').optional(),
});

export type AndroidSmsGatewayChannelConfig = z.output<typeof androidSmsGatewayChannelSchema>;
