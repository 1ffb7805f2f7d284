// Text Parley stores must not hold NUL (U+0000): PostgreSQL's text type cannot store it at all, and
// SQLite would store what PostgreSQL refuses, so the same request would be answered differently on
// the two databases. Text from outside is refused where it comes in, or cleaned where it is only a copy.

/**
 * Where a NUL is in `value` (JSON-like data: strings, arrays, objects, keys included), as a
 * dotted path (`body`, `part.reference`, `to.0`); null when there is none. Walks without recursion,
 * so a deeply nested value cannot exhaust the stack.
 */
export function nulPath(value: unknown, root = ''): string | null {
  const pending: Array<[unknown, string]> = [[value, root]];
  while (pending.length > 0) {
    const [item, path] = pending.pop()!;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return path || 'value';
    } else if (Array.isArray(item)) {
      item.forEach((v, i) => pending.push([v, join(path, String(i))]));
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, v] of Object.entries(item)) {
        if (key.includes('\u0000')) return join(path, key.replaceAll('\u0000', '\\0'));
        pending.push([v, join(path, key)]);
      }
    }
  }
  return null;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A text copy of received bytes that any database stores: UTF-8 decoded, each NUL shown as U+FFFD. */
export function storableText(bytes: Buffer): string {
  return bytes.toString('utf8').replaceAll('\u0000', '\uFFFD');
}
