/**
 * Collects items submitted in the same turn of the event loop (and while the previous batch is
 * running) and hands them to `run` together; each submitter gets its own result. `run` returns
 * results in the order of the items, or throws to fail the whole batch.
 */
export function createBatcher<I, R>(run: (items: I[]) => Promise<R[]>, maxBatch = 256): (item: I) => Promise<R> {
  const queue: Array<{ item: I; resolve(value: R): void; reject(error: unknown): void }> = [];
  let running = false;

  const flush = async (): Promise<void> => {
    running = true;
    const batch = queue.splice(0, maxBatch);
    try {
      const results = await run(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (error) {
      for (const b of batch) b.reject(error);
    } finally {
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
