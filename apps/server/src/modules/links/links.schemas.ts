import { z } from 'zod';
import { amountIn, amountOut } from '../../platform/wire.ts';

export const LINK_STATES = ['active', 'used', 'disabled', 'expired'] as const;

/** An international phone number for wa.me: digits with an optional leading +. */
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 -]{6,19}$/, 'must be a phone number in international format, e.g. +6281234567890');

export const linkCreate = z
  .strictObject({
    bill_id: z.string().max(64).optional().describe('Pay this bill (its amount due when paid)'),
    account_id: z.string().max(64).optional(),
    account_number: z.string().trim().min(1).max(64).optional(),
    amount: amountIn
      .optional()
      .describe('With account_id or account_number: minor units to pay on the account'),
    description: z.string().trim().min(1).max(200).optional(),
    expires_at: z.iso.datetime({ offset: true }).optional().describe('When the link stops working'),
    reusable: z.boolean().default(false).describe('false: single use, `used` after one successful payment'),
    phone: phone.optional().describe('Makes whatsapp_url open a chat with this number'),
  })
  .describe(
    'A link for a bill (bill_id), or for an amount on an account (account_id or account_number, amount)',
  );

export const linkListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  starting_after: z.string().max(64).optional(),
  status: z.enum(LINK_STATES).optional(),
  bill_id: z.string().max(64).optional(),
  account_id: z.string().max(64).optional(),
  search: z.string().trim().min(1).max(80).optional().describe('In the description'),
});

export const linkView = z.object({
  id: z.string(),
  object: z.literal('payment_link'),
  status: z.enum(LINK_STATES),
  url: z.string().describe('PUBLIC_URL/l/<token>: the page a payer opens'),
  whatsapp_url: z.string().describe('https://wa.me/…?text=… with the amount and the link'),
  bill_id: z.string().nullable(),
  bill_number: z.string().nullable(),
  account_id: z.string().nullable(),
  account_number: z.string().nullable(),
  amount: amountOut.nullable().describe('For an amount link; a bill link pays what the bill owes then'),
  amount_due: amountOut.nullable().describe('What paying the link takes now'),
  currency: z.string(),
  description: z.string(),
  reusable: z.boolean(),
  uses: z.number().int(),
  expires_at: z.string().nullable(),
  livemode: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type LinkView = z.infer<typeof linkView>;

export const linkSend = z.strictObject({
  channel: z.enum(['email', 'sms']),
  to: z.string().trim().min(3).max(254),
});

export const idParams = z.object({ id: z.string().max(64) });
export const phoneQuery = z.object({ phone: phone.optional() });
