import { z } from 'zod';
import { parseDuration, unitlessNumber } from './core/duration.js';
import { canonicalLanguage, canonicalTimeZone } from './core/locale.js';
import { toE164 } from './core/phone.js';
import { parseWindow } from './core/quiet-hours.js';

// Field types shared by parley.yaml's sections, so every duration and number reads the same way.

/** What a duration setting says to a number without its unit: which two readings it could have. */
function unitMessage(n: number): string {
  const ms = Math.round(n * 1000);
  return `${n} has no unit: write "${n}s" or "${ms}ms" (a duration names its unit: ms, s, m, h or d)`;
}

/** A duration's milliseconds, or an issue saying what was wrong (`accepted` follows "is not a duration"). */
function readDuration(value: string | number, ctx: z.RefinementCtx, accepted: string): number {
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms !== null) return ms;
  const bare = unitlessNumber(value);
  ctx.addIssue({ code: 'custom', message: bare === null ? `"${value}" is not a duration ${accepted}` : unitMessage(bare) });
  return z.NEVER;
}

/** "500ms", "30s", "5m", "24h", "7d", as milliseconds. A number alone is refused: its unit would be a guess. */
export const duration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => readDuration(value, ctx, '(use e.g. "500ms", "30s", "5m", "24h")'));

/** How long rows are kept: a duration of at least an hour, or "forever" (null). */
export const keepFor = z.union([z.string(), z.number()]).transform((value, ctx) => {
  if (value === 'forever') return null;
  const bare = unitlessNumber(value);
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || ms < 3_600_000) {
    const message =
      bare === null
        ? `"${value}" is not a retention period (use e.g. "30d", at least "1h", or "forever")`
        : `${bare} has no unit: write e.g. "${bare}d" or "${bare}h" (at least "1h"), or "forever"`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
  return ms;
});

/** A duration, or "forever" (null): how late something may still happen. */
export const durationOrForever = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => (value === 'forever' ? null : readDuration(value, ctx, '(use e.g. "30m", "6h") or "forever"')));

/** A phone number in international format, normalised to E.164. */
export const e164 = z.string().transform((value, ctx) => {
  const number = toE164(value);
  if (!number) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a phone number in international format (e.g. "+18005550100")` });
    return z.NEVER;
  }
  return number;
});

/** A text read by `canonical`, which answers null for what it cannot read. */
function canonicalText(canonical: (value: string) => string | null, expected: string) {
  return z.string().transform((value, ctx) => {
    const read = canonical(value);
    if (read === null) {
      ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 64)}" is not ${expected}` });
      return z.NEVER;
    }
    return read;
  });
}

/** An IANA time zone, as ICU names it. */
export const timeZone = canonicalText(canonicalTimeZone, 'an IANA time zone, e.g. "America/New_York"');

/** A BCP 47 language tag, canonical. */
export const languageTag = canonicalText(canonicalLanguage, 'a language tag, e.g. "en" or "es-MX"');

/** Quiet hours: `{allowed: "08:00-21:00"}`, the part of the recipient's day when texts that start a conversation may go. */
export const quietHours = z.strictObject({
  allowed: z.string().refine((text) => parseWindow(text) !== null, {
    message: 'must be a window of local times "HH:MM-HH:MM", e.g. "08:00-21:00"',
  }),
});
export type QuietHoursConfig = z.output<typeof quietHours>;
