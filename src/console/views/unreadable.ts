import type { UnreadableWebhookRow } from '../../inbound/unreadable.js';
import { html } from '../html.js';
import type { UnreadableSummary } from '../operations.js';
import { redactUrl } from '../../core/redact.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';
import { dataTable } from './table.js';
import { csrfField, noticeBlock, operationsNav } from './operations.js';

// A kept webhook is whatever a provider (or someone holding its secret) sent: every byte of it is
// shown as text, escaped, never as markup.

export function unreadableListView(
  session: ConsoleSession,
  page: { rows: UnreadableSummary[]; next: number | null },
  query: Record<string, unknown>,
): string {
  return layout({
    title: 'Unreadable webhooks',
    session,
    current: 'operations',
    body: html`<h1>Operations</h1>
      ${operationsNav('unreadable')} ${noticeBlock(query)}
      <h2>Unreadable webhooks</h2>
      <p class="hint">
        Webhooks that passed their provider's signature check but could not be read. Replay one once Parley reads its format, or discard it.
      </p>
      ${
        page.rows.length === 0
          ? html`<p class="empty">None kept.</p>`
          : dataTable({
              className: 'unreadable',
              rows: page.rows,
              columns: [
                { label: 'Received', cell: (row) => html`<a href="/console/unreadable/${row.id}">${when(row.received_at)}</a>` },
                { label: 'Channel', cell: (row) => `${row.channel} · ${row.path}` },
                {
                  label: 'Error',
                  cell: (row) => html`<code>${row.error_code}</code> <span class="last-error">${row.error_message}</span>`,
                },
              ],
            })
      }
      ${page.next !== null ? html`<p class="more"><a href="/console/unreadable?before=${page.next}">Older webhooks</a></p>` : ''}`,
  });
}

export function unreadableView(session: ConsoleSession, row: UnreadableWebhookRow, query: Record<string, unknown>, error?: string): string {
  const bytes = row.raw_body ? Buffer.from(row.raw_body) : null;
  return layout({
    title: 'Unreadable webhook',
    session,
    current: 'operations',
    body: html`<h1>Operations</h1>
      ${operationsNav('unreadable')} ${noticeBlock(query)} ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <section class="panel">
        <h2>Unreadable webhook ${row.id}</h2>
        <dl class="facts">
          <dt>Received</dt>
          <dd>${when(row.received_at)}</dd>
          <dt>Channel</dt>
          <dd>${row.channel} (${row.path})</dd>
          <dt>Request</dt>
          <dd><code>${row.method} ${redactUrl(row.url)}</code></dd>
          <dt>Headers</dt>
          <dd>
            <code>content-type: ${row.content_type ?? '(none)'}</code> <span class="hint">(the only header kept; signatures are not)</span>
          </dd>
          <dt>Why unreadable</dt>
          <dd><code>${row.error_code}</code> <span class="last-error">${row.error_message}</span></dd>
          <dt>Size</dt>
          <dd>${bytes ? `${bytes.length} bytes` : `${row.body.length} characters (kept as text only)`}</dd>
        </dl>
        <div class="endpoint-actions">
          <form method="post" action="/console/unreadable/${row.id}/replay">
            ${csrfField(session)}<button type="submit">Replay</button>
          </form>
          <form method="post" action="/console/unreadable/${row.id}/discard">
            ${csrfField(session)}<button type="submit" class="secondary">Discard</button>
          </form>
        </div>
      </section>
      <h3>Body as text</h3>
      <pre class="raw-body" id="body-text">${row.body}</pre>
      ${
        bytes
          ? html`<details>
              <summary>Body as base64 (the exact bytes)</summary>
              <pre class="raw-body" id="body-base64">${bytes.toString('base64')}</pre>
            </details>`
          : ''
      }`,
  });
}
