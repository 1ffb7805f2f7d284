import { html } from '../html.js';
import type { InboxFilter, InboxPage } from '../inbox.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';

const filterLabels: Record<InboxFilter, string> = { needs_human: 'Needs a human', mine: 'Mine', all: 'All', closed: 'Closed' };

const query = (params: Record<string, string | null>) =>
  new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => !!entry[1])).toString();

export function inboxList(page: InboxPage, filter: InboxFilter, q: string, userId: string) {
  return html`<div id="inbox-list">
    ${
      page.rows.length === 0
        ? html`<p class="empty">No conversations here.</p>`
        : html`<ul class="conversations">
            ${page.rows.map(
              (row) =>
                html`<li>
                  <a href="/console/conversations/${encodeURIComponent(row.id)}">
                    <span class="phone">${row.phone}</span>
                    <span class="badges">
                      ${row.status === 'needs_human' ? html`<span class="badge human">needs a human</span>` : ''}
                      ${row.status === 'closed' ? html`<span class="badge">closed</span>` : ''}
                      ${row.assigned_to === userId ? html`<span class="badge mine">mine</span>` : ''}
                    </span>
                    ${when(row.last_message_at)}
                    <span class="preview">${row.preview_direction === 'outbound' ? 'You: ' : ''}${row.preview ?? ''}</span>
                  </a>
                </li>`,
            )}
          </ul>`
    }
    ${page.next ? html`<p class="more"><a href="/console?${query({ filter, q: q || null, after: page.next })}">Older conversations</a></p>` : ''}
  </div>`;
}

export function inboxView(session: ConsoleSession, page: InboxPage, filter: InboxFilter, q: string): string {
  return layout({
    title: 'Inbox',
    session,
    current: 'inbox',
    live: 'inbox',
    body: html`<h1>Inbox</h1>
      <nav class="filters" aria-label="Filter">
        ${(Object.keys(filterLabels) as InboxFilter[]).map(
          (key) =>
            html`<a href="/console?${query({ filter: key, q: q || null })}" ${key === filter ? html` aria-current="page"` : ''}
              >${filterLabels[key]}</a
            >`,
        )}
      </nav>
      <form method="get" action="/console" class="search" role="search">
        <input type="hidden" name="filter" value="${filter}" />
        <label for="q">Search by number or text</label>
        <input id="q" name="q" type="search" value="${q}" maxlength="200" />
        <button type="submit">Search</button>
      </form>
      ${inboxList(page, filter, q, session.user.id)}`,
  });
}
