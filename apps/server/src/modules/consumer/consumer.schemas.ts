import { z } from 'zod';
import { CHANNELS } from '../../db/schema.ts';
import { amountOut } from '../../platform/wire.ts';
import { BILL_VIEW_STATUSES } from '../bills/bills.schemas.ts';

/**
 * The signed-in consumer's own view (seed 002, "Consumer Self-Service Portal"): their bills and
 * services, their payments and failed attempts, and the dashboard totals. Everything here is
 * confined to the accounts linked to the consumer (accounts.user_id); amounts are integer minor
 * units of `currency`.
 */

export const myBillsQuery = z.object({
  status: z
    .enum(['open', 'all'])
    .default('open')
    .describe('open: bills and services with money still owed (the Bill Pay list); all: every one'),
  kind: z.enum(['bill', 'service']).optional(),
});

export const myBillView = z.object({
  id: z.string(),
  object: z.literal('consumer_bill'),
  bill_number: z.string(),
  reference_id: z.string(),
  reference_display: z.string(),
  kind: z.enum(['bill', 'service']),
  service_name: z.string(),
  billing_period: z.string(),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
  duration_days: z
    .number()
    .int()
    .nullable()
    .describe('Days covered (period_start to period_end inclusive), when both are known'),
  due_date: z.string(),
  expires_on: z.string().nullable(),
  currency: z.string(),
  amount: amountOut.describe('As billed'),
  late_fee: amountOut,
  late_fee_applies: z.boolean().describe('Past the due date: the late fee is part of amount_due'),
  amount_paid: amountOut,
  amount_due: amountOut.describe('Outstanding now: what paying it today costs'),
  status: z.enum(BILL_VIEW_STATUSES),
  payable: z.boolean().describe('Can be paid online now (money owed, not expired or cancelled)'),
  account_id: z.string(),
  account_number: z.string(),
  paid_at: z.string().nullable(),
});
export type MyBillView = z.infer<typeof myBillView>;

export const myBillsView = z.object({
  data: z.array(myBillView),
  currency: z.string(),
  amount_due: amountOut.describe('Sum of amount_due over the payable bills listed'),
});

export const myPaymentsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(120)
    .optional()
    .describe('next_cursor of the previous page (the list is newest first)'),
});

export const CONSUMER_PAYMENT_STATUSES = [
  'pending',
  'successful',
  'completed',
  'failed',
  'refunded',
  'reversed',
] as const;

export const myPaymentView = z.object({
  id: z
    .string()
    .describe('The payment id (pay_…), or the attempt id (chk_…) of an attempt that took no money'),
  object: z.literal('consumer_payment'),
  source: z.enum(['payment', 'checkout']),
  status: z
    .enum(CONSUMER_PAYMENT_STATUSES)
    .describe(
      'successful: paid, awaiting settlement; completed: settled; failed: no money taken (with the gateway’s message); refunded; pending: awaiting the gateway',
    ),
  amount: amountOut,
  refunded_amount: amountOut,
  currency: z.string(),
  channel: z.enum(CHANNELS),
  method: z.string().nullable().describe('The gateway id for online payments'),
  method_label: z.string().nullable().describe('The gateway’s name, e.g. Stripe'),
  account_number: z.string().nullable(),
  bills: z.array(
    z.object({
      bill_id: z.string(),
      bill_number: z.string(),
      kind: z.enum(['bill', 'service']),
      service_name: z.string(),
      billing_period: z.string(),
      amount: amountOut.nullable().describe('The part paid to this bill (null for an attempt)'),
    }),
  ),
  failure: z
    .object({ reason: z.string().nullable(), code: z.string().nullable(), message: z.string() })
    .nullable()
    .describe('Why it failed, in the gateway’s own words'),
  checkout_id: z.string().nullable(),
  payment_id: z.string().nullable(),
  date: z.string().describe('When the money was received, or the attempt was made'),
  completed_at: z.string().nullable(),
  receipt_number: z
    .string()
    .nullable()
    .describe('The receipt’s number once issued (Completed); GET /v1/me/payments/{id}/receipt.pdf'),
});
export type MyPaymentView = z.infer<typeof myPaymentView>;

export const myPaymentsView = z.object({
  data: z.array(myPaymentView),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});

const bucket = { amount: amountOut, count: z.number().int() };

export const myDashboardView = z.object({
  currency: z.string(),
  time_zone: z.string().describe('Days, months and years are counted in the biller’s time zone'),
  today: z.string(),
  outstanding: z.object({
    amount: amountOut.describe('Owed now over every payable bill and service'),
    bills: z.number().int(),
    overdue: z.number().int(),
    next_due_date: z.string().nullable(),
  }),
  paid: z.object({
    last_30_days: amountOut,
    this_month: amountOut,
    this_year: amountOut,
    all_time: amountOut,
  }),
  by_day: z
    .array(z.object({ date: z.string(), ...bucket }))
    .describe('The last 30 days, oldest first, ending today; net of refunds'),
  by_month: z
    .array(z.object({ month: z.string(), ...bucket }))
    .describe('The last 12 months, oldest first, ending this month'),
  by_year: z
    .array(z.object({ year: z.string(), ...bucket }))
    .describe('Every year since the first payment, oldest first, ending this year'),
});
export type MyDashboardView = z.infer<typeof myDashboardView>;
