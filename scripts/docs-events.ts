// `npm run docs:events`: rewrites the event table in docs/webhooks.md from src/events/catalog.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { withEventTable } from '../src/events/catalog-doc.js';

const path = new URL('../docs/webhooks.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withEventTable(before);
if (after === before) process.stdout.write('docs/webhooks.md: the event table is up to date\n');
else {
  writeFileSync(path, after);
  process.stdout.write('docs/webhooks.md: the event table was rewritten from the catalog\n');
}
