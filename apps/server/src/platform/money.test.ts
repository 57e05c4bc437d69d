import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyExponent, displayMoney, formatMajor, isCurrency, oneUnit, parseMajor } from './money.ts';

describe('money', () => {
  it('knows ISO 4217 exponents', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('IDR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(oneUnit('USD')).toBe(100n);
    expect(oneUnit('JPY')).toBe(1n);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('usd')).toBe(false);
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

  it('round-trips any amount in any exponent', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.constantFrom('USD', 'JPY', 'KWD', 'IDR'),
        (minor, cur) => {
          expect(parseMajor(formatMajor(minor, cur), cur)).toBe(minor);
        },
      ),
    );
  });
});
