import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

// Bird's ids are UUIDs; they become part of the API path, so only id characters are taken.
const birdId = (what: string) => z.string().regex(/^[A-Za-z0-9-]{1,64}$/, `the ${what} from Bird (a UUID)`);

export const birdChannelSchema = z.strictObject({
  ...baseChannelFields,
  provider: z.literal('bird'),
  /** An access key of the workspace (`Authorization: AccessKey …`) allowed to send on the channel. */
  access_key: z.string().min(8, 'an access key from Bird (Settings → Security → Access keys)'),
  workspace_id: birdId('workspace id'),
  /** The SMS channel's id in Bird: messages are sent through it. */
  channel_id: birdId('SMS channel id'),
  /** The webhook subscription's signing key: it checks `messagebird-signature` (and the legacy JWT). */
  signing_key: z.string().min(8, "the webhook subscription's signingKey, at least 8 characters"),
});

export type BirdChannelConfig = z.output<typeof birdChannelSchema>;
