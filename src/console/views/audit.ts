import { html } from '../html.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';
import { dataTable } from './table.js';

export interface AuditRow {
  id: number;
  email: string | null;
  user_id: string;
  action: string;
  subject: string | null;
  detail: string;
  at: number;
}

export function auditView(session: ConsoleSession, rows: AuditRow[], next: number | null): string {
  return layout({
    title: 'Audit',
    session,
    current: 'audit',
    body: html`<h1>Audit trail</h1>
      ${dataTable({
        className: 'audit',
        rows,
        columns: [
          { label: 'When', cell: (r) => when(r.at) },
          { label: 'Who', cell: (r) => r.email ?? r.user_id },
          { label: 'Action', cell: (r) => r.action },
          {
            label: 'Subject',
            cell: (r) =>
              r.subject && r.subject.startsWith('conv_')
                ? html`<a href="/console/conversations/${r.subject}">${r.subject}</a>`
                : (r.subject ?? ''),
          },
          { label: 'Detail', cell: (r) => html`<code>${r.detail}</code>` },
        ],
      })}
      ${next ? html`<p class="more"><a href="/console/audit?before=${next}">Older entries</a></p>` : ''}`,
  });
}
