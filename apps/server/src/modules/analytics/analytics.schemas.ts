import { z } from 'zod';
import { isoDate } from '../../platform/wire.ts';

export const clientEventCreate = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(80)
    .describe('A client event: Reconciliation Report Viewed, Bill Pay Viewed, Payment Method Selected'),
  properties: z.record(z.string(), z.unknown()).optional(),
});

export const insightsQuery = z.object({
  from: isoDate.optional().describe('First day (YYYY-MM-DD, tenant time zone); default 29 days before `to`'),
  to: isoDate.optional().describe('Last day, inclusive; default today'),
});

const rate = z
  .number()
  .nullable()
  .describe('A share between 0 and 1 with four decimals; null when nothing to divide by');

export const insightsView = z.object({
  range: z.object({ from: z.string(), to: z.string(), time_zone: z.string() }),
  currency: z.string(),
  events: z.array(z.object({ name: z.string(), count: z.number().int(), actors: z.number().int() })),
  gateways: z.array(
    z.object({
      gateway: z.string(),
      activated: z.number().int(),
      configured: z.number().int(),
      tests_initiated: z.number().int(),
      tests_succeeded: z.number().int(),
      tests_failed: z.number().int(),
      first_activated_at: z.string().nullable(),
      first_configured_at: z.string().nullable(),
      first_connected_at: z.string().nullable(),
      time_to_first_connect_seconds: z.number().int().nullable(),
      payments_initiated: z.number().int(),
      payments_succeeded: z.number().int(),
      collected_amount: z.number().int(),
    }),
  ),
  most_used_gateways: z.array(z.string()),
  gateway_setup: z.object({
    activations: z.number().int(),
    configurations: z.number().int(),
    tests_initiated: z.number().int(),
    tests_succeeded: z.number().int(),
    test_success_rate: rate,
  }),
  checkout: z.object({
    initiated: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    open: z.number().int(),
    conversion_rate: rate.describe('succeeded / initiated, over attempts initiated in the range'),
    initiated_amount: z.number().int(),
    collected_amount: z.number().int(),
    payers: z.number().int(),
  }),
  back_office: z.object({
    searches: z.number().int(),
    searchers: z.number().int(),
    transaction_lookups: z.number().int(),
    details_viewed: z.number().int(),
    reconciled: z.number().int(),
    reconciled_matched: z.number().int(),
    reconciled_ignored: z.number().int(),
    median_reconcile_lag_seconds: z.number().int().nullable(),
    reconciled_on_time_rate: rate,
    report_views: z.number().int(),
  }),
  consumers: z.object({
    history_views: z.number().int(),
    history_viewers: z.number().int(),
    views_per_viewer: z.number().nullable(),
    bill_pay_views: z.number().int(),
  }),
  daily: z.array(
    z.object({
      date: z.string(),
      initiated: z.number().int(),
      completed: z.number().int(),
      searches: z.number().int(),
      history_views: z.number().int(),
    }),
  ),
});
