import { and, eq } from 'drizzle-orm';
import { first, type TenantContext, type Tx } from '../../db/client.ts';
import { type checkouts, payments, users } from '../../db/schema.ts';
import type { Actor } from '../../platform/audit.ts';
import { toWire } from '../../platform/wire.ts';
import { type TrackActor, track } from './analytics.service.ts';

/**
 * One-line hooks for the services that own the tracked actions (gateways, checkouts), so each
 * service adds a call, not the shape of an event.
 */
type CheckoutRow = typeof checkouts.$inferSelect;

/** How a checkout attempt ended: a connect test (tenant admin) or a payment (consumer). */
export async function trackCheckoutOutcome(
  tx: Tx,
  ctx: TenantContext,
  c: CheckoutRow,
  status: string,
  paymentId: string | null = null,
) {
  // The person who started it; the outcome itself arrives from the gateway (webhook, return page).
  const actor: TrackActor = { id: c.createdBy, role: null };
  if (c.purpose === 'connect_test') {
    await track(
      tx,
      ctx,
      'Gateway Test Transaction',
      {
        gateway_name: c.gateway,
        test_status: status,
        checkout_id: c.id,
        failure_reason: status === 'succeeded' ? null : (c.failureReason ?? null),
      },
      actor,
    );
    return;
  }
  await track(
    tx,
    ctx,
    'Payment Completed',
    {
      transaction_id: paymentId ?? c.id,
      payment_status: status === 'succeeded' ? 'successful' : status,
      checkout_id: c.id,
      gateway_name: c.gateway,
      payment_amount: toWire(c.amount),
      consumer_id: c.createdBy,
      failure_reason: status === 'succeeded' ? null : (c.failureReason ?? null),
    },
    actor,
  );
}

/**
 * A payment attempt was started at a gateway (consumer, cashier or biller system). Recorded when
 * the attempt is sent to the gateway, once per attempt; `consumer_id` is set when a consumer paid.
 */
export async function trackCheckoutInitiated(tx: Tx, ctx: TenantContext, c: CheckoutRow) {
  const payer = c.createdBy
    ? await tx
        .select({ role: users.role })
        .from(users)
        .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, c.createdBy)))
        .then(first)
    : undefined;
  const consumer = payer?.role === 'consumer';
  await track(
    tx,
    ctx,
    'Payment Initiated',
    {
      consumer_id: consumer ? c.createdBy : null,
      payment_amount: toWire(c.amount),
      currency: c.currency,
      gateway_name: c.gateway,
      checkout_id: c.id,
      account_id: c.accountId,
    },
    { id: c.createdBy, role: payer?.role ?? null },
  );
}

/** The admin pressed Connect: the test transaction was started. */
export async function trackConnectStarted(tx: Tx, ctx: TenantContext, c: CheckoutRow, actor: TrackActor) {
  await track(
    tx,
    ctx,
    'Gateway Test Transaction',
    { gateway_name: c.gateway, test_status: 'initiated', checkout_id: c.id, failure_reason: null },
    actor,
  );
}

/** A CSO resolved a reconciliation exception (inside the resolve transaction). */
export async function trackReconciled(
  tx: Tx,
  ctx: TenantContext,
  line: { id: string; status: string },
  paymentId: string | null,
  actor: Actor,
) {
  const matched = line.status === 'resolved';
  const payment =
    matched && paymentId
      ? await tx
          .select({ receivedAt: payments.receivedAt })
          .from(payments)
          .where(and(eq(payments.tenantId, ctx.tenantId), eq(payments.id, paymentId)))
          .then((r) => r[0])
      : undefined;
  await track(
    tx,
    ctx,
    'Payment Reconciled',
    {
      transaction_id: matched ? paymentId : null,
      reconciliation_status: matched ? 'matched' : 'ignored',
      statement_line_id: line.id,
      lag_seconds: payment
        ? Math.max(0, Math.round((Date.now() - payment.receivedAt.getTime()) / 1000))
        : null,
    },
    actor,
  );
}
