import { html, type SafeHtml } from '../html.js';
import type { ConsoleSession } from '../sessions.js';

// What the operations pages share: their sub-navigation and the confirmation an action redirects
// back with. The confirmation is a code (`?done=job_retried`) naming one of Parley's own sentences,
// never text from the URL, so a crafted link cannot make the console say something it did not.

export type OperationsSection = 'endpoints' | 'jobs' | 'unreadable';

const sections: Array<[OperationsSection, string, string]> = [
  ['endpoints', '/console/endpoints', 'Endpoints'],
  ['jobs', '/console/jobs', 'Dead jobs'],
  ['unreadable', '/console/unreadable', 'Unreadable webhooks'],
];

export function operationsNav(current: OperationsSection): SafeHtml {
  return html`<nav class="filters" aria-label="Operations">
    ${sections.map(([key, href, label]) => html`<a href="${href}" ${key === current ? html` aria-current="page"` : ''}>${label}</a>`)}
  </nav>`;
}

const notices = {
  delivery_replayed: () => 'The delivery is queued to be sent again.',
  endpoint_recovered: (count: number) =>
    count === 1 ? '1 failed delivery is queued to be sent again.' : `${count} failed deliveries are queued to be sent again.`,
  endpoint_enabled: () => 'The endpoint is enabled; the deliveries that waited are being sent.',
  endpoint_already_enabled: () => 'The endpoint was already enabled.',
  job_retried: () => 'The job is queued to run again.',
  unreadable_replayed: () => 'The webhook was read and stored; it is no longer kept here.',
  unreadable_discarded: () => 'The webhook was discarded.',
} satisfies Record<string, (count: number) => string>;

export type Notice = keyof typeof notices;

/** Where an action sends the browser back to, with its confirmation. */
export function withNotice(path: string, notice: Notice, count?: number): string {
  const params = new URLSearchParams({ done: notice });
  if (count !== undefined) params.set('count', String(count));
  return `${path}${path.includes('?') ? '&' : '?'}${params.toString()}`;
}

/** The confirmation named by the page's `done` (and `count`) query parameters, if any. */
export function noticeBlock(query: Record<string, unknown>): SafeHtml | '' {
  const done = query.done;
  if (typeof done !== 'string' || !Object.hasOwn(notices, done)) return '';
  const count = typeof query.count === 'string' && /^\d{1,9}$/.test(query.count) ? Number(query.count) : 0;
  return html`<p class="flash" role="status">${notices[done as Notice](count)}</p>`;
}

export function csrfField(session: ConsoleSession): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${session.csrf}" />`;
}

/** A duration in plain words, coarse: "45 s", "12 min", "3 h", "2 d". */
export function roughly(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}
