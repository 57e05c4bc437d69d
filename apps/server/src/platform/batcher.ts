/**
 * Group commit for requests that arrive together. Items submitted under one key while a batch
 * for that key is running wait and go into the next batch, so a lone request runs at once (no
 * added delay) and a burst of N concurrent requests costs a few transactions instead of N.
 *
 * If a whole batch fails (a database error rather than a per-item refusal), each of its items is
 * retried alone, so one item's failure never becomes another's.
 */
export interface Batcher<I, R> {
  submit(key: string, item: I): Promise<R>;
}

export function createBatcher<I, R>(opts: {
  maxBatch: number;
  run: (items: I[]) => Promise<R[]>;
}): Batcher<I, R> {
  interface Waiting {
    item: I;
    resolve: (r: R) => void;
    reject: (e: unknown) => void;
  }
  const queues = new Map<string, Waiting[]>();

  async function drain(key: string, queue: Waiting[]) {
    while (queue.length) {
      const batch = queue.splice(0, opts.maxBatch);
      try {
        const results = await opts.run(batch.map((w) => w.item));
        for (const [i, w] of batch.entries()) w.resolve(results[i]!);
      } catch (err) {
        if (batch.length === 1) {
          batch[0]!.reject(err);
          continue;
        }
        for (const w of batch) {
          try {
            w.resolve((await opts.run([w.item]))[0]!);
          } catch (e) {
            w.reject(e);
          }
        }
      }
    }
    queues.delete(key);
  }

  return {
    submit(key, item) {
      return new Promise<R>((resolve, reject) => {
        const running = queues.get(key);
        if (running) {
          running.push({ item, resolve, reject });
          return;
        }
        const queue: Waiting[] = [{ item, resolve, reject }];
        queues.set(key, queue);
        // Let requests that arrived in the same tick join this first batch.
        setImmediate(() => void drain(key, queue));
      });
    },
  };
}
