import type { SimChannelConfig } from '../../config.js';
import type { ProviderAdapter } from '../contract.js';
import { parseGenericInbound, parseGenericStatus, verifyHexSignature } from '../generic/adapter.js';

// The built-in simulator: webhooks in the generic format signed with a secret Parley keeps in its
// database, and a "provider" that accepts every message at once. Its outbound messages stay in the
// messages table, where `parley simulate` and the tests read them.
export const simAdapter: ProviderAdapter<SimChannelConfig> = {
  verify: (request, _channel, secret) => verifyHexSignature(request, secret),
  parseInbound: (request) => parseGenericInbound(request),
  parseStatus: (request) => parseGenericStatus(request),
  send: async (message) => ({ providerMessageId: `sim-${message.id}`, status: 'sent' }),
};
