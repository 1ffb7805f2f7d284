export { allPages, createParleyClient, ParleyApiError, type ParleyClient, type ParleyClientOptions } from './client.js';
export {
  createReceiver,
  InvalidWebhookSignature,
  type ParleyEvent,
  type ParleyEvents,
  type ParleyEventType,
  type ParleyReceiver,
} from './receiver.js';
export type { components, paths, webhooks } from './api-types.js';
