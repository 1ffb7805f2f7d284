import { randomBytes } from 'node:crypto';

// Crockford base32: no I, L, O, U, so ids survive being read aloud or retyped.
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastRandom: Buffer = Buffer.alloc(10);

/**
 * A time-ordered unique id with a type prefix, e.g. `msg_01JD3M6Y8Q4W2T9X7K5B3N1R0P`: 48 bits of
 * milliseconds then 80 random bits (the ULID layout). Within one process ids are strictly
 * increasing even inside one millisecond (the random part is incremented), so sorting by id is
 * sorting by creation; the prefix says what the id names in logs and API responses.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = now;
  if (time <= lastTime) {
    time = lastTime;
    lastRandom = increment(lastRandom);
  } else {
    lastTime = time;
    lastRandom = randomBytes(10);
  }
  let encoded = '';
  let t = time;
  for (let i = 0; i < 10; i++) {
    encoded = alphabet[t % 32] + encoded;
    t = Math.floor(t / 32);
  }
  // 80 bits = 16 base32 digits, 5 bits at a time across byte boundaries.
  let acc = 0;
  let bits = 0;
  for (const byte of lastRandom) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      encoded += alphabet[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return `${prefix}_${encoded}`;
}

function increment(bytes: Buffer): Buffer {
  const next = Buffer.from(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] === 0xff) {
      next[i] = 0;
    } else {
      next[i]! += 1;
      return next;
    }
  }
  // 2^80 ids in one millisecond: start over with fresh randomness rather than wrap silently.
  return randomBytes(10);
}

/** The smallest id `newId(prefix, ms)` can give: every id made at or after `ms` sorts at or after it (for time ranges over ids). */
export function firstIdAt(prefix: string, ms: number): string {
  let encoded = '';
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    encoded = alphabet[t % 32] + encoded;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${encoded}${'0'.repeat(16)}`;
}
