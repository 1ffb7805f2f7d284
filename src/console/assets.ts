import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The console's static files, read once from beside this module (the build copies them to
// dist/console/assets: scripts/copy-assets.js) or from an npm package Parley depends on (no CDN:
// the machines Parley runs on may have no internet). Each URL carries a hash of its content, so
// the browser may keep a file for a year and still picks up a new version at once.

interface Asset {
  body: Buffer;
  type: string;
  version: string;
}

const css = 'text/css; charset=utf-8';
const js = 'text/javascript; charset=utf-8';
const require = createRequire(import.meta.url);

// A Map, not an object: a name such as `toString` or `__proto__` must be a plain miss.
const files = new Map<string, { type: string; path: () => string | URL }>([
  ['console.css', { type: css, path: () => new URL('./assets/console.css', import.meta.url) }],
  ['console.js', { type: js, path: () => new URL('./assets/console.js', import.meta.url) }],
  ['reports.css', { type: css, path: () => new URL('./assets/reports.css', import.meta.url) }],
  ['trace.css', { type: css, path: () => new URL('./assets/trace.css', import.meta.url) }],
  ['segments.js', { type: js, path: () => new URL('./assets/segments.js', import.meta.url) }],
  ['reply-box.js', { type: js, path: () => new URL('./assets/reply-box.js', import.meta.url) }],
  ['dashboard.js', { type: js, path: () => new URL('./assets/dashboard.js', import.meta.url) }],
  ['uPlot.min.css', { type: css, path: () => require.resolve('uplot/dist/uPlot.min.css') }],
  ['uPlot.iife.min.js', { type: js, path: () => require.resolve('uplot/dist/uPlot.iife.min.js') }],
]);

const cache = new Map<string, Asset>();

export function asset(name: string): Asset | undefined {
  const file = files.get(name);
  if (!file) return undefined;
  let found = cache.get(name);
  if (!found) {
    const body = readFileSync(file.path());
    found = { body, type: file.type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
    cache.set(name, found);
  }
  return found;
}

export function assetUrl(name: string): string {
  return `/console/assets/${name}?v=${asset(name)!.version}`;
}
