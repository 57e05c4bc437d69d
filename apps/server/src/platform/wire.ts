import { z } from 'zod';

/**
 * Money on the wire: integer minor units in JSON numbers, as Stripe and most payment APIs do.
 * Inside Billrail amounts are bigint; they are converted only here, at the HTTP edge, and only
 * within JSON's exact integer range (2^53 - 1 minor units).
 */
export const amountIn = z
  .number()
  .int('must be an integer number of minor units (e.g. 12050 for 120.50)')
  .positive('must be greater than zero')
  .max(Number.MAX_SAFE_INTEGER)
  .transform((n) => BigInt(n));
export const amountInNonNegative = z
  .number()
  .int('must be an integer number of minor units')
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .transform((n) => BigInt(n));
export const amountOut = z.number().int();

export function toWire(amount: bigint): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`amount ${amount} exceeds the exact range of JSON numbers`);
  }
  return Number(amount);
}

export const isoDate = z.iso.date('must be a date like 2025-03-31');

/** Today's date (YYYY-MM-DD) in a tenant's time zone: due dates are calendar days there. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}
