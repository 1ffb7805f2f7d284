import { html, type SafeHtml } from '../html.js';
import type { Thread } from '../conversation.js';
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
  return html`<ol class="thread" aria-label="Messages">
    ${items.map((i) => i.markup)}
  </ol>`;
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
  </aside>`;
}

export function conversationView(session: ConsoleSession, thread: Thread, submission: string): string {
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
    live: `conversation ${conversation.id} ${conversation.contact_id}`,
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
          ${threadItems(thread)}
          <form method="post" action="/console/conversations/${conversation.id}/reply" class="reply">
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
                : html`<textarea id="body" name="body" rows="3" maxlength="1600" required></textarea> <button type="submit">Send</button>`
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
