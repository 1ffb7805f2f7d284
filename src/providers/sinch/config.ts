import { z } from 'zod';
import { baseChannelFields } from '../channel-config.js';

export const sinchRegions = ['us', 'eu', 'au', 'br', 'ca'] as const;

export const sinchChannelSchema = z
  .strictObject({
    ...baseChannelFields,
    provider: z.literal('sinch'),
    /** The service plan that sends (Sinch dashboard → SMS → APIs). It becomes part of the API path. */
    service_plan_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'the service plan id from the Sinch dashboard (SMS → APIs): letters and digits'),
    /** The service plan's API token (Bearer). */
    api_token: z.string().min(8, "the service plan's API token from the Sinch dashboard (SMS → APIs)"),
    /** The service plan's region: the send API's host is `{region}.sms.api.sinch.com`. */
    region: z.enum(sinchRegions, { message: `one of ${sinchRegions.join(', ')}: the region of the service plan` }).default('us'),
    /**
     * The HMAC secret Sinch signs callbacks with (`x-sinch-webhook-signature`), when callback
     * signing is on for the account. Set, every callback must carry a matching signature.
     */
    callback_secret: z.string().min(8, 'the callback signing secret agreed with Sinch, at least 8 characters').optional(),
    /**
     * The user and password Sinch sends callbacks with (`Authorization: Basic …`), when the account
     * manager set callbacks up with Basic authentication. Set, every callback must carry them.
     */
    callback_basic_auth: z
      .strictObject({
        username: z.string().min(1, 'the callback user agreed with Sinch'),
        password: z.string().min(8, 'the callback password agreed with Sinch, at least 8 characters'),
      })
      .optional(),
  })
  // Sinch callbacks are authenticated only in the ways set up with Sinch; a channel must use at
  // least one, or take callbacks only from Sinch's addresses.
  .refine(
    (channel) => channel.callback_secret !== undefined || channel.callback_basic_auth !== undefined || channel.allow_ips !== undefined,
    {
      message:
        "set callback_secret (signed callbacks) or callback_basic_auth (Basic authentication), as set up with Sinch, or allow_ips listing Sinch's callback addresses",
      path: ['callback_secret'],
    },
  );

export type SinchChannelConfig = z.output<typeof sinchChannelSchema>;
