import type { DialectName } from '../database.js';

/** What a migration needs to know about the dialect to write one schema for both. */
export interface MigrationContext {
  /** For the rare index one engine's planner uses and the other's does not (0025). */
  dialect: DialectName;
  autoIncrementId: 'integer' | 'bigserial';
  bigint: 'integer' | 'bigint';
  /** Bytes as received: SQLite's blob, PostgreSQL's bytea. */
  bytes: 'blob' | 'bytea';
}
