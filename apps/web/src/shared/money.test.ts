import { describe, expect, it } from 'vitest';
import { formatMoney, toDecimal } from './money.ts';

describe('money on screen', () => {
  it('turns minor units into an exact decimal string by the ISO 4217 exponent', () => {
    expect(toDecimal(12050, 'USD')).toBe('120.50');
    expect(toDecimal(5, 'USD')).toBe('0.05');
    expect(toDecimal(-4575, 'EUR')).toBe('-45.75');
    expect(toDecimal(1500, 'JPY')).toBe('1500');
    expect(toDecimal(1234, 'KWD')).toBe('1.234');
    // Beyond float precision as a major-unit number, still exact.
    expect(toDecimal(9_007_199_254_740_991, 'USD')).toBe('90071992547409.91');
  });

  it('formats with Intl in the reader’s locale, never through a float', () => {
    expect(formatMoney(16625, 'USD', 'en-US')).toBe('$166.25');
    expect(formatMoney(16625, 'USD', 'es')).toMatch(/^166,25\s?US\$$/);
    expect(formatMoney(1250000, 'IDR', 'id')).toMatch(/^Rp\s?12\.500,00$/);
    expect(formatMoney(9_007_199_254_740_991, 'USD', 'en-US')).toBe('$90,071,992,547,409.91');
  });
});
