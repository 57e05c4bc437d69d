import { and, asc, desc, eq, gte, inArray, lt, lte, or, sql } from 'drizzle-orm';
import {
  anyText,
  type Database,
  execPrepared,
  first,
  insertSql,
  jsonRows,
  recordsetSql,
  type TenantContext,
  type Tx,
} from '../../db/client.ts';
import {
  accounts,
  allocations,
  bills,
  type Channel,
  journalEntries,
  payments,
  refunds,
  users,
} from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import { AppError, conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { formatMajor } from '../../platform/money.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { type BillRow, billFigures, billToView } from '../bills/bills.service.ts';
import { type EntryInput, entryRows, LEDGER, type Posting, postEntry } from '../ledger/ledger.service.ts';
import { notifyPayment, notifyPayments } from '../notifications/notify.ts';
import { issueReceipts, receiptAvailable } from '../receipts/receipts.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import { emitEvent, eventRows } from '../webhooks/events.ts';
import { cursorIn, mergeNewestFirst, searchAttempts } from './payments.attempts.ts';
import {
  looksLikeReference,
  ofAccountMatching,
  ofAccountNumber,
  PAID_KIND,
  referenceDigits,
} from './payments.search.ts';

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
  /** Bills to pay, in this order, by id or by reference id (not both). */
  billIds?: string[];
  billReferences?: string[];
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
export type PaymentOutcome = ({ ok: true } & RecordResult) | { ok: false; error: AppError };

const paymentError = (status: number, code: string, detail: string, field?: string) =>
  new AppError(status, code, detail, field ? { errors: [{ field, reason: detail }] } : {});

function requestHashOf(input: PaymentInput) {
  return sha256Hex(
    JSON.stringify([
      input.amount.toString(),
      input.currency,
      input.accountId ?? null,
      input.billIds ?? input.billReferences ?? null,
      input.policy,
    ]),
  );
}

const channelKey = (p: { channel: string; channelSource: string; channelRef: string }) =>
  `${p.channel}\u0000${p.channelSource}\u0000${p.channelRef}`;

function replayOrRefuse(existing: PaymentRow, hash: string): PaymentOutcome {
  if (existing.requestHash !== hash) {
    return {
      ok: false,
      error: paymentError(
        409,
        'duplicate_reference_mismatch',
        `Transaction reference ${existing.channelRef} was already used for a different payment (${formatMajor(existing.amount, existing.currency)} ${existing.currency}).`,
        'channel_ref',
      ),
    };
  }
  return { ok: true, payment: existing, replayed: true };
}

/** The status a bill has after its paid amount changes. */
function statusAfter(amountPaid: bigint, total: bigint): BillRow['status'] {
  if (amountPaid >= total) return 'paid';
  return amountPaid > 0n ? 'partially_paid' : 'unpaid';
}

const byDueDate = (a: BillRow, b: BillRow) =>
  a.dueDate === b.dueDate ? (a.id < b.id ? -1 : 1) : a.dueDate < b.dueDate ? -1 : 1;

/** Records one payment; throws the refusal as an AppError. */
export async function recordPayment(tx: Tx, ctx: TenantContext, input: PaymentInput): Promise<RecordResult> {
  const [outcome] = await recordPayments(tx, ctx, [input]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!;
}

/**
 * Records many payments in one transaction with a fixed number of statements (locks, look-ups,
 * then one multi-row write per table), which is what lets the HTTP layer batch concurrent
 * postings into one commit (payments.batcher.ts). Items are applied in order: each sees the
 * bills as the earlier items left them. A refused item (typed AppError) changes nothing and does
 * not affect the others.
 */
export async function recordPayments(
  tx: Tx,
  ctx: TenantContext,
  inputs: PaymentInput[],
): Promise<PaymentOutcome[]> {
  const settings = await tenantSettings(tx, ctx.tenantId);
  const today = todayIn(settings.timeZone);
  const hashes = inputs.map(requestHashOf);
  const out: PaymentOutcome[] = new Array(inputs.length);

  // 1. Lock every bill any item may touch, in id order, so concurrent batches queue instead of
  //    deadlocking: explicit ids, reference ids, and the open bills of accounts paid without bills.
  const ids = new Set(inputs.flatMap((i) => i.billIds ?? []));
  const refs = new Set(inputs.flatMap((i) => i.billReferences ?? []));
  const autoAccounts = new Set(
    inputs
      .filter((i) => !i.billIds?.length && !i.billReferences?.length && i.accountId)
      .map((i) => i.accountId!),
  );
  const targetsWhere = or(
    ids.size ? inArray(bills.id, [...ids]) : undefined,
    refs.size ? inArray(bills.referenceId, [...refs]) : undefined,
    autoAccounts.size
      ? and(inArray(bills.accountId, [...autoAccounts]), inArray(bills.status, ['unpaid', 'partially_paid']))
      : undefined,
  );
  const lockedRows =
    ids.size || refs.size || autoAccounts.size
      ? await tx
          .select({ bill: bills, accountNumber: accounts.accountNumber })
          .from(bills)
          .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId)))
          .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.mode, ctx.mode), targetsWhere))
          .orderBy(asc(bills.id))
          .for('update', { of: bills })
      : [];
  const locked = lockedRows.map((r) => r.bill);
  // Account numbers for the event payloads, from the rows already read.
  const numbers = new Map(lockedRows.map((r) => [r.bill.accountId, r.accountNumber]));
  // The working copy of each bill, updated in memory as items are applied.
  const billState = new Map(locked.map((b) => [b.id, { ...b }]));
  const byReference = new Map(locked.map((b) => [b.referenceId, b.id]));

  // 2. Payments already recorded under these channel references (read after the locks, so a
  //    concurrent request with the same reference that committed meanwhile is seen).
  const existing = new Map<string, PaymentRow>();
  const rows = await tx
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.tenantId, ctx.tenantId),
        eq(payments.mode, ctx.mode),
        inArray(payments.channel, [...new Set(inputs.map((i) => i.channel))]),
        inArray(payments.channelSource, [...new Set(inputs.map((i) => i.channelSource))]),
        inArray(payments.channelRef, [...new Set(inputs.map((i) => i.channelRef))]),
      ),
    );
  for (const r of rows) existing.set(channelKey(r), r);

  // 3. Accounts named without bills must exist.
  const knownAccounts = new Set<string>();
  if (autoAccounts.size) {
    const found = await tx
      .select({ id: accounts.id, n: accounts.accountNumber })
      .from(accounts)
      .where(
        and(
          eq(accounts.tenantId, ctx.tenantId),
          eq(accounts.mode, ctx.mode),
          inArray(accounts.id, [...autoAccounts]),
        ),
      );
    for (const a of found) {
      knownAccounts.add(a.id);
      numbers.set(a.id, a.n);
    }
  }

  // 4. Apply each item in memory.
  const newPayments: (typeof payments.$inferInsert)[] = [];
  const newAllocations: (typeof allocations.$inferInsert)[] = [];
  const entries: EntryInput[] = [];
  const touched = new Set<string>();
  // payment.successful for each new payment, then bill.paid for each bill it cleared.
  const events: (
    | { type: 'payment.successful'; paymentId: string }
    | { type: 'bill.paid'; billId: string }
  )[] = [];
  const pending = new Map<string, number>(); // channel key -> index of the item recording it
  for (const [i, input] of inputs.entries()) {
    const key = channelKey(input);
    // A reference recorded before, or earlier in this same batch.
    const prior =
      existing.get(key) ?? (pending.has(key) ? (newPayments[pending.get(key)!] as PaymentRow) : undefined);
    if (prior) {
      out[i] = replayOrRefuse(prior, hashes[i]!);
      continue;
    }
    const result = planPayment(input, hashes[i]!, {
      ctx,
      billState,
      byReference,
      knownAccounts,
      today,
      currency: settings.currency,
    });
    if (!result.ok) {
      out[i] = result;
      continue;
    }
    const { payment, plan, lateFees } = result;
    pending.set(key, newPayments.length);
    newPayments.push(payment);
    for (const bill of lateFees) {
      entries.push({
        kind: 'late_fee',
        subjectId: bill.id,
        currency: bill.currency,
        postings: [
          { account: LEDGER.receivable(bill.accountId), amount: bill.lateFee },
          { account: LEDGER.lateFees, amount: -bill.lateFee },
        ],
      });
    }
    const postings: Posting[] = [
      { account: LEDGER.clearing(input.channel, input.channelSource), amount: input.amount },
    ];
    events.push({ type: 'payment.successful', paymentId: payment.id });
    for (const { bill, amount, becamePaid } of plan) {
      touched.add(bill.id);
      newAllocations.push({
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        id: newId('alc'),
        paymentId: payment.id,
        billId: bill.id,
        amount,
      });
      postings.push({ account: LEDGER.receivable(bill.accountId), amount: -amount });
      if (becamePaid) events.push({ type: 'bill.paid', billId: bill.id });
    }
    if (payment.creditAmount! > 0n)
      postings.push({ account: LEDGER.credit(input.accountId!), amount: -payment.creditAmount! });
    if (payment.suspenseAmount! > 0n)
      postings.push({ account: LEDGER.suspense, amount: -payment.suspenseAmount! });
    entries.push({ kind: 'payment', subjectId: payment.id, currency: input.currency, postings });
    out[i] = { ok: true, payment: payment as PaymentRow, replayed: false };
  }
  if (newPayments.length === 0) return out;

  // 5. Events, from what is known in memory (no read-back).
  const allocationsOf = new Map<string, typeof newAllocations>();
  for (const a of newAllocations)
    allocationsOf.set(a.paymentId, [...(allocationsOf.get(a.paymentId) ?? []), a]);
  const paymentById = new Map(newPayments.map((p) => [p.id!, p as PaymentRow]));
  const ev = await eventRows(
    tx,
    ctx,
    events.map((e) => {
      if (e.type === 'bill.paid') {
        const b = billState.get(e.billId)!;
        return { type: e.type, data: billToView(b, numbers.get(b.accountId) ?? '', today) };
      }
      const p = paymentById.get(e.paymentId)!;
      const allocs = (allocationsOf.get(p.id) ?? []).map((a) => {
        const b = billState.get(a.billId)!;
        return {
          bill_id: b.id,
          bill_number: b.billNumber,
          reference_id: b.referenceId,
          amount: toWire(a.amount),
        };
      });
      return {
        type: e.type,
        data: viewOf(p, allocs, p.accountId ? (numbers.get(p.accountId) ?? null) : null),
      };
    }),
  );
  const ledger = await entryRows(tx, ctx, entries);

  // 6. Write everything with one statement (one round trip, one text per shape, prepared): every
  //    table's rows travel as one JSON parameter. Foreign keys and the ledger's balance check are
  //    checked at the end of the statement, when all rows exist.
  const parts: string[] = [];
  const params: string[] = [];
  const add = (text: (n: number) => string, json: string) => {
    params.push(json);
    parts.push(`w${params.length} as (${text(params.length)})`);
  };
  const pay = jsonRows(payments, newPayments);
  add((n) => insertSql(pay, n), pay.json);
  if (newAllocations.length) {
    const alc = jsonRows(allocations, newAllocations);
    add((n) => insertSql(alc, n), alc.json);
  }
  if (touched.size) {
    const upd = jsonRows(
      bills,
      [...touched].map((id) => {
        const b = billState.get(id)!;
        return {
          tenantId: b.tenantId,
          id: b.id,
          amountPaid: b.amountPaid,
          status: b.status,
          lateFeeCharged: b.lateFeeCharged,
          paidAt: b.paidAt,
        };
      }),
    );
    // The = any(array(…)) keeps the plan a primary-key look-up per bill whatever the statistics
    // say (the planner cannot see how many rows the JSON holds and may otherwise hash all bills).
    add(
      (
        n,
      ) => `update bills set amount_paid = v.amount_paid, status = v.status, late_fee_charged = v.late_fee_charged,
             paid_at = v.paid_at, updated_at = now()
        from ${recordsetSql(upd, n)} as v
       where bills.tenant_id = v.tenant_id and bills.id = v.id
         and bills.tenant_id = any(array(select tenant_id from ${recordsetSql(upd, n)} as t))
         and bills.id = any(array(select id from ${recordsetSql(upd, n)} as i))`,
      upd.json,
    );
  }
  if (entries.length) {
    add((n) => insertSql(ledger.entries, n), ledger.entries.json);
    add((n) => insertSql(ledger.lines, n), ledger.lines.json);
  }
  add((n) => insertSql(ev.events, n), ev.events.json);
  if (ev.deliveries) add((n) => insertSql(ev.deliveries!, n), ev.deliveries.json);
  await execPrepared(tx, `with ${parts.join(',\n')} select 1`, params);
  // Money in hand (cash at the counter): the receipt is numbered now, in the same transaction,
  // so the CSO can print it for the payer at once (receipts.service.ts has the rule).
  const inHand = newPayments.filter((p) => receiptAvailable(p as PaymentRow)).map((p) => p.id!);
  if (inHand.length) await issueReceipts(tx, ctx, inHand);
  return out;
}

interface PlanContext {
  ctx: TenantContext;
  billState: Map<string, BillRow>;
  byReference: Map<string, string>;
  knownAccounts: Set<string>;
  today: string;
  currency: string;
}
type Plan =
  | {
      ok: true;
      payment: typeof payments.$inferInsert & { id: string };
      plan: { bill: BillRow; amount: bigint; becamePaid: boolean }[];
      lateFees: BillRow[];
    }
  | { ok: false; error: AppError };

/** Validates one item against the bills' current state and, if accepted, applies it to that state. */
function planPayment(input: PaymentInput, hash: string, c: PlanContext): Plan {
  const refuse = (status: number, code: string, detail: string, field?: string): Plan => ({
    ok: false,
    error: paymentError(status, code, detail, field),
  });
  if (input.currency !== c.currency) {
    return refuse(
      422,
      'currency_mismatch',
      `This biller is paid in ${c.currency}, not ${input.currency}.`,
      'currency',
    );
  }
  let accountId = input.accountId ?? null;
  let targets: BillRow[];
  const explicit = input.billIds?.length
    ? input.billIds
    : input.billReferences?.length
      ? input.billReferences
      : null;
  if (explicit) {
    const field = input.billIds?.length ? 'bill_ids' : 'reference';
    targets = [];
    for (const key of new Set(explicit)) {
      const id = input.billIds?.length ? key : c.byReference.get(key);
      const bill = id ? c.billState.get(id) : undefined;
      if (!bill) {
        return input.billIds?.length
          ? refuse(404, 'bill_not_found', `Bill ${key} was not found.`, field)
          : refuse(404, 'reference_not_found', `No bill has reference id ${key}.`, field);
      }
      targets.push(bill);
    }
    const owners = new Set(targets.map((b) => b.accountId));
    if (owners.size > 1 || (accountId && !owners.has(accountId))) {
      return refuse(
        422,
        'bills_of_different_accounts',
        'All bills of one payment must belong to the same account.',
        field,
      );
    }
    accountId = targets[0]!.accountId;
    for (const b of targets) {
      const f = billFigures(b, c.today);
      if (b.status === 'cancelled')
        return refuse(409, 'bill_not_payable', `Bill ${b.billNumber} is cancelled.`, field);
      if (f.status === 'expired')
        return refuse(409, 'bill_not_payable', `Bill ${b.billNumber} has expired.`, field);
      if (f.outstanding === 0n)
        return refuse(409, 'bill_already_paid', `Bill ${b.billNumber} is already paid.`, field);
    }
  } else if (accountId) {
    if (!c.knownAccounts.has(accountId))
      return refuse(404, 'account_not_found', `Account ${accountId} was not found.`, 'account_id');
    targets = [...c.billState.values()]
      .filter((b) => b.accountId === accountId && (b.status === 'unpaid' || b.status === 'partially_paid'))
      .filter((b) => billFigures(b, c.today).status !== 'expired')
      .sort(byDueDate);
  } else {
    targets = [];
  }

  const owed = targets.map((b) => ({ bill: b, figures: billFigures(b, c.today) }));
  const totalOwed = owed.reduce((s, o) => s + o.figures.outstanding, 0n);
  if (input.policy === 'exact') {
    const partialOk = targets.length > 0 && targets.every((b) => b.allowPartial);
    if (input.amount > totalOwed || (input.amount < totalOwed && !partialOk)) {
      return refuse(
        422,
        'amount_mismatch',
        `The amount ${formatMajor(input.amount, input.currency)} does not match the payable ${formatMajor(totalOwed, input.currency)} ${input.currency}.`,
        'amount',
      );
    }
  }

  // Accepted: allocate, and apply to the working copies of the bills.
  let remaining = input.amount;
  const plan: { bill: BillRow; amount: bigint; becamePaid: boolean }[] = [];
  const lateFees: BillRow[] = [];
  for (const { bill, figures } of owed) {
    if (remaining === 0n) break;
    const part = remaining < figures.outstanding ? remaining : figures.outstanding;
    if (part <= 0n) continue;
    if (figures.late && !bill.lateFeeCharged && bill.lateFee > 0n) {
      bill.lateFeeCharged = true;
      lateFees.push(bill);
    }
    bill.amountPaid += part;
    bill.status = statusAfter(bill.amountPaid, figures.total);
    bill.paidAt = bill.status === 'paid' ? new Date() : null;
    plan.push({ bill, amount: part, becamePaid: bill.status === 'paid' });
    remaining -= part;
  }
  const now = new Date();
  return {
    ok: true,
    plan,
    lateFees,
    payment: {
      tenantId: c.ctx.tenantId,
      mode: c.ctx.mode,
      id: newId('pay'),
      accountId,
      currency: input.currency,
      amount: input.amount,
      allocatedAmount: input.amount - remaining,
      creditAmount: accountId ? remaining : 0n,
      suspenseAmount: accountId ? 0n : remaining,
      refundedAmount: 0n,
      settlementFee: 0n,
      status: 'successful',
      failureCode: null,
      failureMessage: null,
      channel: input.channel,
      channelSource: input.channelSource,
      channelRef: input.channelRef,
      method: input.method ?? null,
      requestHash: hash,
      receivedAt: input.receivedAt ?? now,
      completedAt: null,
      createdBy: input.createdBy ?? null,
      metadata: input.metadata ?? {},
      createdAt: now,
      updatedAt: now,
    },
  };
}

async function accountNumbers(tx: Tx, ctx: TenantContext, ids: string[]) {
  if (!ids.length) return new Map<string, string>();
  const rows = await tx
    .select({ id: accounts.id, n: accounts.accountNumber })
    .from(accounts)
    .where(and(eq(accounts.tenantId, ctx.tenantId), inArray(accounts.id, [...new Set(ids)])));
  return new Map(rows.map((r) => [r.id, r.n]));
}

export interface AllocationView {
  bill_id: string;
  bill_number: string;
  reference_id: string;
  amount: number;
}

/** The API and event shape of a payment. */
export function viewOf(p: PaymentRow, allocs: AllocationView[], accountNumber: string | null) {
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
    allocations: allocs,
    allocated_amount: toWire(p.allocatedAmount),
    credit_amount: toWire(p.creditAmount),
    suspense_amount: toWire(p.suspenseAmount),
    refunded_amount: toWire(p.refundedAmount),
    settlement_fee: toWire(p.settlementFee),
    failure_code: p.failureCode,
    failure_message: p.failureMessage,
    receipt_available: receiptAvailable(p),
    received_at: p.receivedAt.toISOString(),
    completed_at: p.completedAt?.toISOString() ?? null,
    created_at: p.createdAt.toISOString(),
    livemode: p.mode === 'live',
    metadata: p.metadata,
  };
}

/** viewOf() for a stored payment: reads its net allocations and account number. */
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
  const accountNumber = p.accountId
    ? ((await accountNumbers(tx, ctx, [p.accountId])).get(p.accountId) ?? null)
    : null;
  return viewOf(
    p,
    allocs.map((a) => ({ ...a, amount: toWire(BigInt(a.amount)) })),
    accountNumber,
  );
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
    .select({
      billId: allocations.billId,
      net: sql<string>`sum(${allocations.amount})::text`,
      lastId: sql<string>`max(${allocations.id})`,
    })
    .from(allocations)
    .where(and(eq(allocations.tenantId, ctx.tenantId), eq(allocations.paymentId, paymentId)))
    .groupBy(allocations.billId);
  const open = nets.filter((n) => BigInt(n.net) > 0n);
  if (!open.length) return [];
  const locked = await tx
    .select()
    .from(bills)
    .where(
      and(
        eq(bills.tenantId, ctx.tenantId),
        inArray(
          bills.id,
          open.map((n) => n.billId),
        ),
      ),
    )
    .orderBy(asc(bills.id))
    .for('update');
  const byId = new Map(locked.map((b) => [b.id, b]));
  // Latest allocation first: refunds reopen the most recently paid bill first.
  return open
    .sort((a, b) => (a.lastId < b.lastId ? 1 : -1))
    .map((n) => ({ bill: byId.get(n.billId)!, net: BigInt(n.net) }));
}

/** Where a payment's money sits before settlement (clearing) or after it (owed to the tenant). */
const fundsAccount = (p: PaymentRow) =>
  p.status === 'completed'
    ? LEDGER.settled(p.channel, p.channelSource)
    : LEDGER.clearing(p.channel, p.channelSource);

async function undoAllocations(tx: Tx, ctx: TenantContext, p: PaymentRow, amount: bigint, today: string) {
  const undone: { bill: BillRow; amount: bigint }[] = [];
  let left = amount;
  for (const { bill, net } of await lockAllocatedBills(tx, ctx, p.id)) {
    if (left === 0n) break;
    const part = left < net ? left : net;
    const amountPaid = bill.amountPaid - part;
    await tx
      .update(bills)
      .set({
        amountPaid,
        status: statusAfter(amountPaid, billFigures(bill, today).total),
        paidAt: null,
        updatedAt: new Date(),
      })
      .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.id, bill.id)));
    undone.push({ bill, amount: part });
    left -= part;
  }
  if (undone.length) {
    await tx.insert(allocations).values(
      undone.map((u) => ({
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        id: newId('alc'),
        paymentId: p.id,
        billId: u.bill.id,
        amount: -u.amount,
      })),
    );
  }
  return undone;
}

export async function refundPayment(
  tx: Tx,
  ctx: TenantContext,
  id: string,
  amount: bigint | undefined,
  reason: string,
  actor: Actor,
  /** A refund the gateway made (its id is unique: the same gateway refund is recorded once). */
  gatewayRefund?: { gateway: string; refundId: string },
) {
  const p = await lockPayment(tx, ctx, id);
  if (gatewayRefund) {
    const [known] = await tx
      .select({ id: refunds.id })
      .from(refunds)
      .where(
        and(
          eq(refunds.tenantId, ctx.tenantId),
          eq(refunds.mode, ctx.mode),
          eq(refunds.gateway, gatewayRefund.gateway),
          eq(refunds.gatewayRefundId, gatewayRefund.refundId),
        ),
      );
    if (known) return p;
  }
  if (p.status !== 'successful' && p.status !== 'completed') {
    throw conflict('payment_not_refundable', `A ${p.status} payment cannot be refunded.`);
  }
  const refundable = p.amount - p.refundedAmount;
  const r = amount ?? refundable;
  if (r <= 0n || r > refundable) {
    throw validationFailed([
      { field: 'amount', reason: `must be between 1 and ${refundable} (the refundable amount)` },
    ]);
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
  await tx.insert(refunds).values({
    tenantId: ctx.tenantId,
    mode: ctx.mode,
    id: newId('rfd'),
    paymentId: p.id,
    amount: r,
    currency: p.currency,
    reason,
    gateway: gatewayRefund?.gateway ?? null,
    gatewayRefundId: gatewayRefund?.refundId ?? null,
    createdBy: actor.id,
  });
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
  await notifyPayment(tx, ctx, p.id, 'refunded');
  return after!;
}

/**
 * Settlement received (seed 002: Payment Successful -> Payment Completed): the rail has paid the
 * money out to the tenant, less its fee. Set-wise for any number of payments (a bank statement
 * of a million lines completes in chunks): one ledger entry per rail moves what each payment still
 * holds in clearing into the settled account and books the fees as an expense; each payment gets
 * `payment.completed`. Payments that are not `successful` (already completed, refunded, reversed)
 * are left alone and reported as not changed, so settlement files and syncs may repeat lines.
 */
export async function completePayments(
  tx: Tx,
  ctx: TenantContext,
  items: { paymentId: string; fee: bigint; settledAt?: Date }[],
  reference: string,
): Promise<{ completed: PaymentRow[]; skipped: string[] }> {
  if (!items.length) return { completed: [], skipped: [] };
  const byId = new Map(items.map((i) => [i.paymentId, i]));
  const locked = await tx
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.tenantId, ctx.tenantId),
        eq(payments.mode, ctx.mode),
        anyText(payments.id, [...byId.keys()]),
        eq(payments.status, 'successful'),
      ),
    )
    .orderBy(asc(payments.id))
    .for('update');
  const lockedIds = new Set(locked.map((p) => p.id));
  const skipped = [...byId.keys()].filter((id) => !lockedIds.has(id));
  if (!locked.length) return { completed: [], skipped };
  for (const p of locked) {
    const fee = byId.get(p.id)!.fee;
    if (fee < 0n || fee > p.amount - p.refundedAmount) {
      throw validationFailed([
        { field: 'fee', reason: `must be between 0 and the amount still held for ${p.id}` },
      ]);
    }
  }
  // One entry per rail (clearing account) and currency.
  const groups = new Map<string, { p: PaymentRow; held: bigint; fee: bigint }>();
  for (const p of locked) {
    const key = `${p.channel}\u0000${p.channelSource}\u0000${p.currency}`;
    const g = groups.get(key) ?? { p, held: 0n, fee: 0n };
    g.held += p.amount - p.refundedAmount;
    g.fee += byId.get(p.id)!.fee;
    groups.set(key, g);
  }
  const entries: EntryInput[] = [...groups.values()].map(({ p, held, fee }) => ({
    kind: 'settlement',
    subjectId: locked.length === 1 ? p.id : reference.slice(0, 64),
    currency: p.currency,
    memo: reference,
    postings: [
      { account: LEDGER.clearing(p.channel, p.channelSource), amount: -held },
      { account: LEDGER.settled(p.channel, p.channelSource), amount: held - fee },
      { account: LEDGER.fees(p.channel), amount: fee },
    ].filter((x) => x.amount !== 0n),
  }));
  const now = new Date();
  const after = locked.map((p) => ({
    ...p,
    status: 'completed' as const,
    completedAt: byId.get(p.id)!.settledAt ?? now,
    settlementFee: byId.get(p.id)!.fee,
  }));
  const allocs = await tx
    .select({ a: allocations, b: bills })
    .from(allocations)
    .innerJoin(bills, and(eq(bills.tenantId, allocations.tenantId), eq(bills.id, allocations.billId)))
    .where(and(eq(allocations.tenantId, ctx.tenantId), anyText(allocations.paymentId, [...lockedIds])));
  const allocsOf = new Map<string, AllocationView[]>();
  for (const { a, b } of allocs) {
    const list = allocsOf.get(a.paymentId) ?? [];
    const same = list.find((x) => x.bill_id === b.id);
    if (same) same.amount += Number(a.amount);
    else
      list.push({
        bill_id: b.id,
        bill_number: b.billNumber,
        reference_id: b.referenceId,
        amount: Number(a.amount),
      });
    allocsOf.set(a.paymentId, list);
  }
  const numbers = await accountNumbers(tx, ctx, [
    ...new Set(locked.map((p) => p.accountId).filter((x): x is string => !!x)),
  ]);
  const ev = await eventRows(
    tx,
    ctx,
    after.map((p) => ({
      type: 'payment.completed' as const,
      data: {
        ...viewOf(
          p,
          (allocsOf.get(p.id) ?? []).filter((a) => a.amount > 0),
          p.accountId ? (numbers.get(p.accountId) ?? null) : null,
        ),
        settlement: { reference, fee: toWire(p.settlementFee) },
      },
    })),
  );
  const ledger = await entryRows(tx, ctx, entries);
  const upd = jsonRows(
    payments,
    after.map((p) => ({
      tenantId: p.tenantId,
      id: p.id,
      completedAt: p.completedAt,
      settlementFee: p.settlementFee,
    })),
  );
  const parts: string[] = [];
  const params: string[] = [];
  const add = (text: (n: number) => string, json: string) => {
    params.push(json);
    parts.push(`w${params.length} as (${text(params.length)})`);
  };
  // No `= any(array(…))` guard here (unlike the bills update): settlement batches hold
  // thousands of payments and that filter is checked element by element for every row.
  add(
    (
      n,
    ) => `update payments set status = 'completed', completed_at = v.completed_at, settlement_fee = v.settlement_fee,
              updated_at = now()
         from ${recordsetSql(upd, n)} as v
        where payments.tenant_id = v.tenant_id and payments.id = v.id`,
    upd.json,
  );
  add((n) => insertSql(ledger.entries, n), ledger.entries.json);
  add((n) => insertSql(ledger.lines, n), ledger.lines.json);
  add((n) => insertSql(ev.events, n), ev.events.json);
  if (ev.deliveries) add((n) => insertSql(ev.deliveries!, n), ev.deliveries.json);
  await execPrepared(tx, `with ${parts.join(',\n')} select 1`, params);
  // Payment Completed: the receipt is numbered and mailed to the payer (same transaction).
  await issueReceipts(tx, ctx, [...lockedIds]);
  await notifyPayments(tx, ctx, [...lockedIds], 'completed');
  return { completed: after as PaymentRow[], skipped };
}

/** One payment settled (see completePayments). */
export async function completePayment(
  tx: Tx,
  ctx: TenantContext,
  id: string,
  settlement: { fee: bigint; reference: string; settledAt?: Date },
): Promise<{ changed: boolean }> {
  const r = await completePayments(
    tx,
    ctx,
    [
      {
        paymentId: id,
        fee: settlement.fee,
        ...(settlement.settledAt ? { settledAt: settlement.settledAt } : {}),
      },
    ],
    settlement.reference,
  );
  return { changed: r.completed.length === 1 };
}

/** Undoes a payment completely (e.g. a bank reverses its posting): bills reopen, the ledger entry is reversed. */
export async function reversePayment(tx: Tx, ctx: TenantContext, id: string, reason: string, actor: Actor) {
  const p = await lockPayment(tx, ctx, id);
  if (p.status === 'reversed') return { payment: p, replayed: true };
  if (p.status !== 'successful' && p.status !== 'completed') {
    throw conflict('payment_not_reversible', `A ${p.status} payment cannot be reversed.`);
  }
  if (p.refundedAmount > 0n) {
    throw conflict(
      'payment_partly_refunded',
      'The payment has refunds; refund the rest instead of reversing it.',
    );
  }
  const settings = await tenantSettings(tx, ctx.tenantId);
  const undone = await undoAllocations(tx, ctx, p, p.allocatedAmount, todayIn(settings.timeZone));
  const original = await tx
    .select({ id: journalEntries.id })
    .from(journalEntries)
    .where(
      and(
        eq(journalEntries.tenantId, ctx.tenantId),
        eq(journalEntries.subjectId, p.id),
        eq(journalEntries.kind, 'payment'),
      ),
    )
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
    .set({
      status: 'reversed',
      allocatedAmount: 0n,
      creditAmount: 0n,
      suspenseAmount: 0n,
      failureMessage: reason,
      updatedAt: new Date(),
    })
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
  await emitEvent(tx, ctx, 'payment.reversed', {
    ...(await paymentView(tx, ctx, after!)),
    reversal: { reason },
  });
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
  gateway?: string | undefined;
  /** Also the online attempts that did not become payments (payments.attempts.ts). */
  include_attempts?: boolean | undefined;
}

/**
 * The filters of a payment search as one condition (tenant and mode included), shared by the
 * list and its exports (modules/exports) so an export holds exactly the rows the list shows.
 */
export function paymentConditions(ctx: TenantContext, q: Omit<PaymentSearch, 'limit'>) {
  const paidReference = (ref: string) =>
    sql`exists (select 1 from ${allocations} a join ${bills} b on b.tenant_id = a.tenant_id and b.id = a.bill_id
          where a.tenant_id = ${payments.tenantId} and a.payment_id = ${payments.id} and b.reference_id = ${ref})`;
  const digits = referenceDigits(q.q ?? '');
  const search = q.q
    ? or(
        eq(payments.channelRef, q.q),
        eq(payments.id, q.q),
        ofAccountMatching(ctx, payments.accountId, q.q),
        looksLikeReference(digits) ? paidReference(digits) : undefined,
      )
    : undefined;
  return and(
    eq(payments.tenantId, ctx.tenantId),
    eq(payments.mode, ctx.mode),
    q.status ? eq(payments.status, q.status) : undefined,
    q.channel ? eq(payments.channel, q.channel) : undefined,
    q.gateway
      ? and(inArray(payments.channel, ['gateway', 'link', 'qr']), eq(payments.channelSource, q.gateway))
      : undefined,
    q.account_id ? eq(payments.accountId, q.account_id) : undefined,
    q.from ? gte(payments.receivedAt, new Date(q.from)) : undefined,
    q.to ? lte(payments.receivedAt, new Date(q.to)) : undefined,
    q.reference_id ? paidReference(referenceDigits(q.reference_id)) : undefined,
    q.account_number ? ofAccountNumber(ctx, payments.accountId, q.account_number) : undefined,
    search,
  );
}

export type PaidKind = 'bill' | 'service' | 'mixed' | null;

/**
 * One page of a payment search, newest first, with the account's name, what was paid (bills,
 * services or both) and who recorded it: one statement, for the list and for exports alike.
 */
export async function searchPayments(
  tx: Tx,
  ctx: TenantContext,
  q: Omit<PaymentSearch, 'limit'>,
  limit: number,
  startingAfter?: string,
) {
  return tx
    .select({
      p: payments,
      accountNumber: accounts.accountNumber,
      accountName: accounts.name,
      createdByName: sql<string | null>`coalesce(${users.name}, ${accounts.name})`,
      type: sql<PaidKind>`(select ${PAID_KIND}
              from ${allocations} a join ${bills} b on b.tenant_id = a.tenant_id and b.id = a.bill_id
             where a.tenant_id = ${payments.tenantId} and a.payment_id = ${payments.id})`,
    })
    .from(payments)
    .leftJoin(accounts, and(eq(accounts.tenantId, payments.tenantId), eq(accounts.id, payments.accountId)))
    .leftJoin(users, and(eq(users.tenantId, payments.tenantId), eq(users.id, payments.createdBy)))
    .where(and(paymentConditions(ctx, q), startingAfter ? lt(payments.id, startingAfter) : undefined))
    .orderBy(desc(payments.id))
    .limit(limit);
}
export type PaymentSearchRow = Awaited<ReturnType<typeof searchPayments>>[number];

/** A row of the payments export (exports.routes.ts): amounts as integer strings, instants as epoch ms. */
export interface PaymentExportRow {
  id: string;
  account_number: string | null;
  account_name: string | null;
  created_by_name: string | null;
  type: PaidKind;
  amount: string;
  refunded_amount: string;
  suspense_amount: string;
  currency: string;
  channel: Channel;
  channel_source: string;
  channel_ref: string;
  status: PaymentRow['status'];
  mode: TenantContext['mode'];
  received_at: number;
  created_at: number;
  completed_at: number | null;
  /** Why a failed payment or attempt failed, in the gateway's or bank's words. */
  failure_message: string | null;
}

// Whole milliseconds, as a JavaScript Date holds them.
const epochMs = (column: string) => sql.raw(`floor(extract(epoch from p.${column}) * 1000)::float8`);

/**
 * One keyset page of the payments export: the rows searchPayments would list (same conditions,
 * same order), as one set-based statement selecting exactly the export's columns, for
 * `db.rows()`. The page is read by index (tenant, mode, id), then the bills' kinds are aggregated
 * for the page's payments in one pass, instead of a subquery per row. Values come back in types
 * both drivers return alike (text and float8), so rows need no mapping.
 */
export function paymentExportPage(
  ctx: TenantContext,
  q: Omit<PaymentSearch, 'limit'>,
  limit: number,
  startingAfter?: string,
) {
  return sql`
    with page as (
      select ${payments.tenantId} as tenant_id, ${payments.id} as id, ${payments.accountId} as account_id,
             ${payments.createdBy} as created_by, ${payments.amount} as amount,
             ${payments.refundedAmount} as refunded_amount, ${payments.suspenseAmount} as suspense_amount,
             ${payments.currency} as currency, ${payments.channel} as channel,
             ${payments.channelSource} as channel_source, ${payments.channelRef} as channel_ref,
             ${payments.status} as status, ${payments.mode} as mode, ${payments.receivedAt} as received_at,
             ${payments.createdAt} as created_at, ${payments.completedAt} as completed_at,
             ${payments.failureMessage} as failure_message
        from ${payments}
       where ${and(paymentConditions(ctx, q), startingAfter ? lt(payments.id, startingAfter) : undefined)}
       order by ${payments.id} desc
       limit ${limit}
    ),
    kinds as (
      select a.payment_id, ${PAID_KIND} as type
        from ${allocations} a join ${bills} b on b.tenant_id = a.tenant_id and b.id = a.bill_id
       where a.tenant_id = ${ctx.tenantId} and a.payment_id in (select id from page)
       group by a.payment_id
    )
    select p.id, acc.account_number, acc.name as account_name, coalesce(u.name, acc.name) as created_by_name,
           k.type, p.amount::text as amount, p.refunded_amount::text as refunded_amount,
           p.suspense_amount::text as suspense_amount, p.currency, p.channel, p.channel_source, p.channel_ref,
           p.status, p.mode, ${epochMs('received_at')} as received_at, ${epochMs('created_at')} as created_at,
           ${epochMs('completed_at')} as completed_at, p.failure_message
      from page p
      left join ${accounts} acc on acc.tenant_id = p.tenant_id and acc.id = p.account_id
      left join ${users} u on u.tenant_id = p.tenant_id and u.id = p.created_by
      left join kinds k on k.payment_id = p.id
     order by p.id desc`;
}

export interface AllocateInput {
  account_number: string;
  bill_ids?: string[] | undefined;
  reason: string;
}

/**
 * Allocation of unidentified money (seed 002 reconciliation; DESIGN "suspense"): a CSO names the
 * account a payment in suspense belongs to. One journal entry moves the suspense balance to the
 * account's bills (given, or oldest due first; a late fee is charged to an overdue bill first, as
 * for any payment) and any rest to the account's credit. The payment then counts as the account's.
 * Repeating the same allocation changes nothing and answers the payment (replayed); allocating
 * money that is no longer in suspense to another account is refused.
 */
export async function allocateSuspense(
  tx: Tx,
  ctx: TenantContext,
  id: string,
  input: AllocateInput,
  actor: Actor,
): Promise<{ payment: PaymentRow; replayed: boolean }> {
  const p = await lockPayment(tx, ctx, id);
  const [account] = await tx
    .select({ id: accounts.id, status: accounts.status })
    .from(accounts)
    .where(
      and(
        eq(accounts.tenantId, ctx.tenantId),
        eq(accounts.mode, ctx.mode),
        eq(accounts.accountNumber, input.account_number),
      ),
    );
  if (!account) {
    throw new AppError(404, 'account_not_found', `Account ${input.account_number} was not found.`, {
      errors: [{ field: 'account_number', reason: 'no such account' }],
    });
  }
  if (p.suspenseAmount === 0n) {
    if (p.accountId === account.id && (p.status === 'successful' || p.status === 'completed')) {
      return { payment: p, replayed: true };
    }
    throw conflict('nothing_to_allocate', `Payment ${p.id} holds no unidentified money.`);
  }
  if (p.status !== 'successful' && p.status !== 'completed') {
    throw conflict('payment_not_allocatable', `A ${p.status} payment cannot be allocated.`);
  }
  if (p.accountId && p.accountId !== account.id) {
    throw validationFailed([
      { field: 'account_number', reason: 'the payment already belongs to another account' },
    ]);
  }
  const settings = await tenantSettings(tx, ctx.tenantId);
  const today = todayIn(settings.timeZone);
  const explicit = input.bill_ids?.length ? [...new Set(input.bill_ids)] : null;
  const candidates = await tx
    .select()
    .from(bills)
    .where(
      and(
        eq(bills.tenantId, ctx.tenantId),
        eq(bills.mode, ctx.mode),
        explicit ? inArray(bills.id, explicit) : eq(bills.accountId, account.id),
      ),
    )
    .orderBy(asc(bills.id))
    .for('update');
  let targets: BillRow[];
  if (explicit) {
    const byId = new Map(candidates.map((b) => [b.id, b]));
    targets = [];
    for (const billId of explicit) {
      const b = byId.get(billId);
      if (!b) throw paymentError(404, 'bill_not_found', `Bill ${billId} was not found.`, 'bill_ids');
      if (b.accountId !== account.id)
        throw paymentError(
          422,
          'bills_of_different_accounts',
          `Bill ${b.billNumber} is not of this account.`,
          'bill_ids',
        );
      const f = billFigures(b, today);
      if (b.status === 'cancelled' || f.status === 'expired')
        throw paymentError(409, 'bill_not_payable', `Bill ${b.billNumber} cannot be paid.`, 'bill_ids');
      if (f.outstanding === 0n)
        throw paymentError(409, 'bill_already_paid', `Bill ${b.billNumber} is already paid.`, 'bill_ids');
      targets.push(b);
    }
  } else {
    targets = candidates
      .filter(
        (b) =>
          (b.status === 'unpaid' || b.status === 'partially_paid') &&
          billFigures(b, today).status !== 'expired',
      )
      .sort(byDueDate);
  }
  let remaining = p.suspenseAmount;
  const postings: Posting[] = [{ account: LEDGER.suspense, amount: p.suspenseAmount }];
  const lateFeePostings: Posting[] = [];
  const paid: BillRow[] = [];
  const now = new Date();
  for (const bill of targets) {
    if (remaining === 0n) break;
    const f = billFigures(bill, today);
    const part = remaining < f.outstanding ? remaining : f.outstanding;
    if (part <= 0n) continue;
    const chargeLateFee = f.late && !bill.lateFeeCharged && bill.lateFee > 0n;
    if (chargeLateFee) {
      lateFeePostings.push(
        { account: LEDGER.receivable(bill.accountId), amount: bill.lateFee },
        { account: LEDGER.lateFees, amount: -bill.lateFee },
      );
    }
    const amountPaid = bill.amountPaid + part;
    const status = statusAfter(amountPaid, f.total);
    await tx
      .update(bills)
      .set({
        amountPaid,
        status,
        lateFeeCharged: bill.lateFeeCharged || chargeLateFee,
        paidAt: status === 'paid' ? now : null,
        updatedAt: now,
      })
      .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.id, bill.id)));
    await tx.insert(allocations).values({
      tenantId: ctx.tenantId,
      mode: ctx.mode,
      id: newId('alc'),
      paymentId: p.id,
      billId: bill.id,
      amount: part,
    });
    postings.push({ account: LEDGER.receivable(bill.accountId), amount: -part });
    if (status === 'paid') paid.push({ ...bill, amountPaid, status, paidAt: now, lateFeeCharged: true });
    remaining -= part;
  }
  if (remaining > 0n) postings.push({ account: LEDGER.credit(account.id), amount: -remaining });
  if (lateFeePostings.length) {
    await postEntry(tx, ctx, {
      kind: 'late_fee',
      subjectId: p.id,
      currency: p.currency,
      postings: lateFeePostings,
      memo: 'late fee charged on allocation',
    });
  }
  await postEntry(tx, ctx, {
    kind: 'allocation',
    subjectId: p.id,
    currency: p.currency,
    postings,
    memo: input.reason,
  });
  const allocated = p.suspenseAmount - remaining;
  const [after] = await tx
    .update(payments)
    .set({
      accountId: account.id,
      allocatedAmount: p.allocatedAmount + allocated,
      creditAmount: p.creditAmount + remaining,
      suspenseAmount: 0n,
      updatedAt: now,
    })
    .where(and(eq(payments.tenantId, ctx.tenantId), eq(payments.id, p.id)))
    .returning();
  await recordAudit(tx, actor, {
    tenantId: ctx.tenantId,
    action: 'payment.allocated',
    targetType: 'payment',
    targetId: p.id,
    before: { account_id: p.accountId, suspense_amount: toWire(p.suspenseAmount) },
    after: {
      account_id: account.id,
      allocated_amount: toWire(allocated),
      credit_amount: toWire(remaining),
      reason: input.reason,
    },
  });
  for (const b of paid) {
    await emitEvent(tx, ctx, 'bill.paid', billToView(b, input.account_number, today));
  }
  return { payment: after!, replayed: false };
}

export type PaymentService = ReturnType<typeof createPaymentService>;

export function createPaymentService({ db }: { db: Database }) {
  return {
    record: (ctx: TenantContext, input: PaymentInput) =>
      db.withTenant(ctx, async (tx) => {
        const result = await recordPayment(tx, ctx, input);
        return { ...result, view: await paymentView(tx, ctx, result.payment) };
      }),
    reverse: (ctx: TenantContext, id: string, reason: string, actor: Actor) =>
      db.withTenant(ctx, async (tx) =>
        paymentView(tx, ctx, (await reversePayment(tx, ctx, id, reason, actor)).payment),
      ),
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
        const paid = await searchPayments(tx, ctx, q, q.limit + 1, cursorIn('pay', q.starting_after));
        const attempts = q.include_attempts
          ? await searchAttempts(tx, ctx, q, q.limit + 1, q.starting_after)
          : [];
        const page = toPage(
          mergeNewestFirst(
            paid.map((r) => ({ ...r, id: r.p.id })),
            attempts,
            q.limit + 1,
          ),
          q.limit,
        );
        const data = [];
        for (const r of page.data) {
          if (!('p' in r)) {
            data.push(r);
            continue;
          }
          data.push({
            ...(await paymentView(tx, ctx, r.p)),
            account_name: r.accountName,
            type: r.type,
            created_by_name: r.createdByName,
          });
        }
        return { ...page, data };
      });
    },
    allocate: (ctx: TenantContext, id: string, input: AllocateInput, actor: Actor) =>
      db.withTenant(ctx, async (tx) => {
        const r = await allocateSuspense(tx, ctx, id, input, actor);
        return { replayed: r.replayed, view: await paymentView(tx, ctx, r.payment) };
      }),
  };
}
