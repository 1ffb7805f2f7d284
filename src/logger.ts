import pino, { type Logger } from 'pino';

// Secrets never reach a log line: request headers that carry them, and any field named like one.
const redact = [
  'req.headers.authorization',
  'req.headers["x-signature"]',
  'headers.authorization',
  'headers["x-signature"]',
  '*.secret',
  '*.api_key',
  '*.auth_token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redact, censor: '[redacted]' } }, destination);
}
