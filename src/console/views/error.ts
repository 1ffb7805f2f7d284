import { html } from '../html.js';
import type { ConsoleSession } from '../sessions.js';
import { layout } from './layout.js';

export function errorPage(status: number, message: string, session: ConsoleSession | null): string {
  const title =
    status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 429 ? 'Too many attempts' : 'Something went wrong';
  return layout({
    title,
    session,
    body: html`<section class="panel">
      <h1>${title}</h1>
      <p class="error" role="alert">${message}</p>
      <p><a href="/console">Back to the inbox</a></p>
    </section>`,
  });
}
