import { emailSchema, phoneSchema } from '@billrail/contracts';
import { z } from 'zod';

export const accountNumberSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$/, 'must be 1-40 letters, digits or . _ / -');
export const serviceTypeSchema = z
  .string()
  .trim()
  .regex(
    /^[a-z][a-z0-9_]{1,31}$/,
    'must be a lowercase word such as water, wastewater, electricity, internet',
  );

export const accountCreate = z.strictObject({
  account_number: accountNumberSchema,
  name: z.string().trim().min(1).max(120),
  mobile: phoneSchema.nullable().optional(),
  email: emailSchema.nullable().optional(),
  service_types: z.array(serviceTypeSchema).max(20).default([]),
  consumer_email: emailSchema
    .optional()
    .describe('Links the account to this consumer user, who then sees its bills'),
});
export type AccountCreate = z.output<typeof accountCreate>;

export const accountUpdate = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  mobile: phoneSchema.nullable().optional(),
  email: emailSchema.nullable().optional(),
  service_types: z.array(serviceTypeSchema).max(20).optional(),
  status: z.enum(['active', 'closed']).optional(),
  consumer_email: emailSchema.nullable().optional(),
});
export type AccountUpdate = z.output<typeof accountUpdate>;

export const accountView = z.object({
  id: z.string(),
  object: z.literal('account'),
  account_number: z.string(),
  name: z.string(),
  mobile: z.string().nullable(),
  email: z.string().nullable(),
  service_types: z.array(z.string()),
  user_id: z.string().nullable(),
  status: z.enum(['active', 'closed']),
  livemode: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
