import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { ParseArgsConfig } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { request } from 'undici';
import { flowsDirectory, loadConfig, type Config } from './config.js';
import { classify } from './core/intent/classify.js';
import { toE164 } from './core/phone.js';
import { simSecret } from './runtime/channels.js';
import { ConfigError, ParleyError } from './errors.js';
import { addUser, listUsers, removeUser } from './console/users.js';
import { closest, listenProblem, readOptions, UsageError } from './cli-args.js';
import { readPassword } from './console/password-input.js';
import { simRepliesSigningInput } from './hooks/simulator.js';
import { createLogger } from './logger.js';
import { loadFlows } from './flows/definition.js';
import { hmacSha256Hex } from './providers/hmac.js';
import { parleyVersion } from './http/openapi.js';
import { adapterFor } from './providers/registry.js';
import { startParley } from './server.js';
import { openStore } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';

const usage = `Usage: parley <command> [options]

Commands:
  start [--log-format json|pretty]
                            Run the server (HTTP + job worker); logs are JSON lines,
                            or readable ones with --log-format pretty
  migrate                   Create or update the database schema, then exit
  simulate [options] TEXT   Send TEXT to the running server as an inbound SMS on the
                            simulator channel, and print what Parley replies
  classify [TEXT]           Print how Parley reads a reply, as JSON; with no TEXT, read one
                            reply per line from stdin and print one JSON line each
  flows check               Validate the flow files (flows/*.yaml) and list each flow's steps
  channels [--reveal]       List each channel with the webhook URLs to paste into its
                            provider's console (--reveal: with the secrets some carry)
  users add EMAIL --role admin|agent
                            Create a console user (/console); the password is read from
                            $PARLEY_USER_PASSWORD, else asked for (hidden) or read from stdin
  users list                List the console's users
  users remove EMAIL        Remove a console user and end their sessions
  endpoints listen --secret whsec_… [--listen-port N]
                            Receive Parley's event webhooks locally, verify their signatures
                            and print each event (register http://localhost:N/ as an endpoint,
                            with webhooks.allow_private_destinations: true)

  --version                 Print Parley's version

Options for every command:
  --config FILE             parley.yaml to read (default: $PARLEY_CONFIG, then ./parley.yaml)
  --database PATH_OR_URL    SQLite file or postgres:// URL (default: $DATABASE_URL, then ./data/parley.db)
  --port N                  HTTP port (default: $PORT, then 3000)

Options for classify:
  --opted-out               read the text as coming from a contact who has opted out

Options for simulate:
  --from NUMBER             the texter's number (default +15551234567)
  --to NUMBER               the business number (default: the simulator channel's first)
  --channel NAME            simulator channel (default: sim)
  --url URL                 where the server listens (default: http://localhost:PORT)
  --wait SECONDS            how long to wait for replies (default 10)
`;

const commands = ['start', 'migrate', 'simulate', 'classify', 'flows', 'channels', 'users', 'endpoints', 'help'];

/**
 * Where a command reads and writes: the process's own streams and environment, or a test's. Each
 * command resolves to its exit code instead of setting the process's, so all but `start` and
 * `endpoints listen` (which live until a signal) can run in-process.
 */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });

/** Runs `parley …` and resolves to its exit code (`start` resolves once the server is listening). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  // `parley simulate --help` asks for help, not a run (options after `--` are the command's own).
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (command !== undefined && (own.includes('--help') || own.includes('-h'))) {
    io.stdout.write(usage);
    return 0;
  }
  try {
    switch (command) {
      case 'start':
        return await start(rest, io);
      case 'migrate':
        return await migrate(rest, io);
      case 'simulate':
        return await simulate(rest, io);
      case 'classify':
        return await classifyCommand(rest, io);
      case 'channels':
        return channelsCommand(rest, io);
      case 'flows':
        if (rest[0] === 'check') return flowsCheck(rest.slice(1), io);
        throw new UsageError('flows: the only subcommand is "check"');
      case 'users':
        return await usersCommand(rest, io);
      case 'endpoints':
        if (rest[0] === 'listen') return await listen(rest.slice(1), io);
        throw new UsageError('endpoints: the only subcommand is "listen"');
      case '--version':
      case '-v':
      case 'version':
        io.stdout.write(`parley ${parleyVersion()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(usage);
        return 0;
      default: {
        const near = closest(command, commands);
        io.stderr.write(`parley: unknown command "${command}"${near ? `; did you mean "${near}"?` : ''}\n\n${usage}`);
        return 2;
      }
    }
  } catch (error) {
    if (
      (error instanceof ParleyError && (error.code === 'invalid_payload' || error.code === 'forbidden')) ||
      error instanceof ConfigError ||
      error instanceof UsageError
    ) {
      io.stderr.write(`parley: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

const commonOptions = {
  config: { type: 'string' },
  database: { type: 'string' },
  port: { type: 'string' },
} as const;

function configFrom(values: { config?: string; database?: string; port?: string }, env: NodeJS.ProcessEnv): Config {
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${values.port}" is not a port number`);
  }
  return loadConfig({ path: values.config, database: values.database, port, env });
}

function parse<T extends ParseArgsConfig['options']>(args: string[], options: T) {
  return readOptions(args, { ...commonOptions, ...options });
}

async function start(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { 'log-format': { type: 'string' } } as const);
  const config = configFrom(values, io.env);
  const format = values['log-format'] ?? config.log.format;
  if (format !== 'json' && format !== 'pretty') throw new UsageError(`--log-format: "${format}" is not json or pretty`);
  const log = createLogger(config.log.level, undefined, format);
  let parley;
  try {
    parley = await startParley(config, { log, listen: true });
  } catch (error) {
    const problem = listenProblem(error, config.server.host, config.server.port);
    if (problem) throw new UsageError(problem);
    throw error;
  }
  log.info(
    { url: parley.url, database: parley.ctx.store.describe, channels: parley.ctx.channels.all().map((c) => c.name) },
    'parley is running',
  );
  if (parley.generatedApiKey) {
    // Printed once, to the terminal only: Parley keeps just its hash.
    io.stdout.write(
      `\nGenerated an API key (shown only this once; set PARLEY_API_KEY to choose your own):\n\n  ${parley.generatedApiKey}\n\n`,
    );
  }
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    log.info({ signal }, 'shutting down');
    parley.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return 0;
}

async function migrate(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {});
  const config = configFrom(values, io.env);
  const store = await openStore(config.database.url);
  try {
    const { applied } = await migrateToLatest(store);
    io.stdout.write(applied.length ? `applied ${applied.join(', ')} to ${store.describe}\n` : `${store.describe} is up to date\n`);
  } finally {
    await store.close();
  }
  return 0;
}

async function classifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { 'opted-out': { type: 'boolean', default: false } } as const);
  const config = configFrom(values, io.env);
  const options = { threshold: config.automation.classifier.threshold, optedOut: values['opted-out'] };
  const line = (text: string) => {
    const { intent, confidence, reason } = classify(text, options);
    return JSON.stringify({ text, intent, confidence: Math.round(confidence * 100) / 100, reason });
  };
  if (positionals.length > 0) {
    io.stdout.write(`${line(positionals.join(' '))}\n`);
    return 0;
  }
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  for await (const text of lines) {
    if (text.trim() !== '') io.stdout.write(`${line(text)}\n`);
  }
  return 0;
}

async function listen(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { secret: { type: 'string' }, 'listen-port': { type: 'string', default: '4000' } } as const);
  if (!values.secret)
    throw new UsageError('endpoints listen: --secret is required (the whsec_… secret shown when the endpoint was registered)');
  const port = Number(values['listen-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--listen-port: "${values['listen-port']}" is not a port number`);
  const receiver = new Webhook(values.secret);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const event = receiver.verify(body, req.headers as Record<string, string>) as { type: string; timestamp: string; data: unknown };
        io.stdout.write(
          `${JSON.stringify({ id: req.headers['webhook-id'], type: event.type, timestamp: event.timestamp, data: event.data })}\n`,
        );
        res.writeHead(204).end();
      } catch (error) {
        io.stderr.write(`rejected a request: ${(error as Error).message}\n`);
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  io.stderr.write(
    `listening on http://localhost:${(server.address() as AddressInfo).port}/ — verifying signatures; one JSON line per event\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.close();
  return 0;
}

async function simulate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    from: { type: 'string', default: '+15551234567' },
    to: { type: 'string' },
    channel: { type: 'string', default: 'sim' },
    url: { type: 'string' },
    wait: { type: 'string', default: '10' },
  } as const);
  const text = positionals.join(' ');
  if (!text) throw new UsageError('simulate: give the text of the message, e.g. parley simulate "YES"');
  const config = configFrom(values, io.env);
  const channel = config.channels.find((c) => c.name === values.channel);
  if (!channel || channel.provider !== 'sim') throw new UsageError(`simulate: no simulator channel named "${values.channel}"`);
  // Checked here, as Parley would read it: a number it cannot read would only be refused by the server.
  const from = toE164(values.from);
  if (from === null)
    throw new UsageError(
      `simulate: --from "${values.from}" is not a phone number; give it in international form, e.g. --from +15551234567`,
    );
  const to = values.to === undefined ? channel.numbers[0] : toE164(values.to);
  if (to === null)
    throw new UsageError(`simulate: --to "${values.to}" is not a phone number, e.g. --to ${channel.numbers[0] ?? '+15550000000'}`);
  const base = (values.url ?? `http://localhost:${config.server.port}`).replace(/\/$/, '');

  let secret = channel.secret;
  if (!secret) {
    const store = await openStore(config.database.url);
    try {
      await migrateToLatest(store);
      secret = await simSecret(store);
    } finally {
      await store.close();
    }
  }

  const payload = JSON.stringify({
    from,
    to,
    body: text,
    message_id: `sim-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`,
    timestamp: new Date().toISOString(),
  });
  let response;
  try {
    response = await request(`${base}/hooks/${channel.name}/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': hmacSha256Hex(secret, payload) },
      body: payload,
    });
  } catch (error) {
    throw new UsageError(`simulate: could not reach Parley at ${base} (${(error as Error).message}). Is "npm start" running?`);
  }
  const answer = (await response.body.json()) as { message_id?: string; error?: { code: string; message: string } };
  if (response.statusCode !== 200 || !answer.message_id) {
    throw new UsageError(`simulate: Parley answered ${response.statusCode}: ${answer.error?.message ?? JSON.stringify(answer)}`);
  }
  io.stdout.write(`→ ${from}: ${text}\n`);

  const deadline = Date.now() + Number(values.wait) * 1000;
  const signature = hmacSha256Hex(secret, simRepliesSigningInput(answer.message_id));
  for (;;) {
    const poll = await request(`${base}/hooks/${channel.name}/replies?message=${encodeURIComponent(answer.message_id)}`, {
      headers: { 'x-signature': signature },
    });
    const state = (await poll.body.json()) as {
      processed: boolean;
      replies: Array<{ body: string }>;
      no_reply?: { message: string } | null;
    };
    if (state.processed) {
      if (state.replies.length === 0) io.stdout.write(`← (no automatic reply${state.no_reply ? `: ${state.no_reply.message}` : ''})\n`);
      for (const reply of state.replies) io.stdout.write(`← ${reply.body}\n`);
      return 0;
    }
    if (Date.now() > deadline) {
      io.stdout.write(`… stored as ${answer.message_id}, not processed within ${values.wait}s\n`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The URLs each channel's provider should call, from its public_url (or this machine's port). */
function channelsCommand(args: string[], io: CliIo): number {
  const { values } = parse(args, { reveal: { type: 'boolean' } } as const);
  const config = configFrom(values, io.env);
  for (const channel of config.channels) {
    const base = `${channel.public_url ?? `http://localhost:${config.server.port}`}/hooks/${channel.name}`;
    const params = adapterFor(channel).webhookUrlParams?.(channel) ?? {};
    const masked = !values.reveal && Object.keys(params).length > 0;
    const query = Object.entries(params)
      .map(([name, value]) => `${encodeURIComponent(name)}=${masked ? '<hidden>' : encodeURIComponent(value)}`)
      .join('&');
    const url = (path: string) => `${base}/${path}${query ? `?${query}` : ''}`;
    const lines = [
      `${channel.name}  (${channel.provider}, ${channel.numbers.join(', ')})${channel.verify === 'monitor' ? '  [verify: monitor — signatures NOT enforced]' : ''}`,
      `  inbound  ${url('inbound')}   (messages from texters)`,
      `  status   ${url('status')}    (delivery receipts)`,
      `  events   ${url('events')}    (both, for providers with one webhook URL)`,
    ];
    if (masked) lines.push("  (these URLs carry the channel's secret, <hidden> here; `parley channels --reveal` prints them whole)");
    if (!channel.public_url && channel.provider !== 'sim')
      lines.push('  (no public_url set: these are local URLs; set public_url to the address the provider calls)');
    io.stdout.write(`${lines.join('\n')}\n\n`);
  }
  return 0;
}

/** Validates every flow file; a bad one is a ConfigError naming the file, the step and the field. */
function flowsCheck(args: string[], io: CliIo): number {
  const { values } = parse(args, {} as const);
  const config = configFrom(values, io.env);
  const dir = flowsDirectory(config);
  const flows = loadFlows(dir);
  if (flows.size === 0) {
    io.stdout.write(`no flows in ${dir}\n`);
    return 0;
  }
  for (const flow of flows.values()) {
    io.stdout.write(`${flow.name}  (${flow.file})\n  starts at ${flow.start}; steps: ${Object.keys(flow.steps).join(', ')}\n`);
  }
  io.stdout.write(`${flows.size} flow${flows.size === 1 ? '' : 's'} OK\n`);
  return 0;
}

/** `parley users add|list|remove`: the console's accounts, written straight to the database (no restart needed). */
async function usersCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, { role: { type: 'string' } } as const);
  const config = configFrom(values, io.env);
  if (sub !== 'add' && sub !== 'list' && sub !== 'remove') throw new UsageError('users: the subcommands are "add", "list" and "remove"');
  if (sub !== 'list' && positionals.length !== 1) throw new UsageError(`users ${sub}: give one email address`);
  if (sub === 'add' && values.role !== 'admin' && values.role !== 'agent') throw new UsageError('users add: --role admin or --role agent');
  // Asked before the database is opened: a prompt must not hold a connection.
  const password =
    sub === 'add' ? io.env.PARLEY_USER_PASSWORD || (await readPassword(`Password for ${positionals[0]}: `, io.stdin, io.stderr)) : '';
  const store = await openStore(config.database.url);
  try {
    await migrateToLatest(store);
    if (sub === 'add') {
      const user = await addUser(store, positionals[0]!, values.role!, password);
      io.stdout.write(`added ${user.email} (${user.role}); log in at http://localhost:${config.server.port}/console\n`);
    } else if (sub === 'remove') {
      if (!(await removeUser(store, positionals[0]!))) throw new UsageError(`users remove: no user has the email ${positionals[0]}`);
      io.stdout.write(`removed ${positionals[0]!.trim().toLowerCase()}\n`);
    } else {
      const users = await listUsers(store.db);
      if (users.length === 0) io.stdout.write('no users; add one with: parley users add you@example.com --role admin\n');
      for (const user of users) {
        io.stdout.write(
          `${user.email}  ${user.role}${user.disabled_at ? '  (disabled)' : ''}  added ${new Date(user.created_at).toISOString()}\n`,
        );
      }
    }
  } finally {
    await store.close();
  }
  return 0;
}
