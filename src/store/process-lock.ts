import BetterSqlite3 from 'better-sqlite3';
import { ConfigError } from '../errors.js';

/** Held while a Parley process works on an SQLite database; `release` lets the next one start. */
export interface ProcessLock {
  path: string;
  release(): void;
}

/** The file beside the database whose lock says a Parley process is working on it. */
export function lockPathFor(databasePath: string): string {
  return `${databasePath}.lock`;
}

/**
 * Claims an SQLite database for this process alone, or refuses with a clear message if another
 * process (or another Parley in this one) holds it.
 *
 * The lock is an open write transaction on a small SQLite file beside the database: SQLite holds
 * it with an operating-system file lock (fcntl), which the kernel drops the moment the process
 * dies, SIGKILL included. So a crashed process never leaves a stale lock behind, and unlike a pid
 * file there is no pid to be reused by an unrelated process, no clock to compare, no heartbeat to
 * miss. SQLite also tracks its locks per file within a process, so two Parleys started in one
 * process on one file conflict as well. Only the same file conflicts: other databases, and other
 * processes on other files, are unaffected. Readers of the database itself (the CLI, backups) take
 * no part in this lock.
 *
 * Holding the lock is what lets a starting process take back every job lease at once (see
 * queue/recover.ts): no other process can be running them.
 */
export function acquireProcessLock(databasePath: string): ProcessLock {
  const path = lockPathFor(databasePath);
  const connection = new BetterSqlite3(path);
  // No waiting: a held lock means another process is running, and it will not let go soon.
  connection.pragma('busy_timeout = 0');
  try {
    // A RESERVED lock, held until released: a second BEGIN IMMEDIATE on this file fails at once.
    connection.exec('BEGIN IMMEDIATE');
  } catch (error) {
    connection.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new ConfigError(
        `database ${databasePath} is in use by another Parley process (it holds ${path}). On SQLite only one process may run ` +
          'Parley on a database: stop the other one, or use PostgreSQL to run several instances.',
      );
    }
    throw error;
  }
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      connection.exec('ROLLBACK');
      connection.close();
    },
  };
}
