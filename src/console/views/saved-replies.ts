import { html } from '../html.js';
import { maxBodyLength, maxNameLength, type SavedReply } from '../saved-replies.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';
import { csrfField } from './operations.js';

/** Admins keep the saved replies agents insert into the reply box. */
export function savedRepliesView(
  session: ConsoleSession,
  replies: SavedReply[],
  problem?: { message: string; name: string; body: string },
): string {
  const csrf = csrfField(session);
  return layout({
    title: 'Saved replies',
    session,
    current: 'saved_replies',
    styles: ['reports.css'],
    body: html`<h1>Saved replies</h1>
      <p>Answers agents insert into a conversation's reply box, then read, change if needed and send themselves.</p>
      ${problem ? html`<p class="error" role="alert">${problem.message}</p>` : ''}
      ${
        replies.length === 0
          ? html`<p class="empty">No saved replies yet.</p>`
          : html`<ul class="saved-replies">
              ${replies.map(
                (r) =>
                  html`<li id="${r.id}">
                    <form method="post" action="/console/saved-replies/${r.id}" class="saved-reply">
                      ${csrf}
                      <label for="name-${r.id}">Name</label>
                      <input id="name-${r.id}" name="name" value="${r.name}" maxlength="${maxNameLength}" required />
                      <label for="body-${r.id}">Text</label>
                      <textarea id="body-${r.id}" name="body" rows="3" maxlength="${maxBodyLength}" required>${r.body}</textarea>
                      <p class="meta">Changed ${when(r.updated_at)}</p>
                      <button type="submit">Save</button>
                    </form>
                    <form method="post" action="/console/saved-replies/${r.id}/remove" class="saved-reply-remove">
                      ${csrf}<button type="submit" class="secondary">Remove</button>
                    </form>
                  </li>`,
              )}
            </ul>`
      }
      <h2>Add a saved reply</h2>
      <form method="post" action="/console/saved-replies" class="saved-reply">
        ${csrf}
        <label for="new-name">Name</label>
        <input id="new-name" name="name" maxlength="${maxNameLength}" required value="${problem?.name ?? ''}" />
        <label for="new-body">Text</label>
        <textarea id="new-body" name="body" rows="3" maxlength="${maxBodyLength}" required>${problem?.body ?? ''}</textarea>
        <button type="submit">Add saved reply</button>
      </form>`,
  });
}
