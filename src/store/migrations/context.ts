/** What a migration needs to know about the dialect to write one schema for both. */
export interface MigrationContext {
  autoIncrementId: 'integer' | 'bigserial';
  bigint: 'integer' | 'bigint';
  /** Bytes as received: SQLite's blob, PostgreSQL's bytea. */
  bytes: 'blob' | 'bytea';
}
