// Runs test files in the order given, PARLEY_TEST_CONCURRENCY (default 3) at a time, reporting with
// the spec reporter; started by scripts/test.js under `--import tsx`, which each file's process
// inherits. Not `node --test FILES`: it sorts the files, and the order is what keeps the suite short.
import { resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const files = process.argv.slice(2).map((file) => resolve(file));
const concurrency = Number(process.env.PARLEY_TEST_CONCURRENCY) || 3;
const stream = run({ files, concurrency });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(new spec()).pipe(process.stdout);
