// Every texter is an attacker: whatever they write ends up in these pages. Templates built with
// `html` escape each interpolated value unless it is itself a template (or `raw()`), so forgetting
// to escape is not possible by omission, only by writing `raw(...)`.

const brand = Symbol('SafeHtml');

/** Markup that is already safe to place in a page. */
export interface SafeHtml {
  readonly [brand]: true;
  readonly value: string;
}

const replacements: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => replacements[c]!);
}

function safe(value: string): SafeHtml {
  return { [brand]: true, value };
}

export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && brand in value;
}

/** Trusted markup, placed as it is: only for fragments Parley wrote itself, never for data. */
export function raw(markup: string): SafeHtml {
  return safe(markup);
}

export type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (isSafeHtml(value)) return value.value;
  return escapeHtml(typeof value === 'number' ? String(value) : (value as string));
}

/** A template whose interpolations are escaped; arrays are joined; null, undefined and booleans vanish. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return safe(out);
}
