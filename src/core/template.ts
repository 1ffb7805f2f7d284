const placeholder = /\{\{\s*([\w.]+)\s*\}\}/g;

/** The value at a dotted path, as text; a missing value is empty. */
function valueAt(values: Record<string, unknown>, path: string): string {
  let value: unknown = values;
  for (const key of path.split('.')) {
    // Own properties only: a path such as `contact.fields.constructor` names nothing.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return '';
    value = (value as Record<string, unknown>)[key];
  }
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

/**
 * Fills `{{ path.to.value }}` placeholders from `values` (dotted paths into nested objects). A
 * missing value renders as nothing rather than as the placeholder: a customer should never read
 * "Hi {{contact.fields.first_name}}".
 */
export function renderTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(placeholder, (_, path: string) => valueAt(values, path));
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
