import { deliveryStatuses, type DeliveryPage, type DeliveryRow, type DeliveryStatus, type EndpointHealth } from '../endpoint-health.js';
import { html, type SafeHtml } from '../html.js';
import { redactUrl } from '../../core/redact.js';
import type { ConsoleSession } from '../sessions.js';
import { endpointState, lastError, successRate } from './endpoints.js';
import { layout, when } from './layout.js';
import { dataTable } from './table.js';
import { csrfField, noticeBlock, operationsNav } from './operations.js';

/** A time as a datetime-local field holds it, in UTC like every time the console shows. */
export const minuteUtc = (ms: number) => new Date(ms).toISOString().slice(0, 16);

const statusLabels: Record<DeliveryStatus, string> = {
  pending: 'Pending',
  waiting: 'Waiting its turn',
  delivered: 'Delivered',
  failed: 'Failed',
};

function attemptsLog(delivery: DeliveryRow): SafeHtml | string {
  if (delivery.log.length === 0) return 'none yet';
  return html`<details>
    <summary>${delivery.log.length === 1 ? '1 attempt' : `${delivery.log.length} attempts`}</summary>
    <ol class="attempts">
      ${delivery.log.map(
        (a) =>
          html`<li>
            ${when(a.attempted_at)}
            <span class="answer">${a.response_status !== null ? `HTTP ${a.response_status}` : 'no answer'}</span>
            <span class="duration">${a.duration_ms} ms</span>
            ${a.error ? html`<span class="last-error">${a.error}</span>` : ''}
            ${a.response_body ? html`<code class="response">${a.response_body}</code>` : ''}
          </li>`,
      )}
    </ol>
  </details>`;
}

/** The endpoint's deliveries, newest first, each with its attempts and, once it has ended, a replay. */
function deliveriesTable(session: ConsoleSession, rows: DeliveryRow[]): SafeHtml {
  return dataTable({
    className: 'deliveries',
    rows,
    rowAttributes: (d) => html`id="${d.id}" data-status="${d.status}"`,
    columns: [
      { label: 'Created', cell: (d) => when(d.created_at) },
      { label: 'Event', cell: (d) => html`${d.event_type}<br /><code>${d.event_id}</code>` },
      { label: 'Status', cell: (d) => html`<span class="status status-${d.status}">${statusLabels[d.status]}</span>` },
      {
        label: 'Last answer',
        cell: (d) =>
          html`${d.last_response_status !== null ? `HTTP ${d.last_response_status}` : ''}
          ${d.last_error && d.last_error !== `HTTP ${d.last_response_status}` ? html`<span class="last-error">${d.last_error}</span>` : ''}
          ${d.status === 'pending' && d.next_attempt_at !== null ? html`<span class="next">next ${when(d.next_attempt_at)}</span>` : ''}
          ${d.delivered_at !== null ? html`<span class="next">at ${when(d.delivered_at)}</span>` : ''}`,
      },
      { label: 'Attempts', cell: (d) => attemptsLog(d) },
      {
        label: 'Actions',
        hideLabel: true,
        className: 'row-actions',
        // Pending and waiting deliveries are still on their schedule; replaying one would send it twice.
        cell: (d) =>
          d.status === 'failed' || d.status === 'delivered'
            ? html`<form method="post" action="/console/deliveries/${encodeURIComponent(d.id)}/replay">
                ${csrfField(session)}<button type="submit">Replay</button>
              </form>`
            : '',
      },
    ],
  });
}

export function endpointView(
  session: ConsoleSession,
  health: EndpointHealth,
  page: DeliveryPage,
  filter: DeliveryStatus | null,
  query: Record<string, unknown>,
  now: number,
): string {
  const { endpoint } = health;
  const base = `/console/endpoints/${encodeURIComponent(endpoint.id)}`;
  const events = JSON.parse(endpoint.event_types) as string[];
  const filterLink = (status: DeliveryStatus | null, label: string) =>
    html`<a href="${status ? `${base}?status=${status}` : base}" ${status === filter ? html` aria-current="page"` : ''}>${label}</a>`;
  const olderLink = page.next
    ? `${base}?${new URLSearchParams({ ...(filter ? { status: filter } : {}), before: page.next }).toString()}`
    : null;
  return layout({
    title: 'Endpoint',
    session,
    current: 'operations',
    body: html`<h1>Operations</h1>
      ${operationsNav('endpoints')} ${noticeBlock(query)}
      <section class="panel endpoint">
        <h2 class="endpoint-url">${redactUrl(endpoint.url)}</h2>
        <dl class="facts">
          <dt>Id</dt>
          <dd><code>${endpoint.id}</code></dd>
          ${
            endpoint.description
              ? html`<dt>Description</dt>
                  <dd>${endpoint.description}</dd>`
              : ''
          }
          <dt>Events</dt>
          <dd>${events.length === 0 ? 'every type' : events.join(', ')}</dd>
          <dt>Delivery</dt>
          <dd>
            ${endpoint.ordered === 1 ? 'in order per contact' : 'in parallel'}${endpoint.rate_limit !== null ? `, at most ${endpoint.rate_limit}/s` : ''}
          </dd>
          <dt>State</dt>
          <dd id="endpoint-state">${endpointState(endpoint, now)}</dd>
          <dt>Success, 24 h</dt>
          <dd>${successRate(health)}</dd>
          <dt>Last error</dt>
          <dd>${lastError(health)}</dd>
        </dl>
        <div class="endpoint-actions">
          ${
            endpoint.status === 'disabled'
              ? html`<form method="post" action="${base}/enable">
                  ${csrfField(session)}
                  <button type="submit">Enable</button>
                </form>`
              : ''
          }
          <form method="post" action="${base}/recover" class="recover">
            ${csrfField(session)}
            <label for="since">Send again every failed delivery created since (UTC)</label>
            <input
              id="since"
              name="since"
              type="datetime-local"
              required
              value="${minuteUtc(endpoint.failing_since ?? now - 24 * 3_600_000)}"
            />
            <button type="submit">Recover</button>
          </form>
        </div>
      </section>
      <h2>Deliveries</h2>
      <nav class="filters" aria-label="Delivery status">
        ${filterLink(null, 'All')} ${deliveryStatuses.map((s) => filterLink(s, statusLabels[s]))}
      </nav>
      ${page.rows.length === 0 ? html`<p class="empty">No deliveries here.</p>` : deliveriesTable(session, page.rows)}
      ${olderLink ? html`<p class="more"><a href="${olderLink}">Older deliveries</a></p>` : ''}`,
  });
}
