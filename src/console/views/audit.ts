import { html } from '../html.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';

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
      <table class="audit">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Subject</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) =>
              html`<tr>
                <td>${when(r.at)}</td>
                <td>${r.email ?? r.user_id}</td>
                <td>${r.action}</td>
                <td>
                  ${r.subject && r.subject.startsWith('conv_') ? html`<a href="/console/conversations/${r.subject}">${r.subject}</a>` : (r.subject ?? '')}
                </td>
                <td><code>${r.detail}</code></td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${next ? html`<p class="more"><a href="/console/audit?before=${next}">Older entries</a></p>` : ''}`,
  });
}
