import { type AnyColumn, and, asc, desc, eq, inArray, notInArray, type SQL, sql } from 'drizzle-orm';
import type { Database, TenantContext, Tx } from '../../db/client.ts';
import {
  accounts,
  allocations,
  bills,
  type CheckoutStatus,
  checkouts,
  payments,
  receipts,
} from '../../db/schema.ts';
import type { GatewayRegistry } from '../../gateways/registry.ts';
import { validationFailed } from '../../platform/errors.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { type BillRow, billFigures } from '../bills/bills.service.ts';
import { formatReference } from '../bills/reference.ts';
import { formatReceiptNumber } from '../receipts/receipts.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import type { MyBillView, MyDashboardView, MyPaymentView } from './consumer.schemas.ts';

/**
 * The consumer's own bills, payments and totals (issue 5; seed 002 "Bill & Service Selection
 * Rules: the system should display only the bills and services belonging to the logged-in user").
 * Every query starts from the accounts linked to the signed-in user (accounts.user_id), inside
 * the tenant's row-level-security transaction: another consumer's data is never read.
 */

export interface Consumer extends TenantContext {
  userId: string;
}

/** Days from a to b (YYYY-MM-DD), by the calendar. */
const dayNumber = (d: string) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / 86_400_000;
const dayString = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);

export function myBillView(b: BillRow, accountNumber: string, today: string): MyBillView {
  const f = billFigures(b, today);
  const open = b.status === 'unpaid' || b.status === 'partially_paid';
  return {
    id: b.id,
    object: 'consumer_bill',
    bill_number: b.billNumber,
    reference_id: b.referenceId,
    reference_display: formatReference(b.referenceId),
    kind: b.kind,
    service_name: b.serviceName,
    billing_period: b.billingPeriod,
    period_start: b.periodStart,
    period_end: b.periodEnd,
    duration_days:
      b.periodStart && b.periodEnd ? dayNumber(b.periodEnd) - dayNumber(b.periodStart) + 1 : null,
    due_date: b.dueDate,
    expires_on: b.expiresOn,
    currency: b.currency,
    amount: toWire(b.amount),
    late_fee: toWire(b.lateFee),
    late_fee_applies: f.late && b.lateFee > 0n,
    amount_paid: toWire(b.amountPaid),
    amount_due: toWire(f.outstanding),
    status: f.status,
    payable: open && f.status !== 'expired' && f.outstanding > 0n,
    account_id: b.accountId,
    account_number: accountNumber,
    paid_at: b.paidAt?.toISOString() ?? null,
  };
}

/**
 * Entries are ordered by (time to the millisecond, id), newest first: JavaScript dates, and so
 * the cursor, carry milliseconds while PostgreSQL keeps microseconds.
 */
const ms = (column: SQL | AnyColumn) => sql`date_trunc('milliseconds', ${column})`;
const before = (column: AnyColumn, id: AnyColumn, after: { at: Date; id: string }) =>
  sql`(${ms(column)}, ${id}) < (${after.at.toISOString()}::timestamptz, ${after.id})`;

/** Statuses of attempts that took no money (or not yet): shown beside the payments. */
const ATTEMPT_STATUSES: CheckoutStatus[] = ['open', 'processing', 'failed', 'expired', 'canceled'];

/** `<iso time>~<id>`: the (date, id) of the last entry of a page; the list is newest first. */
function parseCursor(cursor: string | undefined): { at: Date; id: string } | null {
  if (!cursor) return null;
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)~((?:pay|chk)_[0-9a-z]{26})$/.exec(cursor);
  const at = m ? new Date(m[1]!) : null;
  if (!m || !at || Number.isNaN(at.getTime())) {
    throw validationFailed([{ field: 'cursor', reason: 'is not a cursor this list gave out' }]);
  }
  return { at, id: m[2]! };
}

/** Receipt numbers of the given payments that have one (formatted, e.g. RCP-000042). */
async function receiptNumbersOf(tx: Tx, me: Consumer, paymentIds: string[]) {
  if (!paymentIds.length) return new Map<string, string>();
  const rows = await tx
    .select({ paymentId: receipts.paymentId, number: receipts.number })
    .from(receipts)
    .where(
      and(
        eq(receipts.tenantId, me.tenantId),
        eq(receipts.mode, me.mode),
        inArray(receipts.paymentId, paymentIds),
      ),
    );
  return new Map(rows.map((r) => [r.paymentId, formatReceiptNumber(me.mode, r.number)]));
}

export type ConsumerService = ReturnType<typeof createConsumerService>;

export function createConsumerService({ db, gateways }: { db: Database; gateways: GatewayRegistry }) {
  const methodLabel = (channel: string, method: string | null) =>
    channel === 'gateway' && method ? (gateways.get(method)?.displayName ?? method) : null;

  /** The accounts linked to the consumer: the only door to their data. */
  async function myAccounts(tx: Tx, me: Consumer) {
    return tx
      .select({ id: accounts.id, number: accounts.accountNumber })
      .from(accounts)
      .where(
        and(eq(accounts.tenantId, me.tenantId), eq(accounts.mode, me.mode), eq(accounts.userId, me.userId)),
      )
      .orderBy(asc(accounts.accountNumber));
  }

  async function billRows(tx: Tx, me: Consumer, open: boolean, kind?: 'bill' | 'service') {
    return tx
      .select({ bill: bills, accountNumber: accounts.accountNumber })
      .from(bills)
      .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId)))
      .where(
        and(
          eq(bills.tenantId, me.tenantId),
          eq(bills.mode, me.mode),
          eq(accounts.userId, me.userId),
          open ? inArray(bills.status, ['unpaid', 'partially_paid']) : undefined,
          kind ? eq(bills.kind, kind) : undefined,
        ),
      )
      .orderBy(asc(bills.dueDate), asc(bills.billNumber));
  }

  return {
    async bills(me: Consumer, q: { status: 'open' | 'all'; kind?: 'bill' | 'service' | undefined }) {
      return db.withTenant(me, async (tx) => {
        const settings = await tenantSettings(tx, me.tenantId);
        const today = todayIn(settings.timeZone);
        const data = (await billRows(tx, me, q.status === 'open', q.kind)).map((r) =>
          myBillView(r.bill, r.accountNumber, today),
        );
        const due = data.filter((b) => b.payable).reduce((s, b) => s + BigInt(b.amount_due), 0n);
        return { data, currency: settings.currency, amount_due: toWire(due) };
      });
    },

    /**
     * Payments into the consumer's accounts, whatever the rail, and their online attempts that
     * took no money (declined, abandoned, expired, or still at the gateway), newest first. A
     * failed attempt keeps the gateway's own message (seed 002).
     */
    async payments(me: Consumer, q: { limit: number; cursor?: string | undefined }) {
      const after = parseCursor(q.cursor);
      return db.withTenant(me, async (tx) => {
        const mine = await myAccounts(tx, me);
        if (!mine.length) return { data: [], has_more: false, next_cursor: null };
        const ids = mine.map((a) => a.id);
        const numberOf = new Map(mine.map((a) => [a.id, a.number]));
        const pays = await tx
          .select()
          .from(payments)
          .where(
            and(
              eq(payments.tenantId, me.tenantId),
              eq(payments.mode, me.mode),
              inArray(payments.accountId, ids),
              after ? before(payments.receivedAt, payments.id, after) : undefined,
            ),
          )
          .orderBy(desc(ms(payments.receivedAt)), desc(payments.id))
          .limit(q.limit + 1);
        const attempts = await tx
          .select()
          .from(checkouts)
          .where(
            and(
              eq(checkouts.tenantId, me.tenantId),
              eq(checkouts.mode, me.mode),
              eq(checkouts.purpose, 'payment'),
              inArray(checkouts.accountId, ids),
              inArray(checkouts.status, ATTEMPT_STATUSES),
              after ? before(checkouts.createdAt, checkouts.id, after) : undefined,
            ),
          )
          .orderBy(desc(ms(checkouts.createdAt)), desc(checkouts.id))
          .limit(q.limit + 1);

        type Entry = { at: Date; id: string; build: () => MyPaymentView };
        const allocs = pays.length
          ? await tx
              .select({
                paymentId: allocations.paymentId,
                billId: allocations.billId,
                amount: sql<string>`sum(${allocations.amount})::text`,
              })
              .from(allocations)
              .where(
                and(
                  eq(allocations.tenantId, me.tenantId),
                  inArray(
                    allocations.paymentId,
                    pays.map((p) => p.id),
                  ),
                ),
              )
              .groupBy(allocations.paymentId, allocations.billId)
          : [];
        const receiptNumbers = await receiptNumbersOf(
          tx,
          me,
          pays.filter((p) => p.status === 'completed').map((p) => p.id),
        );
        const billIds = new Set([...allocs.map((a) => a.billId), ...attempts.flatMap((c) => c.billIds)]);
        const billInfo = new Map(
          (billIds.size
            ? await tx
                .select({
                  id: bills.id,
                  number: bills.billNumber,
                  kind: bills.kind,
                  service: bills.serviceName,
                  period: bills.billingPeriod,
                })
                .from(bills)
                .where(
                  and(
                    eq(bills.tenantId, me.tenantId),
                    inArray(bills.id, [...billIds]),
                    inArray(bills.accountId, ids),
                  ),
                )
            : []
          ).map((b) => [b.id, b]),
        );
        const billOf = (id: string, amount: number | null) => {
          const b = billInfo.get(id);
          return b
            ? [
                {
                  bill_id: id,
                  bill_number: b.number,
                  kind: b.kind,
                  service_name: b.service,
                  billing_period: b.period,
                  amount,
                },
              ]
            : [];
        };

        const entries: Entry[] = [
          ...pays.map((p) => ({
            at: p.receivedAt,
            id: p.id,
            build: (): MyPaymentView => ({
              id: p.id,
              object: 'consumer_payment',
              source: 'payment',
              status: p.status,
              amount: toWire(p.amount),
              refunded_amount: toWire(p.refundedAmount),
              currency: p.currency,
              channel: p.channel,
              method: p.method,
              method_label: methodLabel(p.channel, p.method),
              account_number: p.accountId ? (numberOf.get(p.accountId) ?? null) : null,
              bills: allocs
                .filter((a) => a.paymentId === p.id && BigInt(a.amount) !== 0n)
                .flatMap((a) => billOf(a.billId, toWire(BigInt(a.amount)))),
              failure: p.failureMessage
                ? { reason: null, code: p.failureCode, message: p.failureMessage }
                : null,
              checkout_id: p.channel === 'gateway' ? (p.metadata.checkout_id ?? null) : null,
              payment_id: p.id,
              date: p.receivedAt.toISOString(),
              completed_at: p.completedAt?.toISOString() ?? null,
              receipt_number: receiptNumbers.get(p.id) ?? null,
            }),
          })),
          ...attempts.map((c) => ({
            at: c.createdAt,
            id: c.id,
            build: (): MyPaymentView => {
              const pending = c.status === 'open' || c.status === 'processing';
              return {
                id: c.id,
                object: 'consumer_payment',
                source: 'checkout',
                status: pending ? 'pending' : 'failed',
                amount: toWire(c.amount),
                refunded_amount: 0,
                currency: c.currency,
                channel: 'gateway',
                method: c.gateway,
                method_label: methodLabel('gateway', c.gateway),
                account_number: c.accountId ? (numberOf.get(c.accountId) ?? null) : null,
                bills: c.billIds.flatMap((id) => billOf(id, null)),
                failure:
                  c.failureMessage && !pending
                    ? { reason: c.failureReason, code: c.failureCode, message: c.failureMessage }
                    : !pending
                      ? { reason: c.status, code: null, message: 'The payment did not go through.' }
                      : null,
                checkout_id: c.id,
                payment_id: null,
                date: c.createdAt.toISOString(),
                completed_at: null,
                receipt_number: null,
              };
            },
          })),
        ].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        const page = entries.slice(0, q.limit);
        const has_more = entries.length > q.limit;
        const last = page[page.length - 1];
        return {
          data: page.map((e) => e.build()),
          has_more,
          next_cursor: has_more && last ? `${last.at.toISOString()}~${last.id}` : null,
        };
      });
    },

    /**
     * Totals for the consumer's dashboard (seed 002: "Dashboard summary must reflect new payment
     * totals"): what is owed now, and what was paid by day (30 days), month (12) and year, in the
     * biller's time zone. Paid means money received and kept: successful, completed and refunded
     * payments net of their refunds, counted on the day the money was received.
     */
    async dashboard(me: Consumer): Promise<MyDashboardView> {
      return db.withTenant(me, async (tx) => {
        const settings = await tenantSettings(tx, me.tenantId);
        const today = todayIn(settings.timeZone);
        const open = (await billRows(tx, me, true)).map((r) => myBillView(r.bill, r.accountNumber, today));
        const payable = open.filter((b) => b.payable);
        const mine = await myAccounts(tx, me);
        const days = mine.length
          ? await tx
              .select({
                day: sql<string>`to_char(${payments.receivedAt} at time zone ${settings.timeZone}, 'YYYY-MM-DD')`,
                amount: sql<string>`sum(${payments.amount} - ${payments.refundedAmount})::text`,
                count: sql<number>`count(*)::int`,
              })
              .from(payments)
              .where(
                and(
                  eq(payments.tenantId, me.tenantId),
                  eq(payments.mode, me.mode),
                  inArray(
                    payments.accountId,
                    mine.map((a) => a.id),
                  ),
                  notInArray(payments.status, ['pending', 'failed', 'reversed']),
                ),
              )
              .groupBy(sql`1`)
          : [];

        const byDay = new Map<string, { amount: bigint; count: number }>();
        const byMonth = new Map<string, { amount: bigint; count: number }>();
        const byYear = new Map<string, { amount: bigint; count: number }>();
        const add = (
          m: Map<string, { amount: bigint; count: number }>,
          k: string,
          amount: bigint,
          n: number,
        ) => {
          const cur = m.get(k) ?? { amount: 0n, count: 0 };
          m.set(k, { amount: cur.amount + amount, count: cur.count + n });
        };
        let allTime = 0n;
        for (const d of days) {
          const amount = BigInt(d.amount);
          add(byDay, d.day, amount, d.count);
          add(byMonth, d.day.slice(0, 7), amount, d.count);
          add(byYear, d.day.slice(0, 4), amount, d.count);
          allTime += amount;
        }
        const out = (m: Map<string, { amount: bigint; count: number }>, k: string) => {
          const v = m.get(k);
          return { amount: toWire(v?.amount ?? 0n), count: v?.count ?? 0 };
        };

        const t = dayNumber(today);
        const by_day = Array.from({ length: 30 }, (_, i) => {
          const date = dayString(t - 29 + i);
          return { date, ...out(byDay, date) };
        });
        const [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
        const by_month = Array.from({ length: 12 }, (_, i) => {
          const k = y * 12 + (m - 1) - 11 + i;
          const month = `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
          return { month, ...out(byMonth, month) };
        });
        const firstYear = Math.min(y, ...[...byYear.keys()].map(Number));
        const by_year = Array.from({ length: y - firstYear + 1 }, (_, i) => {
          const year = String(firstYear + i);
          return { year, ...out(byYear, year) };
        });
        let last30 = 0n;
        for (const d of by_day) last30 += byDay.get(d.date)?.amount ?? 0n;

        return {
          currency: settings.currency,
          time_zone: settings.timeZone,
          today,
          outstanding: {
            amount: toWire(payable.reduce((s, b) => s + BigInt(b.amount_due), 0n)),
            bills: payable.length,
            overdue: payable.filter((b) => b.status === 'overdue').length,
            next_due_date: payable.map((b) => b.due_date).sort()[0] ?? null,
          },
          paid: {
            last_30_days: toWire(last30),
            this_month: by_month[11]!.amount,
            this_year: by_year[by_year.length - 1]!.amount,
            all_time: toWire(allTime),
          },
          by_day,
          by_month,
          by_year,
        };
      });
    },
  };
}
