import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { duration, durationOrForever, e164, keepFor, languageTag, quietHours, timeZone } from './config-fields.js';
import { formatPath, interpolateEnv, parseWithEnvironment, type Substitutions } from './config-env.js';
import { ConfigError } from './errors.js';
import { isSecretFieldName } from './logger.js';
import { channelSchema as channel, type ChannelConfig } from './providers/channel-schema.js';
import { simChannelSchema } from './providers/sim/config.js';

// Every setting, its default and its meaning live here; docs/configuration.md mirrors this file.

// Words carriers treat as opt-outs; a business keyword rule may not claim one (see automation).
const carrierOptOutWords = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout']);

// A timeout of zero would mean none at all: the very thing these settings exist to prevent.
const timeout = duration.refine((ms) => ms > 0, { message: 'must be longer than zero' });

const intentName = z.enum(['confirm', 'decline']);

const rule = z
  .strictObject({
    name: z.string().min(1).max(64).optional(),
    /** Exact replies (case and surrounding punctuation ignored) this rule answers. */
    keywords: z
      .array(
        z
          .string()
          .min(1)
          .max(64)
          .refine((k) => !carrierOptOutWords.has(k.trim().toLowerCase()), {
            message: 'is a carrier opt-out word; it always opts the contact out and cannot start a rule',
          }),
      )
      .optional(),
    /** An intent from the built-in classifier this rule answers. */
    intent: intentName.optional(),
    /** Reply text; a template over {{contact.phone}}, {{contact.fields.NAME}}, {{business}}, {{message.body}}. */
    reply: z.string().min(1).max(1600).optional(),
    set_fields: z.record(z.string().min(1).max(64), z.string().max(1024)).optional(),
    add_tags: z.array(z.string().min(1).max(64)).optional(),
    remove_tags: z.array(z.string().min(1).max(64)).optional(),
    /** Emits `rule.matched` with this name, for the business's systems. */
    event: z.string().min(1).max(64).optional(),
    /** Also put the conversation in the human queue. */
    handoff: z.boolean().default(false),
    /** Start this conversation flow (flows/NAME.yaml) for the contact. */
    start_flow: z.string().min(1).max(63).optional(),
  })
  .refine((r) => (r.keywords && r.keywords.length > 0) || r.intent, { message: 'a rule needs `keywords` or an `intent`' });

const automation = z
  .strictObject({
    /**
     * How Parley names the business in its compliance messages ({{business}}); carriers expect the
     * HELP and STOP answers to name it. The default texts read as sentences with this default too.
     */
    business_name: z.string().min(1).max(64).default('our team'),
    opt_out: z
      .strictObject({
        /** `number`: a STOP silences the business number it was sent to; `deployment`: every number. */
        scope: z.enum(['number', 'deployment']).default('number'),
        confirmation: z
          .string()
          .min(1)
          .max(320)
          .default("You're unsubscribed from {{business}} and will receive no further messages. Reply START to resubscribe."),
      })
      .prefault({}),
    opt_in: z
      .strictObject({
        confirmation: z
          .string()
          .min(1)
          .max(320)
          .default("You're subscribed to {{business}} again. Reply STOP to unsubscribe, HELP for help."),
      })
      .prefault({}),
    help: z
      .strictObject({
        text: z
          .string()
          .min(1)
          .max(320)
          // {{business}} mid-sentence: a name such as the default "our team" must not open the text.
          .default("You've reached {{business}}. Reply to this message and a team member will help you. Reply STOP to unsubscribe."),
        /** Also put the conversation in the human queue. */
        handoff: z.boolean().default(true),
      })
      .prefault({}),
    /** Checked in order; keyword rules before intent rules. */
    rules: z.array(rule).default([
      { name: 'confirm', intent: 'confirm', reply: 'Thanks, you are confirmed!', event: 'confirmed', handoff: false },
      {
        name: 'decline',
        intent: 'decline',
        reply: 'Thanks for letting us know. A team member will be in touch to find another time.',
        event: 'declined',
        handoff: true,
      },
    ]),
    acknowledgment: z
      .strictObject({
        enabled: z.boolean().default(true),
        text: z.string().min(1).max(320).default('Thanks for your message! A team member will follow up shortly.'),
        /** At most one acknowledgment per conversation in this period. */
        every: duration.default(12 * 3_600_000),
      })
      .prefault({}),
    /** Stops automatic replies to a contact that answers every one (another machine). */
    loop_protection: z
      .strictObject({
        max_replies: z.number().int().min(1).max(1000).default(10),
        window: duration.default(5 * 60_000),
      })
      .prefault({}),
    classifier: z.strictObject({ threshold: z.number().min(0).max(1).default(0.7) }).prefault({}),
  })
  .prefault({});

const fileSchema = z.strictObject({
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(3000),
      host: z.string().default('0.0.0.0'),
      /** Largest webhook or API body accepted, in bytes. */
      body_limit: z
        .number()
        .int()
        .min(1024)
        .max(10 * 1024 * 1024)
        .default(256 * 1024),
      /**
       * Parley runs behind a reverse proxy that sets X-Forwarded-For/-Proto/-Host: client addresses
       * and the URL providers called are read from those headers. Only true when the proxy is the
       * sole way in, since anyone else could set them.
       */
      trust_proxy: z.boolean().default(false),
      /** The whole request, headers and body, must arrive within this: a client trickling a body is cut off (408). */
      request_timeout: timeout.default(30_000),
      /** The request line and headers must arrive within this (408); at most request_timeout. */
      headers_timeout: timeout.default(10_000),
      /** A kept-alive connection waiting for its next request is closed after this. */
      keep_alive_timeout: timeout.default(5_000),
      /** A connection with no traffic either way for this long is closed, whatever it is doing. */
      idle_timeout: timeout.default(60_000),
      /**
       * Connections open at once from one client address; past it new ones are answered 503 and
       * closed. Behind a reverse proxy every connection comes from the proxy. 0: no cap.
       */
      max_connections_per_address: z.number().int().min(0).max(1_000_000).default(256),
    })
    .refine((server) => server.headers_timeout <= server.request_timeout, {
      message: 'headers_timeout may not be longer than request_timeout',
      path: ['headers_timeout'],
    })
    .prefault({}),
  database: z
    .strictObject({
      url: z.string().min(1).optional(),
      /**
       * PostgreSQL connections each pool keeps at most: its statements wait for one of these, so
       * fewer than the jobs and requests in flight queue them. A process has one pool for its server
       * and, with queue.thread, one for its job thread; the server's max_connections must cover
       * every pool of every instance. Unused on SQLite (one connection per thread).
       */
      pool_size: z.number().int().min(1).max(1000).default(10),
    })
    .prefault({}),
  api_key: z.string().min(16, 'use at least 16 characters for an API key').optional(),
  simulator: z
    .strictObject({
      enabled: z.boolean().default(true),
      number: e164.default('+15550100000'),
    })
    .prefault({}),
  channels: z.array(channel).default([]),
  automation,
  flows: z
    .strictObject({
      /** The folder of flow files (*.yaml), relative to the config file's folder (or the working directory). */
      dir: z.string().default('flows'),
      /** Starting a flow for a contact already in one: end the old session (`replace`) or answer 409 (`refuse`). */
      on_conflict: z.enum(['replace', 'refuse']).default('replace'),
      /**
       * Signs the calls flows make to the business's endpoints (Standard Webhooks, `whsec_…`); when
       * absent one is generated once and kept in the database.
       */
      secret: z
        .string()
        .regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'a Standard Webhooks secret: "whsec_" and base64')
        .optional(),
    })
    .prefault({}),
  /** Business-event triggers (docs/triggers.md), checked by triggers/definition.ts; more in triggers/*.yaml beside this file. */
  triggers: z.array(z.record(z.string(), z.unknown())).default([]),
  webhooks: z
    .strictObject({
      /** Let endpoints and flows' calls reach loopback, private, link-local and metadata addresses (tests, local development). */
      allow_private_destinations: z.boolean().default(false),
      /** Deliveries in flight at once per process: the rest of the worker stays free for routing and sending. */
      concurrency: z.number().int().min(1).max(1024).default(64),
      /** Deliveries in flight at once to any one endpoint, per process: a slow endpoint holds only these. */
      per_endpoint_concurrency: z.number().int().min(1).max(1024).default(16),
      /** A delivery attempt that has no answer by then has failed. */
      timeout: duration.default(15_000),
      /** Waits before each retry after the first, immediate attempt; then the delivery has failed. */
      retry_schedule: z.array(duration).min(0).max(50).default([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
      /** An endpoint whose every attempt has failed for this long is disabled (with an endpoint.disabled event). */
      disable_after: duration.default(5 * 86_400_000),
      /** How long a rotated-out secret keeps signing beside the new one. */
      rotation_overlap: duration.default(24 * 3_600_000),
    })
    .prefault({}),
  outbound: z
    .strictObject({
      /** A scheduled text whose time passed while Parley was not running is sent this late at most, else dropped (error_code too_late). */
      max_lateness: durationOrForever.default(3_600_000),
      /** Templates write dates and times in this zone for a contact without a timezone. */
      default_timezone: timeZone.default('UTC'),
      /** The language a template's main text is in unless it says otherwise. */
      default_language: languageTag.default('en'),
      /** Deployment-wide quiet hours in the recipient's local time; a channel's or a broadcast's own win. None when absent. */
      quiet_hours: quietHours.optional(),
      /** A texter who wrote within this long is in a live conversation: replies to them ignore quiet hours. */
      live_conversation: duration.default(24 * 3_600_000),
      /** Texts held back by quiet hours go out spread over this long after the window opens, not all at once. */
      quiet_hours_spread: duration.default(10 * 60_000),
    })
    .prefault({}),
  spool: z
    .strictObject({
      /** Where webhooks wait while PostgreSQL is unreachable (SQLite needs none: it is local). */
      dir: z.string().default('./data/spool'),
      /** Past this many bytes waiting, webhooks are answered 503 with Retry-After instead. */
      max_bytes: z
        .number()
        .int()
        .min(1024)
        .default(256 * 1024 * 1024),
      /** A webhook whose commit has not landed by then is spooled and acknowledged (a locked or overloaded database). */
      after: duration.default(2_000),
      /** Commits waiting on the database at once, per process; further webhooks go straight to the spool, so memory stays bounded. */
      max_in_flight: z.number().int().min(1).max(100_000).default(1_000),
    })
    .prefault({}),
  queue: z
    .strictObject({
      concurrency: z.number().int().min(1).max(1024).default(128),
      /**
       * Run the worker in a thread of its own, over its own database connection, so that routing,
       * sending and deliveries never hold up the event loop that answers webhooks (job-thread-host.ts).
       * `auto`: when the process may run on more than one core; on one, the two threads would
       * share it, and routing would get a quarter less of it.
       */
      thread: z.union([z.boolean(), z.literal('auto')]).default('auto'),
      /** How long a claimed job is its worker's; a crashed process's jobs run elsewhere once it passes. */
      lease: duration.default(15_000),
      /** How often a worker extends the leases of the jobs it is still running, so slow jobs keep theirs; a third of `lease` unless set. */
      heartbeat: duration.optional(),
      poll_interval: duration.default(500),
      /**
       * A worker whose heartbeat is this old is dead: any instance removes it and puts the jobs it
       * held back to pending at once, instead of after their leases (queue/presence.ts). Each
       * worker beats five times per period, so it must stall for most of one to be taken for dead.
       */
      takeover: duration.refine((ms) => ms >= 500, { message: 'must be at least 500ms' }).default(5_000),
      max_attempts: z.number().int().min(1).max(100).default(10),
      retry_base: duration.default(1_000),
      retry_max: duration.default(15 * 60_000),
    })
    .refine((q) => q.heartbeat === undefined || q.heartbeat * 2 <= q.lease, {
      message: 'heartbeat must be at most half of lease, or a live job could lose its lease',
    })
    .transform((q) => ({ ...q, heartbeat: q.heartbeat ?? Math.floor(q.lease / 3) }))
    .prefault({}),
  retention: z
    .strictObject({
      /** How often each worker deletes what has outlived its period (housekeeping/retention.ts). */
      interval: duration.default(3_600_000),
      /** Providers' webhooks exactly as received (the audit copy; the messages they carried stay). */
      webhook_bodies: keepFor.default(30 * 86_400_000),
      /** Delivery receipts, and the provider ids of long texts' parts that receipts are matched by. */
      receipts: keepFor.default(30 * 86_400_000),
      /** Events, with their webhook deliveries and attempts; an event with a delivery still due is kept. */
      events: keepFor.default(30 * 86_400_000),
      /** Verified webhooks Parley could not read, waiting to be replayed. */
      unreadable_webhooks: keepFor.default(90 * 86_400_000),
      /** Jobs that ran out of attempts (the message or delivery they served shows the failure). */
      dead_jobs: keepFor.default(30 * 86_400_000),
      /** Flow sessions that ended (their variables hold what the business's calls answered); active ones stay. */
      flow_sessions: keepFor.default(90 * 86_400_000),
    })
    .prefault({}),
  console: z
    .strictObject({
      /** A console session unused for this long ends (the agent logs in again). */
      session_idle: duration.default(12 * 3_600_000),
      /** A console session ends this long after its login, however busy. */
      session_max: duration.default(7 * 86_400_000),
      /** Failed logins allowed per address and per email within login_window; then 429 until it passes. */
      login_attempts: z.number().int().min(1).max(10_000).default(10),
      login_window: duration.default(15 * 60_000),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** json: one JSON object per line (ISO times); pretty: readable lines for a terminal. */
      format: z.enum(['json', 'pretty']).default('json'),
      /** One line per HTTP request at info (method, route pattern, status, duration); health checks at debug. */
      access: z.boolean().default(true),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /**
       * Bearer token a scraper sends to GET /metrics (`${VAR}` reads it from the environment).
       * Without one, /metrics answers only requests made on this machine, not through a proxy.
       */
      token: z.string().min(16, 'use at least 16 characters for the metrics token').optional(),
    })
    .prefault({}),
});

export type FileConfig = z.output<typeof fileSchema>;
export type { ChannelConfig };
export type AutomationConfig = z.output<typeof automation>;
export type RuleConfig = z.output<typeof rule>;

export interface Config extends FileConfig {
  /** The file it was read from, if any. */
  source: string | null;
  database: { url: string; pool_size: number };
}

export interface LoadConfigOptions {
  /** Explicit config path (`--config`); otherwise PARLEY_CONFIG, then ./parley.yaml if present. */
  path?: string;
  port?: number;
  database?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const defaultDatabasePath = './data/parley.db';

/** Reads, interpolates and validates the config; throws ConfigError naming the file and key. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.path ?? env.PARLEY_CONFIG;
  const path = explicit ? resolve(cwd, explicit) : existsSync(resolve(cwd, 'parley.yaml')) ? resolve(cwd, 'parley.yaml') : null;
  if (explicit && !existsSync(path!)) throw new ConfigError(`${explicit}: config file not found`);

  let raw: unknown = {};
  if (path) {
    raw = readYaml(path, readFileSync(path, 'utf8')) ?? {};
  }
  const substitutions: Substitutions = new Map();
  raw = interpolateEnv(raw, env, path ?? '(config)', [], substitutions);
  return configFromObject(raw, { ...options, env }, path, substitutions);
}

/**
 * Parses a YAML file (parley.yaml or a flow). A syntax error names the file, line, column and the
 * key on that line, never the line itself: the parser quotes source lines, and the line may hold a
 * secret (`secret: whsec_…: oops`).
 */
export function readYaml(file: string, text: string): unknown {
  try {
    // Warnings (an unknown tag) would go to stderr quoting the file; they are not errors, so they stay silent.
    return parseYaml(text, { prettyErrors: false, logLevel: 'error' });
  } catch (error) {
    if (error instanceof YAMLParseError) throw new ConfigError(describeYamlError(file, text, error));
    throw error;
  }
}

function describeYamlError(file: string, text: string, error: YAMLParseError): string {
  const offset = Math.min(Math.max(error.pos[0], 0), text.length);
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  const column = offset - lineStart + 1;
  const lineEnd = text.indexOf('\n', offset);
  const source = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
  // Only a key that looks like one of Parley's (lowercase words) is named; anything else on the
  // line could be a value.
  const key = /^\s*(?:-\s+)?(["']?)([a-z][a-z0-9_]{0,63})\1\s*:/.exec(source)?.[2];
  const onKey = key ? `, at key "${key}"${isSecretFieldName(key) ? ' (a secret: its value is not shown)' : ''}` : '';
  // `{ port: ${PORT} }`: inside { } or [ ] the braces of ${NAME} end the value unless it is quoted.
  const hint = /[{[][^}\]]*\$\{/.test(source) ? '; inside { } or [ ], put "${NAME}" in quotes' : '';
  return `${file}:${line}:${column}: not valid YAML${onKey}: ${yamlProblem(error)}${hint}`;
}

/**
 * The parser's message without anything it quotes from the file: details after a colon ("Unresolved
 * tag: !x") are dropped, and a message still holding characters a value could bring (digits,
 * escapes, quotes) is replaced by the error's code.
 */
function yamlProblem(error: YAMLParseError): string {
  const message = error.message.split('\n')[0]!.split(': ')[0]!.trim();
  return /^[A-Za-z ,.()'[\]{}-]+$/.test(message) && !/[A-Z]{2}/.test(message) ? message : `error ${error.code}`;
}

/**
 * Validates an already-parsed config object (tests build configs this way); `substitutions` are
 * the values that were a whole `${NAME}`, read as numbers or booleans where the setting wants one.
 */
export function configFromObject(
  raw: unknown,
  options: LoadConfigOptions = {},
  source: string | null = null,
  substitutions: Substitutions = new Map(),
): Config {
  const env = options.env ?? process.env;
  const where = source ?? '(config)';
  const parsed = parseWithEnvironment(fileSchema, raw ?? {}, substitutions, where);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
    throw new ConfigError(`${where}: invalid configuration\n${lines.join('\n')}`);
  }
  const file = parsed.data;
  const names = new Set<string>();
  for (const [i, ch] of file.channels.entries()) {
    if (names.has(ch.name)) throw new ConfigError(`${where}: channels[${i}].name: "${ch.name}" is used by two channels`);
    names.add(ch.name);
  }
  if (file.simulator.enabled && names.has('sim') && !file.channels.some((c) => c.name === 'sim' && c.provider === 'sim')) {
    throw new ConfigError(`${where}: channels: the name "sim" is reserved for the simulator (or set simulator.enabled: false)`);
  }
  if (file.simulator.enabled && !names.has('sim')) {
    file.channels.push(simChannelSchema.parse({ name: 'sim', provider: 'sim', numbers: [file.simulator.number] }));
  }

  const envPort = env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : undefined;
  if (envPort !== undefined && !(Number.isInteger(envPort) && envPort >= 0 && envPort <= 65535)) {
    throw new ConfigError(`PORT: "${env.PORT}" is not a port number`);
  }
  const port = options.port ?? envPort ?? file.server.port;
  const databaseUrl = options.database ?? nonEmpty(env.DATABASE_URL) ?? file.database.url ?? defaultDatabasePath;
  const apiKey = nonEmpty(env.PARLEY_API_KEY) ?? file.api_key;

  return {
    ...file,
    source,
    server: { ...file.server, port },
    database: { ...file.database, url: databaseUrl },
    api_key: apiKey,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The flows folder: relative paths are read from the config file's folder, or the working directory without one. */
export function flowsDirectory(config: Config, cwd = process.cwd()): string {
  return resolve(config.source ? dirname(config.source) : cwd, config.flows.dir);
}
