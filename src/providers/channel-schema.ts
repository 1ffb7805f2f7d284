import { z } from 'zod';
import { androidSmsGatewayChannelSchema } from './android-sms-gateway/config.js';
import { birdChannelSchema } from './bird/config.js';
import { genericChannelSchema } from './generic/config.js';
import { httpsmsChannelSchema } from './httpsms/config.js';
import { plivoChannelSchema } from './plivo/config.js';
import { simChannelSchema } from './sim/config.js';
import { sinchChannelSchema } from './sinch/config.js';
import { smsmodeChannelSchema } from './smsmode/config.js';
import { telnyxChannelSchema } from './telnyx/config.js';
import { textbeeChannelSchema } from './textbee/config.js';
import { twilioChannelSchema } from './twilio/config.js';
import { vonageChannelSchema } from './vonage/config.js';

// A channel block of parley.yaml: one entry per provider folder under src/providers/, told apart by
// `provider:`. The registry (registry.ts) maps the same names to adapters.
export const channelSchema = z.discriminatedUnion('provider', [
  genericChannelSchema,
  simChannelSchema,
  twilioChannelSchema,
  telnyxChannelSchema,
  vonageChannelSchema,
  plivoChannelSchema,
  sinchChannelSchema,
  androidSmsGatewayChannelSchema,
  httpsmsChannelSchema,
  birdChannelSchema,
  textbeeChannelSchema,
  smsmodeChannelSchema,
]);

export type ChannelConfig = z.output<typeof channelSchema>;
