import { redactUrl } from '../../core/redact.js';
import type { RoutingRecord } from '../../routing/decision.js';
import type { MessageRow } from '../../store/schema.js';
import type { MessageTrace, TraceEvent, TraceReceipt, TraceSendAttempt } from '../../trace/message-trace.js';
import { html, type SafeHtml } from '../html.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';

// One message's life as a timeline, each step with its time after the first (+3 ms …). Everything
// a texter or a provider wrote is escaped by `html`; the raw body is shown as text in a <pre>.

/** `ms` after the origin, as people read it: +3 ms, +1.25 s, +4 min 10 s. */
export function offset(ms: number): string {
  const sign = ms < 0 ? '−' : '+';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${abs} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1_000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  if (abs < 3_600_000) return `${sign}${Math.floor(abs / 60_000)} min ${Math.floor((abs % 60_000) / 1_000)} s`;
  return `${sign}${(abs / 3_600_000).toFixed(1)} h`;
}

interface Step {
  at: number;
  /** Keeps steps of the same millisecond in the order they happen. */
  order: number;
  kind: string;
  title: SafeHtml | string;
  detail?: SafeHtml;
}

const pathSentence: Record<RoutingRecord['path'], string> = {
  opt_out: 'Opt-out: the contact is suppressed and the confirmation queued',
  opt_out_repeat: 'Opt-out again: already suppressed, no second confirmation',
  opt_in: 'Opt-in: the suppression is lifted and the confirmation queued',
  help: 'Help: the help text queued',
  silent: 'No answer: the contact had opted out of this number',
  flow: 'A step of the running flow',
  rule: 'Matched a rule',
  handoff: 'Nothing answered it: handed to the human queue',
};

function routingDetail(r: RoutingRecord): SafeHtml {
  return html`<dl class="facts">
    <dt>Intent</dt>
    <dd><strong>${r.intent}</strong> · confidence ${r.confidence.toFixed(2)} (threshold ${r.threshold.toFixed(2)})</dd>
    <dt>Why</dt>
    <dd>${r.reason}${r.match ? html` · on <q>${r.match}</q>` : ''}</dd>
    ${
      r.opted_out_before
        ? html`<dt>Consent</dt>
            <dd>had opted out before this message</dd>`
        : ''
    }
    ${
      r.scope
        ? html`<dt>Opt-out scope</dt>
            <dd>${r.scope === 'deployment' ? 'every number of the deployment' : 'this business number'}</dd>`
        : ''
    }
    ${
      r.flow
        ? html`<dt>Flow</dt>
            <dd>${r.flow.flow}: step <code>${r.flow.step_before}</code> → <code>${r.flow.step_after}</code> (${r.flow.outcome})</dd>`
        : ''
    }
    ${
      r.rule
        ? html`<dt>Rule</dt>
            <dd>
              <code>${r.rule.name}</code>, by
              ${r.rule.matched_by === 'keyword' ? 'its keyword' : 'the intent'}${r.rule.event ? html` · event <code>${r.rule.event}</code>` : ''}${r.rule.start_flow ? html` · starts flow <code>${r.rule.start_flow}</code>` : ''}${r.rule.handoff ? ' · hands off' : ''}
            </dd>`
        : ''
    }
    ${
      r.acknowledged !== undefined
        ? html`<dt>Acknowledgment</dt>
            <dd>${r.acknowledged ? 'sent' : 'not sent (already sent recently, or off)'}</dd>`
        : ''
    }
    ${
      r.handoff
        ? html`<dt>Human queue</dt>
            <dd>entered (${r.handoff})</dd>`
        : ''
    }
    ${
      r.reply_held
        ? html`<dt>Reply</dt>
            <dd>held back by loop protection</dd>`
        : ''
    }
  </dl>`;
}

function headersTable(headers: Record<string, string>): SafeHtml {
  return html`<table class="headers">
    <caption>
      Headers (credentials redacted when received)
    </caption>
    <tbody>
      ${Object.entries(headers).map(
        ([name, value]) =>
          html`<tr>
            <th scope="row">${name}</th>
            <td><code>${value}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function inboundSteps(trace: MessageTrace, steps: Step[]): void {
  const { webhook, message } = trace;
  const request = webhook?.request ?? null;
  if (webhook) {
    steps.push({
      at: request?.arrived_at ?? webhook.received_at,
      order: 0,
      kind: 'received',
      title: request ? html`Webhook received: <code>${request.method} ${request.url}</code>` : html`Webhook received`,
      detail: html`<dl class="facts">
          <dt>Provider</dt>
          <dd>${request?.provider ?? 'not recorded'} · channel ${message.channel}</dd>
          <dt>Content type</dt>
          <dd>${webhook.content_type ?? 'none'}</dd>
          ${
            request?.request_id
              ? html`<dt>Request id</dt>
                  <dd><code>${request.request_id}</code> (on its log lines)</dd>`
              : ''
          }
          ${
            request?.replayed_at
              ? html`<dt>Replayed</dt>
                  <dd>kept as unreadable, replayed ${when(request.replayed_at)}; only its content type was kept</dd>`
              : ''
          }
        </dl>
        ${request ? headersTable(request.headers) : html`<p class="muted">Its request line and headers were not kept (stored before traces were).</p>`}
        <h3>Body, as received</h3>
        <pre class="raw-body">${webhook.body}</pre>`,
    });
    if (request) {
      const s = request.signature;
      steps.push({
        at: request.arrived_at,
        order: 1,
        kind: s.verified ? 'verified' : 'unverified',
        title: s.verified
          ? request.replayed_at
            ? 'Signature verified when it first came'
            : 'Signature verified'
          : html`Signature <strong>failed</strong>, accepted in monitor mode`,
        detail: html`<p>${s.scheme} · <code>verify: ${s.mode}</code>${s.reason ? html` · ${s.reason}` : ''}</p>`,
      });
    }
    steps.push({
      at: webhook.received_at,
      order: 2,
      kind: 'stored',
      title: 'Stored, with its routing job, in one commit; the provider answered 2xx',
    });
  } else {
    steps.push({
      at: message.created_at,
      order: 0,
      kind: 'stored',
      title: 'Stored',
      detail: html`<p class="muted">
        No raw webhook is kept for it: assembled from the parts of a long text, or its webhook passed its retention period.
      </p>`,
    });
  }
  if (message.processed_at !== null) {
    steps.push({
      at: message.processed_at,
      order: 3,
      kind: 'routed',
      title: trace.routing ? html`Routed: ${pathSentence[trace.routing.path]}` : html`Routed (intent ${message.intent ?? 'unknown'})`,
      detail: trace.routing ? routingDetail(trace.routing) : html`<p class="muted">Routed before decisions were recorded.</p>`,
    });
  } else {
    steps.push({ at: message.created_at, order: 4, kind: 'pending', title: 'Not routed yet: its job waits in the queue' });
  }
  for (const reply of trace.replies) {
    steps.push({
      at: reply.created_at,
      order: 5,
      kind: 'reply',
      title: html`Reply queued (${reply.origin}): <a href="/console/messages/${reply.id}">trace of the reply</a>`,
      detail: html`<blockquote class="body">${reply.body}</blockquote>
        <p>now <span class="status status-${reply.status}">${reply.status}</span></p>`,
    });
  }
}

function attemptStep(a: TraceSendAttempt): Step {
  const outcome =
    { accepted: 'accepted by the provider', retrying: 'failed, tried again later', failed: 'failed for good' }[a.outcome] ?? a.outcome;
  return {
    at: a.started_at,
    order: 2,
    kind: `attempt attempt-${a.outcome}`,
    title: html`Send attempt ${a.attempt}: ${outcome}`,
    detail: html`<dl class="facts">
      <dt>Provider answer</dt>
      <dd>${a.http_status === null ? 'no HTTP answer' : html`HTTP ${a.http_status}`} in ${a.duration_ms} ms</dd>
      ${
        a.provider_message_id
          ? html`<dt>Provider id</dt>
              <dd><code>${a.provider_message_id}</code> (${a.provider_status})</dd>`
          : ''
      }
      ${
        a.error_kind
          ? html`<dt>Error</dt>
              <dd>
                <code>${a.error_kind}</code
                >${a.error_code ? html` · code <code>${a.error_code}</code>` : ''}${a.error_message ? html` · ${a.error_message}` : ''}
              </dd>`
          : ''
      }
    </dl>`,
  };
}

function receiptStep(r: TraceReceipt): Step {
  const effect =
    r.changed === null
      ? r.applied_at === null
        ? html`<span class="receipt-pending">not applied yet</span>`
        : html`applied`
      : r.changed
        ? html`applied: <span class="status status-${r.status_before ?? ''}">${r.status_before}</span> →
            <span class="status status-${r.status_after ?? ''}">${r.status_after}</span>`
        : html`<span class="receipt-ignored"
            >not applied: the message was already <span class="status status-${r.status_before ?? ''}">${r.status_before}</span> (came late,
            status moves forward only)</span
          >`;
  return {
    at: r.received_at,
    order: 3,
    kind: `receipt${r.changed === false ? ' receipt-late' : ''}`,
    title: html`Receipt: <strong>${r.status}</strong> (provider says <code>${r.provider_status}</code>)`,
    detail: html`<p>
      ${effect}${r.error_code ? html` · error <code>${r.error_code}</code>` : ''}${r.provider_time ? html` · provider time ${when(r.provider_time)}` : ''}
    </p>`,
  };
}

function eventStep(e: TraceEvent): Step {
  return {
    at: e.occurred_at,
    order: 6,
    kind: 'event',
    title: html`Event <code>${e.type}</code>`,
    detail: e.deliveries.length
      ? html`<ul class="deliveries">
          ${e.deliveries.map(
            (d) =>
              html`<li>
                to <a href="/console/endpoints/${d.endpoint_id}">${d.endpoint_url ? redactUrl(d.endpoint_url) : d.endpoint_id}</a>:
                <span class="status status-${d.status}">${d.status}</span>
                ${
                  d.attempts.length
                    ? html`<ol class="delivery-attempts">
                        ${d.attempts.map(
                          (a) =>
                            html`<li>
                              ${when(a.attempted_at)} · ${a.response_status === null ? 'no answer' : html`HTTP ${a.response_status}`} in
                              ${a.duration_ms} ms${a.error ? html` · ${a.error}` : ''}
                            </li>`,
                        )}
                      </ol>`
                    : html` · no attempt yet`
                }
              </li>`,
          )}
        </ul>`
      : html`<p class="muted">No endpoint subscribed to it.</p>`,
  };
}

function outboundSteps(trace: MessageTrace, steps: Step[]): void {
  const { message } = trace;
  steps.push({
    at: message.created_at,
    order: 0,
    kind: 'queued',
    title: html`Queued (${message.origin})${message.template ? html` from template <code>${message.template}</code>` : ''}`,
    detail: trace.reply_to
      ? html`<p>In reply to <a href="/console/messages/${trace.reply_to.id}">${trace.reply_to.body.slice(0, 80)}</a></p>`
      : undefined,
  });
  steps.push(...trace.send_attempts.map(attemptStep), ...trace.receipts.map(receiptStep));
}

function summary(message: MessageRow): SafeHtml {
  return html`<dl class="facts summary trace-summary">
    <dt>Message</dt>
    <dd><code>${message.id}</code> · ${message.direction} · channel ${message.channel}</dd>
    <dt>From → to</dt>
    <dd>${message.from_number} → ${message.to_number}</dd>
    ${
      message.provider_message_id
        ? html`<dt>Provider id</dt>
            <dd><code>${message.provider_message_id}</code></dd>`
        : ''
    }
    <dt>Status</dt>
    <dd>
      <span class="status status-${message.status}">${message.status}</span>${message.error_code ? html` · ${message.error_code}` : ''}
    </dd>
    <dt>Text</dt>
    <dd><blockquote class="body">${message.body}</blockquote></dd>
  </dl>`;
}

export function messageTraceView(session: ConsoleSession, trace: MessageTrace): string {
  const steps: Step[] = [];
  if (trace.message.direction === 'inbound') inboundSteps(trace, steps);
  else outboundSteps(trace, steps);
  steps.push(...trace.events.map(eventStep));
  steps.sort((a, b) => a.at - b.at || a.order - b.order);
  const { message } = trace;
  return layout({
    title: `Trace of ${message.id}`,
    session,
    current: 'inbox',
    styles: ['trace.css'],
    body: html`<p class="crumbs">
        ${message.conversation_id ? html`<a href="/console/conversations/${message.conversation_id}#${message.id}">← Conversation</a>` : ''}
      </p>
      <h1>Trace of a${message.direction === 'inbound' ? 'n inbound' : 'n outbound'} message</h1>
      ${summary(message)}
      <p class="trace-origin">
        Times are after ${message.direction === 'inbound' ? 'the webhook arrived' : 'it was queued'}, ${when(trace.origin)} UTC.
      </p>
      <ol class="trace" aria-label="What happened to it">
        ${steps.map(
          (s) =>
            html`<li class="step step-${s.kind}">
              <span class="offset">${offset(s.at - trace.origin)}</span>
              <div class="what">
                <h2 class="title">${s.title}</h2>
                ${s.detail ?? ''}
              </div>
            </li>`,
        )}
      </ol>`,
  });
}

export function messageLookupView(session: ConsoleSession, id: string, found: MessageRow[]): string {
  return layout({
    title: 'Find a message',
    session,
    current: 'inbox',
    styles: ['trace.css'],
    body: html`<h1>Find a message</h1>
      <form method="get" action="/console/messages" class="lookup">
        <label for="lookup-id">Parley's message id or the provider's</label>
        <input id="lookup-id" name="id" value="${id}" autocomplete="off" required />
        <button type="submit">Find</button>
      </form>
      ${
        id === ''
          ? ''
          : found.length === 0
            ? html`<p role="alert" class="not-found">No message has the id <code>${id}</code>, as Parley's or a provider's.</p>`
            : html`<p>${found.length} messages have this provider id:</p>
                <ul class="lookup-results">
                  ${found.map(
                    (m) =>
                      html`<li>
                        <a href="/console/messages/${m.id}">${m.id}</a> · ${m.direction} · ${m.channel} · ${when(m.created_at)} ·
                        ${m.body.slice(0, 60)}
                      </li>`,
                  )}
                </ul>`
      }`,
  });
}
