import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { main } from '../src/cli.js';
import { ConsoleClient } from './helpers/console-client.js';

// The quick start, as a newcomer runs it: `parley start` with no config, then `parley simulate`.
// The server, `endpoints listen` and a failing start run as processes; the other commands run
// in-process through main(argv, io), which is what the process runs too (a spawn costs a second or
// more of module loading each).

const cli = ['--import', 'tsx', 'src/main.ts'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `parley ARGS` in this process, with ENV as its environment and STDIN (if any) piped in. */
async function run(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env,
    stdin: Readable.from([stdin]) as unknown as NodeJS.ReadStream,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** `parley ARGS` as its own process. */
function runProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('parley CLI', () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let startOutput = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
    port = await freePort();
    env = { ...process.env, PORT: String(port), DATABASE_URL: join(dir, 'parley.db'), PARLEY_API_KEY: '', PARLEY_CONFIG: '' };
    delete env.PARLEY_API_KEY;
    delete env.PARLEY_CONFIG;
    server = spawn(process.execPath, [...cli, 'start'], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d) => (startOutput += d));
    server.stderr!.on('data', (d) => (startOutput += d));
    // Generous: under tsx on a loaded two-core machine the first start (transpiling every module,
    // then migrating) has taken 25 s.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const res = await request(`http://127.0.0.1:${port}/readyz`);
        if (res.statusCode === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`parley start did not become ready:\n${startOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a generated API key once, and the key works', async () => {
    const key = /\n\s+(pk_[A-Za-z0-9_-]+)\n/.exec(startOutput)?.[1];
    assert.ok(key, `no key in:\n${startOutput}`);
    const ok = await request(`http://127.0.0.1:${port}/v1/jobs`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    const denied = await request(`http://127.0.0.1:${port}/v1/jobs`, { headers: { authorization: 'Bearer pk_wrong' } });
    assert.equal(denied.statusCode, 401);
    await denied.body.dump();
  });

  it('manages console users: added ones log in to the running server at once', async () => {
    assert.match(startOutput, /npx parley users add you@example\.com --role admin/, 'the first start says how to create a user');
    const added = await run(['users', 'add', 'Boss@Example.com', '--role', 'admin'], { ...env, PARLEY_USER_PASSWORD: 'a long password 1' });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /added boss@example\.com \(admin\)/);

    const piped = await run(['users', 'add', 'agent@example.com', '--role', 'agent'], env, 'piped password 2\n');
    assert.equal(piped.code, 0, piped.stderr);

    const client = new ConsoleClient(`http://127.0.0.1:${port}`);
    const login = await client.login('agent@example.com', 'piped password 2');
    assert.equal(login.status, 303, login.text);
    assert.equal((await client.get('/console')).status, 200);

    const duplicate = await run(['users', 'add', 'boss@example.com', '--role', 'agent'], {
      ...env,
      PARLEY_USER_PASSWORD: 'a long password 1',
    });
    assert.equal(duplicate.code, 2);
    assert.match(duplicate.stderr, /already exists/);
    const short = await run(['users', 'add', 'x@example.com', '--role', 'agent'], { ...env, PARLEY_USER_PASSWORD: 'short' });
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 10 characters/);
    assert.equal((await run(['users', 'add', 'x@example.com', '--role', 'owner'], env)).code, 2);

    const list = await run(['users', 'list'], env);
    assert.match(list.stdout, /agent@example\.com {2}agent/);
    assert.match(list.stdout, /boss@example\.com {2}admin/);
    assert.doesNotMatch(list.stdout, /scrypt/);

    const last = await run(['users', 'remove', 'boss@example.com'], env);
    assert.notEqual(last.code, 0, 'the last admin stays');
    const removed = await run(['users', 'remove', 'agent@example.com'], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await client.get('/console')).status, 303, 'a removed user is logged out');
    assert.equal((await new ConsoleClient(`http://127.0.0.1:${port}`).login('agent@example.com', 'piped password 2')).status, 401);
  });

  it('simulate sends a signed text to the sim channel and reports the outcome', async () => {
    const result = await run(['simulate', '--from', '+15551234567', 'YES'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /→ \+15551234567: YES/);
    assert.match(result.stdout, /← Thanks, you are confirmed!/);
  });

  it('classify prints how a reply reads, one JSON line per input line', async () => {
    const one = await run(['classify', "can't make it"], env);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      { ...JSON.parse(one.stdout), reason: undefined },
      { text: "can't make it", intent: 'decline', confidence: 0.9, reason: undefined },
    );
    const lines = await run(['classify'], env, 'STOP\nyep\n\nwhat time?\n');
    assert.equal(lines.code, 0, lines.stderr);
    assert.deepEqual(
      lines.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).intent),
      ['opt_out', 'confirm', 'unknown'],
    );
  });

  it('endpoints listen verifies and prints events, and refuses forged ones', async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const listenPort = await freePort();
    const child = spawn(process.execPath, [...cli, 'endpoints', 'listen', '--secret', secret, '--listen-port', String(listenPort)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise<void>((resolve) => child.stderr.on('data', (d) => String(d).includes('listening') && resolve()));
    const body = JSON.stringify({ type: 'message.received', timestamp: new Date().toISOString(), data: { body: 'hi' } });
    const now = new Date();
    const signed = {
      'webhook-id': 'evt_TEST',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'content-type': 'application/json',
    };
    const good = await request(`http://127.0.0.1:${listenPort}/`, {
      method: 'POST',
      body,
      headers: { ...signed, 'webhook-signature': new Webhook(secret).sign('evt_TEST', now, body) },
    });
    assert.equal(good.statusCode, 204);
    const forged = await request(`http://127.0.0.1:${listenPort}/`, {
      method: 'POST',
      body,
      headers: { ...signed, 'webhook-signature': 'v1,AAAA' },
    });
    assert.equal(forged.statusCode, 401);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    assert.deepEqual(JSON.parse(out.trim()), {
      id: 'evt_TEST',
      type: 'message.received',
      timestamp: JSON.parse(body).timestamp,
      data: { body: 'hi' },
    });
  });

  it('channels prints the URLs to paste into each provider console, from public_url', async () => {
    const config = join(dir, 'channels.yaml');
    writeFileSync(
      config,
      [
        'channels:',
        '  - name: us-main',
        '    provider: generic',
        '    numbers: ["+18005550100"]',
        '    secret: ${GENERIC_SECRET}',
        '    send_url: https://gateway.example.com/send',
        '    public_url: https://sms.example.com/',
        '    verify: monitor',
        '  - name: fr',
        '    provider: smsmode',
        '    numbers: ["+33612345678"]',
        '    api_key: smsmode-api-key',
        '    webhook_token: tok-0123456789abcdefghijklmn',
        '    public_url: https://sms.example.com',
      ].join('\n'),
    );
    const result = await run(['channels', '--config', config], { ...env, GENERIC_SECRET: 'a-secret-of-sixteen-chars' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^us-main {2}\(generic, \+18005550100\) {2}\[verify: monitor/m);
    assert.match(result.stdout, /inbound {2}https:\/\/sms\.example\.com\/hooks\/us-main\/inbound /);
    assert.match(result.stdout, /status {3}https:\/\/sms\.example\.com\/hooks\/us-main\/status /);
    assert.match(result.stdout, new RegExp(`inbound {2}http://localhost:${port}/hooks/sim/inbound `));
    // smsmode is trusted by the token in its URLs: shown, but hidden unless asked for.
    assert.match(result.stdout, /inbound {2}https:\/\/sms\.example\.com\/hooks\/fr\/inbound\?token=<hidden> /);
    assert.doesNotMatch(result.stdout, /tok-0123456789/);
    const revealed = await run(['channels', '--reveal', '--config', config], { ...env, GENERIC_SECRET: 'a-secret-of-sixteen-chars' });
    assert.match(revealed.stdout, /status {3}https:\/\/sms\.example\.com\/hooks\/fr\/status\?token=tok-0123456789abcdefghijklmn /);
  });

  it('flows check lists valid flows and names the file, step and field of a broken one', async () => {
    const ok = await run(['flows', 'check', '--config', 'examples/appointments/parley.yaml'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^appointment {2}\(.*examples\/appointments\/flows\/appointment\.yaml\)$/m);
    assert.match(
      ok.stdout,
      /starts at confirm; steps: confirm, remind, confirmed, offer, offer_two, offer_one, no_slots, book, human, unavailable/,
    );

    const flows = join(dir, 'flows');
    mkdirSync(flows, { recursive: true });
    writeFileSync(join(flows, 'broken.yaml'), 'start: a\nsteps:\n  a:\n    say: hi\n    replies:\n      - { choice: "1", goto: b }\n');
    writeFileSync(join(dir, 'flows.yaml'), 'flows:\n  dir: flows\n');
    const bad = await run(['flows', 'check', '--config', join(dir, 'flows.yaml')], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /broken\.yaml: steps\.a\.replies\[0\]\.goto: "b" is not a step of this flow/);
  });

  it('a YAML syntax error on a secret line is reported by position and key, never by the line', async () => {
    const secret = 'SUPERSECRET_0123456789';
    const flows = join(dir, 'secret-flows');
    mkdirSync(flows, { recursive: true });
    writeFileSync(join(flows, 'leaky.yaml'), `start: a\nvars:\n  api_key: ${secret}: oops\nsteps:\n  a: { say: hi, end: true }\n`);
    writeFileSync(join(dir, 'secret-flows.yaml'), 'flows:\n  dir: secret-flows\n');
    const flowCheck = await run(['flows', 'check', '--config', join(dir, 'secret-flows.yaml')], env);
    assert.equal(flowCheck.code, 2);
    assert.match(flowCheck.stderr, /leaky\.yaml:3:12: not valid YAML, at key "api_key" \(a secret: its value is not shown\)/);
    assert.doesNotMatch(flowCheck.stdout + flowCheck.stderr, new RegExp(secret));

    writeFileSync(join(dir, 'leaky-parley.yaml'), `server:\n  port: 0\nflows:\n  secret: ${secret}: oops\n`);
    for (const command of [['flows', 'check'], ['start']]) {
      const result = await run([...command, '--config', join(dir, 'leaky-parley.yaml')], env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /leaky-parley\.yaml:4:11: not valid YAML, at key "secret"/);
      assert.doesNotMatch(result.stdout + result.stderr, new RegExp(secret));
    }
  });

  it('simulate explains an unreachable server', async () => {
    const result = await run(['simulate', '--url', 'http://127.0.0.1:1', 'hi'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /could not reach Parley/);
  });

  it('rejects a bad option with a usage error', async () => {
    const result = await run(['start', '--port', 'eighty'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--port: "eighty" is not a port number/);
  });

  it('names an unknown option in one line, with the option it most likely means', async () => {
    const result = await run(['start', '--prot', '4000'], env);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'parley: unknown option --prot; did you mean --port?\n');
    const missing = await run(['simulate', 'hi', '--from'], env);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'parley: --from needs a value, e.g. --from VALUE\n');
    const command = await run(['strat'], env);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /^parley: unknown command "strat"; did you mean "start"\?\n/);
  });

  it('prints its version', async () => {
    const result = await run(['--version'], env);
    assert.equal(result.code, 0, result.stderr);
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    assert.equal(result.stdout, `parley ${version}\n`);
  });

  it('a port in use is one line naming --port and PORT, with no stack trace', async () => {
    const other = { ...env, DATABASE_URL: join(dir, 'second.db') };
    const result = await runProcess(['start'], other);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(
      result.stderr,
      `parley: port ${port} is already in use (0.0.0.0:${port}: another Parley or another program listens there); choose another with --port N or PORT=N\n`,
    );
    assert.doesNotMatch(result.stdout, /EADDRINUSE|\n\s+at /);
  });

  it('the appointment example says which port it uses, and a port in use is one line', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/appointments/run.ts'], {
        env: { ...env, DATABASE_URL: join(dir, 'example.db') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stdout, new RegExp(`Starting Parley on port ${port} \\(set PORT to change it\\)`));
    assert.equal(
      result.stderr,
      `example:appointments: port ${port} is already in use (0.0.0.0:${port}: another Parley or another program listens there); choose another with PORT=N npm run example:appointments\n`,
    );
  });

  it('simulate refuses a number it cannot read, before sending anything', async () => {
    const result = await run(['simulate', '--from', '12345', 'hi'], env);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'parley: simulate: --from "12345" is not a phone number; give it in international form, e.g. --from +15551234567\n',
    );
  });

  it('prints the usage for --help after a command, without running it', async () => {
    const result = await run(['simulate', '--help'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Options for simulate:/);
  });

  it('migrate reports an up-to-date database', async () => {
    const result = await run(['migrate'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /is up to date/);
  });

  it('SIGTERM stops the server cleanly', async () => {
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
