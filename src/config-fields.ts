import { z } from 'zod';
import { parseDuration } from './core/duration.js';
import { toE164 } from './core/phone.js';

// Field types shared by parley.yaml's sections, so every duration and number reads the same way.

/** "500ms", "30s", "5m", "24h" or a plain number of milliseconds, as milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. "500ms", "30s", "5m", "24h")` });
    return z.NEVER;
  }
  return ms;
});

/** A phone number in international format, normalised to E.164. */
export const e164 = z.string().transform((value, ctx) => {
  const number = toE164(value);
  if (!number) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a phone number in international format (e.g. "+18005550100")` });
    return z.NEVER;
  }
  return number;
});
