import { and, desc, eq } from 'drizzle-orm';
import { type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import { accounts, bankPartners, bills, payments } from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { createBatcher } from '../../platform/batcher.ts';
import { randomToken, sha256Hex } from '../../platform/crypto.ts';
import { AppError, conflict, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { forgetPartnerCredentials } from '../auth/auth.service.ts';
import { billFigures } from '../bills/bills.service.ts';
import { parseReference } from '../bills/reference.ts';
import {
  type PaymentInput,
  type PaymentRow,
  paymentView,
  recordPayments,
  reversePayment,
} from '../payments/payments.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';

type PartnerRow = typeof bankPartners.$inferSelect;
export const partnerToView = (p: PartnerRow) => ({
  id: p.id,
  name: p.name,
  mnemonic: p.mnemonic,
  username: p.username,
  status: p.status,
  livemode: p.mode === 'live',
  created_at: p.createdAt.toISOString(),
});

export interface PartnerContext extends TenantContext {
  partnerId: string;
}

const referenceNotFound = (detail: string) =>
  new AppError(404, 'reference_not_found', detail, { errors: [{ field: 'reference', reason: detail }] });

export interface BankPaymentInput {
  reference: string;
  transactionRef: string;
  amount: bigint;
  currency: string;
  paidAt?: Date;
  branch?: string;
}

/**
 * Posts bank payments (one, or a batch gathered by the batcher) in the caller's transaction.
 * Each result is the bank response or the refusal for that posting.
 */
export async function postBankPayments(tx: Tx, ctx: PartnerContext, inputs: BankPaymentInput[]) {
  const results: (ReturnType<typeof bankResponse> | AppError)[] = new Array(inputs.length);
  const accepted: { index: number; input: PaymentInput }[] = [];
  for (const [i, input] of inputs.entries()) {
    const parsed = parseReference(input.reference);
    if (!parsed.ok) {
      results[i] = referenceNotFound(`The reference id ${parsed.reason}.`);
      continue;
    }
    accepted.push({
      index: i,
      input: {
        channel: 'bank_api',
        channelSource: ctx.partnerId,
        channelRef: input.transactionRef,
        amount: input.amount,
        currency: input.currency,
        billReferences: [parsed.reference],
        policy: 'exact',
        method: 'bank_transfer',
        ...(input.paidAt ? { receivedAt: input.paidAt } : {}),
        metadata: input.branch ? { branch: input.branch } : {},
      },
    });
  }
  const outcomes = await recordPayments(
    tx,
    ctx,
    accepted.map((a) => a.input),
  );
  for (const [k, outcome] of outcomes.entries()) {
    const { index, input } = accepted[k]!;
    results[index] = outcome.ok
      ? bankResponse(outcome.payment, input.billReferences![0]!, outcome.replayed)
      : outcome.error;
  }
  return results;
}

function bankResponse(payment: PaymentRow, referenceId: string, replayed: boolean) {
  return {
    response_code: '00',
    response_message: replayed ? 'Already posted' : 'OK',
    payment_id: payment.id,
    transaction_ref: payment.channelRef,
    reference_id: referenceId,
    status: payment.status,
    amount: toWire(payment.amount),
    currency: payment.currency,
    duplicate: replayed,
  };
}

/** The payment this partner posted under `transactionRef`, or 404 transaction_not_found (code 09). */
async function postedPayment(tx: Tx, ctx: PartnerContext, transactionRef: string) {
  const p = await tx
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.tenantId, ctx.tenantId),
        eq(payments.mode, ctx.mode),
        eq(payments.channel, 'bank_api'),
        eq(payments.channelSource, ctx.partnerId),
        eq(payments.channelRef, transactionRef),
      ),
    )
    .limit(1)
    .then(first);
  if (!p) {
    throw new AppError(
      404,
      'transaction_not_found',
      `No payment was posted with transaction_ref ${transactionRef}.`,
    );
  }
  return p;
}

export type BankService = ReturnType<typeof createBankService>;

export function createBankService({ db }: { db: Database }) {
  const postings = createBatcher<
    { ctx: PartnerContext; input: BankPaymentInput },
    Awaited<ReturnType<typeof postBankPayments>>[number]
  >({
    maxBatch: 200,
    run: (items) =>
      db.withTenant(items[0]!.ctx, (tx) =>
        postBankPayments(
          tx,
          items[0]!.ctx,
          items.map((i) => i.input),
        ),
      ),
  });

  /** The bill behind a reference, for inquiry and payment. A mistyped reference never matches another bill. */
  async function billByReference(
    tx: Parameters<Parameters<Database['withTenant']>[1]>[0],
    ctx: TenantContext,
    reference: string,
    lock: boolean,
  ) {
    const parsed = parseReference(reference);
    if (!parsed.ok) throw referenceNotFound(`The reference id ${parsed.reason}.`);
    const q = tx
      .select({ bill: bills, account: accounts })
      .from(bills)
      .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId)))
      .where(
        and(
          eq(bills.tenantId, ctx.tenantId),
          eq(bills.mode, ctx.mode),
          eq(bills.referenceId, parsed.reference),
        ),
      )
      .limit(1);
    const row = (lock ? await q.for('update', { of: bills }) : await q)[0];
    if (!row) throw referenceNotFound(`No bill has reference id ${parsed.reference}.`);
    return row;
  }

  return {
    async createPartner(ctx: TenantContext, input: { name: string; mnemonic: string }, actor: Actor) {
      const password = randomToken(32);
      return db.withTenant(ctx, async (tx) => {
        const taken = await tx
          .select({ id: bankPartners.id })
          .from(bankPartners)
          .where(
            and(
              eq(bankPartners.tenantId, ctx.tenantId),
              eq(bankPartners.mode, ctx.mode),
              eq(bankPartners.mnemonic, input.mnemonic),
            ),
          )
          .limit(1)
          .then(first);
        if (taken)
          throw conflict('mnemonic_taken', `A partner with mnemonic ${input.mnemonic} exists.`, [
            { field: 'mnemonic', reason: 'is already used' },
          ]);
        const [row] = await tx
          .insert(bankPartners)
          .values({
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            id: newId('bnk'),
            name: input.name,
            mnemonic: input.mnemonic,
            username: `bp_${ctx.mode}_${randomToken(12)}`,
            passwordHash: sha256Hex(password),
          })
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'bank_partner.created',
          targetType: 'bank_partner',
          targetId: row!.id,
          after: partnerToView(row!),
        });
        return { ...partnerToView(row!), password };
      });
    },

    async listPartners(ctx: TenantContext) {
      const rows = await db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(bankPartners)
          .where(and(eq(bankPartners.tenantId, ctx.tenantId), eq(bankPartners.mode, ctx.mode)))
          .orderBy(desc(bankPartners.id)),
      );
      return rows.map(partnerToView);
    },

    async setPartnerStatus(ctx: TenantContext, id: string, status: 'active' | 'disabled', actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const before = await tx
          .select()
          .from(bankPartners)
          .where(and(eq(bankPartners.tenantId, ctx.tenantId), eq(bankPartners.id, id)))
          .limit(1)
          .then(first);
        if (!before) throw notFound('Bank partner', id);
        const [after] = await tx
          .update(bankPartners)
          .set({ status, updatedAt: new Date() })
          .where(and(eq(bankPartners.tenantId, ctx.tenantId), eq(bankPartners.id, id)))
          .returning();
        forgetPartnerCredentials();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'bank_partner.updated',
          targetType: 'bank_partner',
          targetId: id,
          before: partnerToView(before),
          after: partnerToView(after!),
        });
        return partnerToView(after!);
      });
    },

    async inquiry(ctx: PartnerContext, reference: string) {
      return db.withTenant(ctx, async (tx) => {
        const { bill, account } = await billByReference(tx, ctx, reference, false);
        const today = todayIn((await tenantSettings(tx, ctx.tenantId)).timeZone);
        const f = billFigures(bill, today);
        const blocked = f.status === 'cancelled' || f.status === 'expired';
        return {
          response_code: '00',
          response_message: 'OK',
          reference_id: bill.referenceId,
          bill_status: f.status,
          status_code: blocked ? ('B' as const) : f.status === 'paid' ? ('P' as const) : ('U' as const),
          consumer_name: account.name,
          account_number: account.accountNumber,
          bill_number: bill.billNumber,
          service_name: bill.serviceName,
          billing_period: bill.billingPeriod,
          currency: bill.currency,
          due_date: bill.dueDate,
          amount_within_due_date: toWire(
            bill.amount - bill.amountPaid > 0n ? bill.amount - bill.amountPaid : 0n,
          ),
          amount_after_due_date: toWire(bill.amount + bill.lateFee - bill.amountPaid),
          payable_now: toWire(blocked ? 0n : f.outstanding),
          amount_paid: toWire(bill.amountPaid),
          date_paid: bill.paidAt?.toISOString() ?? null,
          allow_partial: bill.allowPartial,
        };
      });
    },

    /**
     * Posts a bank payment against one reference; idempotent on the bank's transaction_ref.
     * Concurrent postings of one partner are committed together (platform/batcher.ts).
     */
    async pay(ctx: PartnerContext, input: BankPaymentInput) {
      const result = await postings.submit(`${ctx.tenantId}:${ctx.mode}:${ctx.partnerId}`, { ctx, input });
      if (result instanceof AppError) throw result;
      return result;
    },

    async findByTransactionRef(ctx: PartnerContext, transactionRef: string) {
      return db.withTenant(ctx, async (tx) => {
        const p = await postedPayment(tx, ctx, transactionRef);
        return { response_code: '00', response_message: 'OK', ...(await paymentView(tx, ctx, p)) };
      });
    },

    async reverse(ctx: PartnerContext, transactionRef: string, reason: string) {
      return db.withTenant(ctx, async (tx) => {
        const p = await postedPayment(tx, ctx, transactionRef);
        const { payment, replayed } = await reversePayment(tx, ctx, p.id, reason, {
          type: 'bank_partner',
          id: ctx.partnerId,
        });
        return {
          response_code: '00',
          response_message: replayed ? 'Already reversed' : 'Reversed',
          payment_id: payment.id,
          transaction_ref: transactionRef,
          status: payment.status,
          duplicate: replayed,
        };
      });
    },
  };
}
