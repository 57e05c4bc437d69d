import { z } from 'zod';
import { amountIn, amountInNonNegative, amountOut, isoDate } from '../../platform/wire.ts';
import { accountNumberSchema } from '../accounts/accounts.schemas.ts';

export const lineItemIn = z.strictObject({
  description: z.string().trim().min(1).max(200),
  amount: amountIn,
});

export const billCreate = z
  .strictObject({
    account_number: accountNumberSchema,
    bill_number: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/, 'must be 1-40 letters, digits or . _ / -'),
    kind: z.enum(['bill', 'service']).default('bill'),
    service_name: z.string().trim().min(1).max(120),
    billing_period: z.string().trim().min(1).max(60).describe('As printed, e.g. "March 2025"'),
    period_start: isoDate.optional(),
    period_end: isoDate.optional(),
    line_items: z.array(lineItemIn).max(100).optional(),
    amount: amountIn.optional().describe('Minor units; defaults to the sum of line_items'),
    late_fee: amountInNonNegative.default(0n).describe('Added when paid after due_date'),
    due_date: isoDate,
    expires_on: isoDate.optional().describe('After this date the bill can no longer be paid'),
    allow_partial: z.boolean().default(false),
    metadata: z.record(z.string().max(40), z.string().max(500)).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.amount === undefined && !b.line_items?.length) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is required when there are no line_items' });
    }
    if (b.amount !== undefined && b.line_items?.length) {
      const sum = b.line_items.reduce((s, li) => s + li.amount, 0n);
      if (sum !== b.amount)
        ctx.addIssue({
          code: 'custom',
          path: ['amount'],
          message: `must equal the sum of line_items (${sum})`,
        });
    }
    if (b.period_start && b.period_end && b.period_end < b.period_start) {
      ctx.addIssue({ code: 'custom', path: ['period_end'], message: 'must not be before period_start' });
    }
    if (b.expires_on && b.expires_on < b.due_date) {
      ctx.addIssue({ code: 'custom', path: ['expires_on'], message: 'must not be before due_date' });
    }
  });
export type BillCreate = z.output<typeof billCreate>;

export const billBatchCreate = z.strictObject({ bills: z.array(billCreate).min(1).max(500) });

export const BILL_VIEW_STATUSES = [
  'unpaid',
  'partially_paid',
  'paid',
  'overdue',
  'cancelled',
  'expired',
] as const;

export const billView = z.object({
  id: z.string(),
  object: z.literal('bill'),
  bill_number: z.string(),
  reference_id: z.string().describe('16 digits with MOD 97-10 check digits; key it at a bank counter or ATM'),
  reference_display: z.string(),
  account_id: z.string(),
  account_number: z.string(),
  kind: z.enum(['bill', 'service']),
  service_name: z.string(),
  billing_period: z.string(),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
  line_items: z.array(z.object({ description: z.string(), amount: amountOut })),
  currency: z.string(),
  amount: amountOut,
  late_fee: amountOut,
  amount_after_due: amountOut,
  amount_paid: amountOut,
  outstanding: amountOut.describe('What is still owed, with the late fee once it applies'),
  payable_now: amountOut.describe('What paying today in full costs'),
  due_date: z.string(),
  expires_on: z.string().nullable(),
  status: z.enum(BILL_VIEW_STATUSES),
  allow_partial: z.boolean(),
  metadata: z.record(z.string(), z.string()),
  paid_at: z.string().nullable(),
  cancelled_at: z.string().nullable(),
  livemode: z.boolean(),
  created_at: z.string(),
});
export type BillView = z.infer<typeof billView>;
