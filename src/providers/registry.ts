import type { ChannelConfig } from './channel-schema.js';
import type { ProviderAdapter } from './contract.js';
import { androidSmsGatewayAdapter } from './android-sms-gateway/adapter.js';
import { birdAdapter } from './bird/adapter.js';
import { genericAdapter } from './generic/adapter.js';
import { httpsmsAdapter } from './httpsms/adapter.js';
import { plivoAdapter } from './plivo/adapter.js';
import { simAdapter } from './sim/adapter.js';
import { sinchAdapter } from './sinch/adapter.js';
import { smsmodeAdapter } from './smsmode/adapter.js';
import { telnyxAdapter } from './telnyx/adapter.js';
import { textbeeAdapter } from './textbee/adapter.js';
import { twilioAdapter } from './twilio/adapter.js';
import { vonageAdapter } from './vonage/adapter.js';

// Every provider Parley speaks, by the name used in parley.yaml's `provider:`. Explicit, so
// finding a provider's code starts here.
const adapters: { [P in ChannelConfig['provider']]: ProviderAdapter<Extract<ChannelConfig, { provider: P }>> } = {
  generic: genericAdapter,
  sim: simAdapter,
  twilio: twilioAdapter,
  telnyx: telnyxAdapter,
  vonage: vonageAdapter,
  plivo: plivoAdapter,
  sinch: sinchAdapter,
  'android-sms-gateway': androidSmsGatewayAdapter,
  httpsms: httpsmsAdapter,
  bird: birdAdapter,
  textbee: textbeeAdapter,
  smsmode: smsmodeAdapter,
};

export function adapterFor(channel: ChannelConfig): ProviderAdapter<ChannelConfig> {
  return adapters[channel.provider];
}
