import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { enqueue } from '../src/queue/enqueue.js';
import { openStore } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { dropSchema, postgresUrl } from './helpers/stores.js';

function runWorkerProcess(schema: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/queue-worker-process.ts', postgresUrl, schema], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe(
  'queue shared by two processes [postgres]',
  { skip: postgresUrl ? false : 'no PostgreSQL server (set PARLEY_TEST_DATABASE_URL)' },
  () => {
    it('runs every job exactly once and keeps each group in order', { timeout: 120_000 }, async () => {
      const schema = `t_mp_${process.pid}_${Date.now()}`;
      const store = await openStore(postgresUrl, { schema });
      try {
        await migrateToLatest(store);
        const groups = 20;
        const perGroup = 15;
        await store.write(async (trx) => {
          for (let i = 0; i < perGroup; i++) {
            for (let g = 0; g < groups; g++) await enqueue(trx, 'inbound.process', { messageId: `g${g}:${i}` }, { groupKey: `g${g}` });
          }
        });

        const codes = await Promise.all([runWorkerProcess(schema), runWorkerProcess(schema)]);
        assert.deepEqual(codes, [0, 0]);

        const runs = await store.db.selectFrom('events').select(['message_id', 'data']).where('type', '=', 'test.run').execute();
        assert.equal(runs.length, groups * perGroup, 'every job ran, none twice');
        assert.equal(new Set(runs.map((r) => r.message_id)).size, groups * perGroup);
        const data = runs.map((r) => JSON.parse(r.data) as { pid: number; inOrder: boolean });
        assert.equal(data.filter((d) => !d.inOrder).length, 0, 'no job ran before its group predecessor');
        assert.equal(new Set(data.map((d) => d.pid)).size, 2, 'both processes took work');
      } finally {
        await dropSchema(store.db, schema);
        await store.close();
      }
    });
  },
);
