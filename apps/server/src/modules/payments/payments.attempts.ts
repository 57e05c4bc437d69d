import { and, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import type { TenantContext, Tx } from '../../db/client.ts';
import { accounts, bills, type CheckoutStatus, checkouts, users } from '../../db/schema.ts';
import { toWire } from '../../platform/wire.ts';
import {
  looksLikeReference,
  ofAccountMatching,
  ofAccountNumber,
  PAID_KIND,
  referenceDigits,
} from './payments.search.ts';
import type { PaidKind, PaymentExportRow, PaymentSearch } from './payments.service.ts';

/**
 * Online attempts in the back-office payments list (seed 002: a payment started on the consumer
 * web or app is added to the list by itself, and its status moves through every stage, Failed
 * included). An attempt is a gateway checkout; until the gateway takes the money it is no
 * payment, so it has no ledger entry and no row in `payments`. The list shows the attempts that
 * did not (yet) become payments, as `pending` while the payer is at the gateway and `failed` once
 * it failed, expired or was abandoned, with the gateway's words. A succeeded attempt is shown by
 * its payment, whose channel ref is the attempt's id.
 */
const ATTEMPT_STATUSES: Record<'pending' | 'failed', CheckoutStatus[]> = {
  pending: ['creating', 'open', 'processing'],
  failed: ['failed', 'expired', 'canceled'],
};

/** The list's status of an attempt that has not succeeded. */
const listStatus = (s: CheckoutStatus): 'pending' | 'failed' =>
  ATTEMPT_STATUSES.pending.includes(s) ? 'pending' : 'failed';

/**
 * Ids are `<prefix>_<time-ordered suffix>`, so the suffix orders payments and attempts together.
 * A cursor of either kind becomes the same instant in the other table's id space.
 */
export const cursorIn = (prefix: 'pay' | 'chk', startingAfter: string | undefined) =>
  startingAfter ? `${prefix}_${startingAfter.slice(startingAfter.indexOf('_') + 1)}` : undefined;

const suffix = (id: string) => id.slice(id.indexOf('_') + 1);

/** Two newest-first lists as one, cut to `limit` (each was read with `limit` rows or fewer). */
export function mergeNewestFirst<A extends { id: string }, B extends { id: string }>(
  a: A[],
  b: B[],
  limit: number,
): (A | B)[] {
  const out: (A | B)[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && suffix(a[i]!.id) > suffix(b[j]!.id))) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** The bills an attempt was for (its `bill_ids` JSON array), as a subquery on `checkouts`. */
const attemptBillIds = sql`(select jsonb_array_elements_text(${checkouts.billIds}))`;

/**
 * The payment search's filters applied to attempts, or null when no attempt can match (a status
 * only payments have, a channel other than the gateway).
 */
export function attemptConditions(ctx: TenantContext, q: Omit<PaymentSearch, 'limit'>): SQL | null {
  if (q.status && q.status !== 'pending' && q.status !== 'failed') return null;
  if (q.channel && q.channel !== 'gateway') return null;
  const reference = (ref: string) =>
    sql`exists (select 1 from ${bills} b where b.tenant_id = ${checkouts.tenantId}
          and b.id in ${attemptBillIds} and b.reference_id = ${ref})`;
  const digits = referenceDigits(q.q ?? '');
  const search = q.q
    ? or(
        eq(checkouts.id, q.q),
        eq(checkouts.gatewayReference, q.q),
        eq(checkouts.gatewayPaymentId, q.q),
        ofAccountMatching(ctx, checkouts.accountId, q.q),
        looksLikeReference(digits) ? reference(digits) : undefined,
      )
    : undefined;
  return and(
    eq(checkouts.tenantId, ctx.tenantId),
    eq(checkouts.mode, ctx.mode),
    eq(checkouts.purpose, 'payment'),
    inArray(
      checkouts.status,
      q.status ? ATTEMPT_STATUSES[q.status] : [...ATTEMPT_STATUSES.pending, ...ATTEMPT_STATUSES.failed],
    ),
    q.gateway ? eq(checkouts.gateway, q.gateway) : undefined,
    q.account_id ? eq(checkouts.accountId, q.account_id) : undefined,
    q.account_number ? ofAccountNumber(ctx, checkouts.accountId, q.account_number) : undefined,
    q.reference_id ? reference(referenceDigits(q.reference_id)) : undefined,
    q.from ? gte(checkouts.createdAt, new Date(q.from)) : undefined,
    q.to ? lte(checkouts.createdAt, new Date(q.to)) : undefined,
    search,
  )!;
}

const ATTEMPT_KIND = sql<PaidKind>`(select ${PAID_KIND}
  from ${bills} b where b.tenant_id = ${checkouts.tenantId} and b.id in ${attemptBillIds})`;

/** One newest-first page of attempts matching the search, as rows of the payments list. */
export async function searchAttempts(
  tx: Tx,
  ctx: TenantContext,
  q: Omit<PaymentSearch, 'limit'>,
  limit: number,
  startingAfter?: string,
) {
  const where = attemptConditions(ctx, q);
  if (!where) return [];
  const after = cursorIn('chk', startingAfter);
  const rows = await tx
    .select({
      c: checkouts,
      accountNumber: accounts.accountNumber,
      accountName: accounts.name,
      createdByName: sql<string | null>`coalesce(${users.name}, ${accounts.name})`,
      type: ATTEMPT_KIND,
    })
    .from(checkouts)
    .leftJoin(accounts, and(eq(accounts.tenantId, checkouts.tenantId), eq(accounts.id, checkouts.accountId)))
    .leftJoin(users, and(eq(users.tenantId, checkouts.tenantId), eq(users.id, checkouts.createdBy)))
    .where(and(where, after ? lt(checkouts.id, after) : undefined))
    .orderBy(desc(checkouts.id))
    .limit(limit);
  return rows.map(({ c, accountNumber, accountName, createdByName, type }) => ({
    id: c.id,
    object: 'checkout' as const,
    status: listStatus(c.status),
    amount: toWire(c.amount),
    currency: c.currency,
    account_id: c.accountId,
    account_number: accountNumber,
    channel: 'gateway' as const,
    channel_source: c.gateway,
    channel_ref: c.gatewayReference ?? c.id,
    method: c.gateway,
    allocations: [],
    allocated_amount: 0,
    credit_amount: 0,
    suspense_amount: 0,
    refunded_amount: 0,
    settlement_fee: 0,
    failure_code: c.failureCode ?? c.failureReason,
    failure_message: c.failureMessage,
    receipt_available: false,
    received_at: c.createdAt.toISOString(),
    completed_at: null,
    created_at: c.createdAt.toISOString(),
    livemode: c.mode === 'live',
    metadata: { checkout_status: c.status, ...(c.failureReason ? { failure_reason: c.failureReason } : {}) },
    account_name: accountName,
    type,
    created_by_name: createdByName,
  }));
}

/** searchAttempts() as rows of the payments export (amounts as integer strings, instants as epoch ms). */
export async function attemptExportRows(
  tx: Tx,
  ctx: TenantContext,
  q: Omit<PaymentSearch, 'limit'>,
  limit: number,
  startingAfter?: string,
): Promise<PaymentExportRow[]> {
  return (await searchAttempts(tx, ctx, q, limit, startingAfter)).map((a) => ({
    id: a.id,
    account_number: a.account_number,
    account_name: a.account_name,
    created_by_name: a.created_by_name,
    type: a.type,
    amount: String(a.amount),
    refunded_amount: '0',
    suspense_amount: '0',
    currency: a.currency,
    channel: a.channel,
    channel_source: a.channel_source,
    channel_ref: a.channel_ref,
    status: a.status,
    mode: ctx.mode,
    received_at: Date.parse(a.received_at),
    created_at: Date.parse(a.created_at),
    completed_at: null,
    failure_message: a.failure_message,
  }));
}
