import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromDokuAmount, mapDokuStatus, toDokuAmount } from './doku/doku.wire.ts';
import { echoMismatches, mapStatus } from './gateway.ts';
import { fromStripeAmount, sessionStatus, toStripeAmount } from './stripe/stripe.wire.ts';

const KNOWN_SUCCESS = new Set(['SUCCESS']);

describe('gateway invariants (property-based)', () => {
  it('a status outside the table is never succeeded', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        if (!KNOWN_SUCCESS.has(raw.toUpperCase())) expect(mapDokuStatus(raw)).not.toBe('succeeded');
        expect(mapStatus({ paid: 'succeeded' }, raw === 'paid' ? 'x' : raw)).toBe('pending');
      }),
    );
  });

  it('a Stripe session is succeeded only when complete and paid', () => {
    const word = fc.constantFrom(
      'open',
      'complete',
      'expired',
      'paid',
      'unpaid',
      'no_payment_required',
      '',
      'weird',
    );
    fc.assert(
      fc.property(word, word, (status, payment_status) => {
        const s = sessionStatus({ status, payment_status });
        expect(s === 'succeeded').toBe(status === 'complete' && payment_status === 'paid');
      }),
    );
  });

  it('Stripe amounts round-trip exactly for every currency Stripe can represent', () => {
    const currency = fc.constantFrom(
      'USD',
      'EUR',
      'JPY',
      'KRW',
      'MGA',
      'ISK',
      'KWD',
      'BHD',
      'IDR',
      'UGX',
      'CLP',
    );
    fc.assert(
      fc.property(currency, fc.bigInt({ min: 1n, max: 10n ** 12n }), (cur, minor) => {
        let wire: number;
        try {
          wire = toStripeAmount(minor, cur);
        } catch {
          return; // not representable at Stripe (refused, never rounded)
        }
        expect(Number.isSafeInteger(wire)).toBe(true);
        expect(fromStripeAmount(wire, cur)).toBe(minor);
      }),
    );
  });

  it('DOKU amounts round-trip for whole rupiah and are refused otherwise', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 99_999_999_999_999n }), (minor) => {
        if (minor % 100n !== 0n) {
          expect(() => toDokuAmount(minor, 'IDR')).toThrow();
          return;
        }
        const wire = toDokuAmount(minor, 'IDR');
        expect(fromDokuAmount(wire)).toBe(minor);
        expect(fromDokuAmount(String(wire))).toBe(minor);
      }),
    );
  });
});

describe('echoMismatches', () => {
  it('reports amount and currency differences, ignores what was not echoed', () => {
    const asked = { amount: 12050n, currency: 'USD' };
    expect(echoMismatches(asked, { amount: 12050n, currency: 'USD' })).toEqual([]);
    expect(echoMismatches(asked, {})).toEqual([]);
    expect(echoMismatches(asked, { amount: 12049n, currency: 'EUR' })).toEqual([
      'currency EUR differs from the requested USD',
      'amount 12049 differs from the requested 12050 (minor units)',
    ]);
  });
});
