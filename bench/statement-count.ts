// Counts the SQL statements this process sends to its database, for the benchmarks only: every
// statement (BEGIN and COMMIT included) is a round trip on PostgreSQL and a step on SQLite.
import { writeFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

/**
 * Starts counting; returns a reader of the count so far. With BENCH_STATEMENT_TALLY=<file>, the
 * count per statement text is written to that file when the process exits (to see which repeat).
 */
export function countStatements(): () => number {
  let count = 0;
  const tallyFile = process.env.BENCH_STATEMENT_TALLY;
  const tally = new Map<string, number>();
  if (tallyFile) {
    process.on('exit', () => {
      const lines = [...tally].sort((a, b) => b[1] - a[1]).map(([text, n]) => `${n}\t${text}`);
      writeFileSync(tallyFile, `${lines.join('\n')}\n`);
    });
  }
  const seen = (text: unknown) => {
    count++;
    if (tallyFile) {
      const key = typeof text === 'string' ? text : String((text as { text?: string } | null)?.text ?? '?');
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
  };
  const client = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]) {
    seen(args[0]);
    return query.apply(this, args);
  };
  // better-sqlite3 statements share one prototype: take it from a throwaway statement.
  const probe = new BetterSqlite3(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method]!;
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      seen(this.source);
      return original.apply(this, args);
    };
  }
  return () => count;
}
