import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configFromObject } from '../config.js';
import { ConfigError } from '../errors.js';
import { startParley } from '../server.js';
import { testLog } from '../../test/helpers/log.js';
import { acquireProcessLock } from './process-lock.js';

// On SQLite one process runs Parley on a database. A second is refused with a clear message; a
// first that died, even by SIGKILL, blocks nothing.

describe('the SQLite process lock', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-lock-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const config = (file: string) =>
    configFromObject(
      {
        server: { port: 0, host: '127.0.0.1' },
        api_key: 'lock-test-api-key-0123456789',
        database: { url: file },
        log: { level: 'silent' },
      },
      { env: {} },
    );

  it('refuses a second Parley on the same database, and lets one start on another file', async () => {
    const file = join(dir, 'one.db');
    const first = await startParley(config(file), { log: testLog });
    try {
      const second = await startParley(config(file), { log: testLog }).then(
        async (started) => {
          await started.close();
          return null;
        },
        (error: unknown) => error,
      );
      assert.ok(second instanceof ConfigError, 'a second Parley on the same database must be refused');
      assert.match(second.message, /in use by another Parley process/);
      assert.ok(second.message.includes(file));
      const other = await startParley(config(join(dir, 'two.db')), { log: testLog });
      await other.close();
    } finally {
      await first.close();
    }
    // Closed, it lets the next one start.
    const again = await startParley(config(file), { log: testLog });
    await again.close();
  });

  it('is refused while another process holds it, and free the moment that process is killed', { timeout: 30_000 }, async () => {
    const file = join(dir, 'killed.db');
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { acquireProcessLock } = await import(${JSON.stringify(new URL('./process-lock.ts', import.meta.url).href)});
         acquireProcessLock(${JSON.stringify(file)}); console.log('held'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
        holder.on('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
      });
      assert.throws(() => acquireProcessLock(file), /in use by another Parley process/);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) =>
        holder.exitCode !== null || holder.signalCode !== null ? resolve(null) : holder.once('exit', resolve),
      );
    }
    const lock = acquireProcessLock(file);
    lock.release();
  });
});
