// Counts the SQL statements this process sends to its database, for the benchmarks only: every
// statement (BEGIN and COMMIT included) is a round trip on PostgreSQL and a step on SQLite.
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

/** Starts counting; returns a reader of the count so far. */
export function countStatements(): () => number {
  let count = 0;
  const client = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]) {
    count++;
    return query.apply(this, args);
  };
  // better-sqlite3 statements share one prototype: take it from a throwaway statement.
  const probe = new BetterSqlite3(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method]!;
    statement[method] = function (this: unknown, ...args: unknown[]) {
      count++;
      return original.apply(this, args);
    };
  }
  return () => count;
}
