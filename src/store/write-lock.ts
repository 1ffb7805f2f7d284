/**
 * One SQLite database written from two threads (the HTTP server's and the job thread's, each with
 * its own connection) needs its writers to take turns. SQLite's own lock would do it, but a
 * connection that finds it taken sleeps in its busy handler, blocking its thread for 1, 2, 5, 10…
 * ms at a time whatever the holder does. This lock lives in memory both threads share: a writer
 * that finds it taken waits without blocking its event loop and is woken the moment it is free,
 * and the holder can see that someone waits (`wanted`) and commit what it has so far.
 *
 * It is a ticket lock: turns are taken in the order they were asked for, so a writer that gives
 * the lock back and at once asks again (a busy thread's next batch) goes behind the one waiting.
 */
export class WriteLock {
  private readonly cells: Int32Array;

  /** A new lock, or the one another thread made when given its `buffer`. */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)) {
    this.cells = new Int32Array(buffer);
  }

  /** Resolves once this caller holds the lock; call the returned function to give it back. */
  async acquire(): Promise<() => void> {
    const ticket = Atomics.add(this.cells, NEXT_TICKET, 1);
    for (let serving = Atomics.load(this.cells, SERVING); serving !== ticket; serving = Atomics.load(this.cells, SERVING)) {
      const waiting = Atomics.waitAsync(this.cells, SERVING, serving);
      if (waiting.async) await waiting.value;
    }
    return () => {
      Atomics.add(this.cells, SERVING, 1);
      Atomics.notify(this.cells, SERVING);
    };
  }

  /** Whether a writer is waiting for the lock (tickets taken beyond the one being served). */
  wanted(): boolean {
    // `| 0`: both counters wrap around together after 2^32 turns.
    return ((Atomics.load(this.cells, NEXT_TICKET) - Atomics.load(this.cells, SERVING)) | 0) > 1;
  }
}

const NEXT_TICKET = 0;
const SERVING = 1;
