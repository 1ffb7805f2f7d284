import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { configFromObject } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { hmacSha256Hex } from '../src/providers/hmac.js';
import { startParley, type Parley } from '../src/server.js';
import { apiKey, genericChannel, genericSecret, inbound } from './helpers/parley.js';

// What Parley writes about each request: JSON lines with ISO times, a request id the caller can
// give and gets back, one access line with the route's pattern, and nothing of bodies or secrets.

describe('request logs', () => {
  let dir: string;
  let parley: Parley;
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-request-log-'));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        done();
      },
    });
    const config = configFromObject(
      {
        server: { port: 0, host: '127.0.0.1' },
        api_key: apiKey,
        channels: [genericChannel('http://127.0.0.1:9/send')],
        database: { url: join(dir, 'parley.db') },
      },
      { env: {} },
    );
    parley = await startParley(config, { log: createLogger('info', sink), listen: true, work: false });
  });
  after(async () => {
    await parley.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const accessLines = () => lines.filter((l) => l.msg === 'request');

  it('gives each request an id, honouring a sane X-Request-Id, and echoes it', async () => {
    const given = await request(`${parley.url}/v1/messages/msg_nope`, {
      headers: { authorization: `Bearer ${apiKey}`, 'x-request-id': 'trace-42.a:b' },
    });
    await given.body.dump();
    assert.equal(given.headers['x-request-id'], 'trace-42.a:b');
    const insane = await request(`${parley.url}/v1/messages/msg_nope`, {
      headers: { authorization: `Bearer ${apiKey}`, 'x-request-id': `x${'y'.repeat(200)}` },
    });
    await insane.body.dump();
    assert.match(String(insane.headers['x-request-id']), /^req_[A-Za-z0-9_-]{16}$/);

    const line = accessLines().find((l) => l.request_id === 'trace-42.a:b');
    assert.ok(line, JSON.stringify(lines));
    assert.equal(line.level, 30);
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/v1/messages/:id', 'the pattern, not the URL');
    assert.equal(line.status, 404);
    assert.equal(typeof line.duration_ms, 'number');
    assert.match(String(line.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("a webhook's access line names its message, its trace names the request, and no body or secret is logged", async () => {
    const payload = JSON.stringify(inbound('+15557001234', 'my secret body text 7761'));
    const res = await request(`${parley.url}/hooks/main/inbound?token=query-secret-991`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': hmacSha256Hex(genericSecret, payload), 'x-request-id': 'hook-1' },
      body: payload,
    });
    const answer = (await res.body.json()) as { message_id: string };
    const line = accessLines().find((l) => l.request_id === 'hook-1');
    assert.ok(line);
    assert.equal(line.route, '/hooks/:channel/inbound');
    assert.equal(line.message_id, answer.message_id);
    const trace = await request(`${parley.url}/v1/messages/${answer.message_id}/trace`, { headers: { authorization: `Bearer ${apiKey}` } });
    const { webhook } = (await trace.body.json()) as { webhook: { request_id: string | null } };
    assert.equal(webhook.request_id, 'hook-1', 'a log line leads to the trace, and back');
    const all = raw.join('\n');
    for (const secret of ['my secret body text 7761', 'query-secret-991', genericSecret, apiKey]) assert.ok(!all.includes(secret), secret);
  });

  it('health checks are logged at debug, not info', async () => {
    for (const path of ['/healthz', '/readyz'])
      await (await request(`${parley.url}${path}`, { headers: { 'x-request-id': `probe${path.slice(1)}` } })).body.dump();
    await (
      await request(`${parley.url}/v1/jobs`, { headers: { authorization: `Bearer ${apiKey}`, 'x-request-id': 'after-probes' } })
    ).body.dump();
    assert.ok(accessLines().some((l) => l.request_id === 'after-probes'));
    assert.ok(!accessLines().some((l) => String(l.request_id).startsWith('probe')));
  });
});
