// Counts the SQL statements this process sends to its database, for the benchmarks only: every
// statement (BEGIN and COMMIT included) is a round trip on PostgreSQL and a step on SQLite.
import { appendFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

/**
 * Starts counting; returns a reader of the count so far. With BENCH_STATEMENT_TALLY=<file>, the
 * count per statement text (and on SQLite the time spent in it) is appended to that file when the
 * process exits: which statements repeat, and which cost.
 */
export function countStatements(): () => number {
  let count = 0;
  const tallyFile = process.env.BENCH_STATEMENT_TALLY;
  const tally = new Map<string, { n: number; ms: number }>();
  if (tallyFile) {
    process.on('exit', () => {
      const lines = [...tally].sort((a, b) => b[1].n - a[1].n).map(([text, t]) => `${t.n}\t${t.ms.toFixed(1)}\t${text}`);
      // Appended: a bench runs several server processes in turn, and each adds its own section.
      const header = `# process ${process.pid} (${process.argv.slice(2).join(' ').slice(0, 120)})\ncount\tms (SQLite only: time in the call)\tstatement`;
      appendFileSync(tallyFile, `${header}\n${lines.join('\n')}\n\n`);
    });
  }
  const seen = (text: unknown, ms = 0) => {
    count++;
    if (tallyFile) {
      const key = typeof text === 'string' ? text : String((text as { text?: string } | null)?.text ?? '?');
      const entry = tally.get(key) ?? { n: 0, ms: 0 };
      entry.n++;
      entry.ms += ms;
      tally.set(key, entry);
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
      if (!tallyFile) {
        seen(this.source);
        return original.apply(this, args);
      }
      // SQLite's calls are synchronous: the time in the call is the statement's whole cost.
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        seen(this.source, performance.now() - started);
      }
    };
  }
  return () => count;
}
