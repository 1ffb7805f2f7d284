import type { Kysely } from 'kysely';
import { recordConsentChange, suppress } from '../consent/consent.js';
import { upsertContact } from '../conversations/conversations.js';
import { endSessionsOnOptOut } from '../conversations/flow-sessions.js';
import { CsvError, csvRow, parseCsv, type CsvRecord } from '../core/csv.js';
import { toE164 } from '../core/phone.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import { recordAudit } from './audit.js';

// The consent ledger: every opt-out and opt-in Parley recorded, found by number, exported for an
// audit and fed with the opt-outs a business kept elsewhere. Reads go by index (the number's
// changes, or the newest by id) and exports page through the table by id, never all at once.

/** How a change came about: the texter's words, the provider's list, the business's API call, a console import. */
export type ConsentSource = 'keyword' | 'provider' | 'api' | 'import';

export interface LedgerEntry {
  id: number;
  phone: string;
  action: 'opt_out' | 'opt_in';
  scope: string;
  channel: string;
  local_number: string;
  text: string;
  at: number;
  message_id: string | null;
  source: ConsentSource;
}

/** Imported rows carry `channel: import`, API calls `channel: api`; a provider's opt-out cites an outbound message. */
function sourceOf(channel: string, messageDirection: string | null): ConsentSource {
  if (channel === 'import') return 'import';
  if (channel === 'api') return 'api';
  return messageDirection === 'outbound' ? 'provider' : 'keyword';
}

function ledgerQuery(db: Kysely<Database>) {
  return db
    .selectFrom('consent_changes as c')
    .leftJoin('messages as m', 'm.id', 'c.message_id')
    .select(['c.id', 'c.phone', 'c.action', 'c.scope', 'c.channel', 'c.local_number', 'c.text', 'c.at', 'c.message_id', 'm.direction']);
}

type LedgerRow = Awaited<ReturnType<ReturnType<typeof ledgerQuery>['execute']>>[number];
const entry = (row: LedgerRow): LedgerEntry => ({
  id: Number(row.id),
  phone: row.phone,
  action: row.action,
  scope: row.scope,
  channel: row.channel,
  local_number: row.local_number,
  text: row.text,
  at: Number(row.at),
  message_id: row.message_id,
  source: sourceOf(row.channel, row.direction ?? null),
});

/** A number as typed in the search box, in E.164, or null when it is not one. */
export function searchedPhone(q: string): string | null {
  const text = q.trim();
  if (text === '') return null;
  return toE164(text.startsWith('+') ? text : `+${text.replace(/\D/g, '')}`);
}

/** One number's history (newest first), or the newest changes of all numbers, a page at a time by id. */
export async function ledgerPage(
  db: Kysely<Database>,
  options: { phone: string | null; before: number | null; limit: number },
): Promise<{ entries: LedgerEntry[]; next: number | null; suppressions: Array<{ scope: string; source: string; created_at: number }> }> {
  let query = ledgerQuery(db)
    .orderBy('c.id', 'desc')
    .limit(options.limit + 1);
  if (options.phone) query = query.where('c.phone', '=', options.phone);
  if (options.before !== null) query = query.where('c.id', '<', options.before);
  const [rows, suppressions] = await Promise.all([
    query.execute(),
    options.phone
      ? db.selectFrom('suppressions').select(['scope', 'source', 'created_at']).where('phone', '=', options.phone).execute()
      : Promise.resolve([]),
  ]);
  const more = rows.length > options.limit;
  if (more) rows.pop();
  const entries = rows.map(entry);
  return {
    entries,
    next: more ? entries.at(-1)!.id : null,
    suppressions: suppressions.map((s) => ({ ...s, created_at: Number(s.created_at) })),
  };
}

export const ledgerHeader = ['when', 'phone', 'action', 'scope', 'source', 'channel', 'business_number', 'words', 'message_id'];

/** The whole ledger as CSV lines, oldest first, read 1,000 rows at a time: memory stays flat at any size. */
export async function* ledgerCsv(db: Kysely<Database>, phone: string | null): AsyncGenerator<string> {
  yield csvRow(ledgerHeader);
  let after = 0;
  for (;;) {
    let query = ledgerQuery(db).where('c.id', '>', after).orderBy('c.id').limit(1000);
    if (phone) query = query.where('c.phone', '=', phone);
    const rows = (await query.execute()).map(entry);
    let chunk = '';
    for (const e of rows)
      chunk += csvRow([
        new Date(e.at).toISOString(),
        e.phone,
        e.action,
        e.scope === '*' ? 'all' : e.scope,
        e.source,
        e.channel,
        e.local_number === '*' ? 'all' : e.local_number,
        e.text,
        e.message_id,
      ]);
    if (chunk) yield chunk;
    if (rows.length < 1000) return;
    after = rows.at(-1)!.id;
  }
}

export interface ImportRow {
  line: number;
  phone: string;
  action: 'opt_out' | 'opt_in';
  at: number;
  source: string;
}

export const maxImportRows = 10_000;
const actions: Record<string, ImportRow['action']> = {
  opt_out: 'opt_out',
  'opt-out': 'opt_out',
  optout: 'opt_out',
  opt_in: 'opt_in',
  'opt-in': 'opt_in',
  optin: 'opt_in',
};

/**
 * Reads pasted CSV `phone,action,date,source` (a header line is allowed). Every bad line is
 * reported with its number; the caller stores nothing unless there are none.
 */
export function readImport(text: string, now = Date.now()): { rows: ImportRow[]; errors: string[] } {
  const errors: string[] = [];
  let records: CsvRecord[] = [];
  try {
    records = parseCsv(text).filter((r) => r.fields.some((f) => f.trim() !== ''));
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    errors.push(`line ${error.line}: ${error.message}.`);
  }
  const rows: ImportRow[] = [];
  for (const [index, record] of records.entries()) {
    const cells = record.fields.map((c) => c.trim());
    if (index === 0 && cells[0]?.toLowerCase() === 'phone') continue;
    const problem = (message: string) => errors.length < 50 && errors.push(`line ${record.line}: ${message}`);
    if (cells.length !== 4) {
      problem(`expected 4 cells (phone,action,date,source), found ${cells.length}.`);
      continue;
    }
    const [rawPhone, rawAction, rawDate, source] = cells as [string, string, string, string];
    const phone = toE164(rawPhone);
    const action = actions[rawAction.toLowerCase()];
    const at = /^\d{4}-\d\d-\d\d/.test(rawDate) ? Date.parse(rawDate.length === 10 ? `${rawDate}T00:00:00Z` : rawDate) : NaN;
    if (!phone) problem(`"${rawPhone.slice(0, 40)}" is not a phone number in international format (e.g. +15551234567).`);
    else if (!action) problem(`action "${rawAction.slice(0, 20)}" is neither opt_out nor opt_in.`);
    else if (Number.isNaN(at)) problem(`date "${rawDate.slice(0, 40)}" is not a date such as 2025-03-01 or 2025-03-01T14:30:00Z.`);
    else if (at > now + 60_000) problem(`date ${rawDate.slice(0, 40)} is in the future.`);
    else if (source === '' || source.length > 200) problem('source: say where the record comes from (at most 200 characters).');
    else rows.push({ line: record.line, phone, action, at, source });
  }
  if (rows.length + errors.length > maxImportRows) errors.unshift(`at most ${maxImportRows} lines at a time.`);
  if (rows.length === 0 && errors.length === 0) errors.push('paste at least one line: phone,action,date,source.');
  return { rows, errors };
}

/**
 * Stores imported consent records in one commit, in date order: an opt-out suppresses the number on
 * every business number, as the business's own entry (withdrawable, like `POST /v1/opt-outs`); an
 * opt-in withdraws such entries, never a texter's own STOP. Each row joins the consent history.
 */
export async function importConsent(store: Store, userId: string, rows: ImportRow[]): Promise<{ opt_out: number; opt_in: number }> {
  const sorted = [...rows].sort((a, b) => a.at - b.at || a.line - b.line);
  const now = Date.now();
  return store.write(async (trx) => {
    const counts = { opt_out: 0, opt_in: 0 };
    for (const row of sorted) {
      const contactId = await upsertContact(trx, row.phone, now);
      const change = { contactId, phone: row.phone, channel: 'import', localNumber: '*', messageId: null, text: row.source, now: row.at };
      if (row.action === 'opt_out') {
        await endSessionsOnOptOut(trx, row.phone, null, now);
        await suppress(trx, change, 'deployment', 'api');
      } else {
        await trx.deleteFrom('suppressions').where('phone', '=', row.phone).where('source', '=', 'api').execute();
        await recordConsentChange(trx, 'opt_in', '*', change);
      }
      counts[row.action]++;
    }
    await recordAudit(trx, { userId, action: 'consent_imported', subject: null, detail: counts, now });
    return counts;
  });
}

export async function auditExport(store: Store, userId: string, phone: string | null): Promise<void> {
  await store.write((trx) => recordAudit(trx, { userId, action: 'consent_exported', subject: phone, detail: { phone: phone ?? 'all' } }));
}
