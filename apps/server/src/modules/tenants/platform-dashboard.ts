import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { type Mode, PAYMENT_STATUSES } from '../../db/schema.ts';
import { toWire } from '../../platform/wire.ts';
import { PLATFORM_TENANT_ID } from '../users/users.service.ts';

/**
 * The platform operator's view across tenants (platform admin only): per tenant what was
 * collected today and this month (each in the tenant's own time zone and currency), what its
 * consumers still owe, and its payments by status this month.
 *
 * This is platform-wide work, so it runs on the owner connection (db.system), outside row-level
 * security, like the tenant list; nothing here is reachable by a tenant's users (the route's action
 * is platform_admin only), and tenant requests keep running in db.withTenant.
 * Only aggregates leave this function: no payer, account or bill ever does.
 */
export const platformDashboardQuery = z.object({
  mode: z.enum(['live', 'test']).default('live').describe('Live (default) or test-mode data'),
});

const money = z.number().int().describe('Minor units of the tenant currency');
export const platformDashboardView = z.object({
  mode: z.enum(['live', 'test']),
  generated_at: z.string(),
  tenants: z.array(
    z.object({
      id: z.string(),
      slug: z.string(),
      name: z.string(),
      status: z.string(),
      currency: z.string(),
      time_zone: z.string(),
      collected_today: money,
      payments_today: z.number().int(),
      collected_month: money,
      payments_month: z.number().int(),
      outstanding: money.describe('Open bills: amount (with a late fee once due) less what was paid'),
      open_bills: z.number().int(),
      overdue_bills: z.number().int(),
      payments_by_status: z.record(z.string(), z.number().int()).describe('This month, by status'),
    }),
  ),
  totals: z
    .array(
      z.object({
        currency: z.string(),
        tenants: z.number().int(),
        collected_today: money,
        payments_today: z.number().int(),
        collected_month: money,
        payments_month: z.number().int(),
        outstanding: money,
      }),
    )
    .describe('Per currency: amounts in different currencies are never added up'),
});
export type PlatformDashboard = z.infer<typeof platformDashboardView>;

/** Payments that took money and still stand, net of partial refunds. */
const COLLECTED = sql.raw(`('successful', 'completed')`);

export async function platformDashboard(db: Database, mode: Mode): Promise<PlatformDashboard> {
  return db.system(async (tx) => {
    const rows = await db.rows<{
      id: string;
      slug: string;
      name: string;
      status: string;
      currency: string;
      time_zone: string;
      collected_today: string;
      payments_today: number;
      collected_month: string;
      payments_month: number;
      outstanding: string;
      open_bills: number;
      overdue_bills: number;
    }>(
      tx,
      sql`with t as (
            select id, slug, name, status, currency, time_zone,
                   (now() at time zone time_zone)::date as today,
                   (date_trunc('day', now() at time zone time_zone) at time zone time_zone) as day_start,
                   (date_trunc('month', now() at time zone time_zone) at time zone time_zone) as month_start
              from tenants where id <> ${PLATFORM_TENANT_ID})
          select t.id, t.slug, t.name, t.status, t.currency, t.time_zone,
                 coalesce(p.collected_today, 0)::text as collected_today, coalesce(p.payments_today, 0)::int as payments_today,
                 coalesce(p.collected_month, 0)::text as collected_month, coalesce(p.payments_month, 0)::int as payments_month,
                 coalesce(b.outstanding, 0)::text as outstanding, coalesce(b.open_bills, 0)::int as open_bills,
                 coalesce(b.overdue_bills, 0)::int as overdue_bills
            from t
            left join lateral (
              select sum(amount - refunded_amount) filter (where received_at >= t.day_start) as collected_today,
                     count(*) filter (where received_at >= t.day_start) as payments_today,
                     sum(amount - refunded_amount) as collected_month, count(*) as payments_month
                from payments
               where tenant_id = t.id and mode = ${mode} and status in ${COLLECTED} and received_at >= t.month_start
            ) p on true
            left join lateral (
              select sum(greatest(amount + case when late_fee_charged or t.today > due_date then late_fee else 0 end
                                  - amount_paid, 0)) as outstanding,
                     count(*) as open_bills,
                     count(*) filter (where t.today > due_date) as overdue_bills
                from bills
               where tenant_id = t.id and mode = ${mode} and status in ('unpaid', 'partially_paid')
                 and (expires_on is null or expires_on >= t.today)
            ) b on true
           order by t.name, t.id`,
    );
    const byStatus = await db.rows<{ tenant_id: string; status: string; n: number }>(
      tx,
      sql`select p.tenant_id, p.status, count(*)::int as n
            from payments p join tenants t on t.id = p.tenant_id
           where p.mode = ${mode}
             and p.created_at >= (date_trunc('month', now() at time zone t.time_zone) at time zone t.time_zone)
           group by 1, 2`,
    );
    const tenants = rows.map((r) => ({
      id: r.id,
      slug: r.slug,
      name: r.name,
      status: r.status,
      currency: r.currency,
      time_zone: r.time_zone,
      collected_today: toWire(BigInt(r.collected_today)),
      payments_today: r.payments_today,
      collected_month: toWire(BigInt(r.collected_month)),
      payments_month: r.payments_month,
      outstanding: toWire(BigInt(r.outstanding)),
      open_bills: r.open_bills,
      overdue_bills: r.overdue_bills,
      payments_by_status: Object.fromEntries(
        PAYMENT_STATUSES.map((s) => [
          s,
          byStatus.find((b) => b.tenant_id === r.id && b.status === s)?.n ?? 0,
        ]),
      ),
    }));
    const totals = new Map<string, PlatformDashboard['totals'][number]>();
    for (const t of tenants) {
      const sum = totals.get(t.currency) ?? {
        currency: t.currency,
        tenants: 0,
        collected_today: 0,
        payments_today: 0,
        collected_month: 0,
        payments_month: 0,
        outstanding: 0,
      };
      sum.tenants += 1;
      sum.collected_today = toWire(BigInt(sum.collected_today) + BigInt(t.collected_today));
      sum.payments_today += t.payments_today;
      sum.collected_month = toWire(BigInt(sum.collected_month) + BigInt(t.collected_month));
      sum.payments_month += t.payments_month;
      sum.outstanding = toWire(BigInt(sum.outstanding) + BigInt(t.outstanding));
      totals.set(t.currency, sum);
    }
    return {
      mode,
      generated_at: new Date().toISOString(),
      tenants,
      totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    };
  });
}
