import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawRequest, storedWebhookRows, useParleyForRawTests } from './helpers/raw-http.js';

// What Node's HTTP parser or Fastify's router refuse before any route runs still answers in
// Parley's error shape, over a real socket, and never repeats the URL back.

describe('errors raised before any route runs', () => {
  const { parley, store } = useParleyForRawTests({});
  const shaped = (body: any, code: string) => {
    assert.equal(typeof body?.error?.message, 'string', `not the error shape: ${JSON.stringify(body)}`);
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, code);
  };

  it('a path segment over 100 characters: 414 uri_too_long, the URL not repeated back', async () => {
    const long = `secret${'x'.repeat(120)}`;
    const answer = await rawRequest(
      parley().base,
      `POST /hooks/${long}/inbound HTTP/1.1\r\nhost: parley\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
    );
    assert.equal(answer.status, 414);
    shaped(answer.body, 'uri_too_long');
    assert.ok(!answer.text.includes('secretxxx'), answer.text);
  });

  it('a URL that does not decode: 400 bad_request, not repeated back', async () => {
    const answer = await rawRequest(
      parley().base,
      'GET /hooks/%E0%A4%Asecret/inbound HTTP/1.1\r\nhost: parley\r\nconnection: close\r\n\r\n',
    );
    assert.equal(answer.status, 400);
    shaped(answer.body, 'bad_request');
    assert.ok(!answer.text.includes('secret'), answer.text);
  });

  it('both Content-Length and Transfer-Encoding: 400 bad_request, nothing stored, connection closed', async () => {
    const answer = await rawRequest(
      parley().base,
      'POST /hooks/main/inbound HTTP/1.1\r\nhost: parley\r\ncontent-type: application/json\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    );
    assert.equal(answer.status, 400);
    shaped(answer.body, 'bad_request');
    assert.ok(answer.closed);
    assert.equal(await storedWebhookRows(store()), 0);
  });

  it('a malformed request line: 400 bad_request', async () => {
    const answer = await rawRequest(parley().base, 'THIS IS NOT HTTP\r\n\r\n');
    assert.equal(answer.status, 400);
    shaped(answer.body, 'bad_request');
  });

  it('headers larger than Node allows: 431 headers_too_large', async () => {
    const answer = await rawRequest(parley().base, `GET /healthz HTTP/1.1\r\nhost: parley\r\nx-big: ${'b'.repeat(20_000)}\r\n\r\n`);
    assert.equal(answer.status, 431);
    shaped(answer.body, 'headers_too_large');
  });
});
