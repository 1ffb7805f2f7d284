import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { retryDelayMs } from '../core/backoff.js';
import { newId } from '../core/ids.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import { claimJobs } from './claim.js';
import { completeJob, LeaseLostError } from './complete.js';
import { failJob, releaseJob, type FailOptions } from './fail.js';
import { nextDueAt } from './next-due.js';
import { Presence } from './presence.js';
import { renewLeases } from './renew.js';
import type { Job, JobKind } from './job-kinds.js';

export interface JobContext {
  /**
   * Commits the job's effects and removes the job, in one transaction. A handler calls it once,
   * after any outside call (a provider's API); a handler with no effects may leave it to the worker.
   */
  finish: (effects?: (trx: Kysely<Database>) => Promise<void>) => Promise<void>;
  /**
   * Gives back the job's place under its limit key before the job ends, for a handler whose outside
   * call is over (a delivery's response is in): the key's next job starts while this one commits,
   * so the limit bounds requests in flight, not commits. The job keeps its worker slot and lease.
   */
  releaseLimitKey: () => void;
  log: Logger;
}

export type JobHandler<K extends JobKind> = (job: Job<K>, context: JobContext) => Promise<void>;
export type JobHandlers = { [K in JobKind]: JobHandler<K> };

/** Thrown by a handler for a failure that retrying cannot cure: the job goes straight to `dead`. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface WorkerOptions {
  concurrency: number;
  /**
   * At most this many jobs of a kind at once, so that one kind of slow work (deliveries to an
   * endpoint that hangs) can never take every slot from routing and sending.
   */
  kindLimits?: Partial<Record<JobKind, number>>;
  /** At most this many jobs with the same limit key at once (one webhook endpoint's deliveries). */
  limitKeyMax?: number;
  /**
   * How long a claimed job is this worker's. A process that dies leaves its jobs leased until then,
   * so it is kept short; `heartbeatMs` extends the leases of jobs still running.
   */
  leaseMs: number;
  /** How often the leases of running jobs are extended (well under `leaseMs`); none when absent. */
  heartbeatMs?: number;
  /**
   * The longest an idle worker sleeps before looking for due jobs again: what bounds how late it
   * sees jobs from other processes. Jobs due sooner wake it when they are due.
   */
  pollIntervalMs: number;
  /**
   * With it, the worker keeps a row in `workers` beating (queue/presence.ts), and takes over the
   * jobs of any worker silent this long, so a killed instance's work runs again within seconds
   * rather than after its leases; a clean stop gives back its row and what it still runs.
   */
  takeoverMs?: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export const defaultWorkerOptions: WorkerOptions = {
  concurrency: 64,
  leaseMs: 15_000,
  heartbeatMs: 5_000,
  pollIntervalMs: 500,
  retryBaseMs: 1_000,
  retryMaxMs: 15 * 60_000,
};

/** What a running Parley's jobs are run by: a Worker in this thread, or one in a job thread. */
export interface JobRunner {
  start(): void;
  /** Jobs were just committed here: look for them now. */
  wake(): void;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Claims jobs and runs them, up to `concurrency` at a time. Several workers (in one process or
 * many, on PostgreSQL) can share a queue; the claim guarantees each job one owner at a time.
 */
export class Worker implements JobRunner {
  readonly id = `${hostname()}:${process.pid}:${newId('w').slice(-6)}`;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly inFlightByKind = new Map<JobKind, number>();
  private readonly inFlightByLimitKey = new Map<string, number>();
  private running = false;
  private stopping = false;
  private claiming = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private loopPromise: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** A wake-up that came while the loop was busy claiming: it must not be lost. */
  private woken = false;
  /**
   * Failures that could not be recorded because the database was away. The jobs stay leased to
   * this worker; recording them once the database answers again lets them run at once, rather than
   * only after their lease expires.
   */
  private readonly unrecorded = new Map<number, { job: Job; failure: FailOptions }>();
  private readonly presence: Presence | undefined;

  constructor(
    private readonly store: Store,
    private readonly handlers: JobHandlers,
    private readonly log: Logger,
    private readonly options: WorkerOptions = defaultWorkerOptions,
  ) {
    if (options.takeoverMs !== undefined) {
      // Jobs put back by a takeover are runnable at once: look for them now.
      this.presence = new Presence(store, this.id, log, { takeoverMs: options.takeoverMs, onTakeOver: () => this.wake() });
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Registered before the first claim, so every job it holds belongs to a worker others can see.
    this.loopPromise = (this.presence?.start() ?? Promise.resolve()).then(() => this.loop());
    if (this.options.heartbeatMs !== undefined) {
      this.heartbeat = setInterval(() => void this.renewLeases(), this.options.heartbeatMs);
      this.heartbeat.unref();
    }
  }

  /** Extends the leases of the jobs running here; a miss (the database away) is tried again next beat. */
  private async renewLeases(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    if (ids.length === 0) return;
    try {
      await renewLeases(this.store, this.id, ids, this.options.leaseMs);
    } catch (error) {
      this.log.warn({ err: error, jobs: ids.length }, 'could not extend the leases of running jobs; trying again at the next heartbeat');
    }
  }

  /** Asks the worker to look for jobs now (called after enqueueing in this process). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops claiming, waits up to `graceMs` for running jobs, then releases the leases of any
   * still running so another worker can take them at once instead of after the lease expires.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.wake();
    await this.loopPromise;
    const all = Promise.allSettled(this.inFlight.values());
    const timedOut = await Promise.race([all.then(() => false), delay(graceMs).then(() => true)]);
    clearInterval(this.heartbeat);
    this.running = false;
    if (this.presence) {
      const given = await this.presence.stop().catch((error: unknown) => {
        this.log.warn(
          { err: error },
          'could not deregister this worker; other instances take its jobs over once it is silent past queue.takeover',
        );
        return 0;
      });
      if (given > 0) this.log.warn({ jobs: given }, 'jobs still running at shutdown were given back; they run again elsewhere');
    } else if (timedOut) this.log.warn({ jobs: [...this.inFlight.keys()] }, 'jobs still running at shutdown; their leases will expire');
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      // Let the wake-ups of one turn of the event loop (jobs finishing, jobs queued) share one claim:
      // at a thousand jobs a second, a claim per wake-up costs more than the jobs.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.woken = false;
      if (this.unrecorded.size > 0) await this.recordFailures();
      const free = this.options.concurrency - this.inFlight.size;
      const claimedAt = Date.now();
      let claimed = 0;
      let claimFailed = false;
      if (free > 0) {
        try {
          claimed = await this.claim(free, claimedAt);
        } catch (error) {
          claimFailed = true;
          this.log.error({ err: error }, 'claiming jobs failed');
        }
      }
      // A full batch suggests more are waiting, and a wake-up during the claim (a job finished,
      // jobs were queued) may have made more runnable: go again at once.
      if ((claimed === free && free > 0) || this.woken) continue;
      // Otherwise sleep until woken, the next job here falls due, or the poll interval passes (which
      // covers jobs another instance queues). With no slot free a finishing job wakes the worker.
      const sleepMs = free > 0 && !claimFailed ? await this.untilNextDue(claimedAt) : this.options.pollIntervalMs;
      if (this.woken) continue;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.wakeTimer = setTimeout(resolve, sleepMs);
      });
      clearTimeout(this.wakeTimer);
      this.wakeUp = undefined;
    }
  }

  /**
   * How long to sleep for the next job due after the claim made at `claimedAt`, at most the poll
   * interval. Jobs due by `claimedAt` that the claim left (behind their group, of a kind at its cap)
   * are not counted, so this never spins; one that fell due since the claim is claimed at once.
   */
  private async untilNextDue(claimedAt: number): Promise<number> {
    const poll = this.options.pollIntervalMs;
    try {
      const at = await nextDueAt(this.store, claimedAt, claimedAt + poll);
      return at === null ? poll : Math.min(poll, Math.max(0, at - Date.now()));
    } catch (error) {
      this.log.warn({ err: error }, 'could not read when the next job is due; polling');
      return poll;
    }
  }

  private async claim(limit: number, now: number): Promise<number> {
    if (this.claiming) return 0;
    this.claiming = true;
    try {
      const jobs = await claimJobs(this.store, {
        workerId: this.id,
        now,
        limit,
        leaseMs: this.options.leaseMs,
        excludeKinds: this.kindsAtLimit(),
        excludeLimitKeys: this.limitKeysAtLimit(),
        ...(this.options.limitKeyMax !== undefined
          ? { limitKeyRoom: { max: this.options.limitKeyMax, used: this.inFlightByLimitKey } }
          : {}),
      });
      const limits = this.options.kindLimits ?? {};
      let started = 0;
      for (const job of jobs) {
        // Claimed again after its lease ran out: this run supersedes the failure not yet recorded.
        this.unrecorded.delete(job.id);
        const running = this.inFlightByKind.get(job.kind) ?? 0;
        const keyRunning = job.limitKey === null ? 0 : (this.inFlightByLimitKey.get(job.limitKey) ?? 0);
        if (running >= (limits[job.kind] ?? Infinity) || (job.limitKey !== null && keyRunning >= (this.options.limitKeyMax ?? Infinity))) {
          // One claim can take more of a kind than its cap has room for: give the rest back at once.
          await this.store
            .write((trx) => releaseJob(trx, job))
            .catch((error: unknown) => this.log.warn({ err: error, job: job.id }, 'could not release a job over its kind limit'));
          continue;
        }
        started++;
        this.inFlightByKind.set(job.kind, running + 1);
        if (job.limitKey !== null) this.inFlightByLimitKey.set(job.limitKey, keyRunning + 1);
        let keyHeld = job.limitKey !== null;
        const releaseLimitKey = () => {
          if (!keyHeld) return;
          keyHeld = false;
          const left = this.inFlightByLimitKey.get(job.limitKey!)! - 1;
          if (left === 0) this.inFlightByLimitKey.delete(job.limitKey!);
          else this.inFlightByLimitKey.set(job.limitKey!, left);
          this.wake();
        };
        const run = this.run(job, releaseLimitKey).finally(() => {
          this.inFlight.delete(job.id);
          this.inFlightByKind.set(job.kind, this.inFlightByKind.get(job.kind)! - 1);
          releaseLimitKey();
          // A finished job frees a slot and may unblock the next job of its group.
          this.wake();
        });
        this.inFlight.set(job.id, run);
      }
      return started;
    } finally {
      this.claiming = false;
    }
  }

  /** Records the failures the database could not take before; stops at the first that still fails. */
  private async recordFailures(): Promise<void> {
    for (const [id, { job, failure }] of this.unrecorded) {
      try {
        // Null (the lease passed to another worker meanwhile) needs nothing more either.
        await this.store.write((trx) => failJob(trx, job, failure));
      } catch {
        return;
      }
      this.unrecorded.delete(id);
      this.log.info(
        { job: id, kind: job.kind },
        'job failure recorded now that the database answers; it runs again without waiting for its lease',
      );
    }
  }

  /** Kinds to leave unclaimed this round: those already at their cap. */
  private kindsAtLimit(): JobKind[] {
    const limits = this.options.kindLimits ?? {};
    return (Object.keys(limits) as JobKind[]).filter((kind) => (this.inFlightByKind.get(kind) ?? 0) >= limits[kind]!);
  }

  private limitKeysAtLimit(): string[] {
    const max = this.options.limitKeyMax;
    if (max === undefined) return [];
    return [...this.inFlightByLimitKey].filter(([, running]) => running >= max).map(([key]) => key);
  }

  private async run(job: Job, releaseLimitKey: () => void): Promise<void> {
    const log = this.log.child({ job: job.id, kind: job.kind });
    let finished = false;
    const context: JobContext = {
      log,
      releaseLimitKey,
      finish: async (effects) => {
        await this.store.write(async (trx) => {
          if (effects) await effects(trx);
          await completeJob(trx, job);
        });
        finished = true;
      },
    };
    try {
      const handler = this.handlers[job.kind] as JobHandler<JobKind>;
      await handler(job, context);
      if (!finished) await context.finish();
    } catch (error) {
      if (error instanceof LeaseLostError) {
        log.warn('job lease lost to another worker; this run was rolled back');
        return;
      }
      if (this.stopping && !finished) {
        await this.store.write((trx) => releaseJob(trx, job)).catch(() => {});
        return;
      }
      // An error may say how long to wait at least (a provider's Retry-After).
      const asked = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
      const delayMs = Math.max(
        retryDelayMs(job.attempts, this.options.retryBaseMs, this.options.retryMaxMs),
        typeof asked === 'number' ? asked : 0,
      );
      const retryAt = Date.now() + delayMs;
      const failure: FailOptions = { error: describeError(error), retryAt, final: error instanceof PermanentJobError };
      const state = await this.store
        .write((trx) => failJob(trx, job, failure))
        .catch((failError: unknown) => {
          log.error(
            { err: failError },
            'could not record job failure; it is recorded once the database answers (or runs again when its lease expires)',
          );
          this.unrecorded.set(job.id, { job, failure });
          return null;
        });
      if (state === 'dead') log.error({ err: error, attempts: job.attempts }, 'job failed for the last time and is dead');
      else log.warn({ err: error, attempts: job.attempts }, 'job failed; it will be retried');
    }
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
