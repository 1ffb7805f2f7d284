import type { ProviderAdapter } from '../contract.js';
import { parseGeneric, verifyHexSignature } from '../generic/adapter.js';
import type { SimChannelConfig } from './config.js';

// The built-in simulator: webhooks in the generic format signed with a secret Parley keeps in its
// database (loadChannels puts it in the config), and a "provider" that accepts every message at
// once. Its outbound messages stay in the messages table, where `parley simulate` and the tests
// read them.
export const simAdapter: ProviderAdapter<SimChannelConfig & { secret: string }> = {
  signature: 'X-Signature: HMAC-SHA256 of the body',
  verify: (request, channel) => verifyHexSignature(request, channel.secret),
  parse: (request, _channel, path) => parseGeneric(request, path),
  send: async (message) => ({ providerMessageId: `sim-${message.id}`, status: 'sent' }),
};
