// What the operations pages show of a URL. An endpoint's URL or a kept webhook's query may carry a
// credential of its own (`https://user:pass@…`, `?token=…`); the pages show where a request went,
// never what it authenticated with.

const secretName = /token|secret|key|sig|auth|pass|credential|session|code/i;
const hidden = 'redacted';

/** `url` (absolute, or a path with a query) with its userinfo and secret-looking query values replaced. */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf('#');
  const withoutHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = withoutHash.indexOf('?');
  let base = queryAt === -1 ? withoutHash : withoutHash.slice(0, queryAt);
  base = base.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${hidden}@`);
  if (queryAt === -1) return base;
  const params = new URLSearchParams(withoutHash.slice(queryAt + 1));
  const shown = [...params].map(([name, value]): [string, string] => [name, secretName.test(name) ? hidden : value]);
  return `${base}?${new URLSearchParams(shown).toString()}`;
}
