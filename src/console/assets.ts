import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The console's static files, read once from beside this module (the build copies them to
// dist/console/assets: scripts/copy-assets.js). Each URL carries a hash of its content, so the
// browser may keep a file for a year and still picks up a new version at once.

interface Asset {
  body: Buffer;
  type: string;
  version: string;
}

const files: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
};

const cache = new Map<string, Asset>();

export function asset(name: string): Asset | undefined {
  const type = files[name];
  if (!type) return undefined;
  let found = cache.get(name);
  if (!found) {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
    found = { body, type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
    cache.set(name, found);
  }
  return found;
}

export function assetUrl(name: string): string {
  return `/console/assets/${name}?v=${asset(name)!.version}`;
}
