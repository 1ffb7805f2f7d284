// The filters of a template placeholder: `{{ vars.starts_at | time }}`, `{{ vars.day | date:long }}`,
// `{{ contact.first_name | default:"there" }}`. Dates and times are written in the reader's time zone
// and language (Intl), so one template reads "Wednesday, March 5 at 3:00 PM" in Los Angeles and
// "miércoles, 5 de marzo, 17:00" for a Spanish reader in Mexico City, for the same instant.

export interface TemplateFilter {
  name: string;
  /** The text after `:`, unquoted; null without one. */
  arg: string | null;
}

export interface FormatOptions {
  /** BCP 47 tag the dates are written in. */
  locale: string;
  /** IANA zone the times are shown in. */
  timeZone: string;
}

/** A filter's result: text, or why the value could not be used. */
export type FilterResult = { text: string } | { problem: string };

type DateStyle = 'short' | 'medium' | 'long' | 'full';
const dateStyles: readonly string[] = ['short', 'medium', 'long', 'full'];

/** The filters there are, and the arguments each takes (null: none). */
const filterArgs: Record<string, (arg: string | null) => string | null> = {
  date: (arg) => (arg === null || dateStyles.includes(arg) ? null : `date takes short, medium, long or full, not "${arg}"`),
  time: (arg) => (arg === null ? null : 'time takes no argument'),
  datetime: (arg) => (arg === null ? null : 'datetime takes no argument'),
  weekday: (arg) => (arg === null ? null : 'weekday takes no argument'),
  default: (arg) => (arg === null ? 'default needs the text to use, e.g. default:"there"' : null),
};

export const filterNames = Object.keys(filterArgs);

/** Why a filter cannot be used as written, or null when it can. */
export function filterProblem(filter: TemplateFilter): string | null {
  const check = filterArgs[filter.name];
  if (!check) return `"${filter.name}" is not a filter (there are ${filterNames.join(', ')})`;
  return check(filter.arg);
}

/** An instant, or a calendar date with no time of day ("2025-03-05"), which no time zone may move. */
type When = { instant: Date } | { day: Date };

const dateOnly = /^\d{4}-\d\d-\d\d$/;
// An offset is required: "2025-03-05T15:00" alone could be any of 24 instants.
const dateTime = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[Zz]|[+-]\d\d:\d\d)$/;

function readWhen(value: unknown): When | null {
  if (typeof value === 'number' && Number.isFinite(value)) return { instant: new Date(value) };
  if (typeof value !== 'string') return null;
  if (dateOnly.test(value)) {
    const day = new Date(`${value}T00:00:00Z`);
    return Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value ? null : { day };
  }
  if (!dateTime.test(value)) return null;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? null : { instant };
}

const dayParts: Intl.DateTimeFormatOptions = { weekday: 'long', month: 'long', day: 'numeric' };

function dateFormat(name: string, arg: string | null): Intl.DateTimeFormatOptions {
  switch (name) {
    case 'date':
      return arg === null ? dayParts : { dateStyle: arg as DateStyle };
    case 'time':
      return { timeStyle: 'short' };
    case 'datetime':
      return { ...dayParts, hour: 'numeric', minute: '2-digit' };
    default:
      return { weekday: 'long' };
  }
}

// ICU puts no-break and narrow no-break spaces in dates and times ("3:00 PM" with U+202F in some
// versions). Neither is in the GSM-7 alphabet, so one of them would make the whole text UCS-2 and
// double its cost: they are written as plain spaces.
const unusualSpaces = /[\u00a0\u2007\u2009\u202f]/g;

function formatWhen(when: When, name: string, arg: string | null, options: FormatOptions): FilterResult {
  if ('day' in when && (name === 'time' || name === 'datetime')) return { problem: 'is a date without a time of day' };
  const format = new Intl.DateTimeFormat(options.locale, {
    ...dateFormat(name, arg),
    // A calendar date is the same day everywhere: shown in UTC, where it was read.
    timeZone: 'day' in when ? 'UTC' : options.timeZone,
  });
  return { text: format.format('day' in when ? when.day : when.instant).replace(unusualSpaces, ' ') };
}

/**
 * Applies one filter to a value (`undefined` when the template's path names nothing). `text` is the
 * value as the template would show it without the filter.
 */
export function applyFilter(value: unknown, text: string, filter: TemplateFilter, options: FormatOptions): FilterResult {
  if (filter.name === 'default') return value === undefined || value === null || text === '' ? { text: filter.arg ?? '' } : { text };
  if (value === undefined || value === null) return { text: '' };
  const when = readWhen(value);
  if (!when) return { problem: `is not a time (use RFC 3339 with an offset, e.g. "2025-03-05T15:00:00-08:00", or a date "2025-03-05")` };
  return formatWhen(when, filter.name, filter.arg, options);
}
