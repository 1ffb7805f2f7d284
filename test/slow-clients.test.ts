import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hmacSha256Hex } from '../src/providers/hmac.js';
import { genericSecret, inbound } from './helpers/parley.js';
import { openRaw, rawRequest, readUntilClosed, storedWebhookRows, useParleyForRawTests } from './helpers/raw-http.js';

// Slow and greedy clients, over real sockets: a request trickled in is cut off within its timeout,
// an idle connection is closed, and one address cannot hold more than its share of connections.

describe('timeouts', () => {
  const { parley, store } = useParleyForRawTests({ request_timeout: '1s', headers_timeout: '500ms', keep_alive_timeout: '300ms' });

  it('cuts off a body trickled one byte at a time within request_timeout, with a 408 in the error shape', async () => {
    const head = 'POST /hooks/main/inbound HTTP/1.1\r\nhost: parley\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{';
    const answer = await rawRequest(parley().base, head, { trickle: new Array(40).fill(' '), trickleMs: 100, waitMs: 4_000 });
    assert.ok(answer.closed, `the connection is still open after ${answer.elapsedMs} ms`);
    assert.ok(answer.elapsedMs < 2_000, `closed only after ${answer.elapsedMs} ms`);
    assert.equal(answer.status, 408);
    assert.deepEqual(answer.body, { error: { code: 'request_timeout', message: 'The request did not arrive in time.' } });
    assert.equal(await storedWebhookRows(store()), 0);
  });

  it('cuts off headers trickled one byte at a time within headers_timeout', async () => {
    const answer = await rawRequest(parley().base, 'GET /healthz HTTP/1.1\r\nhost: parley\r\nx-slow: ', {
      trickle: new Array(40).fill('a'),
      trickleMs: 50,
      waitMs: 4_000,
    });
    assert.ok(answer.closed && answer.elapsedMs < 1_500, `closed: ${answer.closed} after ${answer.elapsedMs} ms`);
    assert.equal(answer.status, 408);
    assert.equal(answer.body.error.code, 'request_timeout');
  });

  it('closes a kept-alive connection left idle for keep_alive_timeout', async () => {
    const socket = await openRaw(parley().base);
    const answer = readUntilClosed(socket, 4_000);
    socket.write('GET /healthz HTTP/1.1\r\nhost: parley\r\n\r\n');
    const { closed, elapsedMs, status } = await answer;
    assert.equal(status, 200);
    assert.ok(closed && elapsedMs < 1_500, `closed: ${closed} after ${elapsedMs} ms`);
  });
});

describe('connections per client address', () => {
  const { parley, store } = useParleyForRawTests({ max_connections_per_address: 3 });

  it('answers 503 past the cap from one address, while other addresses still get in', async () => {
    const held = await Promise.all([1, 2, 3].map(() => openRaw(parley().base, '127.0.0.2')));
    try {
      const healthz = 'GET /healthz HTTP/1.1\r\nhost: parley\r\nconnection: close\r\n\r\n';
      // A valid, signed inbound webhook: refused, it is not even read, let alone stored.
      const payload = JSON.stringify(inbound('+14155550123', 'past the cap'));
      const webhook = `POST /hooks/main/inbound HTTP/1.1\r\nhost: parley\r\nconnection: close\r\ncontent-type: application/json\r\nx-signature: ${hmacSha256Hex(genericSecret, payload)}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
      const refused = await rawRequest(parley().base, webhook, { localAddress: '127.0.0.2' });
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error.code, 'too_many_connections');
      assert.ok(refused.closed, 'the refused connection is closed');
      assert.equal(await storedWebhookRows(store()), 0);

      const other = await rawRequest(parley().base, healthz, { localAddress: '127.0.0.3' });
      assert.equal(other.status, 200, 'another address is not held back');

      // A connection closed frees its place.
      held.pop()!.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const again = await rawRequest(parley().base, healthz, { localAddress: '127.0.0.2' });
      assert.equal(again.status, 200);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});
