import { z } from 'zod';
import { CHANNELS, PAYMENT_STATUSES } from '../../db/schema.ts';
import { pageQuery } from '../../platform/pagination.ts';
import { amountIn, amountOut } from '../../platform/wire.ts';
import { accountNumberSchema } from '../accounts/accounts.schemas.ts';

export const paymentView = z.object({
  id: z.string(),
  object: z.literal('payment'),
  status: z.enum(PAYMENT_STATUSES),
  amount: amountOut,
  currency: z.string(),
  account_id: z.string().nullable(),
  account_number: z.string().nullable(),
  channel: z.enum(CHANNELS),
  channel_source: z.string().describe('Who on the channel: a bank partner, a gateway, a cashier'),
  channel_ref: z
    .string()
    .describe("The channel's own unique reference (bank transaction ref, receipt number…)"),
  method: z.string().nullable(),
  allocations: z.array(
    z.object({ bill_id: z.string(), bill_number: z.string(), reference_id: z.string(), amount: amountOut }),
  ),
  allocated_amount: amountOut,
  credit_amount: amountOut.describe('Overpayment held as credit on the account'),
  suspense_amount: amountOut.describe('Unidentified money awaiting allocation'),
  refunded_amount: amountOut,
  settlement_fee: amountOut.describe('Fee the gateway or bank kept at settlement (0 until completed)'),
  failure_code: z.string().nullable(),
  failure_message: z.string().nullable(),
  receipt_available: z
    .boolean()
    .describe('GET /v1/payments/{id}/receipt.pdf answers: completed, or cash taken at a counter'),
  received_at: z.string(),
  completed_at: z.string().nullable(),
  created_at: z.string(),
  livemode: z.boolean(),
  metadata: z.record(z.string(), z.string()),
});

export const paymentSearch = pageQuery.extend({
  status: z.enum(PAYMENT_STATUSES).optional(),
  channel: z.enum(CHANNELS).optional(),
  gateway: z
    .string()
    .max(64)
    .regex(/^[a-z0-9_-]+$/, 'must be a gateway id such as stripe, doku or sandbox')
    .optional()
    .describe('Gateway payments of this gateway (stripe, doku, sandbox)'),
  account_id: z.string().max(64).optional(),
  account_number: z.string().max(40).optional(),
  reference_id: z.string().max(40).optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(80)
    .optional()
    .describe('Transaction id, channel reference, account number or name, or a bill reference id'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  include_attempts: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe(
      'Also list online attempts that did not become payments (object "checkout"): pending while the payer is at the gateway, failed with the gateway\'s message once it failed, expired or was abandoned',
    ),
});

/** A row of the back-office payments list: the payment plus who and what it was for (seed 002 columns). */
export const paymentListItem = paymentView.extend({
  object: z
    .enum(['payment', 'checkout'])
    .describe('A payment, or (with include_attempts) an online attempt that has not become one'),
  account_name: z.string().nullable(),
  type: z
    .enum(['bill', 'service', 'mixed'])
    .nullable()
    .describe('What the payment paid: bills, services or both; null while unallocated'),
  created_by_name: z
    .string()
    .nullable()
    .describe('The cashier or user who recorded it; for online payments, the payer (the account holder)'),
});

export const allocateCreate = z
  .strictObject({
    account_number: accountNumberSchema,
    bill_ids: z
      .array(z.string().max(64))
      .max(50)
      .optional()
      .describe("Bills to pay in this order; default: the account's open bills, oldest due first"),
    reason: z.string().trim().min(3).max(300),
  })
  .describe('Moves the unidentified (suspense) part of a payment to an account: its bills, then credit');

export const cashPaymentCreate = z
  .strictObject({
    account_number: accountNumberSchema,
    bill_ids: z
      .array(z.string().max(64))
      .max(50)
      .optional()
      .describe('Bills to pay in this order; default: oldest due first'),
    amount: amountIn,
    currency: z.string().regex(/^[A-Z]{3}$/),
    receipt_number: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .optional()
      .describe('The counter receipt number; unique per cashier'),
    received_at: z.iso.datetime({ offset: true }).optional(),
    note: z.string().trim().max(300).optional(),
  })
  .describe('A payment taken in person at a cash counter');

export const refundCreate = z.strictObject({
  amount: amountIn.optional().describe('Minor units; default: everything still refundable'),
  reason: z.string().trim().min(3).max(300),
});

export const reversalCreate = z.strictObject({ reason: z.string().trim().min(3).max(300) });
