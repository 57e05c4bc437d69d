import { z } from 'zod';
import { CHECKOUT_PURPOSES, CHECKOUT_STATUSES } from '../../db/schema.ts';
import { amountOut } from '../../platform/wire.ts';

export const gatewayParams = z.object({ gateway: z.string().max(32) });
export const checkoutParams = z.object({ id: z.string().max(64) });

const field = z.object({
  key: z.string(),
  label: z.string(),
  secret: z.boolean(),
  required: z.boolean(),
  pattern: z.string().nullable(),
  pattern_reason: z.string().nullable(),
  max_length: z.number().nullable(),
  options: z.array(z.string()).nullable(),
  placeholder: z.string().nullable(),
  help: z.string().nullable(),
});

export const gatewayView = z.object({
  object: z.literal('gateway'),
  gateway: z.string(),
  display_name: z.string(),
  capabilities: z.object({
    currencies: z.array(z.string()),
    refunds: z.object({ full: z.boolean(), partial: z.boolean() }),
    methods: z.array(z.string()),
  }),
  fields: z.array(field).describe('The configuration form: one entry per credential field, in order'),
  configured: z.boolean(),
  active: z.boolean().describe('The toggle on the gateway card'),
  status: z.enum(['not_connected', 'connecting', 'connected', 'failed']),
  connected: z.boolean().describe('The connect test passed for the credentials as they are now'),
  available: z.boolean().describe('Offered to payers: active and connected'),
  credentials: z
    .record(z.string(), z.union([z.string(), z.object({ set: z.boolean(), last4: z.string().optional() })]))
    .describe('Non-secret fields in clear; secret fields only as {set, last4}'),
  webhook_url: z.string().nullable().describe("Paste into the gateway's dashboard as the notification URL"),
  connected_at: z.string().nullable(),
  last_connect: z.record(z.string(), z.unknown()).nullable(),
  last_check: z.object({ at: z.string(), ok: z.boolean(), detail: z.string() }).nullable(),
  updated_at: z.string().nullable(),
});

export const credentialsBody = z.object({
  credentials: z
    .record(z.string().max(64), z.string().max(4096))
    .describe('Field values by key (see `fields`); a secret field left out keeps its saved value'),
});

export const activeBody = z.object({ active: z.boolean() });

const returnTo = z
  .string()
  .max(512)
  .regex(/^\/(?!\/)[^\\]*$/, 'must be a path on this site, starting with /')
  .optional()
  .describe('Path on this site to send the browser back to afterwards (?checkout=<id> is added)');

export const connectBody = z.object({ return_to: returnTo });

export const checkoutView = z.object({
  id: z.string(),
  object: z.literal('checkout'),
  purpose: z.enum(CHECKOUT_PURPOSES),
  gateway: z.string(),
  status: z.enum(CHECKOUT_STATUSES),
  amount: amountOut,
  currency: z.string(),
  description: z.string(),
  account_id: z.string().nullable(),
  bill_ids: z.array(z.string()),
  redirect_url: z.string().nullable().describe("The gateway's hosted page (while the attempt is open)"),
  failure: z
    .object({ reason: z.string().nullable(), code: z.string().nullable(), message: z.string() })
    .nullable()
    .describe("Why it failed, with the gateway's own message"),
  payment_id: z.string().nullable(),
  expires_at: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const checkoutCreate = z
  .object({
    gateway: z.string().max(32),
    bill_ids: z.array(z.string().max(64)).min(1).max(100).optional(),
    bill_references: z
      .array(z.string().regex(/^\d{16}$/, 'must be a 16-digit reference id'))
      .min(1)
      .max(100)
      .optional(),
    return_to: returnTo,
    payer_email: z.email().max(254).optional(),
  })
  .refine((b) => !(b.bill_ids && b.bill_references), {
    message: 'give bill_ids or bill_references, not both',
    path: ['bill_ids'],
  });

export const paymentMethodsView = z.object({
  data: z.array(z.object({ gateway: z.string(), display_name: z.string(), methods: z.array(z.string()) })),
});

export const healthView = z.object({ ok: z.boolean(), latency_ms: z.number(), detail: z.string() });
