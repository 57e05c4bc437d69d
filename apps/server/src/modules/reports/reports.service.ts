import { and, eq, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { Logger } from 'pino';
import type { Config } from '../../config/env.ts';
import type { Database, TenantContext } from '../../db/client.ts';
import { tenants } from '../../db/schema.ts';
import type { Mailer } from '../../platform/mailer.ts';
import { currencyExponent, formatMajor } from '../../platform/money.ts';
import { todayIn } from '../../platform/wire.ts';

/**
 * Reports for billers (issue 7): the daily settlement report (what was settled on a day in the
 * tenant's own calendar, by channel and gateway, with fees and the net owed, plus what is still
 * unmatched) and the compensation file (seed 003: the paid bills of a period, so the biller's
 * billing system marks them off). Each comes as JSON, CSV and XLSX (numbers as numbers, dates as
 * dates). The daily report is e-mailed at the tenant's configured time with both files attached.
 */

export interface SettlementRow {
  channel: string;
  source: string;
  count: number;
  gross: bigint;
  gateway_fees: bigint;
  platform_fee: bigint;
  net: bigint;
}

export interface SettlementReport {
  tenant: string;
  date: string;
  time_zone: string;
  currency: string;
  platform_fee_bps: number;
  rows: SettlementRow[];
  totals: Omit<SettlementRow, 'channel' | 'source'>;
  unmatched_lines: {
    id: string;
    booking_date: string;
    amount: bigint;
    status: string;
    note: string | null;
    reference: string | null;
  }[];
  unsettled: { count: number; amount: bigint };
}

export interface CompensationRow {
  account_number: string;
  bill_number: string;
  reference_id: string;
  billing_period: string | null;
  amount: bigint;
  amount_paid: bigint;
  paid_at: Date;
  payment_ids: string;
  channels: string;
}

const isDate = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));

const previousDay = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
};

/** Minor units as a number of major units, for spreadsheet cells (exact below 2^53 minor units). */
const major = (minor: bigint, currency: string) => Number(minor) / 10 ** currencyExponent(currency);

function csvCell(v: string) {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
const csv = (rows: string[][]) => `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;

export function settlementCsv(r: SettlementReport): string {
  const m = (v: bigint) => formatMajor(v, r.currency);
  return csv([
    ['date', 'currency', 'channel', 'source', 'count', 'gross', 'gateway_fees', 'platform_fee', 'net'],
    ...r.rows.map((x) => [
      r.date,
      r.currency,
      x.channel,
      x.source,
      String(x.count),
      m(x.gross),
      m(x.gateway_fees),
      m(x.platform_fee),
      m(x.net),
    ]),
    [
      r.date,
      r.currency,
      'total',
      '',
      String(r.totals.count),
      m(r.totals.gross),
      m(r.totals.gateway_fees),
      m(r.totals.platform_fee),
      m(r.totals.net),
    ],
    [],
    ['unmatched_line', 'booking_date', 'amount', 'status', 'reference', 'note'],
    ...r.unmatched_lines.map((u) => [
      u.id,
      u.booking_date,
      m(u.amount),
      u.status,
      u.reference ?? '',
      u.note ?? '',
    ]),
    [],
    ['unsettled_payments', String(r.unsettled.count), m(r.unsettled.amount)],
  ]);
}

export async function settlementXlsx(r: SettlementReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const fmt =
    currencyExponent(r.currency) === 0 ? '#,##0' : `#,##0.${'0'.repeat(currencyExponent(r.currency))}`;
  const ws = wb.addWorksheet('Settlement');
  ws.columns = [
    { header: 'Date', key: 'date', width: 12, style: { numFmt: 'yyyy-mm-dd' } },
    { header: 'Channel', key: 'channel', width: 14 },
    { header: 'Source', key: 'source', width: 18 },
    { header: 'Count', key: 'count', width: 8 },
    { header: `Gross (${r.currency})`, key: 'gross', width: 16, style: { numFmt: fmt } },
    { header: 'Gateway fees', key: 'gateway_fees', width: 14, style: { numFmt: fmt } },
    { header: 'Platform fee', key: 'platform_fee', width: 14, style: { numFmt: fmt } },
    { header: 'Net', key: 'net', width: 16, style: { numFmt: fmt } },
  ];
  const day = new Date(`${r.date}T00:00:00Z`);
  for (const x of [...r.rows, { channel: 'total', source: '', ...r.totals }]) {
    ws.addRow({
      date: day,
      channel: x.channel,
      source: x.source,
      count: x.count,
      gross: major(x.gross, r.currency),
      gateway_fees: major(x.gateway_fees, r.currency),
      platform_fee: major(x.platform_fee, r.currency),
      net: major(x.net, r.currency),
    });
  }
  ws.getRow(1).font = { bold: true };
  const ex = wb.addWorksheet('Unmatched');
  ex.columns = [
    { header: 'Line', key: 'id', width: 32 },
    { header: 'Booking date', key: 'booking_date', width: 12, style: { numFmt: 'yyyy-mm-dd' } },
    { header: `Amount (${r.currency})`, key: 'amount', width: 16, style: { numFmt: fmt } },
    { header: 'Status', key: 'status', width: 16 },
    { header: 'Reference', key: 'reference', width: 24 },
    { header: 'Note', key: 'note', width: 50 },
  ];
  for (const u of r.unmatched_lines) {
    ex.addRow({
      ...u,
      booking_date: new Date(`${u.booking_date}T00:00:00Z`),
      amount: major(u.amount, r.currency),
    });
  }
  ex.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function compensationCsv(rows: CompensationRow[], currency: string): string {
  return csv([
    [
      'account_number',
      'bill_number',
      'reference_id',
      'billing_period',
      'amount',
      'amount_paid',
      'paid_at',
      'payment_ids',
      'channels',
    ],
    ...rows.map((r) => [
      r.account_number,
      r.bill_number,
      r.reference_id,
      r.billing_period ?? '',
      formatMajor(r.amount, currency),
      formatMajor(r.amount_paid, currency),
      r.paid_at.toISOString(),
      r.payment_ids,
      r.channels,
    ]),
  ]);
}

export async function compensationXlsx(rows: CompensationRow[], currency: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const fmt = currencyExponent(currency) === 0 ? '#,##0' : `#,##0.${'0'.repeat(currencyExponent(currency))}`;
  const ws = wb.addWorksheet('Paid bills');
  ws.columns = [
    { header: 'Account number', key: 'account_number', width: 16 },
    { header: 'Bill number', key: 'bill_number', width: 14 },
    { header: 'Reference ID', key: 'reference_id', width: 20 },
    { header: 'Billing period', key: 'billing_period', width: 16 },
    { header: `Amount (${currency})`, key: 'amount', width: 14, style: { numFmt: fmt } },
    { header: 'Amount paid', key: 'amount_paid', width: 14, style: { numFmt: fmt } },
    { header: 'Paid at (UTC)', key: 'paid_at', width: 20, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
    { header: 'Payments', key: 'payment_ids', width: 34 },
    { header: 'Channels', key: 'channels', width: 16 },
  ];
  for (const r of rows) {
    ws.addRow({ ...r, amount: major(r.amount, currency), amount_paid: major(r.amount_paid, currency) });
  }
  ws.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export type ReportService = ReturnType<typeof createReportService>;

export function createReportService({
  db,
  config,
  mailer,
  log,
}: {
  db: Database;
  config: Config;
  mailer?: Mailer;
  log?: Logger;
}) {
  async function settlement(ctx: TenantContext, date: string): Promise<SettlementReport> {
    if (!isDate(date)) throw new Error('date must be YYYY-MM-DD');
    return db.withTenant(ctx, async (tx) => {
      const [t] = await tx.select().from(tenants).where(eq(tenants.id, ctx.tenantId));
      const tz = t!.timeZone;
      const bps = t!.platformFeeBps;
      // The day in the tenant's own calendar, as a UTC range.
      const from = sql`(${date}::date::timestamp at time zone ${tz})`;
      const to = sql`((${date}::date + 1)::timestamp at time zone ${tz})`;
      const groups = await db.rows<{
        channel: string;
        source: string;
        count: number;
        gross: string;
        fees: string;
      }>(
        tx,
        sql`select channel, channel_source as source, count(*)::int as count,
                   sum(amount)::text as gross, sum(settlement_fee)::text as fees
              from payments
             where tenant_id = ${ctx.tenantId} and mode = ${ctx.mode} and status in ('completed', 'refunded')
               and completed_at >= ${from} and completed_at < ${to}
             group by channel, channel_source order by channel, channel_source`,
      );
      const rows: SettlementRow[] = groups.map((g) => {
        const gross = BigInt(g.gross);
        const fees = BigInt(g.fees);
        const platform = (gross * BigInt(bps) + 5000n) / 10000n;
        return {
          channel: g.channel,
          source: g.source,
          count: g.count,
          gross,
          gateway_fees: fees,
          platform_fee: platform,
          net: gross - fees - platform,
        };
      });
      const totals = rows.reduce(
        (s, r) => ({
          count: s.count + r.count,
          gross: s.gross + r.gross,
          gateway_fees: s.gateway_fees + r.gateway_fees,
          platform_fee: s.platform_fee + r.platform_fee,
          net: s.net + r.net,
        }),
        { count: 0, gross: 0n, gateway_fees: 0n, platform_fee: 0n, net: 0n },
      );
      const unmatched = await db.rows<{
        id: string;
        booking_date: string;
        amount: string;
        status: string;
        note: string | null;
        reference: string | null;
      }>(
        tx,
        sql`select id, booking_date, amount::text as amount, status, note, reference from statement_lines
             where tenant_id = ${ctx.tenantId} and mode = ${ctx.mode} and direction = 'credit'
               and status in ('unmatched', 'amount_mismatch', 'duplicate')
             order by booking_date, id limit 1000`,
      );
      const [unsettled] = await db.rows<{ count: number; amount: string | null }>(
        tx,
        sql`select count(*)::int as count, sum(amount)::text as amount from payments
             where tenant_id = ${ctx.tenantId} and mode = ${ctx.mode} and status = 'successful' and received_at < ${to}`,
      );
      return {
        tenant: t!.name,
        date,
        time_zone: tz,
        currency: t!.currency,
        platform_fee_bps: bps,
        rows,
        totals,
        unmatched_lines: unmatched.map((u) => ({ ...u, amount: BigInt(u.amount) })),
        unsettled: { count: unsettled?.count ?? 0, amount: BigInt(unsettled?.amount ?? '0') },
      };
    });
  }

  async function compensation(
    ctx: TenantContext,
    from: string,
    to: string,
  ): Promise<{ currency: string; rows: CompensationRow[] }> {
    if (!isDate(from) || !isDate(to)) throw new Error('from and to must be YYYY-MM-DD');
    return db.withTenant(ctx, async (tx) => {
      const [t] = await tx.select().from(tenants).where(eq(tenants.id, ctx.tenantId));
      const tz = t!.timeZone;
      const rows = await db.rows<{
        account_number: string;
        bill_number: string;
        reference_id: string;
        billing_period: string | null;
        amount: string;
        amount_paid: string;
        paid_at: string | Date;
        payment_ids: string;
        channels: string;
      }>(
        tx,
        sql`select a.account_number, b.bill_number, b.reference_id, b.billing_period, b.amount::text as amount,
                   b.amount_paid::text as amount_paid, b.paid_at,
                   string_agg(distinct al.payment_id, ' ') as payment_ids,
                   string_agg(distinct p.channel, ' ') as channels
              from bills b
              join accounts a on a.tenant_id = b.tenant_id and a.id = b.account_id
              join allocations al on al.tenant_id = b.tenant_id and al.bill_id = b.id
              join payments p on p.tenant_id = al.tenant_id and p.id = al.payment_id
             where b.tenant_id = ${ctx.tenantId} and b.mode = ${ctx.mode} and b.status = 'paid'
               and b.paid_at >= (${from}::date::timestamp at time zone ${tz})
               and b.paid_at < ((${to}::date + 1)::timestamp at time zone ${tz})
             group by a.account_number, b.tenant_id, b.id
             order by b.paid_at, b.id`,
      );
      return {
        currency: t!.currency,
        rows: rows.map((r) => ({
          ...r,
          amount: BigInt(r.amount),
          amount_paid: BigInt(r.amount_paid),
          paid_at: new Date(r.paid_at),
        })),
      };
    });
  }

  return {
    settlement,
    compensation,

    /**
     * Worker: each tenant with report addresses gets yesterday's settlement report once its own
     * clock has passed its report time. A tenant is claimed by moving `last_report_date` to today
     * first, so two workers never both send it; a failed send gives the claim back for a retry.
     */
    async sendDueDailyReports(now = new Date(), onlyTenantId?: string) {
      if (!mailer) return 0;
      const list = await db.system((tx) =>
        tx
          .select({
            id: tenants.id,
            tz: tenants.timeZone,
            time: tenants.reportTime,
            last: tenants.lastReportDate,
            emails: tenants.reportEmails,
            name: tenants.name,
          })
          .from(tenants)
          .where(
            and(
              sql`jsonb_array_length(${tenants.reportEmails}) > 0 and ${tenants.status} = 'active'`,
              onlyTenantId ? eq(tenants.id, onlyTenantId) : undefined,
            ),
          ),
      );
      let sent = 0;
      for (const t of list) {
        const today = todayIn(t.tz, now);
        const clock = new Intl.DateTimeFormat('en-GB', {
          timeZone: t.tz,
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }).format(now);
        if (clock < t.time || t.last === today) continue;
        const claimed = await db.system((tx) =>
          tx
            .update(tenants)
            .set({ lastReportDate: today })
            .where(sql`${tenants.id} = ${t.id} and ${tenants.lastReportDate} is not distinct from ${t.last}`)
            .returning({ id: tenants.id }),
        );
        if (!claimed.length) continue;
        const date = previousDay(today);
        try {
          for (const mode of ['live', 'test'] as const) {
            const ctx = { tenantId: t.id, mode };
            const report = await settlement(ctx, date);
            if (mode === 'test' && report.totals.count === 0 && report.unmatched_lines.length === 0) continue;
            const m = (v: bigint) => `${formatMajor(v, report.currency)} ${report.currency}`;
            await mailer.send({
              from: config.MAIL_FROM,
              to: t.emails,
              subject: `${t.name}: settlement report for ${date}${mode === 'test' ? ' (test mode)' : ''}`,
              text: [
                `Settlement report for ${date} (${report.time_zone}).`,
                '',
                ...report.rows.map(
                  (r) =>
                    `${r.channel} ${r.source}: ${r.count} payments, gross ${m(r.gross)}, fees ${m(r.gateway_fees)}, platform fee ${m(r.platform_fee)}, net ${m(r.net)}`,
                ),
                '',
                `Total: ${report.totals.count} payments, gross ${m(report.totals.gross)}, net ${m(report.totals.net)}.`,
                `Unmatched statement lines: ${report.unmatched_lines.length}. Payments awaiting settlement: ${report.unsettled.count} (${m(report.unsettled.amount)}).`,
                '',
                'The CSV and XLSX files are attached.',
              ].join('\n'),
              attachments: [
                {
                  filename: `settlement-${date}.csv`,
                  content: settlementCsv(report),
                  contentType: 'text/csv',
                },
                {
                  filename: `settlement-${date}.xlsx`,
                  content: await settlementXlsx(report),
                  contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                },
              ],
            });
          }
          sent++;
        } catch (err) {
          log?.error({ err, tenant: t.id }, 'daily settlement report not sent; will retry');
          await db.system((tx) =>
            tx.update(tenants).set({ lastReportDate: t.last }).where(eq(tenants.id, t.id)),
          );
        }
      }
      return sent;
    },
  };
}
