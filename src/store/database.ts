import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import { groupCommitWriter, type WriteWork } from './group-commit.js';
import type { Database } from './schema.js';
import { WriteLock } from './write-lock.js';
import { OwnSchemaPostgresDialect } from './schema-introspector.js';

export type DialectName = 'sqlite' | 'postgres';

/**
 * Where the dialects differ, decided once here; the rest of the code reads these flags instead of
 * asking which database it is talking to.
 */
export interface DialectCapabilities {
  /** `SELECT … FOR UPDATE SKIP LOCKED`, so several processes can claim jobs from one table. */
  skipLocked: boolean;
  /**
   * One connection, one writer: concurrent write transactions are batched into one commit (and
   * one fsync) instead of each paying for its own.
   */
  groupCommit: boolean;
  /**
   * Statements run synchronously in the process (better-sqlite3): a long transaction holds the event
   * loop, and every request and job of the process waits for it. Long work goes in short pieces.
   */
  blockingCalls: boolean;
  /** How JSON stored as text is read in SQL: SQLite's JSON1 functions or PostgreSQL's jsonb (store/json-sql.ts). */
  json: 'json1' | 'jsonb';
}

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  capabilities: DialectCapabilities;
  /**
   * Runs `work` in a write transaction and resolves once it is committed. On SQLite, concurrent
   * writes share one commit (see group-commit.ts); on PostgreSQL each is its own transaction.
   */
  write<T>(work: WriteWork<T>): Promise<T>;
  /**
   * Runs a write of one statement (or of statements each correct on its own, such as conditional
   * updates) that must be durable once it resolves: on PostgreSQL as it is, without BEGIN and
   * COMMIT round trips around it; on SQLite through `write`, to share a commit.
   */
  writeAlone<T>(work: WriteWork<T>): Promise<T>;
  /**
   * The database server's clock in integer milliseconds, as an SQL expression: for times that
   * instances on different machines compare (workers' heartbeats, queue/presence.ts), so that their
   * own clocks need not agree.
   */
  now: RawBuilder<number>;
  /** A printable description of the database, without credentials. */
  describe: string;
  /** The SQLite database's file (`:memory:` for one in memory). */
  file?: string;
  /** The PostgreSQL schema Parley's tables live in, when not the default. */
  schema?: string;
  /** SQLite: the lock its write transactions take turns by; a job thread's connection shares it (write-lock.ts). */
  writeLock?: WriteLock;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** PostgreSQL pool size per process. */
  poolSize?: number;
  /** PostgreSQL schema to use (tests isolate themselves in their own schema). */
  schema?: string;
  /** SQLite: the `writeLock` buffer of another thread's connection to the same file. */
  writeLock?: SharedArrayBuffer;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  return isPostgresUrl(location) ? openPostgres(location, options) : openSqlite(location, options);
}

function openSqlite(path: string, options: OpenStoreOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const connection = new BetterSqlite3(path);
  // WAL lets readers run beside the writer; FULL makes every commit durable before Parley answers
  // 2xx to a provider (the group commit keeps that to one fsync per batch of requests).
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = FULL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  const writeLock = new WriteLock(options.writeLock);
  const write = groupCommitWriter(db, writeLock);
  return {
    db,
    dialect: 'sqlite',
    capabilities: { skipLocked: false, groupCommit: true, blockingCalls: true, json: 'json1' },
    write,
    writeAlone: write,
    now: sql<number>`cast(unixepoch('subsec') * 1000 as integer)`,
    describe: `sqlite:${path}`,
    file: path,
    writeLock,
    close: () => db.destroy(),
  };
}

/**
 * Kysely's SQLite driver prepares every query anew, which costs more than running it; Parley runs
 * the same few statements over and over, so prepared statements are kept and reused. Statements
 * are only run to completion (never iterated while another runs), which makes reuse safe. The
 * cache is bounded: queries with variable-length `IN` lists make new texts.
 */
function withStatementCache(connection: BetterSqlite3.Database, limit = 1_000) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (!statement) {
        if (cache.size >= limit) cache.clear();
        // Kysely begins a transaction with a plain (deferred) BEGIN, which takes the write lock
        // only at its first write: if the job thread's connection commits between this one's read
        // and its write, SQLite fails the write with SQLITE_BUSY at once rather than wait.
        // BEGIN IMMEDIATE takes the lock first, waiting for it up to busy_timeout.
        statement = connection.prepare(text === 'begin' ? 'begin immediate' : text);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

// int8 (bigint) columns hold millisecond times and ids, well inside 2^53: read them as numbers.
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : (pg.types.getTypeParser(oid, format) as (value: string) => unknown),
};

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // An unreachable server must fail the query (the webhook then goes to the spool), not hang it.
    connectionTimeoutMillis: 5_000,
    types: pgTypes,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // A client that loses its server must not crash the process: an idle one's error comes to the
  // pool, a checked-out one's to the client itself (the query it runs fails, and that is reported).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  if (options.schema) await sql`create schema if not exists ${sql.id(options.schema)}`.execute(db);
  const parsed = new URL(url);
  return {
    db,
    dialect: 'postgres',
    capabilities: { skipLocked: true, groupCommit: false, blockingCalls: false, json: 'jsonb' },
    write: (work) => db.transaction().execute(work),
    writeAlone: (work) => work(db),
    // clock_timestamp(), not now(): the time of the statement, not of its transaction's start.
    now: sql<number>`(extract(epoch from clock_timestamp()) * 1000)::int8`,
    describe: `postgres://${parsed.host}${parsed.pathname}${options.schema ? ` (schema ${options.schema})` : ''}`,
    ...(options.schema ? { schema: options.schema } : {}),
    close: () => db.destroy(),
  };
}
