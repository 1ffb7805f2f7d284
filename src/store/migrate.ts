import { inspect } from 'node:util';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { ConfigError } from '../errors.js';
import type { DialectName, Store } from './database.js';
import type { MigrationContext } from './migrations/context.js';
import * as spine from './migrations/0001_spine.js';
import * as automation from './migrations/0002_automation.js';
import * as claimIndex from './migrations/0003_claim_index.js';
import * as webhooks from './migrations/0004_webhooks.js';
import * as jobLimitKey from './migrations/0005_job_limit_key.js';
import * as providerReceipts from './migrations/0006_provider_receipts.js';
import * as deliveryControls from './migrations/0007_delivery_controls.js';
import * as flowSessions from './migrations/0008_flow_sessions.js';
import * as providerReceiptFacts from './migrations/0009_provider_receipt_facts.js';
import * as unreadableWebhooks from './migrations/0010_unreadable_webhooks.js';
import * as endpointPause from './migrations/0011_endpoint_pause.js';
import * as retentionIndexes from './migrations/0012_retention_indexes.js';
import * as suppressionSource from './migrations/0013_suppression_source.js';
import * as flowSessionEndedIndex from './migrations/0014_flow_session_ended_index.js';
import * as jobInterrupted from './migrations/0015_job_interrupted.js';
import * as rawWebhookBodies from './migrations/0016_raw_webhook_bodies.js';
import * as console_ from './migrations/0017_console.js';
import * as outbound from './migrations/0019_outbound.js';
import * as messageTrace from './migrations/0020_message_trace.js';
import * as savedReplies from './migrations/0021_saved_replies.js';
import * as sending from './migrations/0022_sending.js';
import * as triggers from './migrations/0023_triggers.js';
import * as broadcasts from './migrations/0024_broadcasts.js';
import * as jobsDueIndex from './migrations/0025_jobs_due_index.js';
import * as workers from './migrations/0027_workers.js';

type ParleyMigration = {
  up(db: Kysely<unknown>, context: MigrationContext): Promise<void>;
};

// Listed here, in order, rather than discovered on disk: the compiled build and the tests see
// exactly the same set.
const migrations: Record<string, ParleyMigration> = {
  '0001_spine': spine,
  '0002_automation': automation,
  '0003_claim_index': claimIndex,
  '0004_webhooks': webhooks,
  '0005_job_limit_key': jobLimitKey,
  '0006_provider_receipts': providerReceipts,
  '0007_delivery_controls': deliveryControls,
  '0008_flow_sessions': flowSessions,
  '0009_provider_receipt_facts': providerReceiptFacts,
  '0010_unreadable_webhooks': unreadableWebhooks,
  '0011_endpoint_pause': endpointPause,
  '0012_retention_indexes': retentionIndexes,
  '0013_suppression_source': suppressionSource,
  '0014_flow_session_ended_index': flowSessionEndedIndex,
  '0015_job_interrupted': jobInterrupted,
  '0016_raw_webhook_bodies': rawWebhookBodies,
  '0017_console': console_,
  '0019_outbound': outbound,
  '0020_message_trace': messageTrace,
  '0021_saved_replies': savedReplies,
  '0022_sending': sending,
  '0023_triggers': triggers,
  '0024_broadcasts': broadcasts,
  '0025_jobs_due_index': jobsDueIndex,
  '0027_workers': workers,
};

export const latestMigration = Object.keys(migrations).at(-1)!;

function contextFor(dialect: DialectName): MigrationContext {
  return dialect === 'postgres'
    ? { dialect, autoIncrementId: 'bigserial', bigint: 'bigint', bytes: 'bytea' }
    : { dialect, autoIncrementId: 'integer', bigint: 'integer', bytes: 'blob' };
}

class StaticMigrations implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const context = contextFor(this.dialect);
    return Object.fromEntries(Object.entries(migrations).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, context) }]));
  }
}

/**
 * The schema Parley's tables live in. Kysely decides whether its migration tables exist by looking
 * through every schema on the server, so on a server where another schema already has them (another
 * Parley, another app using Kysely) it would skip creating ours and then fail to read them. Naming
 * the schema keeps the look to ours. A schema can come from the store's options or from the
 * connection's own search_path (`?options=-c search_path=...`, a role's default).
 */
async function migrationSchemaOf(store: Store): Promise<string | undefined> {
  if (store.dialect !== 'postgres') return undefined;
  if (store.schema) return store.schema;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(store.db);
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new ConfigError(
      "database: none of the schemas in the connection's search_path exists; create one or set search_path to an existing schema",
    );
  }
  return schema;
}

async function migratorFor(store: Store): Promise<Migrator> {
  const schema = await migrationSchemaOf(store);
  return new Migrator({
    db: store.db,
    provider: new StaticMigrations(store.dialect),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

export interface MigrationReport {
  applied: string[];
}

/** Brings the schema up to date; safe to run from several processes at once (Kysely locks). */
export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  const migrator = await migratorFor(store);
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${inspect(error)}`);
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Whether every migration this build knows has been applied (for readiness checks). */
export async function migrationsCurrent(store: Store): Promise<boolean> {
  const migrator = await migratorFor(store);
  const list = await migrator.getMigrations();
  return list.every((m) => m.executedAt !== undefined);
}
