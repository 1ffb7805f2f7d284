import { assetUrl } from '../assets.js';
import { html, type SafeHtml } from '../html.js';
import type { ConsoleSession } from '../sessions.js';

export interface PageOptions {
  title: string;
  session: ConsoleSession | null;
  body: SafeHtml;
  /** Which navigation entry is current. */
  current?: 'inbox' | 'users' | 'audit' | 'operations' | 'dashboard' | 'replies' | 'consent' | 'saved_replies';
  /** Tells console.js what to refresh live (`inbox` or a conversation id). */
  live?: string;
  /** Further scripts and stylesheets of `/console/assets/` this page needs (console/assets.ts). */
  scripts?: string[];
  styles?: string[];
}

function nav(session: ConsoleSession, current: PageOptions['current']): SafeHtml {
  const link = (href: string, label: string, key: PageOptions['current']) =>
    html`<a href="${href}" ${current === key ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<nav class="top" aria-label="Console">
    <span class="brand">Parley</span>
    ${link('/console', 'Inbox', 'inbox')}
    ${session.user.role === 'admin' ? [link('/console/users', 'Users', 'users'), link('/console/audit', 'Audit', 'audit')] : ''}
    ${session.user.role === 'admin' ? link('/console/endpoints', 'Operations', 'operations') : ''}
    ${
      session.user.role === 'admin'
        ? [
            link('/console/dashboard', 'Dashboard', 'dashboard'),
            link('/console/replies', 'Replies', 'replies'),
            link('/console/consent', 'Consent', 'consent'),
            link('/console/saved-replies', 'Saved replies', 'saved_replies'),
          ]
        : ''
    }
    <form method="post" action="/console/logout" class="logout">
      <input type="hidden" name="csrf" value="${session.csrf}" />
      <span class="who">${session.user.email}</span>
      <button type="submit">Log out</button>
    </form>
  </nav>`;
}

export function layout(options: PageOptions): string {
  const { session } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Parley</title>
<link rel="stylesheet" href="${assetUrl('console.css')}">
${(options.styles ?? []).map((name) => html`<link rel="stylesheet" href="${assetUrl(name)}" />`)}
${session ? html`<meta name="csrf-token" content="${session.csrf}" />` : ''}
${options.live ? html`<script src="${assetUrl('console.js')}" defer></script>` : ''}
${(options.scripts ?? []).map((name) => html`<script src="${assetUrl(name)}" defer></script>`)}
</head>
<body${options.live ? html` data-live="${options.live}"` : ''}>
${session ? nav(session, options.current) : ''}
<main id="main">
${options.body}
</main>
</body>
</html>
`.value;
}

/** When a time was, in UTC (the server cannot know the agent's zone; the title has the exact instant). */
export function when(ms: number): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 16).replace('T', ' ')}</time>`;
}
