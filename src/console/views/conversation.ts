import { countSegments } from '../../core/segments.js';
import { html, type SafeHtml } from '../html.js';
import type { SessionRow } from '../../conversations/flow-sessions.js';
import type { Thread } from '../conversation.js';
import type { SavedReply } from '../saved-replies.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';

const statusLabel: Record<string, string> = { open: 'Open (automation)', needs_human: 'Needs a human', closed: 'Closed' };

function threadItems(thread: Thread): SafeHtml {
  const items: Array<{ at: number; id: string; markup: SafeHtml }> = [
    ...thread.messages.map((m) => ({
      at: m.created_at,
      id: m.id,
      markup: html`<li class="message ${m.direction}" id="${m.id}">
        <p class="body">${m.body}</p>
        <p class="meta">
          ${m.direction === 'inbound' ? 'Received' : m.origin === 'agent' ? 'Agent reply' : m.origin === 'automation' ? 'Automatic reply' : 'Sent'}
          ${when(m.created_at)}
          ${m.direction === 'outbound' ? html`<span class="status status-${m.status}" data-status="${m.status}">${m.status}</span>` : ''}
          ${m.error_code ? html`<span class="error-code">${m.error_code}${m.error_message ? html`: ${m.error_message}` : ''}</span>` : ''}
          <a class="trace-link" href="/console/messages/${m.id}">Trace</a>
        </p>
      </li>`,
    })),
    ...thread.notes.map((n) => ({
      at: n.created_at,
      id: n.id,
      markup: html`<li class="note" id="${n.id}">
        <p class="body">${n.body}</p>
        <p class="meta">Internal note by ${n.author} ${when(n.created_at)} · not sent</p>
      </li>`,
    })),
  ];
  items.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  const here = `/console/conversations/${thread.conversation.id}`;
  return html`<ol class="thread" aria-label="Messages">
    ${thread.earlier ? html`<li class="more"><a href="${here}?before=${thread.earlier}">Earlier messages</a></li>` : ''}
    ${items.map((i) => i.markup)} ${thread.paged ? html`<li class="more"><a href="${here}">Latest messages</a></li>` : ''}
  </ol>`;
}

// A flow's vars are the business's data and its calls' answers: a key named like a credential is
// not shown, at any depth, whatever its value.
const secretLike = /secret|token|passw|api[_-]?key|auth|signature|credential|private|cookie|session[_-]?key/i;

function shownValue(value: unknown): string {
  if (typeof value === 'string') return value.length > 300 ? `${value.slice(0, 300)}…` : value;
  const text = JSON.stringify(value, (key, inner: unknown) => (key !== '' && secretLike.test(key) ? '[hidden]' : inner)) ?? 'null';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function flowPanel(session: SessionRow | null): SafeHtml {
  if (!session)
    return html`<h3>Flow</h3>
      <p class="flow-session none">No flow running.</p>`;
  let vars: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(session.vars);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) vars = parsed as Record<string, unknown>;
  } catch {
    // Unreadable vars show as none; the session itself is still shown.
  }
  const entries = Object.entries(vars);
  return html`<h3>Flow</h3>
    <dl class="flow-session">
      <dt>Running</dt>
      <dd>${session.flow}</dd>
      <dt>Step</dt>
      <dd><code>${session.step}</code>${session.retries > 0 ? html` (asked again ${session.retries}×)` : ''}</dd>
      <dt>Started</dt>
      <dd>${when(session.started_at)}</dd>
      <dt>Expires</dt>
      <dd>${when(session.expires_at)}</dd>
      ${entries.map(
        ([name, value]) =>
          html`<dt class="var">${name}</dt>
            <dd class="var">${secretLike.test(name) ? html`<em>hidden</em>` : shownValue(value)}</dd>`,
      )}
    </dl>`;
}

function contactPanel(thread: Thread): SafeHtml {
  const { conversation, contact } = thread;
  const fields = Object.entries(contact.fields);
  return html`<aside class="contact" aria-label="Contact">
    <h2>Contact</h2>
    <dl>
      <dt>Phone</dt>
      <dd>${conversation.phone}</dd>
      <dt>Business number</dt>
      <dd>${conversation.local_number} (${conversation.channel})</dd>
      ${fields.map(
        ([name, value]) =>
          html`<dt>${name}</dt>
            <dd>${typeof value === 'string' ? value : JSON.stringify(value)}</dd>`,
      )}
      <dt>Tags</dt>
      <dd>${contact.tags.length ? contact.tags.map((t) => html`<span class="tag">${t}</span> `) : 'none'}</dd>
      <dt>Consent</dt>
      <dd id="consent">
        ${
          thread.optedOut
            ? html`<strong class="opted-out">Opted out</strong>`
            : thread.suppressions.length
              ? html`Opted out of other numbers`
              : 'Subscribed'
        }
      </dd>
    </dl>
    ${
      thread.suppressions.length
        ? html`<p>
            Suppressed for:
            ${thread.suppressions.map((s) => html`<span class="tag">${s.scope === '*' ? 'every number' : s.scope} (${s.source})</span> `)}
          </p>`
        : ''
    }
    ${
      thread.consentHistory.length
        ? html`<h3>Consent history</h3>
            <ul class="consent-history">
              ${thread.consentHistory.map(
                (c) =>
                  html`<li>
                    ${c.action === 'opt_out' ? 'Opted out' : 'Opted in'} (${c.scope === '*' ? 'every number' : c.scope}) ${when(c.at)} —
                    “${c.text}”
                  </li>`,
              )}
            </ul>`
        : ''
    }
    ${flowPanel(thread.flowSession)}
  </aside>`;
}

/** The reply box, its draft right after the tag (a line break there would be read as the draft's own). */
function draftBox(draft: string) {
  // prettier-ignore
  return html`<textarea id="body" name="body" rows="3" maxlength="1600" required aria-describedby="segment-count">${draft}</textarea>`;
}

/** "12 characters · GSM-7 · 1 segment": what a reply will cost (reply-box.js writes the same line as the agent types). */
export function segmentLine(body: string): string {
  const count = countSegments(body);
  const characters = [...body].length;
  return `${characters} character${characters === 1 ? '' : 's'} · ${count.encoding} · ${count.segments} segment${count.segments === 1 ? '' : 's'}`;
}

/** What the reply box offers: the saved replies, and the text it starts with (one inserted without JavaScript). */
export interface ReplyBox {
  savedReplies: SavedReply[];
  draft: string;
}

function savedReplyPicker(conversationId: string, savedReplies: SavedReply[]): SafeHtml | '' {
  if (savedReplies.length === 0) return '';
  // A plain GET form: without JavaScript it reloads the page with the reply box filled; reply-box.js
  // fills the box in place instead, from each option's data-body.
  return html`<form method="get" action="/console/conversations/${conversationId}" class="saved-picker">
    <label for="saved">Saved reply</label>
    <select id="saved" name="saved">
      ${savedReplies.map((r) => html`<option value="${r.id}" data-body="${r.body}">${r.name}</option>`)}
    </select>
    <button type="submit" class="secondary">Insert</button>
  </form>`;
}

export function conversationView(
  session: ConsoleSession,
  thread: Thread,
  submission: string,
  box: ReplyBox = { savedReplies: [], draft: '' },
): string {
  const { conversation } = thread;
  const csrf = html`<input type="hidden" name="csrf" value="${session.csrf}" />`;
  const action = (path: string, label: string) =>
    html`<form method="post" action="/console/conversations/${conversation.id}/${path}">
      ${csrf}<button type="submit">${label}</button>
    </form>`;
  return layout({
    title: conversation.phone,
    session,
    current: 'inbox',
    // An earlier page of the thread stays as it is: live updates bring in the latest messages.
    ...(thread.paged ? {} : { live: `conversation ${conversation.id} ${conversation.contact_id}` }),
    scripts: ['segments.js', 'reply-box.js'],
    styles: ['reports.css'],
    body: html`<p><a href="/console">← Inbox</a></p>
      <header class="conversation-head">
        <h1>${conversation.phone}</h1>
        <p class="state">
          <span class="badge">${statusLabel[conversation.status] ?? conversation.status}</span>
          ${thread.assignee ? html`Assigned to ${thread.assignee}` : 'Unassigned'}
        </p>
        <div class="actions">
          ${conversation.assigned_to !== session.user.id ? action('assign', 'Assign to me') : ''}
          ${conversation.status === 'closed' ? action('reopen', 'Reopen') : action('close', 'Close')}
        </div>
      </header>
      <div class="conversation">
        <section class="thread-column" id="thread">
          ${threadItems(thread)} ${thread.optedOut ? '' : savedReplyPicker(conversation.id, box.savedReplies)}
          <form
            method="post"
            action="/console/conversations/${conversation.id}/reply"
            class="reply"
            data-opted-out="${thread.optedOut ? 'yes' : 'no'}"
          >
            ${csrf}
            <input type="hidden" name="submission" value="${submission}" />
            <label for="body">Reply</label>
            ${
              thread.optedOut
                ? html`<p class="notice" id="opted-out-reason">
                      This contact opted out of messages from ${conversation.local_number}; Parley will not send to them until they text
                      START.
                    </p>
                    <textarea id="body" name="body" rows="3" disabled aria-describedby="opted-out-reason"></textarea>
                    <button type="submit" disabled>Send</button>`
                : html`${draftBox(box.draft)}
                    <p class="segment-count" id="segment-count" aria-live="polite">${segmentLine(box.draft)}</p>
                    <button type="submit">Send</button>`
            }
          </form>
          <form method="post" action="/console/conversations/${conversation.id}/note" class="note-form">
            ${csrf}
            <label for="note">Internal note (never sent)</label>
            <textarea id="note" name="note" rows="2" maxlength="4000" required></textarea>
            <button type="submit">Add note</button>
          </form>
        </section>
        ${contactPanel(thread)}
      </div>`,
  });
}
