import { and, eq, sql } from 'drizzle-orm';
import {
  type Database,
  execPrepared,
  first,
  type TenantContext,
  type Tx,
  textArray,
} from '../../db/client.ts';
import { accounts, allocations, bills, payments, receipts, tenants } from '../../db/schema.ts';
import { type ReceiptData, renderReceipt } from '../../documents/receipt.ts';
import type { GatewayRegistry } from '../../gateways/registry.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';

/**
 * Numbered receipts (seed 002: "a payment receipt should be available to the consumer to download
 * in History"; "receipts are only available after the payment is settled, which is the status
 * payment completed"). The rule: a payment has a receipt once it is Completed, or as soon as it
 * is Successful on a rail where the money is already in the biller's hands (cash taken at the
 * counter: the CSO prints the receipt for the payer there and then). A payment gets its number
 * when that happens, in the same transaction (recordPayments for cash, completePayments for the
 * rest, both through issueReceipts) or, if it qualified before receipts existed, on its first
 * download. Numbers come from document_counters (kind 'receipt', per tenant and mode):
 * one row, advanced by one statement, so two transactions can never hand out the same number.
 */

export const RECEIPT_COUNTER = 'receipt';

/** Rails where a Successful payment is money in hand, so its receipt is issued at once. */
export const MONEY_IN_HAND_CHANNELS: ReadonlySet<string> = new Set(['cash']);

/** Whether a payment in this state has a receipt (see the rule above). */
export const receiptAvailable = (p: { status: string; channel: string }) =>
  p.status === 'completed' || (p.status === 'successful' && MONEY_IN_HAND_CHANNELS.has(p.channel));

/** "RCP-000042"; test-mode receipts say so, so they are never mistaken for real ones. */
export function formatReceiptNumber(mode: TenantContext['mode'], n: bigint): string {
  return `${mode === 'test' ? 'TEST-' : ''}RCP-${n.toString().padStart(6, '0')}`;
}

/**
 * Gives each payment of `paymentIds` that has no receipt yet the next numbers of the tenant's
 * counter, in the order given. The caller holds the payments' row locks (completePayments does;
 * receiptOf locks before issuing), so a payment cannot be numbered twice. Returns the numbers
 * issued now.
 */
export async function issueReceipts(
  tx: Tx,
  ctx: TenantContext,
  paymentIds: readonly string[],
): Promise<Map<string, bigint>> {
  if (!paymentIds.length) return new Map();
  // One statement, no look-up of existing receipts (a look-up per payment is planned badly
  // while a large import's transaction is still growing the table): advance the counter by the
  // count (insert-on-conflict creates it at first use; its row lock serialises concurrent
  // issuers) and insert the receipts; a payment that already has one keeps it (its number
  // stays unused: payments normally reach here once, when they complete).
  const rows = await execPrepared<{ payment_id: string; number: string }>(tx, ISSUE_SQL, [
    ctx.tenantId,
    ctx.mode,
    RECEIPT_COUNTER,
    textArray(paymentIds),
  ]);
  return new Map(rows.map((r) => [r.payment_id, BigInt(r.number)]));
}

const ISSUE_SQL = `
  with ids as (
    select w.id, w.ord, count(*) over () as n from unnest($4::text[]) with ordinality as w(id, ord)
  ),
  counter as (
    insert into document_counters as c (tenant_id, mode, kind, next_value)
    select $1, $2, $3, 1 + count(*) from ids having count(*) > 0
    on conflict (tenant_id, mode, kind) do update set next_value = c.next_value + excluded.next_value - 1
    returning next_value
  )
  insert into receipts (tenant_id, mode, payment_id, number)
  select $1, $2, ids.id, counter.next_value - ids.n + ids.ord - 1 from ids, counter
  on conflict (tenant_id, mode, payment_id) do nothing
  returning payment_id, number::text as number`;

/** How the payer paid, by rail (the receipt's "Payment method" line). */
const METHOD_OF_CHANNEL: Record<string, string> = {
  gateway: 'Online payment',
  link: 'Payment link',
  qr: 'QR code',
  bank_api: 'Bank',
  cash: 'Cash',
  agent: 'Agent',
  wallet: 'Wallet',
};

export const receiptNotAvailable = (status: string) =>
  new AppError(
    409,
    'receipt_not_available',
    status === 'successful'
      ? 'The payment is Successful and awaiting settlement; its receipt is available once it is Completed (usually within 2 days).'
      : `A ${status} payment has no receipt; receipts are issued for completed payments and for cash taken at the counter.`,
  );

export interface ReceiptFile {
  number: string;
  paymentId: string;
  filename: string;
  pdf: Buffer;
}

export type ReceiptService = ReturnType<typeof createReceiptService>;

export function createReceiptService({ db, gateways }: { db: Database; gateways: GatewayRegistry }) {
  /**
   * The payment's receipt number, issuing it now if the payment completed without one. `owner`
   * confines the look-up to payments into accounts linked to that consumer (others get 404).
   */
  async function numberAndData(tx: Tx, ctx: TenantContext, paymentId: string, owner?: string) {
    const row = await tx
      .select({
        p: payments,
        ownerId: accounts.userId,
        payerName: accounts.name,
        accountNumber: accounts.accountNumber,
      })
      .from(payments)
      .leftJoin(accounts, and(eq(accounts.tenantId, payments.tenantId), eq(accounts.id, payments.accountId)))
      .where(
        and(eq(payments.tenantId, ctx.tenantId), eq(payments.mode, ctx.mode), eq(payments.id, paymentId)),
      )
      .then(first);
    if (!row || (owner !== undefined && row.ownerId !== owner)) throw notFound('Payment', paymentId);
    const p = row.p;
    if (!receiptAvailable(p)) throw receiptNotAvailable(p.status);
    if (p.suspenseAmount > 0n) {
      throw new AppError(
        409,
        'receipt_not_available',
        'Part of this payment is held for allocation by the biller; its receipt is available once it is allocated.',
      );
    }
    let number = await tx
      .select({ number: receipts.number, issuedAt: receipts.issuedAt })
      .from(receipts)
      .where(
        and(eq(receipts.tenantId, ctx.tenantId), eq(receipts.mode, ctx.mode), eq(receipts.paymentId, p.id)),
      )
      .then(first);
    if (!number) {
      // Qualified before receipts were numbered: lock the payment so two first downloads agree.
      await tx
        .select({ id: payments.id })
        .from(payments)
        .where(and(eq(payments.tenantId, ctx.tenantId), eq(payments.id, p.id)))
        .for('update');
      await issueReceipts(tx, ctx, [p.id]);
      number = await tx
        .select({ number: receipts.number, issuedAt: receipts.issuedAt })
        .from(receipts)
        .where(
          and(eq(receipts.tenantId, ctx.tenantId), eq(receipts.mode, ctx.mode), eq(receipts.paymentId, p.id)),
        )
        .then(first);
    }
    const tenant = await tx
      .select({ name: tenants.displayName, color: tenants.primaryColor, locale: tenants.locale })
      .from(tenants)
      .where(eq(tenants.id, ctx.tenantId))
      .then(first);
    const settings = await tenantSettings(tx, ctx.tenantId);
    const paidBills = await tx
      .select({
        billNumber: bills.billNumber,
        billingPeriod: bills.billingPeriod,
        referenceId: bills.referenceId,
        amount: sql<string>`sum(${allocations.amount})::text`,
      })
      .from(allocations)
      .innerJoin(bills, and(eq(bills.tenantId, allocations.tenantId), eq(bills.id, allocations.billId)))
      .where(and(eq(allocations.tenantId, ctx.tenantId), eq(allocations.paymentId, p.id)))
      .groupBy(bills.id, bills.billNumber, bills.billingPeriod, bills.referenceId)
      .orderBy(bills.billNumber);
    const billLines = paidBills.map((b) => ({ ...b, amount: BigInt(b.amount) })).filter((b) => b.amount > 0n);
    const gatewayName =
      p.channel === 'gateway' && p.method ? (gateways.get(p.method)?.displayName ?? p.method) : undefined;
    const gatewayReference = p.metadata.gateway_payment_id ?? p.metadata.gateway_reference ?? p.channelRef;
    const data: ReceiptData = {
      tenant: { name: tenant?.name ?? '', ...(tenant?.color ? { color: tenant.color } : {}) },
      locale: tenant?.locale ?? 'en',
      timeZone: settings.timeZone,
      receiptNumber: formatReceiptNumber(ctx.mode, number!.number),
      payment: {
        id: p.id,
        // Cash at the counter is numbered while still Successful: the receipt says so.
        status: p.status === 'completed' ? 'completed' : 'successful',
        currency: p.currency,
        // Net of partial refunds: what the bills and the account credit still hold.
        amount: billLines.reduce((s, b) => s + b.amount, 0n) + p.creditAmount,
        method: METHOD_OF_CHANNEL[p.channel] ?? p.channel,
        ...(gatewayName ? { gateway: gatewayName } : {}),
        ...(gatewayReference ? { gatewayReference } : {}),
        paidAt: p.completedAt ?? p.receivedAt,
      },
      payer: { name: row.payerName ?? '', accountNumber: row.accountNumber ?? '' },
      bills: billLines,
      ...(p.creditAmount > 0n ? { accountCredit: p.creditAmount } : {}),
    };
    return { data, issuedAt: number!.issuedAt };
  }

  async function render(ctx: TenantContext, paymentId: string, owner?: string): Promise<ReceiptFile> {
    const { data, issuedAt } = await db.withTenant(ctx, (tx) => numberAndData(tx, ctx, paymentId, owner));
    // The issue time as the PDF's creation date: every download of a receipt is the same file.
    const pdf = await renderReceipt(data, { creationDate: issuedAt });
    return {
      number: data.receiptNumber,
      paymentId,
      filename: `receipt-${data.receiptNumber}.pdf`,
      pdf,
    };
  }

  return {
    /** A consumer's own payment that has a receipt (404 for anyone else's). */
    forConsumer: (me: TenantContext & { userId: string }, paymentId: string) =>
      render({ tenantId: me.tenantId, mode: me.mode }, paymentId, me.userId),
    /** Any of the tenant's payments that has a receipt (back office). */
    forStaff: (ctx: TenantContext, paymentId: string) => render(ctx, paymentId),
    /** The PDF for an e-mail attachment (the notification worker). */
    render,
  };
}
