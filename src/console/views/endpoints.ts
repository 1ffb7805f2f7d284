import type { EndpointHealth, EndpointSummary } from '../endpoint-health.js';
import { html, type SafeHtml } from '../html.js';
import { redactUrl } from '../../core/redact.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';
import { dataTable } from './table.js';
import { noticeBlock, operationsNav, roughly } from './operations.js';

/** The endpoint's state in words: disabled, paused (unreachable), failing, or healthy. */
export function endpointState(endpoint: EndpointSummary, now: number): SafeHtml {
  if (endpoint.status === 'disabled') {
    return html`<span class="state state-disabled">Disabled</span>
      ${endpoint.disabled_reason ? html`<span class="reason">${endpoint.disabled_reason}</span>` : ''}`;
  }
  const parts: SafeHtml[] = [];
  if (endpoint.paused_until !== null && endpoint.paused_until > now) {
    parts.push(html`<span class="state state-paused">Paused (unreachable) until ${when(endpoint.paused_until)}</span>`);
  }
  if (endpoint.failing_since !== null) {
    parts.push(
      html`<span class="state state-failing"
        >Failing since ${when(endpoint.failing_since)} (${roughly(now - endpoint.failing_since)})</span
      >`,
    );
  }
  return parts.length > 0 ? html`${parts}` : html`<span class="state state-healthy">Healthy</span>`;
}

export function successRate(health: EndpointHealth): SafeHtml {
  const { counts, successRate: rate } = health;
  const settled = counts.delivered + counts.failed;
  const pending = counts.pending + counts.waiting;
  const shown = rate === null ? '–' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)}%`;
  const summary = [
    `${counts.delivered} of ${settled} delivered`,
    pending > 0 ? `, ${pending} still pending` : '',
    health.sampled ? ' (the latest deliveries only)' : '',
  ].join('');
  return html`<span class="rate">${shown}</span> <span class="counts">${summary}</span>`;
}

export function lastError(health: EndpointHealth): SafeHtml | string {
  const last = health.lastError;
  if (!last) return 'none';
  // The stored error already reads "HTTP 500" for an answer, or names the failure when there was none.
  return html`<span class="last-error">${last.error}</span> ${when(last.at)}`;
}

export function endpointsView(session: ConsoleSession, endpoints: EndpointHealth[], query: Record<string, unknown>, now: number): string {
  return layout({
    title: 'Endpoints',
    session,
    current: 'operations',
    body: html`<h1>Operations</h1>
      ${operationsNav('endpoints')} ${noticeBlock(query)}
      <h2>Event endpoints</h2>
      <p class="hint">Health over the deliveries created in the last 24 hours: delivered out of those settled (delivered or failed).</p>
      ${
        endpoints.length === 0
          ? html`<p class="empty">No endpoints yet: they are added through the API (<code>POST /v1/endpoints</code>).</p>`
          : dataTable({
              className: 'endpoints',
              rows: endpoints,
              rowAttributes: (h) => html`data-endpoint="${h.endpoint.id}"`,
              columns: [
                {
                  label: 'Endpoint',
                  cell: (h) =>
                    html`<a href="/console/endpoints/${encodeURIComponent(h.endpoint.id)}">${redactUrl(h.endpoint.url)}</a>
                      ${h.endpoint.description ? html`<span class="description">${h.endpoint.description}</span>` : ''}`,
                },
                { label: 'State', cell: (h) => endpointState(h.endpoint, now) },
                { label: 'Success, 24 h', cell: (h) => successRate(h) },
                { label: 'Last error', cell: (h) => lastError(h) },
              ],
            })
      }`,
  });
}
