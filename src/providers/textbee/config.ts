import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const textbeeChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('textbee'),
  /** An API key from the textbee dashboard, sent as `x-api-key`. */
  api_key: z.string().min(1, 'an API key from the textbee dashboard'),
  /** The phone that sends: its id in the textbee dashboard (Devices), part of the send URL. */
  device_id: z
    .string()
    .min(1, 'the id of the phone in the textbee dashboard')
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'a textbee device id (letters and digits, as the dashboard shows it)'),
  /** The webhook's signing secret; textbee itself refuses secrets shorter than 20 characters. */
  signing_secret: z.string().min(20, 'the signing secret of the textbee webhook (textbee requires 20 characters or more)'),
});

export type TextbeeChannelConfig = z.output<typeof textbeeChannelSchema>;
