import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const genericChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('generic'),
  secret: z.string().min(16, 'use at least 16 characters for an HMAC secret'),
  send_url: z.url({ protocol: /^https?$/ }),
});

export type GenericChannelConfig = z.output<typeof genericChannelSchema>;
