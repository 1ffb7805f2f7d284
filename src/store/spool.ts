import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { WebhookRequestRecord } from '../core/webhook-record.js';
import type { InboundMessage, StatusReceipt } from '../providers/contract.js';
import { createBatcher } from './batcher.js';

// The local spool: when PostgreSQL cannot be reached, verified webhooks are written to an
// append-only file on local disk (fsync'd before the provider gets its 2xx) and moved into the
// database, in the order they came, once it is back. Some providers never resend a webhook that
// got an error, so refusing while the database is away would lose messages.
//
// Files: `current.jsonl` takes appends; a drain renames it to `<time>.draining` and works through
// the oldest such file, recording its progress in `<file>.done` (the count of entries applied), so
// a crash mid-drain resumes where it was. Applying an entry twice is harmless: ingest is idempotent
// on the provider's ids.

/**
 * The webhook's raw body travels as `rawBody`, base64 of its exact bytes. Entries written by earlier
 * versions carry `body`, the text decoded as UTF-8, instead; a spool left by one is still drained.
 */
type SpooledBody = { rawBody: string; body?: undefined } | { body: string; rawBody?: undefined };

export type SpoolEntry = (
  | { kind: 'inbound'; channel: string; message: InboundMessage; contentType: string | null }
  | { kind: 'status'; channel: string; receipt: StatusReceipt; parleyId: string | null; contentType: string | null }
) &
  SpooledBody & {
    /** How the webhook came, secrets already replaced; absent in entries of earlier versions. */
    request?: WebhookRequestRecord | null | undefined;
  };

/** The body's bytes as they were received (as near as an entry from an earlier version allows). */
export function spooledBody(entry: SpoolEntry): Buffer {
  return entry.rawBody !== undefined ? Buffer.from(entry.rawBody, 'base64') : Buffer.from(entry.body, 'utf8');
}

export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

const current = 'current.jsonl';

export class Spool {
  private handle: FileHandle | undefined;
  private bytes = 0;
  private readonly append: (line: string) => Promise<void>;
  private draining = false;
  /** Appends and rotation take turns: a file is never renamed under a write. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
    this.bytes = this.files().reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    // Lines written together share one fsync, like the database's group commit.
    this.append = createBatcher((lines: string[]) =>
      this.exclusive(async () => {
        this.handle ??= await open(join(this.dir, current), 'a');
        await this.handle.appendFile(lines.join(''));
        await this.handle.datasync();
        return lines.map(() => undefined);
      }),
    );
  }

  /** Whether anything waits to be moved into the database. */
  pending(): boolean {
    return this.bytes > 0;
  }

  /** Bytes waiting, for /metrics. */
  size(): number {
    return this.bytes;
  }

  /** Writes an entry durably; resolves once it is on disk. Throws SpoolFullError past `maxBytes`. */
  async write(entry: SpoolEntry): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    const size = Buffer.byteLength(line);
    if (this.bytes + size > this.maxBytes) throw new SpoolFullError(`the spool holds ${this.bytes} bytes, its limit is ${this.maxBytes}`);
    this.bytes += size;
    try {
      await this.append(line);
    } catch (error) {
      this.bytes -= size;
      throw error;
    }
  }

  /**
   * Moves spooled entries into the database with `apply`, oldest first, stopping at the first
   * failure (the database went away again) to resume later. Returns how many were applied.
   */
  async drain(apply: (entry: SpoolEntry) => Promise<void>): Promise<number> {
    if (this.draining || !this.pending()) return 0;
    this.draining = true;
    let applied = 0;
    try {
      await this.rotate();
      for (const file of this.files()
        .filter((f) => f.endsWith('.draining'))
        .sort()) {
        const path = join(this.dir, file);
        const lines = readFileSync(path, 'utf8')
          .split('\n')
          .filter((l) => l.length > 0);
        let done = existsNumber(`${path}.done`);
        for (; done < lines.length; done++) {
          await apply(JSON.parse(lines[done]!) as SpoolEntry);
          applied++;
          // Progress is kept every so often; a crash replays at most this many, harmlessly.
          if (done % 50 === 49) writeFileSync(`${path}.done`, String(done + 1));
        }
        rmSync(path);
        rmSync(`${path}.done`, { force: true });
        this.bytes = Math.max(0, this.bytes - lines.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0));
      }
      if (applied > 0) this.log.info({ applied }, 'spooled webhooks moved into the database');
      return applied;
    } finally {
      this.draining = false;
    }
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
    // An empty spool leaves no folder behind.
    if (!this.pending()) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Starts a new current file, so the one being drained takes no more appends. */
  private rotate(): Promise<void> {
    return this.exclusive(async () => {
      const path = join(this.dir, current);
      if (!this.files().includes(current)) return;
      await this.handle?.close();
      this.handle = undefined;
      if (statSync(path).size === 0) return;
      renameSync(path, join(this.dir, `${String(Date.now()).padStart(15, '0')}.draining`));
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private files(): string[] {
    return readdirSync(this.dir).filter((f) => f === current || f.endsWith('.draining'));
  }
}

function existsNumber(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8')) || 0;
  } catch {
    return 0;
  }
}

// PostgreSQL and network failures that mean "the database is not there", as opposed to a
// statement that failed: only these send a webhook to the spool.
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

export function databaseUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && unreachableCodes.has(e.code)) return true;
  if (
    typeof e.message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/.test(
      e.message,
    )
  )
    return true;
  return e.cause !== undefined && e.cause !== error && databaseUnreachable(e.cause);
}
