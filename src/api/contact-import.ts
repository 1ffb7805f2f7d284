import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance } from 'fastify';
import { CsvError, CsvParser, type CsvRecord } from '../core/csv.js';
import { canonicalLanguage, canonicalTimeZone } from '../core/locale.js';
import { toE164 } from '../core/phone.js';
import { saveContactsByPhone, type ContactChanges } from '../conversations/contact-profile.js';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import { object, ref, v1Responses } from '../http/schemas.js';

// `POST /v1/contacts/import`: a CSV file of contacts, created or updated by phone. The body is read
// as it arrives, a piece at a time, and each row is checked as it is read; the file itself is never
// held, only the checked rows (bounded by the limits below). The caller chooses what a bad row
// means: `all_or_nothing` (the default) imports nothing when any row is bad; `good_rows` imports
// the others. Either way every bad row is reported with its line number and why.

/** Bytes of CSV per request. */
export const maxImportBytes = 16 * 1024 * 1024;
/** Contact rows per request. */
export const maxImportRows = 100_000;
/** Bad rows listed in an answer; the count covers them all. */
const maxReported = 1_000;
/** Rows written per transaction in `good_rows` mode, so other writers are not held up for long. */
const batchSize = 500;

const fieldName = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const reserved = new Set(['phone', 'tags', 'timezone', 'language']);

/** The request body: the upload's stream, kept in a private field so request checks that walk a body pass over it. */
class CsvUpload {
  readonly #stream: Readable;
  constructor(stream: Readable) {
    this.#stream = stream;
  }
  get stream(): Readable {
    return this.#stream;
  }
}

interface GoodRow {
  line: number;
  phone: string;
  changes: ContactChanges;
}
interface BadRow {
  line: number;
  reason: string;
}

type Mode = 'all_or_nothing' | 'good_rows';

const badRowSchema = {
  type: 'object',
  required: ['line', 'reason'],
  properties: { line: { type: 'integer' }, reason: { type: 'string' } },
} as const;

const importSchema = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { mode: { type: 'string', enum: ['all_or_nothing', 'good_rows'], default: 'all_or_nothing' } },
  },
  // The body is CSV (text/csv), read by the route itself as it arrives: a header row naming phone and
  // any of tags, timezone, language and field names, then one contact per row.
  consumes: ['text/csv'],
  summary: 'Import contacts from a CSV file',
  response: v1Responses(
    {
      200: {
        type: 'object',
        required: ['mode', 'rows', 'created', 'updated', 'failed', 'bad_rows'],
        properties: {
          mode: { type: 'string', enum: ['all_or_nothing', 'good_rows'] },
          rows: { type: 'integer', description: 'Contact rows read (the header not counted).' },
          created: { type: 'integer' },
          updated: { type: 'integer' },
          failed: { type: 'integer' },
          bad_rows: { type: 'array', items: badRowSchema, maxItems: maxReported },
        },
      },
      // `import_rows_invalid`: the one error shape, with the rows that could not be imported.
      422: {
        description: 'Error: `import_rows_invalid` (all_or_nothing), with every bad row.',
        allOf: [
          ref('Error'),
          object({
            rows: { type: 'integer' },
            failed: { type: 'integer' },
            bad_rows: { type: 'array', items: badRowSchema, maxItems: maxReported },
          }),
        ],
      },
    },
    'unsupported_media_type',
  ),
} as const;

export function registerContactImportRoute(api: FastifyInstance, ctx: EngineContext): void {
  api.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, new CsvUpload(payload)));

    scope.post<{ Querystring: { mode: Mode }; Body: CsvUpload }>(
      '/v1/contacts/import',
      {
        schema: importSchema,
        config: {
          rawBody: {
            description: 'A header row naming phone and any of tags, timezone, language and field names, then one contact per row.',
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
        },
      },
      async (request, reply) => {
        if (!(request.body instanceof CsvUpload)) {
          throw new ParleyError('unsupported_media_type', 'Send the file as text/csv.');
        }
        const mode = request.query.mode;
        const { good, bad, rows } = await readRows(request.body.stream);
        const bad_rows = bad.slice(0, maxReported);
        if (mode === 'all_or_nothing' && bad.length > 0) {
          return reply.status(422).send({
            error: {
              code: 'import_rows_invalid',
              message: `${bad.length} of ${rows} rows cannot be imported (first: line ${bad[0]!.line}: ${bad[0]!.reason}); nothing was imported. Fix them, or send mode=good_rows to import the others.`,
            },
            rows,
            failed: bad.length,
            bad_rows,
          });
        }
        let created = 0;
        let updated = 0;
        const write = async (batch: GoodRow[]) => ctx.store.write((trx) => saveContactsByPhone(trx, batch, Date.now()));
        const batches = mode === 'all_or_nothing' ? [good] : chunk(good, batchSize);
        for (const batch of batches) {
          if (batch.length === 0) continue;
          const made = await write(batch);
          created += made;
          updated += batch.length - made;
        }
        return { mode, rows, created, updated, failed: bad.length, bad_rows };
      },
    );
  });
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Reads and checks every row of the upload; a file that is not CSV at all, or too large, is the request's error. */
async function readRows(stream: Readable): Promise<{ good: GoodRow[]; bad: BadRow[]; rows: number }> {
  const parser = new CsvParser({ maxFieldLength: 4096 });
  const decoder = new StringDecoder('utf8');
  let header: Header | null = null;
  const good: GoodRow[] = [];
  const bad: BadRow[] = [];
  let bytes = 0;
  const take = (records: CsvRecord[]) => {
    for (const record of records) {
      if (header === null) {
        header = readHeader(record);
        continue;
      }
      if (good.length + bad.length >= maxImportRows) {
        throw new ParleyError('payload_too_large', `The file has more than ${maxImportRows} rows; split it.`);
      }
      const row = readRow(header, record);
      if ('reason' in row) bad.push(row);
      else good.push(row);
    }
  };
  try {
    for await (const piece of stream) {
      bytes += (piece as Buffer).length;
      if (bytes > maxImportBytes) throw new ParleyError('payload_too_large', `The file is larger than ${maxImportBytes} bytes; split it.`);
      take(parser.push(decoder.write(piece as Buffer)));
    }
    take(parser.push(decoder.end()));
    take(parser.end());
  } catch (error) {
    if (error instanceof CsvError) throw new ParleyError('invalid_payload', `line ${error.line}: ${error.message}.`);
    throw error;
  } finally {
    stream.resume();
  }
  if (header === null) throw new ParleyError('invalid_payload', 'The file is empty; its first line names the columns (phone, …).');
  return { good, bad, rows: good.length + bad.length };
}

interface Header {
  columns: string[];
  phone: number;
}

function readHeader(record: CsvRecord): Header {
  const columns = record.fields.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of columns) {
    const lower = name.toLowerCase();
    const key = reserved.has(lower) ? lower : name;
    if (!reserved.has(lower) && !fieldName.test(name)) {
      throw new ParleyError(
        'invalid_payload',
        `line 1: column "${name.slice(0, 64)}" is neither phone, tags, timezone nor language, nor a field name (letters, digits and _, not starting with a digit).`,
      );
    }
    if (seen.has(key)) throw new ParleyError('invalid_payload', `line 1: column "${name.slice(0, 64)}" appears twice.`);
    seen.add(key);
  }
  const phone = columns.findIndex((name) => name.toLowerCase() === 'phone');
  if (phone === -1)
    throw new ParleyError('invalid_payload', 'line 1: no phone column; the first line names the columns, one of them phone.');
  return { columns: columns.map((name) => (reserved.has(name.toLowerCase()) ? name.toLowerCase() : name)), phone };
}

/** One row as the changes it makes to its contact, or why it cannot be imported. Empty cells change nothing. */
function readRow(header: Header, record: CsvRecord): GoodRow | BadRow {
  const { line, fields: cells } = record;
  if (cells.length !== header.columns.length) {
    return { line, reason: `${cells.length} values for ${header.columns.length} columns` };
  }
  if (cells.some((cell) => cell.includes('\u0000'))) return { line, reason: 'a value contains a NUL character' };
  const rawPhone = cells[header.phone]!.trim();
  if (rawPhone === '') return { line, reason: 'phone: empty' };
  const phone = toE164(rawPhone);
  if (!phone) return { line, reason: `phone: "${rawPhone.slice(0, 40)}" is not a phone number in international format` };
  const changes: ContactChanges = {};
  const fields: Record<string, string> = {};
  for (const [i, column] of header.columns.entries()) {
    const value = cells[i]!.trim();
    if (value === '' || column === 'phone') continue;
    if (column === 'tags') {
      const tags = value
        .split(/[;,]/)
        .map((t) => t.trim())
        .filter((t) => t !== '');
      const long = tags.find((t) => t.length > 64);
      if (long !== undefined) return { line, reason: `tags: "${long.slice(0, 40)}…" is longer than 64 characters` };
      changes.add_tags = tags;
    } else if (column === 'timezone') {
      const zone = canonicalTimeZone(value);
      if (zone === null) return { line, reason: `timezone: "${value.slice(0, 64)}" is not an IANA time zone (e.g. America/Chicago)` };
      changes.timezone = zone;
    } else if (column === 'language') {
      const language = canonicalLanguage(value);
      if (language === null) return { line, reason: `language: "${value.slice(0, 35)}" is not a language tag (e.g. en, es-MX)` };
      changes.language = language;
    } else {
      if (value.length > 1024) return { line, reason: `${column}: longer than 1024 characters` };
      fields[column] = value;
    }
  }
  if (Object.keys(fields).length > 0) changes.fields = fields;
  return { line, phone, changes };
}
