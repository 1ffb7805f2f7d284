import { html, raw, type SafeHtml } from '../html.js';
import type { Dashboard, DashboardWindow, ReplyReport } from '../dashboard.js';
import { redactUrl } from '../../core/redact.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';
import { dataTable } from './table.js';
import { roughly } from './operations.js';

/**
 * JSON to place inside `<script type="application/json">`: <, > and & (and the two line
 * separators JavaScript once refused) written as \u escapes, so no value can close the element.
 */
export function jsonForScript(value: unknown): SafeHtml {
  return raw(
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}

const percent = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)}%`);
const ms = (seconds: number | null) => (seconds === null ? '—' : seconds === Infinity ? '> 2.5 s' : `≤ ${Math.round(seconds * 1000)} ms`);

/** A share as a bar and its figure: a <meter> draws it without inline style (the CSP allows none). */
function shareBar(share: number | null, label: string): SafeHtml {
  if (share === null) return html`—`;
  return html`<span class="share"
    ><meter min="0" max="1" value="${share.toFixed(4)}" aria-label="${label}"></meter> ${percent(share)}</span
  >`;
}

function intentsTable(intents: Array<{ intent: string; count: number; share: number }>, className: string): SafeHtml {
  return dataTable({
    className,
    caption: 'By intent',
    rows: intents,
    columns: [
      { label: 'Intent', cell: (i) => i.intent },
      { label: 'Replies', cell: (i) => i.count },
      { label: 'Share', cell: (i) => shareBar(i.share, `Share of ${i.intent}`) },
    ],
  });
}

function windowLinks(path: string, current: string, windows: string[]): SafeHtml {
  return html`<nav class="filters" aria-label="Period">
    ${windows.map((w) => html`<a href="${path}?window=${w}" ${w === current ? html` aria-current="page"` : ''}>Last ${w}</a>`)}
  </nav>`;
}

export function dashboardView(session: ConsoleSession, d: Dashboard, now: number): string {
  const bucketLabel = (at: number) => new Date(at).toISOString().slice(d.window === '24h' ? 11 : 0, d.window === '24h' ? 16 : 10);
  const chartData = {
    times: d.buckets.map((b) => b.at / 1000),
    inbound: d.buckets.map((b) => b.inbound),
    outbound: d.buckets.map((b) => b.outbound),
    delivered: d.buckets.map((b) => b.delivered),
    failed: d.buckets.map((b) => b.failed),
    optOuts: d.buckets.map((b) => b.optOuts),
  };
  return layout({
    title: 'Dashboard',
    session,
    current: 'dashboard',
    styles: ['reports.css', 'uPlot.min.css'],
    scripts: ['uPlot.iife.min.js', 'dashboard.js'],
    body: html`<h1>Dashboard</h1>
      ${windowLinks('/console/dashboard', d.window, ['24h', '7d'])}
      <dl class="figures">
        <div>
          <dt>Delivery rate</dt>
          <dd id="delivery-rate">${percent(d.deliveryRate)}</dd>
        </div>
        <div>
          <dt>Replies received</dt>
          <dd>${d.totals.inbound}</dd>
        </div>
        <div>
          <dt>Texts sent</dt>
          <dd>${d.totals.outbound}</dd>
        </div>
        <div>
          <dt>Opt-outs</dt>
          <dd>${d.totals.optOuts}</dd>
        </div>
        <div>
          <dt>Ack latency p50 / p95</dt>
          <dd>${ms(d.ack.p50)} / ${ms(d.ack.p95)}</dd>
        </div>
        <div>
          <dt>Jobs waiting</dt>
          <dd>${d.queue.pending}</dd>
        </div>
        <div>
          <dt>Oldest due job</dt>
          <dd>${d.queue.oldestDueMs > 0 ? roughly(d.queue.oldestDueMs) : 'none'}</dd>
        </div>
        <div>
          <dt>Dead jobs</dt>
          <dd><a href="/console/jobs">${d.queue.dead}</a></dd>
        </div>
      </dl>
      <p class="meta">
        Since ${when(d.since)} UTC. Ack latency: inbound webhooks answered by this process since it started (${d.ack.count}), from
        <code>parley_ingest_duration_seconds</code>.
      </p>
      <script type="application/json" id="dashboard-data">
        ${jsonForScript(chartData)}
      </script>
      <h2>Messages per ${d.window === '24h' ? 'hour' : 'day'} (UTC)</h2>
      <div class="chart" id="chart-messages" aria-hidden="true"></div>
      <h2>Delivery per ${d.window === '24h' ? 'hour' : 'day'} (UTC)</h2>
      <div class="chart" id="chart-delivery" aria-hidden="true"></div>
      <h2>Opt-outs per ${d.window === '24h' ? 'hour' : 'day'} (UTC)</h2>
      <div class="chart" id="chart-optouts" aria-hidden="true"></div>
      <h2>Delivery per channel</h2>
      ${
        d.channels.length === 0
          ? html`<p class="empty">Nothing sent in this period.</p>`
          : dataTable({
              className: 'dashboard-channels',
              rows: d.channels,
              rowAttributes: (c) => html`data-channel="${c.channel}"`,
              columns: [
                { label: 'Channel', cell: (c) => c.channel },
                { label: 'Sent', cell: (c) => c.sent },
                { label: 'Delivered', cell: (c) => c.delivered },
                { label: 'Failed', cell: (c) => c.failed },
                { label: 'Undelivered', cell: (c) => c.undelivered },
                { label: 'Delivery rate', cell: (c) => shareBar(c.rate, `Delivery rate of ${c.channel}`) },
              ],
            })
      }
      <h2>Reply intents</h2>
      ${d.intents.length === 0 ? html`<p class="empty">No replies in this period.</p>` : intentsTable(d.intents, 'dashboard-intents')}
      <h2>${d.window === '24h' ? 'Hour by hour' : 'Day by day'}</h2>
      ${dataTable({
        className: 'dashboard-buckets',
        caption: `Per ${d.window === '24h' ? 'hour' : 'day'} (UTC)`,
        rows: [...d.buckets].reverse(),
        columns: [
          { label: d.window === '24h' ? 'Hour' : 'Day', cell: (b) => bucketLabel(b.at) },
          { label: 'Replies in', cell: (b) => b.inbound },
          { label: 'Sent', cell: (b) => b.outbound },
          { label: 'Delivered', cell: (b) => b.delivered },
          { label: 'Failed', cell: (b) => b.failed },
          { label: 'Opt-outs', cell: (b) => b.optOuts },
        ],
      })}
      <h2>Endpoints</h2>
      ${
        d.endpoints.length === 0
          ? html`<p class="empty">No event endpoints.</p>`
          : dataTable({
              className: 'dashboard-endpoints',
              rows: d.endpoints,
              columns: [
                { label: 'Endpoint', cell: (e) => html`<a href="/console/endpoints/${encodeURIComponent(e.id)}">${redactUrl(e.url)}</a>` },
                { label: 'Delivered', cell: (e) => e.delivered },
                { label: 'Failed', cell: (e) => e.failed },
              ],
            })
      }
      <p class="meta">Shown ${when(now)}. <a href="/console/replies">What replies say</a></p>`,
  });
}

export function repliesView(session: ConsoleSession, report: ReplyReport, days: number): string {
  return layout({
    title: 'Replies',
    session,
    current: 'replies',
    styles: ['reports.css'],
    body: html`<h1>What replies say</h1>
      <nav class="filters" aria-label="Period">
        ${[1, 7, 30].map((n) => html`<a href="/console/replies?days=${n}" ${n === days ? html` aria-current="page"` : ''}>Last ${n} d</a>`)}
      </nav>
      <p>${report.replies} replies since ${when(report.since)}${report.sampled ? ' (the newest of them: the period holds more)' : ''}.</p>
      ${
        report.replies === 0
          ? html`<p class="empty">No replies in this period.</p>`
          : html`${intentsTable(report.intents, 'reply-intents')}
              <h2>By the message they answer</h2>
              ${report.prompts.map(
                (p) =>
                  html`<section class="prompt-report">
                    <h3>${p.prompt === null ? '(no message from the business before)' : html`“${p.prompt}”`}</h3>
                    <p>${p.replies} replies: ${p.intents.map((i) => html`<span class="tag">${i.intent} ${percent(i.share)}</span> `)}</p>
                    ${
                      p.top_unrecognized.length
                        ? html`<p>Commonest replies Parley could not read:</p>
                            <ul>
                              ${p.top_unrecognized.map((u) => html`<li>“${u.text}” — ${u.count} (${percent(u.share)})</li>`)}
                            </ul>`
                        : ''
                    }
                  </section>`,
              )}`
      }`,
  });
}

export type { DashboardWindow };
