import pg from 'pg';

/** The PostgreSQL server the benchmarks use: BENCH_DATABASE_URL, else the tests' one. */
export const postgresUrl =
  process.env.BENCH_DATABASE_URL || process.env.PARLEY_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Whether that server answers; a case on PostgreSQL is skipped when it does not. */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}
