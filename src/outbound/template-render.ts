import { chooseLanguage, formattingLocale } from '../core/locale.js';
import { countSegments, type SmsEncoding } from '../core/segments.js';
import { renderTemplateReport } from '../core/template.js';
import type { Config } from '../config.js';
import type { ContactRow } from '../store/schema.js';
import type { Template } from './templates.js';

/** Who a template is written for: what the contact holds, or nothing yet for a new number. */
export interface Reader {
  phone: string | null;
  language: string | null;
  timezone: string | null;
  fields: Record<string, unknown>;
  tags: string[];
}

export function readerOf(
  contact: Pick<ContactRow, 'phone' | 'language' | 'timezone' | 'fields' | 'tags'> | undefined,
  phone: string | null,
): Reader {
  if (!contact) return { phone, language: null, timezone: null, fields: {}, tags: [] };
  return {
    phone: contact.phone,
    language: contact.language,
    timezone: contact.timezone,
    fields: JSON.parse(contact.fields) as Record<string, unknown>,
    tags: JSON.parse(contact.tags) as string[],
  };
}

export interface RenderedTemplate {
  text: string;
  /** The language of the text used: a variant's, or the template's own. */
  language: string;
  /** The locale and zone dates and times were written in. */
  locale: string;
  timezone: string;
  characters: number;
  segments: number;
  encoding: SmsEncoding;
  missing: string[];
  invalid: Array<{ path: string; problem: string }>;
}

/**
 * `contact` as templates read it: its phone, language, timezone, tags and fields, with each field
 * also at `contact.<name>` (so `{{contact.first_name}}` reads the `first_name` field) unless a
 * built-in has that name.
 */
function contactValues(reader: Reader): Record<string, unknown> {
  const builtIn = { phone: reader.phone, language: reader.language, timezone: reader.timezone, tags: reader.tags, fields: reader.fields };
  return { ...reader.fields, ...builtIn };
}

/** Writes a template for one reader: the variant of their language, dates in their zone. */
export function renderForReader(
  template: Template,
  reader: Reader,
  vars: Record<string, unknown>,
  config: Pick<Config, 'outbound' | 'automation'>,
): RenderedTemplate {
  const variant = chooseLanguage(Object.keys(template.variants), reader.language);
  const language = variant ?? template.language;
  const source = variant === null ? template.body : template.variants[variant]!;
  const locale = formattingLocale(language, reader.language);
  const timezone = reader.timezone ?? config.outbound.default_timezone;
  const values = { contact: contactValues(reader), vars, business: config.automation.business_name };
  const { text, missing, invalid } = renderTemplateReport(source, values, { locale, timeZone: timezone });
  const { segments, encoding } = countSegments(text);
  return { text, language, locale, timezone, characters: text.length, segments, encoding, missing, invalid };
}
