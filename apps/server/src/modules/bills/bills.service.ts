import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import { accounts, allocations, bills, payments, referenceCounters } from '../../db/schema.ts';
import { type Actor, recordAudit, recordAudits } from '../../platform/audit.ts';
import { AppError, conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { findAccountByNumber } from '../accounts/accounts.service.ts';
import { LEDGER, postEntries, postEntry } from '../ledger/ledger.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import { emitEvents } from '../webhooks/events.ts';
import type { BillCreate, BillView } from './bills.schemas.ts';
import { formatReference, makeReference, parseReference } from './reference.ts';

export type BillRow = typeof bills.$inferSelect;

/**
 * Amounts of a bill on a given day (in the tenant's time zone). The late fee applies once the
 * due date has passed, or once it has been charged to the ledger.
 */
export function billFigures(b: BillRow, today: string) {
  const late = b.lateFeeCharged || today > b.dueDate;
  const total = b.amount + (late ? b.lateFee : 0n);
  const outstanding = b.status === 'cancelled' ? 0n : total - b.amountPaid;
  let status: BillView['status'] = b.status;
  if (b.status === 'unpaid' || b.status === 'partially_paid') {
    if (b.expiresOn && today > b.expiresOn) status = 'expired';
    else if (today > b.dueDate) status = 'overdue';
  }
  return { late, total, outstanding: outstanding < 0n ? 0n : outstanding, status };
}

export function billToView(b: BillRow, accountNumber: string, today: string): BillView {
  const f = billFigures(b, today);
  return {
    id: b.id,
    object: 'bill',
    bill_number: b.billNumber,
    reference_id: b.referenceId,
    reference_display: formatReference(b.referenceId),
    account_id: b.accountId,
    account_number: accountNumber,
    kind: b.kind,
    service_name: b.serviceName,
    billing_period: b.billingPeriod,
    period_start: b.periodStart,
    period_end: b.periodEnd,
    line_items: b.lineItems.map((li) => ({ description: li.description, amount: toWire(BigInt(li.amount)) })),
    currency: b.currency,
    amount: toWire(b.amount),
    late_fee: toWire(b.lateFee),
    amount_after_due: toWire(b.amount + b.lateFee),
    amount_paid: toWire(b.amountPaid),
    outstanding: toWire(f.outstanding),
    payable_now: toWire(f.outstanding),
    due_date: b.dueDate,
    expires_on: b.expiresOn,
    status: f.status,
    allow_partial: b.allowPartial,
    metadata: b.metadata,
    paid_at: b.paidAt?.toISOString() ?? null,
    cancelled_at: b.cancelledAt?.toISOString() ?? null,
    livemode: b.mode === 'live',
    created_at: b.createdAt.toISOString(),
  };
}

/** Reserves `count` consecutive reference sequence numbers for the tenant (one row lock, one round trip). */
async function reserveReferences(
  tx: Tx,
  tenantId: string,
  refPrefix: number,
  count: number,
): Promise<string[]> {
  const [row] = await tx
    .insert(referenceCounters)
    .values({ tenantId, nextValue: BigInt(count + 1) })
    .onConflictDoUpdate({
      target: referenceCounters.tenantId,
      set: { nextValue: sql`${referenceCounters.nextValue} + ${count}` },
    })
    .returning({ next: referenceCounters.nextValue });
  const start = row!.next - BigInt(count);
  return Array.from({ length: count }, (_, i) => makeReference(refPrefix, start + BigInt(i)));
}

export type BillService = ReturnType<typeof createBillService>;

export function createBillService({ db }: { db: Database }) {
  /**
   * Creates bills in the caller's transaction: all or nothing. Errors name the item
   * (`bills[3].account_number`) when `path` is given.
   */
  async function insertBills(
    tx: Tx,
    ctx: TenantContext,
    inputs: BillCreate[],
    actor: Actor,
    path?: (i: number) => string,
  ) {
    const settings = await tenantSettings(tx, ctx.tenantId);
    const today = todayIn(settings.timeZone);
    const field = (i: number, name: string) => (path ? `${path(i)}.${name}` : name);
    const errors: { field: string; reason: string }[] = [];
    const accountByNumber = new Map<string, typeof accounts.$inferSelect>();
    const seen = new Set<string>();
    for (const [i, input] of inputs.entries()) {
      if (!accountByNumber.has(input.account_number)) {
        const acc = await findAccountByNumber(tx, ctx, input.account_number);
        if (acc) accountByNumber.set(input.account_number, acc);
      }
      const acc = accountByNumber.get(input.account_number);
      if (!acc) errors.push({ field: field(i, 'account_number'), reason: 'no such account' });
      else if (acc.status !== 'active')
        errors.push({ field: field(i, 'account_number'), reason: 'the account is closed' });
      if (seen.has(input.bill_number))
        errors.push({ field: field(i, 'bill_number'), reason: 'appears twice in this request' });
      seen.add(input.bill_number);
    }
    const existing = await tx
      .select({ billNumber: bills.billNumber })
      .from(bills)
      .where(
        and(eq(bills.tenantId, ctx.tenantId), eq(bills.mode, ctx.mode), inArray(bills.billNumber, [...seen])),
      );
    const taken = new Set(existing.map((e) => e.billNumber));
    for (const [i, input] of inputs.entries()) {
      if (taken.has(input.bill_number))
        errors.push({ field: field(i, 'bill_number'), reason: 'already exists' });
    }
    if (errors.length) {
      const dup = errors.every((e) => e.reason === 'already exists');
      if (dup) throw conflict('bill_exists', 'A bill with this bill_number already exists.', errors);
      throw validationFailed(errors);
    }
    const refs = await reserveReferences(tx, ctx.tenantId, settings.refPrefix, inputs.length);
    const rows = await tx
      .insert(bills)
      .values(
        inputs.map((input, i) => {
          const lineItems = (input.line_items ?? []).map((li) => ({
            description: li.description,
            amount: li.amount.toString(),
          }));
          const amount = input.amount ?? (input.line_items ?? []).reduce((s, li) => s + li.amount, 0n);
          return {
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            id: newId('bill'),
            accountId: accountByNumber.get(input.account_number)!.id,
            billNumber: input.bill_number,
            referenceId: refs[i]!,
            kind: input.kind,
            serviceName: input.service_name,
            billingPeriod: input.billing_period,
            periodStart: input.period_start ?? null,
            periodEnd: input.period_end ?? null,
            lineItems,
            currency: settings.currency,
            amount,
            lateFee: input.late_fee,
            dueDate: input.due_date,
            expiresOn: input.expires_on ?? null,
            allowPartial: input.allow_partial,
            metadata: input.metadata ?? {},
          };
        }),
      )
      .returning();
    // Ledger entries, events and audit records for the whole batch: a fixed number of statements.
    const numberOf = new Map([...accountByNumber.values()].map((a) => [a.id, a.accountNumber]));
    const views = rows.map((row) => billToView(row, numberOf.get(row.accountId)!, today));
    await postEntries(
      tx,
      ctx,
      rows.map((row) => ({
        kind: 'bill_issued',
        subjectId: row.id,
        currency: row.currency,
        postings: [
          { account: LEDGER.receivable(row.accountId), amount: row.amount },
          { account: LEDGER.billings, amount: -row.amount },
        ],
      })),
    );
    await emitEvents(
      tx,
      ctx,
      views.map((data) => ({ type: 'bill.created' as const, data })),
    );
    await recordAudits(
      tx,
      actor,
      views.map((v) => ({
        tenantId: ctx.tenantId,
        action: 'bill.created',
        targetType: 'bill',
        targetId: v.id,
        after: { bill_number: v.bill_number, reference_id: v.reference_id, amount: v.amount },
      })),
    );
    return rows;
  }

  async function view(tx: Tx, ctx: TenantContext, rows: BillRow[]) {
    if (rows.length === 0) return [];
    const settings = await tenantSettings(tx, ctx.tenantId);
    const today = todayIn(settings.timeZone);
    const accs = await tx
      .select({ id: accounts.id, accountNumber: accounts.accountNumber })
      .from(accounts)
      .where(
        and(
          eq(accounts.tenantId, ctx.tenantId),
          inArray(accounts.id, [...new Set(rows.map((r) => r.accountId))]),
        ),
      );
    const numbers = new Map(accs.map((a) => [a.id, a.accountNumber]));
    return rows.map((r) => billToView(r, numbers.get(r.accountId) ?? '', today));
  }

  async function getRow(tx: Tx, ctx: TenantContext, id: string) {
    const row = await tx
      .select()
      .from(bills)
      .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.id, id)))
      .limit(1)
      .then(first);
    if (!row) throw notFound('Bill', id);
    return row;
  }

  return {
    insertBills,
    view,
    async create(ctx: TenantContext, input: BillCreate, actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const [row] = await insertBills(tx, ctx, [input], actor);
        return (await view(tx, ctx, [row!]))[0]!;
      });
    },
    async createBatch(ctx: TenantContext, inputs: BillCreate[], actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        return view(tx, ctx, await insertBills(tx, ctx, inputs, actor, (i) => `bills[${i}]`));
      });
    },
    get: (ctx: TenantContext, id: string) =>
      db.withTenant(ctx, async (tx) => (await view(tx, ctx, [await getRow(tx, ctx, id)]))[0]!),

    async list(
      ctx: TenantContext,
      q: PageQuery & {
        account_id?: string | undefined;
        status?: BillView['status'] | undefined;
        kind?: 'bill' | 'service' | undefined;
        search?: string | undefined;
      },
    ) {
      return db.withTenant(ctx, async (tx) => {
        const today = todayIn((await tenantSettings(tx, ctx.tenantId)).timeZone);
        // The view statuses overdue/expired are the stored unpaid/partially_paid past a date.
        const open = inArray(bills.status, ['unpaid', 'partially_paid']);
        const statusFilter = (() => {
          switch (q.status) {
            case undefined:
              return undefined;
            case 'overdue':
              return and(
                open,
                sql`${bills.dueDate} < ${today}`,
                sql`(${bills.expiresOn} is null or ${bills.expiresOn} >= ${today})`,
              );
            case 'expired':
              return sql`(${bills.status} = 'expired' or (${open} and ${bills.expiresOn} < ${today}))`;
            case 'unpaid':
            case 'partially_paid':
              return and(eq(bills.status, q.status), sql`${bills.dueDate} >= ${today}`);
            default:
              return eq(bills.status, q.status);
          }
        })();
        const rows = await tx
          .select()
          .from(bills)
          .where(
            and(
              eq(bills.tenantId, ctx.tenantId),
              eq(bills.mode, ctx.mode),
              q.account_id ? eq(bills.accountId, q.account_id) : undefined,
              q.kind ? eq(bills.kind, q.kind) : undefined,
              statusFilter,
              q.search
                ? sql`(${bills.billNumber} ilike ${`%${q.search}%`} or ${bills.referenceId} = ${q.search.replace(/\s/g, '')} or ${bills.serviceName} ilike ${`%${q.search}%`})`
                : undefined,
              q.starting_after ? lt(bills.id, q.starting_after) : undefined,
            ),
          )
          .orderBy(desc(bills.id))
          .limit(q.limit + 1);
        const page = toPage(rows, q.limit);
        return { ...page, data: await view(tx, ctx, page.data) };
      });
    },

    /** Cancels an unpaid bill: its receivable is reversed in the ledger. A bill with payments must be refunded first. */
    async cancel(ctx: TenantContext, id: string, reason: string | undefined, actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const [row] = await tx
          .select()
          .from(bills)
          .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.id, id)))
          .for('update');
        if (!row) throw notFound('Bill', id);
        if (row.status === 'cancelled') throw conflict('bill_cancelled', 'The bill is already cancelled.');
        if (row.amountPaid > 0n) {
          throw conflict(
            'bill_has_payments',
            'The bill has payments; refund or reverse them before cancelling it.',
          );
        }
        const owed = row.amount + (row.lateFeeCharged ? row.lateFee : 0n);
        const [after] = await tx
          .update(bills)
          .set({ status: 'cancelled', cancelledAt: new Date(), updatedAt: new Date() })
          .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.id, id)))
          .returning();
        await postEntry(tx, ctx, {
          kind: 'bill_cancelled',
          subjectId: id,
          currency: row.currency,
          memo: reason,
          postings: [
            { account: LEDGER.billings, amount: owed },
            { account: LEDGER.receivable(row.accountId), amount: -owed },
          ],
        });
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'bill.cancelled',
          targetType: 'bill',
          targetId: id,
          before: { status: row.status },
          after: { status: 'cancelled', reason: reason ?? null },
        });
        return (await view(tx, ctx, [after!]))[0]!;
      });
    },

    /**
     * The verification call: a reference id's bill, status and payments. A mistyped reference
     * (wrong check digits) is refused with the reason and never matched to another bill.
     */
    async verify(ctx: TenantContext, reference: string) {
      const parsed = parseReference(reference);
      if (!parsed.ok)
        throw validationFailed(
          [{ field: 'reference', reason: parsed.reason }],
          `The reference id ${parsed.reason}.`,
        );
      return db.withTenant(ctx, async (tx) => {
        const row = await tx
          .select()
          .from(bills)
          .where(
            and(
              eq(bills.tenantId, ctx.tenantId),
              eq(bills.referenceId, parsed.reference),
              eq(bills.mode, ctx.mode),
            ),
          )
          .limit(1)
          .then(first);
        if (!row)
          throw new AppError(
            404,
            'reference_not_found',
            `No bill has reference ${formatReference(parsed.reference)}.`,
          );
        const pays = await tx
          .select({
            id: payments.id,
            status: payments.status,
            channel: payments.channel,
            channel_ref: payments.channelRef,
            received_at: payments.receivedAt,
            allocated: sql<string>`sum(${allocations.amount})::text`,
          })
          .from(allocations)
          .innerJoin(
            payments,
            and(eq(payments.tenantId, allocations.tenantId), eq(payments.id, allocations.paymentId)),
          )
          .where(and(eq(allocations.tenantId, ctx.tenantId), eq(allocations.billId, row.id)))
          .groupBy(payments.id, payments.status, payments.channel, payments.channelRef, payments.receivedAt)
          .orderBy(asc(payments.id));
        return {
          bill: (await view(tx, ctx, [row]))[0]!,
          payments: pays.map((p) => ({
            payment_id: p.id,
            status: p.status,
            channel: p.channel,
            channel_ref: p.channel_ref,
            amount: toWire(BigInt(p.allocated)),
            received_at: p.received_at.toISOString(),
          })),
        };
      });
    },
  };
}
