import { html } from '../html.js';
import type { ConsoleSession } from '../sessions.js';
import type { ConsoleUser } from '../users.js';
import { layout, when } from './layout.js';

export function usersView(session: ConsoleSession, users: ConsoleUser[], error?: string): string {
  const csrf = html`<input type="hidden" name="csrf" value="${session.csrf}" />`;
  return layout({
    title: 'Users',
    session,
    current: 'users',
    body: html`<h1>Users</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <table class="users">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Added</th>
            <th scope="col">State</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${users.map(
            (u) =>
              html`<tr>
                <td>${u.email}</td>
                <td>${u.role}</td>
                <td>${when(u.created_at)}</td>
                <td>${u.disabled_at ? 'disabled' : 'active'}</td>
                <td class="row-actions">
                  <form method="post" action="/console/users/${u.id}/${u.disabled_at ? 'enable' : 'disable'}">
                    ${csrf}<button type="submit">${u.disabled_at ? 'Enable' : 'Disable'}</button>
                  </form>
                  <form method="post" action="/console/users/${u.id}/remove">${csrf}<button type="submit">Remove</button></form>
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>Add a user</h2>
      <form method="post" action="/console/users" class="add-user">
        ${csrf}
        <label for="new-email">Email</label>
        <input id="new-email" name="email" type="email" autocomplete="off" required />
        <label for="new-role">Role</label>
        <select id="new-role" name="role">
          <option value="agent">agent</option>
          <option value="admin">admin</option>
        </select>
        <label for="new-password">Password (at least 10 characters)</label>
        <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="10" required />
        <button type="submit">Add user</button>
      </form>`,
  });
}
