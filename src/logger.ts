import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * Field names whose values are secrets, wherever they appear: log lines redact them, and a config
 * or flow file's syntax error names such a key without ever showing its line.
 */
export const secretFieldNames = [
  'secret',
  'token',
  'password',
  'api_key',
  'api_secret',
  'api_token',
  'auth_token',
  'access_key',
  'callback_secret',
  'signature_secret',
  'signing_key',
  'signing_secret',
  'webhook_token',
] as const;

export function isSecretFieldName(name: string): boolean {
  return (secretFieldNames as readonly string[]).includes(name.toLowerCase());
}

// Secrets never reach a log line: request headers that carry them, and any field named like one.
const redact = [
  'req.headers.authorization',
  'req.headers["x-signature"]',
  'headers.authorization',
  'headers["x-signature"]',
  ...secretFieldNames.map((name) => `*.${name}`),
];

export type LogFormat = 'json' | 'pretty';

/**
 * JSON lines with ISO times by default, for a log collector; `pretty` (pino-pretty, in this
 * process) for a person at a terminal.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  const options: pino.LoggerOptions = { level, redact: { paths: redact, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'pretty' && !destination) {
    return pino(options, pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(options, destination);
}
