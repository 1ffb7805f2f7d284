import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const birdChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('bird'),
  /** An access key of the workspace (Authorization: AccessKey …). */
  access_key: z.string().min(8),
  workspace_id: z.string().min(1),
  /** The SMS channel's id in Bird. */
  channel_id: z.string().min(1),
  /** The webhook subscription's signing key. */
  signing_key: z.string().min(8, "the webhook subscription's signing key"),
});

export type BirdChannelConfig = z.output<typeof birdChannelSchema>;
