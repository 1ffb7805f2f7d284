#!/usr/bin/env node
// Runs the whole suite with Node's test runner and, when no files are named, the static checks
// beside it (types, lint, format, import layers: `npm run check`). The PostgreSQL tests need a
// server: it is found at PARLEY_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
// Without one they are skipped, and this script says so plainly; under CI=true a missing PostgreSQL
// fails the run.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const url = process.env.PARLEY_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const ci = process.env.CI === 'true' || process.env.CI === '1';
const only = process.argv.slice(2);

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error.message;
  } finally {
    await client.end().catch(() => {});
  }
}

const problem = await postgresReachable();
const env = { ...process.env };
let banner;
if (problem === null) {
  env.PARLEY_TEST_DATABASE_URL = url;
  banner = `PostgreSQL suite: ON (${url.replace(/\/\/[^@]*@/, '//')})`;
} else if (ci) {
  console.error(`PostgreSQL is required under CI but is not reachable at ${url}: ${problem}`);
  process.exit(1);
} else {
  env.PARLEY_TEST_DATABASE_URL = '';
  banner = `PostgreSQL suite: SKIPPED — no PostgreSQL at ${url} (${problem}). Set PARLEY_TEST_DATABASE_URL to run it.`;
}
console.log(banner);

// The static checks run beside the tests, not before them: the tests leave part of the machine idle
// (timers, child processes), and the checks took a minute and more of the run. A failure is printed
// as soon as it happens; the run still fails at the end.
const checks =
  only.length > 0
    ? Promise.resolve(0)
    : new Promise((resolve) => {
        const check = spawn('npm', ['run', '--silent', 'check'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        check.stdout.on('data', (d) => (output += d));
        check.stderr.on('data', (d) => (output += d));
        check.on('exit', (code) => {
          if (code === 0) console.log('npm run check: types, lint, format and import layers OK');
          else console.error(`${output}\nnpm run check failed: types, lint, format or import layers (see above).`);
          resolve(code ?? 1);
        });
      });

// Arguments may name test files or folders (`npm test -- test/reliability`). The whole suite starts
// with the slowest files (the reliability tests, then the other end-to-end tests under test/) and ends
// with src/'s unit tests, which are short and fill the last gaps; in alphabetical order a long file
// picked up late kept the run going alone at the end.
const files =
  only.length > 0
    ? only.flatMap((p) => (statSync(p).isDirectory() ? testFiles(p).sort() : [p]))
    : [
        ...testFiles('test/reliability').sort(),
        ...testFiles('test')
          .filter((f) => !f.startsWith(join('test', 'reliability')))
          .sort(),
        ...testFiles('src').sort(),
      ];
// Most test files spend their time waiting (timers, retries, child processes, the browser), so
// several run at once even on two cores (PARLEY_TEST_CONCURRENCY, default 3; 1 runs them one by
// one). scripts/test-files.js keeps the order above, which `node --test FILES` would sort away.
const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/test-files.js', ...files], { env, stdio: 'inherit' });
child.on('exit', async (code, signal) => {
  const checked = await checks;
  console.log(banner);
  process.exit(code || (signal ? 1 : 0) || checked);
});
