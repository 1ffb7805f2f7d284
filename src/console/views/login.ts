import { html } from '../html.js';
import { layout } from './layout.js';

export function loginPage(options: { csrf: string; email?: string; error?: string }): string {
  return layout({
    title: 'Log in',
    session: null,
    body: html`<section class="panel login">
      <h1>Log in to Parley</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <form method="post" action="/console/login">
        <input type="hidden" name="csrf" value="${options.csrf}" />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required autofocus value="${options.email ?? ''}" />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Log in</button>
      </form>
    </section>`,
  });
}
