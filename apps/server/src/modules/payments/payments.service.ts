import { and, asc, desc, eq, gte, inArray, lt, lte, or, sql } from 'drizzle-orm';
import { type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import { accounts, allocations, bills, type Channel, journalEntries, payments } from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { AppError, conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { formatMajor } from '../../platform/money.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { type BillRow, billFigures, billToView } from '../bills/bills.service.ts';
import { LEDGER, type Posting, postEntry } from '../ledger/ledger.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import { emitEvent } from '../webhooks/events.ts';

export type PaymentRow = typeof payments.$inferSelect;

/**
 * Recording money, the one path every rail takes (bank API, cash counter, gateways, agents …).
 *
 * Allocation rules:
 *  - Explicit bills are paid in the order given; otherwise the account's open bills are paid
 *    oldest due date first.
 *  - A bill's payable amount includes its late fee once the due date (in the tenant's time zone)
 *    has passed; the late fee is charged to the ledger when a payment touches that bill.
 *  - `exact` policy (bank and gateway rails): the amount must equal what the targeted bills owe,
 *    or be less only when every targeted bill allows partial payment.
 *  - `flexible` policy (cash counter): partial payments are accepted; any excess becomes a credit
 *    on the account (ledger `credit:<acc>`).
 *  - Money with no bill and no account goes to suspense, for a CSO to allocate.
 *  - Refunds undo, in order: suspense, account credit, then bill allocations latest first; the
 *    bills reopen. Reversals undo everything.
 *
 * Exactly-once: (channel, channel source, channel ref) is unique. A retry with the same request
 * replays the recorded payment; the same reference with a different request is refused.
 * Bills are locked (SELECT … FOR UPDATE, in id order) before anything is computed, so two
 * concurrent payments for one bill can never clear it twice.
 */
export interface PaymentInput {
  channel: Channel;
  channelSource: string;
  channelRef: string;
  amount: bigint;
  currency: string;
  accountId?: string | null;
  billIds?: string[];
  policy: 'exact' | 'flexible';
  method?: string | null;
  receivedAt?: Date;
  createdBy?: string | null;
  metadata?: Record<string, string>;
}

export interface RecordResult {
  payment: PaymentRow;
  replayed: boolean;
}

const paymentError = (status: number, code: string, detail: string, field?: string) =>
  new AppError(status, code, detail, field ? { errors: [{ field, reason: detail }] } : {});

function requestHashOf(input: PaymentInput) {
  return sha256Hex(
    JSON.stringify([input.amount.toString(), input.currency, input.accountId ?? null, input.billIds ?? null, input.policy]),
  );
}

async function findByChannelRef(tx: Tx, ctx: TenantContext, input: Pick<PaymentInput, 'channel' | 'channelSource' | 'channelRef'>) {
  return tx
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.tenantId, ctx.tenantId),
        eq(payments.mode, ctx.mode),
        eq(payments.channel, input.channel),
        eq(payments.channelSource, input.channelSource),
        eq(payments.channelRef, input.channelRef),
      ),
    )
    .limit(1)
    .then(first);
}

function replayOrRefuse(existing: PaymentRow, hash: string): RecordResult {
  if (existing.requestHash !== hash) {
    throw paymentError(
      409,
      'duplicate_reference_mismatch',
      `Transaction reference ${existing.channelRef} was already used for a different payment (${formatMajor(existing.amount, existing.currency)} ${existing.currency}).`,
      'channel_ref',
    );
  }
  return { payment: existing, replayed: true };
}

/** The status a bill has after its paid amount changes. */
function statusAfter(b: BillRow, amountPaid: bigint, total: bigint): BillRow['status'] {
  if (amountPaid >= total) return 'paid';
  return amountPaid > 0n ? 'partially_paid' : 'unpaid';
}

export async function recordPayment(tx: Tx, ctx: TenantContext, input: PaymentInput): Promise<RecordResult> {
  const settings = await tenantSettings(tx, ctx.tenantId);
  if (input.currency !== settings.currency) {
    throw paymentError(422, 'currency_mismatch', `This biller is paid in ${settings.currency}, not ${input.currency}.`, 'currency');
  }
  const hash = requestHashOf(input);
  const prior = await findByChannelRef(tx, ctx, input);
  if (prior) return replayOrRefuse(prior, hash);

  const today = todayIn(settings.timeZone);
  // Lock the bills first, always in id order, so concurrent payers queue instead of deadlocking.
  let targets: BillRow[];
  if (input.billIds?.length) {
    const ids = [...new Set(input.billIds)];
    const locked = await tx
      .select()
      .from(bills)
      .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.mode, ctx.mode), inArray(bills.id, ids)))
      .orderBy(asc(bills.id))
      .for('update');
    const byId = new Map(locked.map((b) => [b.id, b]));
    const missing = ids.find((id) => !byId.has(id));
    if (missing) throw paymentError(404, 'bill_not_found', `Bill ${missing} was not found.`, 'bill_ids');
    targets = ids.map((id) => byId.get(id)!);
    const owners = new Set(targets.map((b) => b.accountId));
    if (owners.size > 1 || (input.accountId && !owners.has(input.accountId))) {
      throw paymentError(422, 'bills_of_different_accounts', 'All bills of one payment must belong to the same account.', 'bill_ids');
    }
    input = { ...input, accountId: targets[0]!.accountId };
  } else if (input.accountId) {
    const acc = await tx
      .select({ id: accounts.id })
      .from(accounts)
      .where(and(eq(accounts.tenantId, ctx.tenantId), eq(accounts.mode, ctx.mode), eq(accounts.id, input.accountId)))
      .limit(1)
      .then(first);
    if (!acc) throw paymentError(404, 'account_not_found', `Account ${input.accountId} was not found.`, 'account_id');
    const open = await tx
      .select()
      .from(bills)
      .where(
        and(
          eq(bills.tenantId, ctx.tenantId),
          eq(bills.mode, ctx.mode),
          eq(bills.accountId, input.accountId),
          inArray(bills.status, ['unpaid', 'partially_paid']),
        ),
      )
      .orderBy(asc(bills.id))
      .for('update');
    targets = open
      .filter((b) => billFigures(b, today).status !== 'expired')
      .sort((a, b) => (a.dueDate === b.dueDate ? (a.id < b.id ? -1 : 1) : a.dueDate < b.dueDate ? -1 : 1));
  } else {
    targets = [];
  }

  // A concurrent request with the same reference may have committed while we waited for the locks.
  if (targets.length) {
    const raced = await findByChannelRef(tx, ctx, input);
    if (raced) return replayOrRefuse(raced, hash);
  }

  // Validate each explicit bill and compute what it owes now.
  const owed = new Map<string, { total: bigint; outstanding: bigint; chargeLateFee: boolean }>();
  for (const b of targets) {
    const f = billFigures(b, today);
    if (input.billIds?.length) {
      if (b.status === 'cancelled') throw paymentError(409, 'bill_not_payable', `Bill ${b.billNumber} is cancelled.`, 'bill_ids');
      if (f.status === 'expired') throw paymentError(409, 'bill_not_payable', `Bill ${b.billNumber} has expired.`, 'bill_ids');
      if (f.outstanding === 0n) throw paymentError(409, 'bill_already_paid', `Bill ${b.billNumber} is already paid.`, 'bill_ids');
    }
    owed.set(b.id, { total: f.total, outstanding: f.outstanding, chargeLateFee: f.late && !b.lateFeeCharged && b.lateFee > 0n });
  }
  const totalOwed = targets.reduce((s, b) => s + owed.get(b.id)!.outstanding, 0n);
  if (input.policy === 'exact') {
    const partialOk = targets.length > 0 && targets.every((b) => b.allowPartial);
    if (input.amount > totalOwed || (input.amount < totalOwed && !partialOk)) {
      throw paymentError(
        422,
        'amount_mismatch',
        `The amount ${formatMajor(input.amount, input.currency)} does not match the payable ${formatMajor(totalOwed, input.currency)} ${input.currency}.`,
        'amount',
      );
    }
  }

  // Allocate.
  let remaining = input.amount;
  const plan: { bill: BillRow; amount: bigint }[] = [];
  for (const b of targets) {
    if (remaining === 0n) break;
    const part = remaining < owed.get(b.id)!.outstanding ? remaining : owed.get(b.id)!.outstanding;
    if (part > 0n) {
      plan.push({ bill: b, amount: part });
      remaining -= part;
    }
  }
  const allocated = input.amount - remaining;
  const creditAmount = input.accountId ? remaining : 0n;
  const suspenseAmount = input.accountId ? 0n : remaining;

  const paymentId = newId('pay');
  const [payment] = await tx
    .insert(payments)
    .values({
      tenantId: ctx.tenantId,
      mode: ctx.mode,
      id: paymentId,
      accountId: input.accountId ?? null,
      currency: input.currency,
      amount: input.amount,
      allocatedAmount: allocated,
      creditAmount,
      suspenseAmount,
      status: 'successful',
      channel: input.channel,
      channelSource: input.channelSource,
      channelRef: input.channelRef,
      method: input.method ?? null,
      requestHash: hash,
      receivedAt: input.receivedAt ?? new Date(),
      createdBy: input.createdBy ?? null,
      metadata: input.metadata ?? {},
    })
    .onConflictDoNothing()
    .returning();
  if (!payment) {
    // A concurrent request with the same reference committed first.
    return replayOrRefuse((await findByChannelRef(tx, ctx, input))!, hash);
  }

  const postings: Posting[] = [{ account: LEDGER.clearing(input.channel, input.channelSource), amount: input.amount }];
  const paidBills: BillRow[] = [];
  for (const { bill, amount } of plan) {
    const o = owed.get(bill.id)!;
    if (o.chargeLateFee) {
      await postEntry(tx, ctx, {
        kind: 'late_fee',
        subjectId: bill.id,
        currency: bill.currency,
        postings: [
          { account: LEDGER.receivable(bill.accountId), amount: bill.lateFee },
          { account: LEDGER.lateFees, amount: -bill.lateFee },
        ],
      });
    }
    const amountPaid = bill.amountPaid + amount;
    const status = statusAfter(bill, amountPaid, o.total);
    const [updated] = await tx
      .update(bills)
      .set({
        amountPaid,
        status,
        ...(o.chargeLateFee ? { lateFeeCharged: true } : {}),
        ...(status === 'paid' ? { paidAt: new Date() } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.id, bill.id)))
      .returning();
    if (status === 'paid') paidBills.push(updated!);
    postings.push({ account: LEDGER.receivable(bill.accountId), amount: -amount });
  }
  if (plan.length) {
    await tx.insert(allocations).values(
      plan.map((p) => ({ tenantId: ctx.tenantId, mode: ctx.mode, id: newId('alc'), paymentId, billId: p.bill.id, amount: p.amount })),
    );
  }
  if (creditAmount > 0n) postings.push({ account: LEDGER.credit(input.accountId!), amount: -creditAmount });
  if (suspenseAmount > 0n) postings.push({ account: LEDGER.suspense, amount: -suspenseAmount });
  await postEntry(tx, ctx, { kind: 'payment', subjectId: paymentId, currency: input.currency, postings });

  const view = await paymentView(tx, ctx, payment);
  await emitEvent(tx, ctx, 'payment.successful', view);
  if (paidBills.length) {
    const numbers = await accountNumbers(tx, ctx, paidBills.map((b) => b.accountId));
    for (const b of paidBills) await emitEvent(tx, ctx, 'bill.paid', billToView(b, numbers.get(b.accountId) ?? '', today));
  }
  return { payment, replayed: false };
}

async function accountNumbers(tx: Tx, ctx: TenantContext, ids: string[]) {
  if (!ids.length) return new Map<string, string>();
  const rows = await tx
    .select({ id: accounts.id, n: accounts.accountNumber })
    .from(accounts)
    .where(and(eq(accounts.tenantId, ctx.tenantId), inArray(accounts.id, [...new Set(ids)])));
  return new Map(rows.map((r) => [r.id, r.n]));
}

export async function paymentView(tx: Tx, ctx: TenantContext, p: PaymentRow) {
  const allocs = await tx
    .select({
      bill_id: allocations.billId,
      bill_number: bills.billNumber,
      reference_id: bills.referenceId,
      amount: sql<string>`sum(${allocations.amount})::text`,
    })
    .from(allocations)
    .innerJoin(bills, and(eq(bills.tenantId, allocations.tenantId), eq(bills.id, allocations.billId)))
    .where(and(eq(allocations.tenantId, ctx.tenantId), eq(allocations.paymentId, p.id)))
    .groupBy(allocations.billId, bills.billNumber, bills.referenceId)
    .orderBy(asc(allocations.billId));
  const accountNumber = p.accountId ? ((await accountNumbers(tx, ctx, [p.accountId])).get(p.accountId) ?? null) : null;
  return {
    id: p.id,
    object: 'payment' as const,
    status: p.status,
    amount: toWire(p.amount),
    currency: p.currency,
    account_id: p.accountId,
    account_number: accountNumber,
    channel: p.channel,
    channel_source: p.channelSource,
    channel_ref: p.channelRef,
    method: p.method,
    allocations: allocs.map((a) => ({ bill_id: a.bill_id, bill_number: a.bill_number, reference_id: a.reference_id, amount: toWire(BigInt(a.amount)) })),
    allocated_amount: toWire(p.allocatedAmount),
    credit_amount: toWire(p.creditAmount),
    suspense_amount: toWire(p.suspenseAmount),
    refunded_amount: toWire(p.refundedAmount),
    failure_code: p.failureCode,
    failure_message: p.failureMessage,
    received_at: p.receivedAt.toISOString(),
    completed_at: p.completedAt?.toISOString() ?? null,
    created_at: p.createdAt.toISOString(),
    livemode: p.mode === 'live',
    metadata: p.metadata,
  };
}
export type PaymentView = Awaited<ReturnType<typeof paymentView>>;

async function lockPayment(tx: Tx, ctx: TenantContext, id: string) {
  const [p] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.tenantId, ctx.tenantId), eq(payments.mode, ctx.mode), eq(payments.id, id)))
    .for('update');
  if (!p) throw notFound('Payment', id);
  return p;
}

/** Net allocation per bill of a payment, with the bills locked (id order). */
async function lockAllocatedBills(tx: Tx, ctx: TenantContext, paymentId: string) {
  const nets = await tx
    .select({ billId: allocations.billId, net: sql<string>`sum(${allocations.amount})::text`, lastId: sql<string>`max(${allocations.id})` })
    .from(allocations)
    .where(and(eq(allocations.tenantId, ctx.tenantId), eq(allocations.paymentId, paymentId)))
    .groupBy(allocations.billId);
  const open = nets.filter((n) => BigInt(n.net) > 0n);
  if (!open.length) return [];
  const locked = await tx
    .select()
    .from(bills)
    .where(and(eq(bills.tenantId, ctx.tenantId), inArray(bills.id, open.map((n) => n.billId))))
    .orderBy(asc(bills.id))
    .for('update');
  const byId = new Map(locked.map((b) => [b.id, b]));
  // Latest allocation first: refunds reopen the most recently paid bill first.
  return open
    .sort((a, b) => (a.lastId < b.lastId ? 1 : -1))
    .map((n) => ({ bill: byId.get(n.billId)!, net: BigInt(n.net) }));
}

/** Where a payment's money sits before settlement (clearing) or after it (owed to the tenant). */
const fundsAccount = (p: PaymentRow) => (p.status === 'completed' ? LEDGER.settlementPayable : LEDGER.clearing(p.channel, p.channelSource));

async function undoAllocations(tx: Tx, ctx: TenantContext, p: PaymentRow, amount: bigint, today: string) {
  const undone: { bill: BillRow; amount: bigint }[] = [];
  let left = amount;
  for (const { bill, net } of await lockAllocatedBills(tx, ctx, p.id)) {
    if (left === 0n) break;
    const part = left < net ? left : net;
    const amountPaid = bill.amountPaid - part;
    await tx
      .update(bills)
      .set({ amountPaid, status: statusAfter(bill, amountPaid, billFigures(bill, today).total), paidAt: null, updatedAt: new Date() })
      .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.id, bill.id)));
    undone.push({ bill, amount: part });
    left -= part;
  }
  if (undone.length) {
    await tx.insert(allocations).values(
      undone.map((u) => ({ tenantId: ctx.tenantId, mode: ctx.mode, id: newId('alc'), paymentId: p.id, billId: u.bill.id, amount: -u.amount })),
    );
  }
  return undone;
}

export async function refundPayment(tx: Tx, ctx: TenantContext, id: string, amount: bigint | undefined, reason: string, actor: Actor) {
  const p = await lockPayment(tx, ctx, id);
  if (p.status !== 'successful' && p.status !== 'completed') {
    throw conflict('payment_not_refundable', `A ${p.status} payment cannot be refunded.`);
  }
  const refundable = p.amount - p.refundedAmount;
  const r = amount ?? refundable;
  if (r <= 0n || r > refundable) {
    throw validationFailed([{ field: 'amount', reason: `must be between 1 and ${refundable} (the refundable amount)` }]);
  }
  const settings = await tenantSettings(tx, ctx.tenantId);
  const today = todayIn(settings.timeZone);
  const fromSuspense = r < p.suspenseAmount ? r : p.suspenseAmount;
  const rest = r - fromSuspense;
  const fromCredit = rest < p.creditAmount ? rest : p.creditAmount;
  const fromBills = rest - fromCredit;
  const undone = fromBills > 0n ? await undoAllocations(tx, ctx, p, fromBills, today) : [];
  const postings: Posting[] = [];
  if (fromSuspense > 0n) postings.push({ account: LEDGER.suspense, amount: fromSuspense });
  if (fromCredit > 0n) postings.push({ account: LEDGER.credit(p.accountId!), amount: fromCredit });
  for (const u of undone) postings.push({ account: LEDGER.receivable(u.bill.accountId), amount: u.amount });
  postings.push({ account: fundsAccount(p), amount: -r });
  await postEntry(tx, ctx, { kind: 'refund', subjectId: p.id, currency: p.currency, postings, memo: reason });
  const refundedAmount = p.refundedAmount + r;
  const [after] = await tx
    .update(payments)
    .set({
      refundedAmount,
      suspenseAmount: p.suspenseAmount - fromSuspense,
      creditAmount: p.creditAmount - fromCredit,
      allocatedAmount: p.allocatedAmount - fromBills,
      status: refundedAmount === p.amount ? 'refunded' : p.status,
      updatedAt: new Date(),
    })
    .where(and(eq(payments.tenantId, ctx.tenantId), eq(payments.id, p.id)))
    .returning();
  await recordAudit(tx, actor, {
    tenantId: ctx.tenantId,
    action: 'payment.refunded',
    targetType: 'payment',
    targetId: p.id,
    before: { status: p.status, refunded_amount: toWire(p.refundedAmount) },
    after: { status: after!.status, refunded_amount: toWire(refundedAmount), reason },
  });
  const view = await paymentView(tx, ctx, after!);
  await emitEvent(tx, ctx, 'payment.refunded', { ...view, refund: { amount: toWire(r), reason } });
  return after!;
}

/** Undoes a payment completely (e.g. a bank reverses its posting): bills reopen, the ledger entry is reversed. */
export async function reversePayment(tx: Tx, ctx: TenantContext, id: string, reason: string, actor: Actor) {
  const p = await lockPayment(tx, ctx, id);
  if (p.status === 'reversed') return { payment: p, replayed: true };
  if (p.status !== 'successful' && p.status !== 'completed') {
    throw conflict('payment_not_reversible', `A ${p.status} payment cannot be reversed.`);
  }
  if (p.refundedAmount > 0n) {
    throw conflict('payment_partly_refunded', 'The payment has refunds; refund the rest instead of reversing it.');
  }
  const settings = await tenantSettings(tx, ctx.tenantId);
  const undone = await undoAllocations(tx, ctx, p, p.allocatedAmount, todayIn(settings.timeZone));
  const original = await tx
    .select({ id: journalEntries.id })
    .from(journalEntries)
    .where(and(eq(journalEntries.tenantId, ctx.tenantId), eq(journalEntries.subjectId, p.id), eq(journalEntries.kind, 'payment')))
    .limit(1)
    .then(first);
  const postings: Posting[] = [{ account: fundsAccount(p), amount: -p.amount }];
  for (const u of undone) postings.push({ account: LEDGER.receivable(u.bill.accountId), amount: u.amount });
  if (p.creditAmount > 0n) postings.push({ account: LEDGER.credit(p.accountId!), amount: p.creditAmount });
  if (p.suspenseAmount > 0n) postings.push({ account: LEDGER.suspense, amount: p.suspenseAmount });
  await postEntry(tx, ctx, {
    kind: 'reversal',
    subjectId: p.id,
    currency: p.currency,
    postings,
    memo: reason,
    ...(original ? { reversesId: original.id } : {}),
  });
  const [after] = await tx
    .update(payments)
    .set({ status: 'reversed', allocatedAmount: 0n, creditAmount: 0n, suspenseAmount: 0n, failureMessage: reason, updatedAt: new Date() })
    .where(and(eq(payments.tenantId, ctx.tenantId), eq(payments.id, p.id)))
    .returning();
  await recordAudit(tx, actor, {
    tenantId: ctx.tenantId,
    action: 'payment.reversed',
    targetType: 'payment',
    targetId: p.id,
    before: { status: p.status },
    after: { status: 'reversed', reason },
  });
  await emitEvent(tx, ctx, 'payment.reversed', { ...(await paymentView(tx, ctx, after!)), reversal: { reason } });
  return { payment: after!, replayed: false };
}

export interface PaymentSearch extends PageQuery {
  status?: PaymentRow['status'] | undefined;
  channel?: Channel | undefined;
  account_id?: string | undefined;
  account_number?: string | undefined;
  reference_id?: string | undefined;
  q?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export type PaymentService = ReturnType<typeof createPaymentService>;

export function createPaymentService({ db }: { db: Database }) {
  return {
    record: (ctx: TenantContext, input: PaymentInput) =>
      db.withTenant(ctx, async (tx) => {
        const result = await recordPayment(tx, ctx, input);
        return { ...result, view: await paymentView(tx, ctx, result.payment) };
      }),
    refund: (ctx: TenantContext, id: string, amount: bigint | undefined, reason: string, actor: Actor) =>
      db.withTenant(ctx, async (tx) => paymentView(tx, ctx, await refundPayment(tx, ctx, id, amount, reason, actor))),
    reverse: (ctx: TenantContext, id: string, reason: string, actor: Actor) =>
      db.withTenant(ctx, async (tx) => paymentView(tx, ctx, (await reversePayment(tx, ctx, id, reason, actor)).payment)),
    async get(ctx: TenantContext, id: string) {
      return db.withTenant(ctx, async (tx) => {
        const p = await tx
          .select()
          .from(payments)
          .where(and(eq(payments.tenantId, ctx.tenantId), eq(payments.mode, ctx.mode), eq(payments.id, id)))
          .limit(1)
          .then(first);
        if (!p) throw notFound('Payment', id);
        return paymentView(tx, ctx, p);
      });
    },
    async list(ctx: TenantContext, q: PaymentSearch) {
      return db.withTenant(ctx, async (tx) => {
        const byReference = q.reference_id
          ? sql`exists (select 1 from ${allocations} a join ${bills} b on b.tenant_id = a.tenant_id and b.id = a.bill_id
                 where a.tenant_id = ${payments.tenantId} and a.payment_id = ${payments.id} and b.reference_id = ${q.reference_id.replace(/[\s-]/g, '')})`
          : undefined;
        const byAccountNumber = q.account_number
          ? sql`${payments.accountId} in (select id from ${accounts} where tenant_id = ${ctx.tenantId} and account_number = ${q.account_number})`
          : undefined;
        const search = q.q
          ? or(
              eq(payments.channelRef, q.q),
              eq(payments.id, q.q),
              sql`${payments.accountId} in (select id from ${accounts} where tenant_id = ${ctx.tenantId}
                    and (account_number = ${q.q} or name ilike ${`%${q.q.replace(/[%_\\]/g, '\\$&')}%`}))`,
            )
          : undefined;
        const rows = await tx
          .select()
          .from(payments)
          .where(
            and(
              eq(payments.tenantId, ctx.tenantId),
              eq(payments.mode, ctx.mode),
              q.status ? eq(payments.status, q.status) : undefined,
              q.channel ? eq(payments.channel, q.channel) : undefined,
              q.account_id ? eq(payments.accountId, q.account_id) : undefined,
              q.from ? gte(payments.receivedAt, new Date(q.from)) : undefined,
              q.to ? lte(payments.receivedAt, new Date(q.to)) : undefined,
              byReference,
              byAccountNumber,
              search,
              q.starting_after ? lt(payments.id, q.starting_after) : undefined,
            ),
          )
          .orderBy(desc(payments.id))
          .limit(q.limit + 1);
        const page = toPage(rows, q.limit);
        const data = [];
        for (const p of page.data) data.push(await paymentView(tx, ctx, p));
        return { ...page, data };
      });
    },
  };
}
