import { html } from '../html.js';
import type { ConsoleSession } from '../sessions.js';
import type { ConsoleUser } from '../users.js';
import { layout, when } from './layout.js';
import { dataTable } from './table.js';

export function usersView(session: ConsoleSession, users: ConsoleUser[], error?: string): string {
  const csrf = html`<input type="hidden" name="csrf" value="${session.csrf}" />`;
  return layout({
    title: 'Users',
    session,
    current: 'users',
    body: html`<h1>Users</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      ${dataTable({
        className: 'users',
        rows: users,
        columns: [
          { label: 'Email', cell: (u) => u.email },
          { label: 'Role', cell: (u) => u.role },
          { label: 'Added', cell: (u) => when(u.created_at) },
          { label: 'State', cell: (u) => (u.disabled_at ? 'disabled' : 'active') },
          {
            label: 'Actions',
            hideLabel: true,
            className: 'row-actions',
            cell: (u) =>
              html`<form method="post" action="/console/users/${u.id}/${u.disabled_at ? 'enable' : 'disable'}">
                  ${csrf}<button type="submit">${u.disabled_at ? 'Enable' : 'Disable'}</button>
                </form>
                <form method="post" action="/console/users/${u.id}/remove">${csrf}<button type="submit">Remove</button></form>`,
          },
        ],
      })}
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
