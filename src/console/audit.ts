import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export type AuditAction =
  | 'logged_in'
  | 'replied'
  | 'noted'
  | 'assigned'
  | 'closed'
  | 'reopened'
  | 'user_added'
  | 'user_disabled'
  | 'user_enabled'
  | 'user_removed'
  // Operations pages (operations-routes.ts)
  | 'delivery_replayed'
  | 'endpoint_recovered'
  | 'endpoint_enabled'
  | 'job_retried'
  | 'unreadable_replayed'
  | 'unreadable_discarded'
  // Saved replies, the consent ledger (saved-reply-routes.ts, consent-routes.ts)
  | 'saved_reply_added'
  | 'saved_reply_changed'
  | 'saved_reply_removed'
  | 'consent_exported'
  | 'consent_imported';

/** Records what a console user did, in the caller's transaction so the trail matches what happened. */
export async function recordAudit(
  trx: Kysely<Database>,
  entry: { userId: string; action: AuditAction; subject: string | null; detail?: Record<string, unknown>; now?: number },
): Promise<void> {
  await trx
    .insertInto('console_audit')
    .values({
      user_id: entry.userId,
      action: entry.action,
      subject: entry.subject,
      detail: JSON.stringify(entry.detail ?? {}),
      at: entry.now ?? Date.now(),
    })
    .execute();
}
