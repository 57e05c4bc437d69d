import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Database, TenantContext, Tx } from '../../db/client.ts';
import { bills, journalLines, ledgerAccounts, payments } from '../../db/schema.ts';
import { validationFailed } from '../../platform/errors.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';

export type Granularity = 'day' | 'month' | 'year';

const PERIOD_FORMAT: Record<Granularity, string> = { day: 'YYYY-MM-DD', month: 'YYYY-MM', year: 'YYYY' };
const ONLINE = ['gateway', 'link', 'qr'];

/** Statuses whose money was received and kept (net of refunds): what "collected" means here. */
const KEPT = new Set(['successful', 'completed', 'refunded']);

function addDays(ymd: string, n: number) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The default window of each granularity, ending today: 30 days, 12 months, 5 years. */
export function defaultRange(g: Granularity, today: string): { from: string; to: string } {
  if (g === 'day') return { from: addDays(today, -29), to: today };
  if (g === 'month') {
    const [y, m] = today.split('-').map(Number) as [number, number];
    const start = new Date(Date.UTC(y, m - 12, 1)).toISOString().slice(0, 10);
    return { from: start, to: today };
  }
  return { from: `${Number(today.slice(0, 4)) - 4}-01-01`, to: today };
}

/** Every period label between from and to (so a chart shows empty days as zero). */
export function periodsBetween(g: Granularity, from: string, to: string): string[] {
  const out: string[] = [];
  if (g === 'day') {
    for (let d = from; d <= to && out.length < 4000; d = addDays(d, 1)) out.push(d);
  } else if (g === 'month') {
    let [y, m] = from.split('-').map(Number) as [number, number];
    const end = to.slice(0, 7);
    for (;;) {
      const label = `${y}-${String(m).padStart(2, '0')}`;
      if (label > end || out.length > 1200) break;
      out.push(label);
      m++;
      if (m > 12) {
        m = 1;
        y++;
      }
    }
  } else {
    for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) out.push(String(y));
  }
  return out;
}

interface Bucket {
  amount: bigint;
  count: number;
}
const bucket = (): Bucket => ({ amount: 0n, count: 0 });
const out = (key: string, b: Bucket) => ({ key, amount: toWire(b.amount), count: b.count });

/** The start of a calendar day in the tenant's zone, as an instant (SQL, so DST is right). */
const startOf = (ymd: string, timeZone: string) => sql`(${ymd}::date::timestamp at time zone ${timeZone})`;

export async function collections(
  tx: Tx,
  ctx: TenantContext,
  q: { granularity: Granularity; from?: string | undefined; to?: string | undefined },
) {
  const settings = await tenantSettings(tx, ctx.tenantId);
  const today = todayIn(settings.timeZone);
  const range = defaultRange(q.granularity, today);
  const from = q.from ?? range.from;
  const to = q.to ?? (q.from ? today : range.to);
  if (from > to) throw validationFailed([{ field: 'from', reason: 'must not be after to' }]);
  const periods = periodsBetween(q.granularity, from, to);
  if (periods.length > 1000) {
    throw validationFailed([{ field: 'from', reason: `too many ${q.granularity}s; choose a shorter range` }]);
  }
  const tz = settings.timeZone;
  const groups = await tx
    .select({
      period: sql<string>`to_char(${payments.receivedAt} at time zone ${tz}, ${PERIOD_FORMAT[q.granularity]})`,
      channel: payments.channel,
      source: payments.channelSource,
      status: payments.status,
      gross: sql<string>`sum(${payments.amount})::text`,
      net: sql<string>`sum(${payments.amount} - ${payments.refundedAmount})::text`,
      refunded: sql<string>`sum(${payments.refundedAmount})::text`,
      count: sql<number>`count(*)::int`,
    })
    .from(payments)
    .where(
      and(
        eq(payments.tenantId, ctx.tenantId),
        eq(payments.mode, ctx.mode),
        gte(payments.receivedAt, startOf(from, tz)),
        lt(payments.receivedAt, startOf(addDays(to, 1), tz)),
      ),
    )
    .groupBy(sql`1`, payments.channel, payments.channelSource, payments.status);

  const series = new Map(periods.map((p) => [p, bucket()]));
  const byChannel = new Map<string, Bucket>();
  const byGateway = new Map<string, Bucket>();
  const byStatus = new Map<string, Bucket>();
  const total = bucket();
  let refunded = 0n;
  const add = (m: Map<string, Bucket>, k: string, amount: bigint, n: number) => {
    const b = m.get(k) ?? bucket();
    b.amount += amount;
    b.count += n;
    m.set(k, b);
  };
  for (const g of groups) {
    const s = byStatus.get(g.status) ?? bucket();
    s.amount += BigInt(g.gross);
    s.count += g.count;
    byStatus.set(g.status, s);
    if (!KEPT.has(g.status)) continue;
    const net = BigInt(g.net);
    refunded += BigInt(g.refunded);
    // A fully refunded payment kept nothing: it is not counted as a collection.
    const n = g.status === 'refunded' ? 0 : g.count;
    add(series, g.period, net, n);
    add(byChannel, g.channel, net, n);
    if (ONLINE.includes(g.channel)) add(byGateway, g.source, net, n);
    total.amount += net;
    total.count += n;
  }

  const [open] = await tx
    .select({
      bills: sql<number>`count(*)::int`,
      overdueBills: sql<number>`count(*) filter (where ${bills.dueDate} < ${today})::int`,
      overdueAmount: sql<string>`coalesce(sum(${bills.amount} + ${bills.lateFee} - ${bills.amountPaid}) filter (where ${bills.dueDate} < ${today}), 0)::text`,
    })
    .from(bills)
    .where(
      and(
        eq(bills.tenantId, ctx.tenantId),
        eq(bills.mode, ctx.mode),
        inArray(bills.status, ['unpaid', 'partially_paid']),
        sql`(${bills.expiresOn} is null or ${bills.expiresOn} >= ${today})`,
      ),
    );
  // Receivables and unidentified money straight from the ledger: balances are sums of lines.
  const balances = await tx
    .select({
      kind: sql<string>`case when ${ledgerAccounts.code} like 'receivable:%' then 'receivable' else 'suspense' end`,
      amount: sql<string>`coalesce(sum(${journalLines.amount}), 0)::text`,
    })
    .from(journalLines)
    .innerJoin(
      ledgerAccounts,
      and(
        eq(ledgerAccounts.tenantId, journalLines.tenantId),
        eq(ledgerAccounts.id, journalLines.ledgerAccountId),
      ),
    )
    .where(
      and(
        eq(journalLines.tenantId, ctx.tenantId),
        eq(journalLines.mode, ctx.mode),
        sql`(${ledgerAccounts.code} like 'receivable:%' or ${ledgerAccounts.code} = 'suspense')`,
      ),
    )
    .groupBy(sql`1`);
  const balance = (k: string) => BigInt(balances.find((b) => b.kind === k)?.amount ?? '0');

  const sorted = (m: Map<string, Bucket>) =>
    [...m.entries()].sort((a, b) => (a[1].amount < b[1].amount ? 1 : -1)).map(([k, v]) => out(k, v));
  return {
    currency: settings.currency,
    time_zone: tz,
    granularity: q.granularity,
    from,
    to,
    collected: { amount: toWire(total.amount), count: total.count, refunded: toWire(refunded) },
    series: [...series.entries()].map(([period, b]) => ({
      period,
      amount: toWire(b.amount),
      count: b.count,
    })),
    by_channel: sorted(byChannel),
    by_gateway: sorted(byGateway),
    by_status: [...byStatus.entries()].map(([k, v]) => out(k, v)),
    outstanding: {
      amount: toWire(balance('receivable')),
      bills: open?.bills ?? 0,
      overdue_amount: toWire(BigInt(open?.overdueAmount ?? '0')),
      overdue_bills: open?.overdueBills ?? 0,
    },
    unallocated: { amount: toWire(-balance('suspense')) },
  };
}

export function createDashboardService({ db }: { db: Database }) {
  return {
    collections: (ctx: TenantContext, q: Parameters<typeof collections>[2]) =>
      db.withTenant(ctx, (tx) => collections(tx, ctx, q)),
  };
}
