import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closest, listenProblem, readOptions, UsageError } from './cli-args.js';

describe('command-line options', () => {
  const options = { port: { type: 'string' }, config: { type: 'string' }, reveal: { type: 'boolean' } } as const;

  it('suggests the option a typo most likely meant, and lists them when nothing is near', () => {
    assert.equal(closest('prot', ['port', 'config']), 'port');
    assert.equal(closest('confg', ['port', 'config']), 'config');
    assert.equal(closest('xyz', ['port', 'config']), undefined);
    assert.throws(() => readOptions(['--prot', '4000'], options), { message: 'unknown option --prot; did you mean --port?' });
    assert.throws(() => readOptions(['--verbose'], options), {
      message: 'unknown option --verbose; the options are --port, --config, --reveal',
    });
    assert.throws(() => readOptions(['--port'], options), UsageError);
    assert.throws(() => readOptions(['--reveal=yes'], options), { message: '--reveal takes no value' });
  });

  it('reads good options and positionals as Node does', () => {
    const { values, positionals } = readOptions(['--port', '4000', 'hello', '--reveal'], options);
    assert.deepEqual({ ...values }, { port: '4000', reveal: true });
    assert.deepEqual(positionals, ['hello']);
  });

  it('turns a port in use into one line naming the way out, and leaves other errors alone', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    assert.match(listenProblem(inUse, '0.0.0.0', 3000)!, /^port 3000 is already in use .*--port N or PORT=N$/);
    assert.equal(listenProblem(new Error('other'), '0.0.0.0', 3000), undefined);
  });
});
