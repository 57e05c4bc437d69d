import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMajor } from '../../platform/money.ts';
import { decode, splitLines } from './source.ts';
import { findRfReference, isRfReference, parseAmount, parseIsoDate, parseYymmdd } from './values.ts';

const ok = (value: bigint) => ({ ok: true, value });

describe('parseAmount', () => {
  it('reads decimals exactly with either separator', () => {
    expect(parseAmount('1234.56', 'EUR', { decimal: '.' })).toEqual(ok(123456n));
    expect(parseAmount('1234,56', 'EUR', { decimal: ',' })).toEqual(ok(123456n));
    expect(parseAmount('1.234.567,8', 'EUR', { decimal: ',', group: ['.'] })).toEqual(ok(123456780n));
    expect(parseAmount("1'234.5", 'CHF', { decimal: '.', group: ["'"] })).toEqual(ok(123450n));
    expect(parseAmount('.5', 'EUR', { decimal: '.' })).toEqual(ok(50n));
    expect(parseAmount('100,', 'EUR', { decimal: ',', trailingSeparator: true })).toEqual(ok(10000n));
    expect(parseAmount('100.000', 'EUR', { decimal: '.' })).toEqual(ok(10000n));
    expect(parseAmount('1.234', 'KWD', { decimal: '.' })).toEqual(ok(1234n));
    expect(parseAmount('(1,234.50)', 'USD', { decimal: '.', group: [','], signed: true })).toEqual(
      ok(-123450n),
    );
    expect(parseAmount('12.50-', 'USD', { decimal: '.', signed: true })).toEqual(ok(-1250n));
  });

  it('refuses what is not an exact amount, saying why', () => {
    const reason = (raw: string, ccy = 'EUR', decimal: '.' | ',' = '.', group: string[] = []) => {
      const r = parseAmount(raw, ccy, { decimal, group });
      return r.ok ? r.value : r.reason;
    };
    expect(reason('-1.00')).toMatch(/is negative/);
    expect(reason('1.001')).toBe('"1.001" has 3 decimals, but EUR has 2');
    expect(reason('1.5', 'JPY')).toBe('"1.5" has decimals, but JPY has none');
    expect(reason('1e5')).toBe('"1e5" is not a number');
    expect(reason('')).toBe('is empty');
    expect(reason('1,5')).toBe('"1,5" is not a number with decimal separator "."');
    expect(reason('1.23,5', 'EUR', ',', ['.'])).toBe('"1.23,5" has misplaced digit-group separators "."');
    expect(reason('1234567890123456789')).toBe('"1234567890123456789" has too many digits');
    expect(reason('1', 'XXQ')).toMatch(/not an ISO 4217 currency/);
  });

  it('round-trips every amount through its decimal text (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.constantFrom('EUR', 'JPY', 'KWD', 'IDR', 'OMR'),
        fc.boolean(),
        (minor, ccy, comma) => {
          const text = formatMajor(minor, ccy);
          const raw = comma ? text.replace('.', ',') : text;
          expect(parseAmount(raw, ccy, { decimal: comma ? ',' : '.' })).toEqual(ok(minor));
        },
      ),
    );
  });
});

describe('dates', () => {
  it('reads ISO dates and date-times as the calendar day written', () => {
    expect(parseIsoDate('2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(parseIsoDate('2024-03-01T23:59:59.123+05:30')).toEqual({ ok: true, value: '2024-03-01' });
    expect(parseIsoDate('2023-02-29').ok).toBe(false);
    expect(parseIsoDate('01.03.2024').ok).toBe(false);
  });

  it('puts YYMMDD in the century nearest today', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    expect(parseYymmdd('240301', now)).toEqual({ ok: true, value: '2024-03-01' });
    expect(parseYymmdd('991231', now)).toEqual({ ok: true, value: '1999-12-31' });
    expect(parseYymmdd('740101', now)).toEqual({ ok: true, value: '2074-01-01' });
    expect(parseYymmdd('240230', now).ok).toBe(false);
  });
});

describe('RF creditor references', () => {
  it('checks ISO 11649 and finds references in free text', () => {
    expect(isRfReference('RF18 5390 0754 7034')).toBe(true);
    expect(isRfReference('RF18539007547035')).toBe(false);
    expect(findRfReference('pay RF18 5390 0754 7034 INV 7')).toBe('RF18539007547034');
    expect(findRfReference('RF18539007547034.')).toBe('RF18539007547034');
    expect(findRfReference('ref:rf27inv2024x7 thanks')).toBe('RF27INV2024X7');
    // The longest valid reading that ends at a word: "7" is not swallowed into the reference.
    expect(findRfReference('RF27INV2024X7 7 days')).toBe('RF27INV2024X7');
    expect(findRfReference('RF is not a reference')).toBeUndefined();
  });
});

describe('splitLines', () => {
  it('numbers lines the same whatever the chunking and line ends (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-zé€ ]{0,8}$/), { minLength: 1, maxLength: 12 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.integer({ min: 1, max: 9 }),
        async (lines, eol, size) => {
          const buf = Buffer.from(lines.join(eol));
          async function* chunks() {
            for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
          }
          const out: string[] = [];
          for await (const l of splitLines(decode(chunks(), 'utf-8'))) {
            expect(l.line).toBe(out.length + 1);
            out.push(l.text);
          }
          const expected = lines.at(-1) === '' ? lines.slice(0, -1) : lines;
          expect(out).toEqual(expected);
        },
      ),
    );
  });
});
