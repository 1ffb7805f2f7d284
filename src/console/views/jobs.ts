import { html, type SafeHtml } from '../html.js';
import type { JobRowView, JobsOverview } from '../operations.js';
import type { ConsoleSession } from '../sessions.js';
import { layout, when } from './layout.js';
import { dataTable, type Column } from './table.js';
import { csrfField, noticeBlock, operationsNav, roughly } from './operations.js';

function jobTable(rows: JobRowView[], columns: Column<JobRowView>[], label: string): SafeHtml {
  return dataTable({
    className: 'jobs',
    label,
    rows,
    rowAttributes: (job) => html`id="job-${job.id}"`,
    columns: [
      { label: 'Job', cell: (job) => job.id },
      {
        label: 'Kind',
        cell: (job) =>
          html`${job.kind}
            <details>
              <summary>Payload</summary>
              <code>${job.payload}</code>
              ${job.group_key ? html`<p>group <code>${job.group_key}</code></p>` : ''}
            </details>`,
      },
      ...columns,
    ],
  });
}

export function jobsView(session: ConsoleSession, jobs: JobsOverview, query: Record<string, unknown>, now: number): string {
  const attempts = { label: 'Attempts', cell: (job: JobRowView) => `${job.attempts} of ${job.max_attempts}` };
  const error = { label: 'Last error', cell: (job: JobRowView) => html`<span class="last-error">${job.last_error ?? ''}</span>` };
  return layout({
    title: 'Dead jobs',
    session,
    current: 'operations',
    body: html`<h1>Operations</h1>
      ${operationsNav('jobs')} ${noticeBlock(query)}
      <h2>Dead jobs</h2>
      <p class="hint">Jobs that ran out of attempts. Retrying one runs it again from now with its attempts counted afresh.</p>
      ${
        jobs.dead.length === 0
          ? html`<p class="empty">No dead jobs.</p>`
          : jobTable(
              jobs.dead,
              [
                attempts,
                error,
                { label: 'Died', cell: (job) => when(job.updated_at) },
                {
                  label: 'Actions',
                  hideLabel: true,
                  cell: (job) =>
                    html`<form method="post" action="/console/jobs/${job.id}/retry" class="row-actions">
                      ${csrfField(session)}<button type="submit">Retry</button>
                    </form>`,
                },
              ],
              'Dead jobs',
            )
      }
      ${jobs.nextDead !== null ? html`<p class="more"><a href="/console/jobs?before=${jobs.nextDead}">Older dead jobs</a></p>` : ''}
      <h2>Stuck</h2>
      <p class="hint">Running jobs whose lease has passed: their worker died or stalled; another worker takes them over.</p>
      ${
        jobs.stuck.length === 0
          ? html`<p class="empty">None.</p>`
          : jobTable(
              jobs.stuck,
              [
                attempts,
                { label: 'Worker', cell: (job) => html`<code>${job.locked_by ?? ''}</code>` },
                { label: 'Lease ended', cell: (job) => (job.locked_until === null ? '' : when(job.locked_until)) },
              ],
              'Stuck jobs',
            )
      }
      <h2>Oldest due</h2>
      <p class="hint">Pending jobs whose time has come, oldest first: a queue falling behind shows here.</p>
      ${
        jobs.due.length === 0
          ? html`<p class="empty">None: the queue is keeping up.</p>`
          : jobTable(
              jobs.due,
              [attempts, error, { label: 'Due', cell: (job) => html`${when(job.run_at)} (${roughly(now - job.run_at)} ago)` }],
              'Oldest due jobs',
            )
      }`,
  });
}
