// Languages and time zones as a contact or a template names them. Both are checked against what
// this Node's ICU knows, so a value Parley accepts is one it can format with.

/** The canonical form of a BCP 47 language tag ("ES-mx" → "es-MX"), or null if it is not one. */
export function canonicalLanguage(tag: string): string | null {
  if (!/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/** The IANA time zone as ICU names it ("america/new_york" → "America/New_York"), or null if unknown. */
export function canonicalTimeZone(zone: string): string | null {
  if (zone.length === 0 || zone.length > 64) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** "es-MX" → "es": the part two regional variants of a language share. */
export function primaryLanguage(tag: string): string {
  return tag.split('-', 1)[0]!.toLowerCase();
}

/**
 * Which of `available` (canonical tags) suits someone who reads `wanted`: the same tag, else one of
 * the same language ("es" for "es-MX", or "es-MX" for "es"), else none (the caller's default).
 */
export function chooseLanguage(available: readonly string[], wanted: string | null): string | null {
  if (wanted === null) return null;
  const exact = available.find((tag) => tag.toLowerCase() === wanted.toLowerCase());
  if (exact) return exact;
  const primary = primaryLanguage(wanted);
  return (
    available.find((tag) => tag.toLowerCase() === primary) ?? [...available].sort().find((tag) => primaryLanguage(tag) === primary) ?? null
  );
}

/**
 * The locale to write dates in: the reader's own tag when it is a form of the text's language (a
 * Mexican reader of the Spanish text gets Mexican dates), else the text's language.
 */
export function formattingLocale(textLanguage: string, reader: string | null): string {
  return reader !== null && primaryLanguage(reader) === primaryLanguage(textLanguage) ? reader : textLanguage;
}
