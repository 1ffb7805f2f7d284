import { html } from '../html.js';
import type { ConsentSource, LedgerEntry } from '../consent-ledger.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';
import { dataTable } from './table.js';
import { csrfField } from './operations.js';

const sourceLabels: Record<ConsentSource, string> = {
  keyword: 'their words',
  provider: "the provider's list",
  api: 'the API',
  import: 'an import',
};

export interface ConsentPageState {
  q: string;
  phone: string | null;
  entries: LedgerEntry[];
  next: number | null;
  suppressions: Array<{ scope: string; source: string; created_at: number }>;
  imported?: { opt_out: number; opt_in: number };
  importErrors?: string[];
  pasted?: string;
}

const importedLine = ({ opt_out, opt_in }: { opt_out: number; opt_in: number }) =>
  `Imported ${opt_out} opt-out${opt_out === 1 ? '' : 's'} and ${opt_in} opt-in${opt_in === 1 ? '' : 's'}.`;

const numberLabel = (e: LedgerEntry) =>
  `${e.scope === '*' ? 'every number' : e.scope}${e.channel === 'api' || e.channel === 'import' ? '' : ` (${e.channel})`}`;

export function consentView(session: ConsoleSession, state: ConsentPageState): string {
  const { phone } = state;
  const exportHref = phone ? `/console/consent.csv?q=${encodeURIComponent(phone)}` : '/console/consent.csv';
  return layout({
    title: 'Consent',
    session,
    current: 'consent',
    styles: ['reports.css'],
    body: html`<h1>Consent ledger</h1>
      <form method="get" action="/console/consent" class="search" role="search">
        <label for="consent-q">Number</label>
        <input id="consent-q" name="q" type="search" value="${state.q}" placeholder="+15551234567" autocomplete="off" />
        <button type="submit">Search</button>
      </form>
      ${state.q && !phone ? html`<p class="error" role="alert">“${state.q}” is not a phone number in international format.</p>` : ''}
      ${state.imported ? html`<p class="flash" role="status">${importedLine(state.imported)}</p>` : ''}
      ${
        phone
          ? html`<h2>${phone}</h2>
              <p>
                ${
                  state.suppressions.length
                    ? html`<strong class="opted-out">Opted out</strong> of
                        ${state.suppressions.map((s) => html`<span class="tag">${s.scope === '*' ? 'every number' : s.scope} (${s.source === 'api' ? 'the business' : 'the contact'})</span> `)}`
                    : 'Not opted out of any number.'
                }
              </p>`
          : html`<h2>Newest changes</h2>`
      }
      <p><a href="${exportHref}" download>Export ${phone ? 'this number' : 'the whole ledger'} as CSV</a></p>
      ${
        state.entries.length === 0
          ? html`<p class="empty">No consent changes${phone ? ' for this number' : ''}.</p>`
          : dataTable({
              className: 'consent-ledger',
              rows: state.entries,
              columns: [
                { label: 'When', cell: (e) => when(e.at) },
                { label: 'Number', cell: (e) => html`<a href="/console/consent?q=${encodeURIComponent(e.phone)}">${e.phone}</a>` },
                { label: 'Change', cell: (e) => (e.action === 'opt_out' ? 'Opted out' : 'Opted in') },
                { label: 'Business number', cell: (e) => numberLabel(e) },
                { label: 'Source', cell: (e) => sourceLabels[e.source] },
                { label: 'Words', cell: (e) => `“${e.text}”` },
              ],
            })
      }
      ${
        state.next
          ? html`<p class="more">
              <a href="/console/consent?${new URLSearchParams({ ...(phone ? { q: phone } : {}), before: String(state.next) }).toString()}"
                >Older changes</a
              >
            </p>`
          : ''
      }
      <h2>Import opt-outs</h2>
      <form method="post" action="/console/consent/import" class="csv-import">
        ${csrfField(session)}
        <label for="csv">CSV lines: phone,action,date,source (action is opt_out or opt_in; date such as 2025-03-01)</label>
        ${
          state.importErrors?.length
            ? html`<ul class="error" role="alert" id="import-errors">
                ${state.importErrors.map((e) => html`<li>${e}</li>`)}
              </ul>`
            : ''
        }
        <textarea id="csv" name="csv" rows="6" required placeholder="+15551234567,opt_out,2025-03-01,old CRM">
${state.pasted ?? ''}</textarea>
        <button type="submit">Import</button>
      </form>`,
  });
}
