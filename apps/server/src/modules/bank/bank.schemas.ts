import { z } from 'zod';
import { amountIn, amountOut } from '../../platform/wire.ts';

/**
 * Bank and aggregator API. Every answer carries a `response_code` a bank's switch can act on,
 * modelled on 1LINK 1Bill so that adapter (bank.1link.ts) and BBPS-style ones are thin mappings:
 *
 *   00 success                         05 bill already paid
 *   01 reference id not found/invalid  06 amount does not match the payable amount
 *   02 bill blocked (cancelled/expired) 07 transaction ref reused with different data
 *   03 unknown error (retry later)      08 wrong currency
 *   04 invalid data or authentication   09 transaction not found
 *                                       10 transaction cannot be reversed
 * Errors are problem+json with the HTTP status that fits, plus `response_code`.
 */
export const RESPONSE_CODES = {
  ok: '00',
  reference_not_found: '01',
  bill_not_payable: '02',
  unknown_error: '03',
  invalid_data: '04',
  bill_already_paid: '05',
  amount_mismatch: '06',
  duplicate_reference_mismatch: '07',
  currency_mismatch: '08',
  transaction_not_found: '09',
  not_reversible: '10',
} as const;

const referenceIn = z.string().trim().min(1).max(40).describe('The 16-digit reference id (spaces allowed)');
const transactionRef = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9._:-]{1,64}$/,
    "must be 1-64 letters, digits or . _ : - (the bank's own transaction reference)",
  );

export const inquiryRequest = z.strictObject({ reference: referenceIn });
export const inquiryResponse = z.object({
  response_code: z.string(),
  response_message: z.string(),
  reference_id: z.string(),
  bill_status: z.enum(['unpaid', 'partially_paid', 'paid', 'overdue', 'cancelled', 'expired']),
  status_code: z.enum(['U', 'P', 'B']).describe('1LINK style: U unpaid, P paid, B blocked'),
  consumer_name: z.string(),
  account_number: z.string(),
  bill_number: z.string(),
  service_name: z.string(),
  billing_period: z.string(),
  currency: z.string(),
  due_date: z.string(),
  amount_within_due_date: amountOut,
  amount_after_due_date: amountOut,
  payable_now: amountOut,
  amount_paid: amountOut,
  date_paid: z.string().nullable(),
  allow_partial: z.boolean(),
});

export const paymentRequest = z.strictObject({
  reference: referenceIn,
  transaction_ref: transactionRef,
  amount: amountIn,
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  paid_at: z.iso.datetime({ offset: true }).optional(),
  branch: z.string().trim().max(40).optional(),
});
export const paymentResponse = z.object({
  response_code: z.string(),
  response_message: z.string(),
  payment_id: z.string(),
  transaction_ref: z.string(),
  reference_id: z.string(),
  status: z.string(),
  amount: amountOut,
  currency: z.string(),
  duplicate: z
    .boolean()
    .describe('true when this transaction_ref was already posted: nothing was recorded twice'),
});

export const reversalRequest = z.strictObject({
  transaction_ref: transactionRef,
  reason: z.string().trim().min(1).max(300),
});

export const partnerCreate = z.strictObject({
  name: z.string().trim().min(1).max(80),
  mnemonic: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{2,8}$/, 'must be 2-8 capital letters or digits (the bank mnemonic)'),
});
export const partnerView = z.object({
  id: z.string(),
  name: z.string(),
  mnemonic: z.string(),
  username: z.string(),
  status: z.enum(['active', 'disabled']),
  livemode: z.boolean(),
  created_at: z.string(),
});
export const partnerCreated = partnerView.extend({
  password: z.string().describe('Shown once; send as the `password` header'),
});
