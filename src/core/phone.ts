import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Reads a phone number as providers send it ("+1 (555) 123-4567", "15551234567", "+447700900123")
 * and returns it in E.164, or null when it cannot be a dialable number.
 *
 * Providers commonly drop the leading "+" (Vonage, Plivo, Sinch), so a string of digits is read as
 * international first; `defaultCountry` is only a fallback for national formats.
 */
export function toE164(raw: string, defaultCountry?: CountryCode): string | null {
  // The same few thousand numbers text over and over; parsing is the expensive part of ingest.
  const key = defaultCountry ? `${defaultCountry}:${raw}` : raw;
  const cached = recent.get(key);
  if (cached !== undefined) return cached;
  const number = parse(raw, defaultCountry);
  if (recent.size >= recentLimit) recent.clear();
  recent.set(key, number);
  return number;
}

const recentLimit = 50_000;
const recent = new Map<string, string | null>();

function parse(raw: string, defaultCountry: CountryCode | undefined): string | null {
  const trimmed = raw.trim();
  if (trimmed.length === 0 || trimmed.length > 32) return null;
  const international = /^\d{8,15}$/.test(trimmed) ? `+${trimmed}` : trimmed;
  const parsed =
    parsePhoneNumberFromString(international) ?? (defaultCountry ? parsePhoneNumberFromString(trimmed, defaultCountry) : undefined);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/** The country a number in E.164 belongs to, when it can be told. */
export function countryOf(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/**
 * Reads a number as a phone shows it: without "+", it is first read as a national number of
 * `country` (the phone's own), and only then as international. For phone gateways, which report
 * numbers as the handset stores them ("6505551212").
 */
export function toE164FromHandset(raw: string, country: CountryCode | undefined): string | null {
  const trimmed = raw.trim();
  if (country && !trimmed.startsWith('+')) {
    const national = parsePhoneNumberFromString(trimmed, country);
    if (national?.isValid()) return national.number;
  }
  return toE164(trimmed, country);
}
