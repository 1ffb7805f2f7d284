import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const textbeeChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('textbee'),
  /** The API key from the textbee dashboard (x-api-key). */
  api_key: z.string().min(8),
  /** The phone (device) that sends; textbee picks the default device when absent. */
  device_id: z.string().min(1).optional(),
  /** The webhook subscription's signing secret (textbee requires 20 characters or more). */
  signing_secret: z.string().min(20, 'textbee signing secrets are at least 20 characters'),
});

export type TextbeeChannelConfig = z.output<typeof textbeeChannelSchema>;
