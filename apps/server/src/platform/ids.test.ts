import { describe, expect, it } from 'vitest';
import { isId, newId } from './ids.ts';

describe('ids', () => {
  it('are prefixed and sort in creation order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push(newId('bill'));
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    for (const id of ids) expect(isId('bill', id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(isId('pay', ids[0]!)).toBe(false);
  });
});
