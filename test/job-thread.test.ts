import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { configFromObject } from '../src/config.js';
import { JobThread } from '../src/job-thread-host.js';
import { createLogger } from '../src/logger.js';
import { Worker } from '../src/queue/worker.js';
import { startParley, type Parley } from '../src/server.js';
import { hmacSha256Hex } from '../src/providers/hmac.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { genericChannel, genericSecret, inbound } from './helpers/parley.js';

// A Parley that opens its own SQLite file can run its worker in a job thread (queue.thread): replies
// still go out, the thread's counters and log lines reach the process's /metrics and log, and
// close() ends the thread with the rest.

describe('the job thread', () => {
  let dir: string;
  let provider: FakeProvider;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-job-thread-'));
    provider = await new FakeProvider().start();
  });
  after(async () => {
    await provider.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (name: string, queue: Record<string, unknown> = {}) => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(line) });
    const config = configFromObject(
      {
        server: { port: 0, host: '127.0.0.1' },
        database: { url: join(dir, `${name}.db`) },
        api_key: 'job-thread-test-api-key-0123',
        channels: [genericChannel(provider.url)],
        queue: { poll_interval: '20ms', retry_base: '20ms', retry_max: '100ms', ...queue },
      },
      { env: {} },
    );
    const parley = await startParley(config, { log, listen: true, shutdownGraceMs: 2_000 });
    return { parley, lines };
  };

  const text = async (parley: Parley, from: string, body: string) => {
    const raw = JSON.stringify(inbound(from, body));
    const res = await request(`${parley.url}/hooks/main/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': hmacSha256Hex(genericSecret, raw) },
      body: raw,
    });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  };

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('answers texts from its own thread, with its counters in /metrics and its log lines in the log', async () => {
    const { parley, lines } = await start('threaded', { thread: true });
    try {
      assert.ok(parley.worker instanceof JobThread, 'the worker runs in a job thread');
      // The first reply is refused for good: the thread logs it at warn.
      provider.script.push({ status: 400, body: { error: 'no' } });
      const before = provider.sends.length;
      await text(parley, '+15557001001', 'HELP');
      await text(parley, '+15557001002', 'HELP');
      await text(parley, '+15557001003', 'HELP');
      await until(() => provider.sends.length >= before + 2);
      await until(() => lines.some((line) => line.includes('send failed for good')));
      const logged = JSON.parse(lines.find((line) => line.includes('send failed for good'))!) as { thread?: string; level: number };
      assert.equal(logged.thread, 'jobs');
      assert.equal(logged.level, 40);

      const res = await request(`${parley.url}/metrics`);
      const metrics = await res.body.text();
      assert.match(metrics, /^parley_sends_total\{channel="main",outcome="accepted"\} 2$/m, 'sends are counted in the thread');
      assert.match(metrics, /^parley_sends_total\{channel="main",outcome="failed"\} 1$/m);
      assert.match(metrics, /^parley_webhooks_total\{channel="main",outcome="stored"\} 3$/m, 'webhooks in the process');
      assert.equal(metrics.match(/^# TYPE parley_process_cpu_user_seconds_total /gm)?.length, 1, "the process's figures once");
    } finally {
      await parley.close();
    }
    // Closed: the thread is gone, and the database is free for the next start.
    const again = await start('threaded', { thread: true });
    await again.parley.close();
  });

  it("runs in the server's own thread with queue.thread: false", async () => {
    const { parley } = await start('unthreaded', { thread: false });
    try {
      assert.ok(parley.worker instanceof Worker);
      const before = provider.sends.length;
      await text(parley, '+15557002001', 'HELP');
      await until(() => provider.sends.length > before);
      assert.equal(provider.sends.at(-1)?.to, '+15557002001');
    } finally {
      await parley.close();
    }
  });
});
