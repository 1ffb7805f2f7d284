import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented hex HMAC-SHA256 with the expected one in constant time. Malformed input
 * (wrong length, not hex) is simply unequal; nothing about the secret leaks through timing.
 */
export function hmacSha256HexMatches(secret: string, data: Buffer | string, presented: string): boolean {
  const expected = createHmac('sha256', secret).update(data).digest();
  if (!/^[0-9a-fA-F]{64}$/.test(presented)) return false;
  return timingSafeEqual(expected, Buffer.from(presented, 'hex'));
}

export function hmacSha256Hex(secret: string, data: Buffer | string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
