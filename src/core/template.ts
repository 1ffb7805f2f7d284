import { applyFilter, filterProblem, type FormatOptions, type TemplateFilter } from './template-filters.js';

// Placeholders are `{{ path }}` (a dotted path into the values) with optional filters after it:
// `{{ vars.starts_at | time }}`, `{{ contact.first_name | default:"there" }}` (core/template-filters.ts).
// URL templates (below) take paths only.

/** A path's placeholder, as URL templates use them. */
const placeholder = /\{\{\s*([\w.]+)\s*\}\}/g;
/** Anything between `{{` and `}}`; a quoted argument may hold braces. */
const textPlaceholder = /\{\{((?:[^{}"]|"[^"]*")*)\}\}/g;
const pathHead = /^\s*(\w+(?:\.\w+)*)\s*/;
const filterPart = /^\|\s*([a-z_]+)\s*(?::\s*(?:"([^"]*)"|([^\s|"]+))\s*)?/;

export interface Placeholder {
  path: string;
  filters: TemplateFilter[];
}

/** The path and filters inside `{{ … }}`, or null when they cannot be read. */
function readPlaceholder(inner: string): Placeholder | null {
  const head = pathHead.exec(inner);
  if (!head) return null;
  const filters: TemplateFilter[] = [];
  let rest = inner.slice(head[0].length);
  while (rest.length > 0) {
    const part = filterPart.exec(rest);
    if (!part) return null;
    filters.push({ name: part[1]!, arg: part[2] ?? part[3] ?? null });
    rest = rest.slice(part[0].length);
  }
  return { path: head[1]!, filters };
}

/** The value at a dotted path, or undefined when nothing is there. */
function lookup(values: Record<string, unknown>, path: string): unknown {
  let value: unknown = values;
  for (const key of path.split('.')) {
    // Own properties only: a path such as `contact.fields.constructor` names nothing.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function asText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      // A list or a nested object reads as JSON rather than "[object Object]"; null as nothing.
      return value === null ? '' : JSON.stringify(value);
    default:
      return '';
  }
}

/** The value at a dotted path, as text; a missing value is empty. */
function valueAt(values: Record<string, unknown>, path: string): string {
  return asText(lookup(values, path));
}

export interface TemplateRendering {
  text: string;
  /** Paths that named nothing, in order of first use (a placeholder with a `default` never counts). */
  missing: string[];
  /** Values a filter could not use (a `date` of something that is not a time), shown unformatted. */
  invalid: Array<{ path: string; problem: string }>;
}

const plainFormat: FormatOptions = { locale: 'en', timeZone: 'UTC' };

/**
 * Fills the placeholders from `values` and says what was missing. A missing value renders as
 * nothing rather than as the placeholder: a customer should never read "Hi {{contact.first_name}}".
 * A placeholder that cannot be read is left as it is written (`checkTemplate` refuses it where
 * templates are saved).
 */
export function renderTemplateReport(template: string, values: Record<string, unknown>, format = plainFormat): TemplateRendering {
  const missing = new Set<string>();
  const invalid: TemplateRendering['invalid'] = [];
  const text = template.replace(textPlaceholder, (whole, inner: string) => {
    const found = readPlaceholder(inner);
    if (!found) return whole;
    let value = lookup(values, found.path);
    let rendered = asText(value);
    if ((value === undefined || value === null) && !found.filters.some((f) => f.name === 'default')) missing.add(found.path);
    for (const filter of found.filters) {
      if (filterProblem(filter) !== null) continue;
      const result = applyFilter(value, rendered, filter, format);
      if ('problem' in result) {
        invalid.push({ path: found.path, problem: `"${rendered.slice(0, 40)}" ${result.problem}` });
        break;
      }
      rendered = result.text;
      value = rendered;
    }
    return rendered;
  });
  return { text, missing: [...missing], invalid };
}

/** Fills `{{ path.to.value }}` placeholders from `values` (dotted paths into nested objects). */
export function renderTemplate(template: string, values: Record<string, unknown>, format = plainFormat): string {
  return renderTemplateReport(template, values, format).text;
}

/**
 * Why a template cannot be saved, or an empty list: a `{{` that does not open a readable
 * placeholder, a path outside `namespaces` (its first part) or below a namespace that is one value, a filter that does not exist or is
 * given a wrong argument. Each problem names what it is about.
 */
export function checkTemplate(
  template: string,
  namespaces: readonly string[],
  /** Namespaces that are one value, not a record: `{{business}}` is read, `{{business.name}}` is not. */
  values: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const covered: Array<[number, number]> = [];
  for (const match of template.matchAll(textPlaceholder)) {
    const found = readPlaceholder(match[1]!);
    if (!found) continue;
    covered.push([match.index, match.index + match[0].length]);
    const namespace = found.path.split('.', 1)[0]!;
    if (!namespaces.includes(namespace)) {
      problems.push(`{{${found.path}}}: "${namespace}" is not a variable namespace (use ${namespaces.join(', ')})`);
    } else if (values.includes(namespace) && found.path !== namespace) {
      problems.push(`{{${found.path}}}: "${namespace}" is one value; write {{${namespace}}}`);
    }
    for (const filter of found.filters) {
      const problem = filterProblem(filter);
      if (problem !== null) problems.push(`{{${found.path}}}: ${problem}`);
    }
  }
  for (let at = template.indexOf('{{'); at !== -1; at = template.indexOf('{{', at + 2)) {
    if (covered.some(([start, end]) => at >= start && at < end)) continue;
    problems.push(
      `"${template.slice(at, at + 30)}": a placeholder that cannot be read (write {{namespace.name}} or {{namespace.name | filter}})`,
    );
    break;
  }
  return problems;
}

/** A URL template whose values would change where the request goes. */
export class UnsafeUrl extends Error {
  override name = 'UnsafeUrl';
}

/**
 * How a URL template names its destination: either a literal `http(s)://host` origin, or one
 * leading placeholder holding the whole base URL (`{{vars.booking_url}}/…`). `originLength` is where
 * the path part of the template begins.
 */
export type UrlTemplateShape = { base: string | null; originLength: number } | { problem: string };

export function urlTemplateShape(template: string): UrlTemplateShape {
  const leading = /^\{\{\s*([\w.]+)\s*\}\}/.exec(template);
  const origin = leading ?? /^https?:\/\/[^/?#]*/i.exec(template);
  if (!origin) return { problem: 'a call URL starts with http:// or https://, or with a placeholder holding the base URL' };
  if (!leading && origin[0].includes('{{')) {
    return { problem: 'a placeholder cannot be part of the scheme or host; put the whole base URL in one of the flow vars' };
  }
  const rest = template.slice(origin[0].length);
  if (rest !== '' && !/^[/?#]/.test(rest)) {
    return { problem: 'the base URL must be followed by "/", "?", "#" or nothing, so no value can extend the host' };
  }
  return { base: leading ? leading[1]! : null, originLength: origin[0].length };
}

function encodeValue(value: string, path: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    throw new UnsafeUrl(`{{${path}}} is not valid text`);
  }
}

/**
 * Fills a URL template so that no value can change the URL's structure. The leading base
 * placeholder, if any, is placed as it is (it comes from the flow's own settings); every other value
 * is percent-encoded as one path segment or query value, so `/`, `?`, `#`, `&` in it stay text. A
 * value that would leave an empty path segment, or a `.`/`..` segment (which URL parsers resolve
 * even when percent-encoded), is refused.
 */
export function renderUrlTemplate(template: string, values: Record<string, unknown>): string {
  const shape = urlTemplateShape(template);
  if ('problem' in shape) throw new UnsafeUrl(shape.problem);
  const origin = shape.base === null ? template.slice(0, shape.originLength) : valueAt(values, shape.base);
  const rest = template.slice(shape.originLength);
  let rendered = '';
  let inPath = true;
  let last = 0;
  for (const match of rest.matchAll(placeholder)) {
    const literal = rest.slice(last, match.index);
    if (/[?#]/.test(literal)) inPath = false;
    const path = match[1]!;
    const value = valueAt(values, path);
    if (inPath && value === '') throw new UnsafeUrl(`{{${path}}} is empty, in the URL's path`);
    rendered += literal + encodeValue(value, path);
    last = match.index + match[0].length;
  }
  rendered += rest.slice(last);
  const pathPart = rendered.split(/[?#]/, 1)[0]!;
  if (pathPart.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment))) {
    throw new UnsafeUrl('a value makes a "." or ".." segment in the URL path');
  }
  return origin + rendered;
}
