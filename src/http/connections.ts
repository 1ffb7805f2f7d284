import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { ParleyError } from '../errors.js';

type ServerSettings = Config['server'];

/**
 * How long a client may take, as Fastify options. Node checks the request and headers timeouts on
 * a timer of its own (30 s by default), which would let a trickling client hold on for up to twice
 * its timeout; checking a few times within the shorter timeout keeps the cut-off near the setting.
 */
export function timeoutOptions(server: ServerSettings): {
  requestTimeout: number;
  connectionTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  const checkEvery = Math.max(50, Math.min(1_000, Math.floor(server.headers_timeout / 4)));
  return {
    requestTimeout: server.request_timeout,
    connectionTimeout: server.idle_timeout,
    keepAliveTimeout: server.keep_alive_timeout,
    http: {
      requestTimeout: server.request_timeout,
      headersTimeout: server.headers_timeout,
      keepAliveTimeout: server.keep_alive_timeout,
      connectionsCheckingInterval: checkEvery,
    },
  };
}

/**
 * Caps the connections one client address holds open at once, so one client cannot take every
 * socket; other addresses still get in. Node's own `maxConnections` counts all clients together.
 * A connection past the cap has its request answered 503 `too_many_connections` before any route
 * runs, and is closed: at once after that answer, and in any case within a second.
 */
export function capConnectionsPerAddress(app: FastifyInstance, max: number): void {
  if (max === 0) return;
  const open = new Map<string, number>();
  const refused = new WeakSet<Socket>();
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      refused.add(socket);
      setTimeout(() => socket.destroy(), refusedLingerMs).unref();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!refused.has(request.raw.socket)) return;
    const error = new ParleyError('too_many_connections');
    return reply.status(error.status).header('connection', 'close').header('retry-after', '5').send(error.toJSON());
  });
}

// Long enough for the answer to reach the client; a refused connection holds nothing longer.
const refusedLingerMs = 1_000;
