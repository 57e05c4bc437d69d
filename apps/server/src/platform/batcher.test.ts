import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';

describe('batcher', () => {
  it('runs a lone item at once and groups items that arrive while a batch runs', async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>({
      maxBatch: 3,
      run: async (items) => {
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
        return items.map((i) => i * 10);
      },
    });
    expect(await b.submit('k', 1)).toBe(10);
    const results = await Promise.all([2, 3, 4, 5, 6].map((i) => b.submit('k', i)));
    expect(results).toEqual([20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('keeps keys apart and retries a failed batch item by item', async () => {
    const b = createBatcher<number, number>({
      maxBatch: 10,
      run: async (items) => {
        if (items.length > 1 && items.includes(13)) throw new Error('batch failed');
        if (items[0] === 13) throw new Error('thirteen');
        return items;
      },
    });
    const settled = await Promise.allSettled([b.submit('a', 1), b.submit('a', 13), b.submit('b', 2)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('thirteen');
  });
});
