import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { databaseUnreachable, Spool, spooledBody, SpoolFullError, type SpoolEntry } from './spool.js';

const log = pino({ level: 'silent' });
const entry = (i: number): SpoolEntry => ({
  kind: 'inbound',
  channel: 'main',
  message: {
    from: '+15551234567',
    to: '+18005550100',
    body: `message ${i} ✓`,
    mediaUrls: [],
    providerMessageId: `m${i}`,
    providerTime: null,
  },
  contentType: 'application/json',
  body: `{"i":${i}}`,
});
const idOf = (e: SpoolEntry) => (e.kind === 'inbound' ? e.message.providerMessageId : e.receipt.providerMessageId);

describe('the local spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps entries on disk and drains them in order, across a restart', async () => {
    const spool = new Spool(join(dir, 's'), 1_000_000, log);
    await Promise.all([0, 1, 2].map((i) => spool.write(entry(i))));
    await spool.write(entry(3));
    assert.equal(spool.pending(), true);
    await spool.close();

    const reopened = new Spool(join(dir, 's'), 1_000_000, log);
    assert.equal(reopened.pending(), true, 'what was acknowledged is still there after a restart');
    const applied: string[] = [];
    assert.equal(await reopened.drain(async (e) => void applied.push(idOf(e))), 4);
    assert.deepEqual(applied, ['m0', 'm1', 'm2', 'm3']);
    assert.equal(reopened.pending(), false);
    await reopened.close();
    assert.deepEqual(readdirSync(dir), [], 'an empty spool leaves nothing behind');
  });

  it('keeps a raw body byte for byte, and still reads the text body of entries from earlier versions', async () => {
    const spool = new Spool(join(dir, 's'), 1_000_000, log);
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x00, 0x7d]);
    const { body: _text, ...rest } = entry(0);
    await spool.write({ ...rest, rawBody: bytes.toString('base64') });
    await spool.write(entry(1));
    const bodies: Buffer[] = [];
    await spool.drain(async (e) => void bodies.push(spooledBody(e)));
    assert.deepEqual(bodies, [bytes, Buffer.from('{"i":1}')]);
    await spool.close();
  });

  it('stops at the first failure and resumes from there; writes during a drain come after', async () => {
    const spool = new Spool(join(dir, 's'), 1_000_000, log);
    for (let i = 0; i < 120; i++) await spool.write(entry(i));
    const applied: string[] = [];
    let failAt = 70;
    const apply = async (e: SpoolEntry) => {
      if (applied.length === failAt) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      applied.push(idOf(e));
    };
    await assert.rejects(spool.drain(apply), (e: unknown) => databaseUnreachable(e));
    await spool.write(entry(120));
    failAt = -1;
    await spool.drain(apply);
    await spool.drain(apply);
    // At most the entries since the last progress mark are applied twice (ingest ignores repeats).
    const firstSeen = applied.filter((id, i) => applied.indexOf(id) === i);
    assert.deepEqual(
      firstSeen,
      Array.from({ length: 121 }, (_, i) => `m${i}`),
    );
    assert.ok(applied.length - firstSeen.length <= 50);
    assert.equal(spool.pending(), false);
    await spool.close();
  });

  it('refuses past its size limit', async () => {
    const spool = new Spool(join(dir, 's'), 600, log);
    await spool.write(entry(0));
    await spool.write(entry(1));
    await assert.rejects(spool.write(entry(2)), SpoolFullError);
    await spool.close();
  });

  it('tells an unreachable database from a failed statement', () => {
    assert.equal(databaseUnreachable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), true);
    assert.equal(
      databaseUnreachable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })),
      true,
    );
    assert.equal(databaseUnreachable(new Error('Connection terminated unexpectedly')), true);
    assert.equal(databaseUnreachable(Object.assign(new Error('duplicate key'), { code: '23505' })), false);
    assert.equal(databaseUnreachable(null), false);
  });
});
