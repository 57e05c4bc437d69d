import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyExponent, displayMoney, formatMajor, isCurrency, oneUnit, parseMajor } from './money.ts';

describe('money', () => {
  it('knows ISO 4217 exponents', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('IDR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('BHD')).toBe(3);
    expect(oneUnit('USD')).toBe(100n);
    expect(oneUnit('JPY')).toBe(1n);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('usd')).toBe(false);
    expect(() => currencyExponent('XYZ')).toThrow(/Unknown currency/);
  });

  it('parses and formats exactly, without floats', () => {
    expect(parseMajor('120.50', 'USD')).toBe(12050n);
    expect(parseMajor('0.1', 'USD')).toBe(10n);
    expect(parseMajor('5000', 'KWD')).toBe(5_000_000n);
    expect(() => parseMajor('1.005', 'USD')).toThrow(/2 decimals/);
    expect(() => parseMajor('1e3', 'USD')).toThrow();
    expect(formatMajor(12050n, 'USD')).toBe('120.50');
    expect(formatMajor(-5n, 'USD')).toBe('-0.05');
    expect(formatMajor(7n, 'JPY')).toBe('7');
    expect(displayMoney(12050n, 'USD', 'en-US')).toBe('$120.50');
    expect(displayMoney(900719925474099312n, 'USD', 'en-US')).toBe('$9,007,199,254,740,993.12');
  });

  it('takes the API’s integer numbers as the web app receives them, and refuses floats', () => {
    expect(formatMajor(12050, 'USD')).toBe('120.50');
    expect(formatMajor(5, 'USD')).toBe('0.05');
    expect(formatMajor(-4575, 'EUR')).toBe('-45.75');
    expect(formatMajor(1500, 'JPY')).toBe('1500');
    expect(formatMajor(1234, 'KWD')).toBe('1.234');
    // Beyond float precision as a major-unit number, still exact.
    expect(formatMajor(Number.MAX_SAFE_INTEGER, 'USD')).toBe('90071992547409.91');
    expect(() => formatMajor(120.5, 'USD')).toThrow(RangeError);
    expect(() => formatMajor(2 ** 53, 'USD')).toThrow(RangeError);
    expect(() => displayMoney(Number.NaN, 'USD')).toThrow(RangeError);
  });

  it('displays in the reader’s locale with Intl, never through a float', () => {
    expect(displayMoney(16625, 'USD', 'en-US')).toBe('$166.25');
    expect(displayMoney(16625, 'USD', 'es')).toMatch(/^166,25\s?US\$$/);
    expect(displayMoney(1250000, 'IDR', 'id')).toMatch(/^Rp\s?12\.500,00$/);
    expect(displayMoney(1500, 'JPY', 'en-US')).toBe('¥1,500');
    expect(displayMoney(Number.MAX_SAFE_INTEGER, 'USD', 'en-US')).toBe('$90,071,992,547,409.91');
    // The default locale, and the same formatter again from the cache.
    expect(displayMoney(12050n, 'USD')).toBe('$120.50');
    expect(displayMoney(12050n, 'USD')).toBe('$120.50');
  });

  it('round-trips any amount in any exponent', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.constantFrom('USD', 'JPY', 'KWD', 'IDR', 'BHD'),
        (minor, cur) => {
          expect(parseMajor(formatMajor(minor, cur), cur)).toBe(minor);
        },
      ),
    );
  });

  it('formats a safe-integer number exactly as the same bigint', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.constantFrom('USD', 'JPY', 'KWD'), (minor, cur) => {
        expect(formatMajor(minor, cur)).toBe(formatMajor(BigInt(minor), cur));
      }),
    );
  });
});
