import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.js';
import type { Store } from '../store/database.js';
import { readSetting, writeSettingOnce } from '../store/settings.js';

const apiKeyHashSetting = 'api_key.sha256';

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export interface ApiKeySetup {
  hash: Buffer;
  /** Set only when this start generated the key: shown once, never stored. */
  generated?: string;
}

/**
 * The API key comes from config (PARLEY_API_KEY or `api_key`). Without one, the first start
 * generates a key, keeps only its SHA-256 and hands the key back to be printed once.
 */
export async function setUpApiKey(store: Store, configured: string | undefined): Promise<ApiKeySetup> {
  if (configured) return { hash: hashApiKey(configured) };
  const stored = await readSetting(store.db, apiKeyHashSetting);
  if (stored) return { hash: Buffer.from(stored, 'hex') };
  const key = `pk_${randomBytes(24).toString('base64url')}`;
  const kept = await writeSettingOnce(store, apiKeyHashSetting, hashApiKey(key).toString('hex'));
  // Another process may have generated one at the same moment; only the stored one is valid.
  const hash = Buffer.from(kept, 'hex');
  return timingSafeEqual(hash, hashApiKey(key)) ? { hash, generated: key } : { hash };
}

/** Checks `Authorization: Bearer <key>` against the key's hash in constant time. */
export function requireApiKey(expectedHash: Buffer) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match || !timingSafeEqual(hashApiKey(match[1]!), expectedHash)) throw new ParleyError('unauthorized');
  };
}
