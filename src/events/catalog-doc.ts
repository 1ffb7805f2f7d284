import { eventTypes } from './events.js';
import { eventCatalog, eventCatalogVersion } from './catalog.js';

// docs/webhooks.md's table of event types, written from the catalog so the two cannot drift:
// `npm run docs:events` rewrites the table between its markers, and a test fails when they differ.

export const tableStart = '<!-- event table: generated from src/events/catalog.ts by `npm run docs:events`; do not edit -->';
export const tableEnd = '<!-- end of event table -->';

/** One field of an event's `data`: its name, with its values when it has a closed set. */
function field(name: string, schema: Record<string, unknown>): string {
  const values = Array.isArray(schema.enum) ? ` (${(schema.enum as unknown[]).map((v) => `\`${String(v)}\``).join(', ')})` : '';
  return `\`${name}\`${values}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table, one row per event type in the catalog's order. */
export function eventTable(): string {
  const rows = eventTypes.map((type) => {
    const { description, schema } = eventCatalog[type];
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    const fields = Object.entries(properties).map(([name, s]) => field(name, s));
    return `| \`${type}\` | ${cell(description)} | ${cell(fields.join(', '))} |`;
  });
  return [
    `${eventTypes.length} event types, catalog version ${eventCatalogVersion}.`,
    '',
    '| Type | When | `data` |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The document with its table replaced by the catalog's; throws if the markers are missing. */
export function withEventTable(doc: string): string {
  const start = doc.indexOf(tableStart);
  const end = doc.indexOf(tableEnd);
  if (start === -1 || end === -1 || end < start) throw new Error(`the event table's markers are missing:\n${tableStart}\n${tableEnd}`);
  return `${doc.slice(0, start + tableStart.length)}\n${eventTable()}\n${doc.slice(end)}`;
}
