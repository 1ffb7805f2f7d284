// What Parley shows and keeps of a request's credentials: nothing. An endpoint's URL or a webhook's
// query may carry one (`https://user:pass@…`, `?token=…`), and a provider's webhook carries its
// signature or an Authorization header. Parley keeps where a request went and which headers it
// had, never the values that authenticated it.

const secretName = /token|secret|key|sig|auth|pass|credential|session|code/i;
/** Headers whose values are credentials whatever their name says (plus any `secretName` match). */
const secretHeaders: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
/** Named like a secret, but only ever describing the request. */
const plainHeaders: ReadonlySet<string> = new Set(['content-type', 'content-length', 'user-agent', 'accept', 'accept-encoding']);
export const redacted = 'redacted';

/** `url` (absolute, or a path with a query) with its userinfo and secret-looking query values replaced. */
export function redactUrl(url: string, alsoSecret: readonly string[] = []): string {
  const hashAt = url.indexOf('#');
  const withoutHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = withoutHash.indexOf('?');
  let base = queryAt === -1 ? withoutHash : withoutHash.slice(0, queryAt);
  base = base.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${redacted}@`);
  if (queryAt === -1) return base;
  const params = new URLSearchParams(withoutHash.slice(queryAt + 1));
  const shown = [...params].map(([name, value]): [string, string] => [
    name,
    secretName.test(name) || alsoSecret.includes(name) ? redacted : value,
  ]);
  return `${base}?${new URLSearchParams(shown).toString()}`;
}

/**
 * Headers (names in lower case, as node:http gives them) with every credential's value replaced:
 * Authorization, cookies, API keys and anything named like a signature, token or secret. Names
 * stay, so the trace still says which scheme the provider used.
 */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const secret = !plainHeaders.has(lower) && (secretHeaders.has(lower) || secretName.test(lower));
    shown[lower] = secret ? redacted : Array.isArray(value) ? value.join(', ') : value;
  }
  return shown;
}
