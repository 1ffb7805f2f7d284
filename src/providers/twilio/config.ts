import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const twilioChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('twilio'),
  account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID is "AC" followed by 32 hex digits'),
  /** Signs Twilio's webhooks and authenticates sends. */
  auth_token: z.string().min(16, 'the Auth Token from the Twilio console (Account info), at least 16 characters'),
  /** Send through a Messaging Service (its sender pool picks the number) rather than from a number. */
  messaging_service_sid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID is "MG" followed by 32 hex digits')
    .optional(),
});

export type TwilioChannelConfig = z.output<typeof twilioChannelSchema>;
