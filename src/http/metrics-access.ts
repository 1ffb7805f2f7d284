import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.js';

// Who may read /metrics. Its figures name channels, endpoints' health and traffic volumes: not for
// the world. With `metrics.token` set, every scrape must carry it. Without one, only a request made
// on this machine straight to Parley is served: its socket comes from a loopback address, and it
// did not come through a proxy. A reverse proxy on the same machine also connects from loopback, so
// a request is refused when the deployment says it is behind a proxy (`server.trust_proxy`) or the
// request carries a proxy's forwarding headers.

const forwardingHeaders = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'x-forwarded-host'];

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** An onRequest check for /metrics; throws `unauthorized` with what would let the scraper in. */
export function metricsAccess(options: { token: string | undefined; trustProxy: boolean }) {
  // Hashes of equal length, compared in constant time: neither the token nor its length leaks.
  const expected = options.token === undefined ? undefined : sha256(`Bearer ${options.token}`);
  return async (request: FastifyRequest): Promise<void> => {
    if (expected) {
      const presented = request.headers.authorization ?? '';
      if (timingSafeEqual(sha256(presented), expected)) return;
      throw new ParleyError('unauthorized', 'GET /metrics needs Authorization: Bearer <metrics.token>.');
    }
    const direct = isLoopback(request.socket.remoteAddress) && !options.trustProxy && !forwardingHeaders.some((h) => h in request.headers);
    if (direct) return;
    throw new ParleyError(
      'unauthorized',
      '/metrics is served without a token only to requests made on this machine, not through a proxy; set metrics.token to scrape it from elsewhere.',
    );
  };
}
