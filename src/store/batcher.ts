/**
 * Collects items submitted in the same turn of the event loop (and while the previous batch is
 * running) and hands them to `run` together; each submitter gets its own result. `run` returns
 * results in the order of the items, or throws to fail the whole batch; it may also handle only
 * the first of them (fewer results), and the rest lead the next batch. With `gate`, each batch
 * first waits for it (a lock shared with another thread), and items submitted meanwhile join it.
 */
export function createBatcher<I, R>(
  run: (items: I[]) => Promise<R[]>,
  maxBatch = 256,
  gate?: () => Promise<() => void>,
): (item: I) => Promise<R> {
  const queue: Array<{ item: I; resolve(value: R): void; reject(error: unknown): void }> = [];
  let running = false;

  const flush = async (): Promise<void> => {
    running = true;
    const release = gate ? await gate() : undefined;
    const batch = queue.splice(0, maxBatch);
    try {
      const results = await run(batch.map((b) => b.item));
      batch.forEach((b, i) => (i < results.length ? b.resolve(results[i]!) : undefined));
      queue.unshift(...batch.slice(results.length));
    } catch (error) {
      for (const b of batch) b.reject(error);
    } finally {
      release?.();
      running = false;
      if (queue.length > 0) void flush();
    }
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running && queue.length === 1) setImmediate(() => void (running || queue.length === 0 ? undefined : flush()));
    });
}
