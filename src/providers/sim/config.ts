import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const simChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('sim'),
  /** Optional: when absent a secret is generated once and kept in the database. */
  secret: z.string().min(16).optional(),
});

export type SimChannelConfig = z.output<typeof simChannelSchema>;
