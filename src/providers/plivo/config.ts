import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const plivoChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('plivo'),
  auth_id: z.string().regex(/^[A-Z0-9]{20}$/, 'the Auth ID from the Plivo console (20 capitals and digits)'),
  /** Signs Plivo's webhooks (V3) and authenticates sends. */
  auth_token: z.string().min(16, 'the Auth Token from the Plivo console, at least 16 characters'),
});

export type PlivoChannelConfig = z.output<typeof plivoChannelSchema>;
