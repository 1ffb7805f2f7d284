import pino, { type Logger } from 'pino';

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redact, censor: '[redacted]' } }, destination);
}
