import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDigits, formatReference, makeReference, parseReference } from './reference.ts';

describe('reference ids', () => {
  it('are 16 digits with valid MOD 97-10 check digits', () => {
    const ref = makeReference(10001, 1n);
    expect(ref).toMatch(/^10001000000001\d{2}$/);
    expect(parseReference(ref)).toEqual({ ok: true, reference: ref, tenantPrefix: 10001 });
    expect(formatReference(ref)).toBe(`1000 1000 0000 01${ref.slice(14)}`);
    expect(parseReference(formatReference(ref)).ok).toBe(true);
  });

  it('compute the same check digits as IBAN (GB82 WEST 1234 5698 7654 32)', () => {
    // IBAN: BBAN + country letters as numbers (G=16, B=11), check digits = 98 - (that·100 mod 97).
    expect(checkDigits('3214282912345698765432' + '1611')).toBe('82');
  });

  it('reject every single-digit error and every adjacent transposition', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10000, max: 99999 }),
        fc.bigInt({ min: 1n, max: 999_999_999n }),
        (prefix, seq) => {
          const ref = makeReference(prefix, seq);
          for (let i = 0; i < ref.length; i++) {
            for (let d = 0; d <= 9; d++) {
              if (String(d) === ref[i]) continue;
              const typo = ref.slice(0, i) + d + ref.slice(i + 1);
              expect(parseReference(typo).ok, typo).toBe(false);
            }
            if (i + 1 < ref.length && ref[i] !== ref[i + 1]) {
              const swapped = ref.slice(0, i) + ref[i + 1] + ref[i] + ref.slice(i + 2);
              expect(parseReference(swapped).ok, swapped).toBe(false);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reject wrong lengths and non-digits', () => {
    expect(parseReference('123')).toEqual({ ok: false, reason: 'must be 16 digits' });
    expect(parseReference('1000100000000abc').ok).toBe(false);
  });
});
