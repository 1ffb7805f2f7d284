// Providers that sign the URL they called (Twilio, Plivo, Bird) fail verification whenever Parley
// rebuilds a different URL than the one the provider was given; the usual culprit is a proxy that
// ends TLS, so the provider signed https://… and Parley sees http://…. The reason logged for a
// failed check says which, so that the fix is evident from one log line.

/** The same URL with the other of http and https, or null for anything else. */
function withOtherScheme(url: string): string | null {
  const match = /^(https?)(:\/\/.*)$/i.exec(url);
  if (!match) return null;
  return `${match[1]!.toLowerCase() === 'https' ? 'http' : 'https'}${match[2]}`;
}

/** `scheme://host[:port]` of a URL. */
function originOf(url: string): string {
  return /^[a-z]+:\/\/[^/?#]*/i.exec(url)?.[0] ?? url;
}

/**
 * Explains a signature over a URL that did not match. `matches` re-checks the signature over
 * another URL; when the URL with the other scheme matches, the provider is known to have signed
 * that one, and the explanation names both. It never accepts the request: it only says why not.
 */
export function signedUrlMismatch(provider: string, checkedUrl: string, matches: (url: string) => boolean): string {
  const other = withOtherScheme(checkedUrl);
  if (other !== null && matches(other)) {
    return (
      `signed URL expected ${checkedUrl}, got ${other}: ${provider} called ${originOf(other)}. ` +
      `Set the channel's public_url to ${originOf(other)}, or server.trust_proxy when a proxy in front sets X-Forwarded-Proto.`
    );
  }
  return (
    `it was checked against the URL ${checkedUrl}. If ${provider} calls another URL (https, another host, a proxy in front), ` +
    "set the channel's public_url or server.trust_proxy."
  );
}
