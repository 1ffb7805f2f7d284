import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configFromObject, loadConfig } from './config.js';
import { parseWithEnvironment } from './config-env.js';
import { renderTemplate } from './core/template.js';
import { ConfigError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-config-'));
let files = 0;
function file(yaml: string): string {
  const path = join(dir, `parley-${++files}.yaml`);
  writeFileSync(path, yaml);
  return path;
}
const load = (yaml: string | null, env: NodeJS.ProcessEnv = {}, options: { port?: number; database?: string } = {}) =>
  loadConfig({ ...(yaml === null ? {} : { path: file(yaml) }), env, cwd: dir, ...options });

const generic = (extra = '') => `
channels:
  - name: main
    provider: generic
    numbers: ["+18005550100"]
    secret: "0123456789abcdef0123"
    send_url: "https://gw.example.com/send"${extra}
`;

describe('loadConfig', () => {
  it('needs no file: port 3000, ./data/parley.db, and the simulator channel', () => {
    const config = load(null);
    assert.equal(config.source, null);
    assert.equal(config.server.port, 3000);
    assert.equal(config.database.url, './data/parley.db');
    assert.deepEqual(config.channels, [
      { name: 'sim', provider: 'sim', numbers: ['+15550100000'], verify: 'enforce', send_timeout: 15_000 },
    ]);
    assert.equal(config.queue.lease, 15_000);
    assert.equal(config.queue.heartbeat, 5_000, 'a third of the lease');
    assert.equal(config.database.pool_size, 10);
    assert.equal(config.queue.takeover, 5_000);
    assert.equal(config.automation.acknowledgment.every, 12 * 3_600_000);
  });

  it('takes flags over the environment over the file', () => {
    const yaml = 'server: { port: 4000 }\ndatabase: { url: ./file.db }\n';
    assert.equal(load(yaml).server.port, 4000);
    assert.equal(load(yaml, { PORT: '5000' }).server.port, 5000);
    assert.equal(load(yaml, { PORT: '5000' }, { port: 6000 }).server.port, 6000);
    assert.equal(load(yaml, { DATABASE_URL: 'postgres://db/x' }).database.url, 'postgres://db/x');
    assert.equal(load(yaml, { DATABASE_URL: 'postgres://db/x' }, { database: './flag.db' }).database.url, './flag.db');
    assert.equal(load(yaml, { PARLEY_API_KEY: 'from-the-environment-1234' }).api_key, 'from-the-environment-1234');
  });

  it('reads ./parley.yaml when present, and PARLEY_CONFIG before it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'parley-cwd-'));
    writeFileSync(join(cwd, 'parley.yaml'), 'server: { port: 4100 }\n');
    assert.equal(loadConfig({ env: {}, cwd }).server.port, 4100);
    assert.equal(loadConfig({ env: { PARLEY_CONFIG: file('server: { port: 4200 }\n') }, cwd }).server.port, 4200);
  });

  it('reads ${VAR} from the environment, and names the key of a missing one', () => {
    const config = load(generic().replace('"0123456789abcdef0123"', '${MAIN_SECRET}'), { MAIN_SECRET: 'secret-from-env-123456' });
    assert.equal(config.channels.find((c) => c.name === 'main')!.provider, 'generic');
    assert.throws(
      () => load(generic().replace('"0123456789abcdef0123"', '${MAIN_SECRET}')),
      (e: Error) => e instanceof ConfigError && /channels\[0\]\.secret: environment variable MAIN_SECRET is not set/.test(e.message),
    );
  });

  it('reads ${VAR} as the number, boolean or duration the setting wants', () => {
    const yaml = [
      'server:',
      '  port: ${MYPORT}',
      '  trust_proxy: ${BEHIND_PROXY}',
      '  max_connections_per_address: "${MAX_CONNECTIONS}"',
      'automation:',
      '  loop_protection: { max_replies: "${MAX_REPLIES}", window: "${WINDOW}" }',
      'webhooks:',
      '  retry_schedule: ["${FIRST_RETRY}", 5m]',
      'retention: { events: "${KEEP_EVENTS}" }',
      generic('\n    send_timeout: ${SEND_TIMEOUT}'),
    ].join('\n');
    const env = {
      MYPORT: '4100',
      BEHIND_PROXY: 'true',
      MAX_CONNECTIONS: '0',
      MAX_REPLIES: '3',
      WINDOW: '90s',
      FIRST_RETRY: '10s',
      KEEP_EVENTS: '7d',
      SEND_TIMEOUT: '2s',
    };
    const config = load(yaml, env);
    assert.equal(config.server.port, 4100);
    assert.equal(config.server.trust_proxy, true);
    assert.equal(config.server.max_connections_per_address, 0);
    assert.deepEqual(config.automation.loop_protection, { max_replies: 3, window: 90_000 });
    assert.deepEqual(config.webhooks.retry_schedule, [10_000, 300_000]);
    assert.equal(config.retention.events, 7 * 86_400_000);
    assert.equal(config.channels.find((c) => c.name === 'main')!.send_timeout, 2_000);
    assert.equal(load('server:\n  trust_proxy: ${BEHIND_PROXY}\n', { BEHIND_PROXY: 'FALSE' }).server.trust_proxy, false);
    // Text stays text where the setting wants text, even when it looks like a number.
    assert.equal(load('api_key: ${KEY}\n', { KEY: '12345678901234567890' }).api_key, '12345678901234567890');
  });

  it('names the key and the variable when ${VAR} is not what the setting wants', () => {
    const rejects = (yaml: string, env: NodeJS.ProcessEnv, message: RegExp) =>
      assert.throws(
        () => load(yaml, env),
        (e: Error) => e instanceof ConfigError && message.test(e.message),
      );
    rejects('server:\n  port: ${MYPORT}\n', { MYPORT: 'eighty' }, /server\.port: environment variable MYPORT \("eighty"\) is not a number/);
    rejects(
      'server:\n  trust_proxy: ${PROXY}\n',
      { PROXY: 'maybe' },
      /server\.trust_proxy: environment variable PROXY \("maybe"\) is not a boolean/,
    );
    rejects('server:\n  port: ${MYPORT}\n', { MYPORT: '70000' }, /server\.port: .*65535 \(from \$\{MYPORT\}\)/);
    rejects('queue:\n  lease: ${LEASE}\n', { LEASE: 'soon' }, /queue\.lease: "soon" is not a duration .*\(from \$\{LEASE\}\)/);
    // A key that holds a secret never has its value shown.
    const secretNumber = z.strictObject({ auth: z.strictObject({ token: z.number() }) });
    assert.throws(
      () => parseWithEnvironment(secretNumber, { auth: { token: 'hunter2-hunter2' } }, new Map([['["auth","token"]', 'TOKEN']]), 'x.yaml'),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message === 'x.yaml: auth.token: environment variable TOKEN is not a number' &&
        !e.message.includes('hunter2'),
    );
  });

  it('refuses a duration without its unit rather than reading it as milliseconds', () => {
    const rejects = (yaml: string, env: NodeJS.ProcessEnv, message: RegExp) =>
      assert.throws(
        () => load(yaml, env),
        (e: Error) => e instanceof ConfigError && message.test(e.message),
      );
    rejects(
      'automation: { loop_protection: { window: 5 } }\n',
      {},
      /automation\.loop_protection\.window: 5 has no unit: write "5s" or "5000ms"/,
    );
    rejects('queue: { lease: "15" }\n', {}, /queue\.lease: 15 has no unit: write "15s" or "15000ms"/);
    rejects('webhooks: { retry_schedule: [5s, 300] }\n', {}, /webhooks\.retry_schedule\[1\]: 300 has no unit/);
    rejects('automation:\n  loop_protection:\n    window: ${WINDOW}\n', { WINDOW: '5' }, /window: 5 has no unit: .*\(from \$\{WINDOW\}\)/);
    rejects('retention: { events: 30 }\n', {}, /retention\.events: 30 has no unit: write e\.g\. "30d"/);
  });

  it('says to quote ${VAR} inside { }, where YAML reads its braces as the collection', () => {
    assert.throws(
      () => load('server: { port: ${MYPORT} }\n', { MYPORT: '4100' }),
      (e: Error) =>
        e instanceof ConfigError && /not valid YAML, at key "server": .*inside \{ \} or \[ \], put "\$\{NAME\}" in quotes/.test(e.message),
    );
    assert.equal(load('server: { port: "${MYPORT}" }\n', { MYPORT: '4100' }).server.port, 4100);
  });

  it("answers HELP by default with a sentence, whatever the business's name", () => {
    const { automation } = configFromObject({}, { env: {} });
    for (const business of [automation.business_name, 'Acme Dental']) {
      const help = renderTemplate(automation.help.text, { business });
      assert.match(help, /^[A-Z]/, help);
      assert.ok(!help.startsWith(business), help);
      assert.match(help, new RegExp(`${business}\\.`), 'the business is named');
    }
  });

  it('is mirrored by docs/configuration.md: every section, and every setting of a flat one', () => {
    const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    const documented = parseYaml(/```yaml\n([\s\S]*?)```/.exec(doc)![1]!) as Record<string, Record<string, unknown> | null>;
    const defaults = configFromObject({}, { env: {} }) as unknown as Record<string, unknown>;
    const missing: string[] = [];
    for (const [section, value] of Object.entries(defaults)) {
      if (section === 'source') continue;
      if (!(section in documented)) missing.push(section);
      // channels and automation are lists and nested blocks with pages of their own.
      else if (value && typeof value === 'object' && !Array.isArray(value) && section !== 'automation') {
        for (const key of Object.keys(value)) if (!(key in (documented[section] ?? {}))) missing.push(`${section}.${key}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('parses durations', () => {
    const config = load('queue: { lease: 5m, poll_interval: 250ms, retry_max: 1h }\nautomation: { acknowledgment: { every: 2d } }\n');
    assert.equal(config.queue.lease, 300_000);
    assert.equal(config.queue.heartbeat, 100_000, 'the heartbeat follows a lease set without one');
    assert.equal(config.queue.poll_interval, 250);
    assert.equal(config.queue.retry_max, 3_600_000);
    assert.equal(load('database: { pool_size: 40 }\n').database.pool_size, 40);
    assert.equal(load('queue: { takeover: 500ms }\n').queue.takeover, 500);
    assert.equal(config.automation.acknowledgment.every, 2 * 86_400_000);
  });

  it('reads retention periods, "forever" as no limit', () => {
    const config = load('retention: { events: 7d, webhook_bodies: forever }\n');
    assert.equal(config.retention.events, 7 * 86_400_000);
    assert.equal(config.retention.webhook_bodies, null);
    assert.equal(config.retention.receipts, 30 * 86_400_000, 'the default');
  });

  it('can leave the simulator out', () => {
    assert.deepEqual(load('simulator: { enabled: false }\n').channels, []);
  });

  // Each error names the file and the key, and says what is wrong.
  const invalid: Array<[string, string, RegExp]> = [
    ['bad YAML', 'server: [port', /not valid YAML/],
    ['unknown key', 'server: { prot: 80 }\n', /server: Unrecognized key/i],
    ['bad send_url', generic().replace('https://gw.example.com/send', 'ftp://x'), /channels\[0\]\.send_url/],
    ['short secret', generic().replace('"0123456789abcdef0123"', '"short"'), /channels\[0\]\.secret: use at least 16 characters/],
    ['bad number', generic().replace('+18005550100', 'call me'), /channels\[0\]\.numbers\[0\]: "call me" is not a phone number/],
    ['unknown provider', generic().replace('provider: generic', 'provider: carrier-pigeon'), /channels\[0\]\.provider/],
    ['duplicate names', `${generic()}${generic().replace('channels:\n', '')}`, /channels\[1\]\.name: "main" is used by two channels/],
    ['zero concurrency', 'queue: { concurrency: 0 }\n', /queue\.concurrency/],
    ['bad duration', 'queue: { lease: soon }\n', /queue\.lease: "soon" is not a duration/],
    ['takeover under 500ms', 'queue: { takeover: 400ms }\n', /queue\.takeover: must be at least 500ms/],
    ['pool of no connections', 'database: { pool_size: 0 }\n', /database\.pool_size/],
    ['pool past 1000', 'database: { pool_size: 1001 }\n', /database\.pool_size/],
    ['fractional pool', 'database: { pool_size: 2.5 }\n', /database\.pool_size/],
    ['heartbeat over half the lease', 'queue: { lease: 10s, heartbeat: 6s }\n', /heartbeat must be at most half of lease/],
    ['retention shorter than an hour', 'retention: { events: 10m }\n', /retention\.events: "10m" is not a retention period/],
    [
      'opt-out word as a rule keyword',
      'automation: { rules: [ { keywords: [CANCEL], reply: ok } ] }\n',
      /automation\.rules\[0\]\.keywords\[0\]: is a carrier opt-out word/,
    ],
    [
      'rule with nothing to match',
      'automation: { rules: [ { reply: ok } ] }\n',
      /automation\.rules\[0\]: a rule needs `keywords` or an `intent`/,
    ],
    ['sim name taken', generic().replace('name: main', 'name: sim'), /the name "sim" is reserved/],
  ];
  for (const [name, yaml, message] of invalid) {
    it(`rejects ${name} naming file and key`, () => {
      const path = file(yaml);
      assert.throws(
        () => loadConfig({ path, env: {}, cwd: dir }),
        (e: Error) => e instanceof ConfigError && e.message.includes(path) && message.test(e.message),
      );
    });
  }

  it('a YAML syntax error gives file, line, column and key, never the line: it may hold a secret', () => {
    const secrets = [
      ['flows:\n  on_conflict: refuse\n  secret: SUPERSECRET_0123456789: oops\n', /:3:11: not valid YAML, at key "secret" \(a secret/],
      ['api_key: "SUPERSECRET_0123456789\\q"\n', /:1:\d+: not valid YAML, at key "api_key" \(a secret.*: error BAD_DQ_ESCAPE$/],
      ['channels:\n  - auth_token: SUPERSECRET_0123456789: x\n', /:2:\d+: not valid YAML, at key "auth_token"/],
      ['server: { port: 1 }\nSUPERSECRET_0123456789: x: y\n', /:2:\d+: not valid YAML: Nested mappings/],
    ] as const;
    for (const [yaml, expected] of secrets) {
      const path = file(yaml);
      assert.throws(
        () => loadConfig({ path, env: {}, cwd: dir }),
        (e: Error) =>
          e instanceof ConfigError && e.message.startsWith(path) && expected.test(e.message) && !e.message.includes('SUPERSECRET'),
        yaml,
      );
    }
  });

  it('says so when an explicit config file does not exist', () => {
    assert.throws(() => loadConfig({ path: 'nope.yaml', env: {}, cwd: dir }), /nope\.yaml: config file not found/);
  });

  it('rejects a PORT that is not a port', () => {
    assert.throws(() => load(null, { PORT: 'eighty' }), /PORT: "eighty" is not a port number/);
  });
});
