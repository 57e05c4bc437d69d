import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config/env.ts';
import { afterCommit, type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import {
  accounts,
  bills,
  type CheckoutStatus,
  checkouts,
  gatewayConfigs,
  gatewayEvents,
  notifications,
  payments,
} from '../../db/schema.ts';
import {
  echoMismatches,
  type GatewayAdapter,
  GatewayError,
  type PaymentStatus as GatewayStatus,
  type NormalizedEvent,
  type PaymentFailure,
  type PaymentSnapshot,
  type Payout,
  type Settlement,
} from '../../gateways/gateway.ts';
import type { GatewayRegistry } from '../../gateways/registry.ts';
import {
  decodeSandboxSession,
  outcomeNotification,
  type SandboxOutcome,
  type SandboxSession,
  sandboxSettlementFee,
  signSandboxNotification,
} from '../../gateways/sandbox/sandbox.wire.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { AppError, conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { displayMoney, oneUnit } from '../../platform/money.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import {
  trackCheckoutInitiated,
  trackCheckoutOutcome,
  trackConnectStarted,
} from '../analytics/analytics.hooks.ts';
import { billFigures } from '../bills/bills.service.ts';
import { claimLinkForCheckout, recordLinkUse } from '../links/links.usage.ts';
import { notifyCheckoutFailed, notifyPayment } from '../notifications/notify.ts';
import {
  completePayment,
  completePayments,
  type PaymentRow,
  recordPayments,
  refundPayment,
} from '../payments/payments.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import {
  credentialsOf,
  type GatewayConfigRow,
  isAvailable,
  loadGatewayConfig,
  webhookPath,
} from './gateways.service.ts';

export type CheckoutRow = typeof checkouts.$inferSelect;

/**
 * Checkout orchestration (issue 4, seed 002 Bill Pay): a payer's selected bills become one
 * checkout attempt at one gateway; the payer is redirected to the gateway's hosted page and back.
 * What the gateway says arrives three ways, all applied by one state machine (`applyGateway`):
 * its signed notification (through the inbox), a status look-up when the payer returns, and the
 * expiry sweep. Money is recorded when, and only when, the gateway reports it taken; a success
 * that arrives after a failure, a cancel or an expiry is still recorded (the money is real).
 */

const OPEN: CheckoutStatus[] = ['creating', 'open', 'processing'];
const isFinal = (s: CheckoutStatus) => !OPEN.includes(s);

export const checkoutToView = (c: CheckoutRow) => ({
  id: c.id,
  object: 'checkout' as const,
  purpose: c.purpose,
  gateway: c.gateway,
  status: c.status,
  amount: toWire(c.amount),
  currency: c.currency,
  description: c.description,
  account_id: c.accountId,
  bill_ids: c.billIds,
  redirect_url: c.status === 'open' ? c.redirectUrl : null,
  failure: c.failureMessage
    ? { reason: c.failureReason, code: c.failureCode, message: c.failureMessage }
    : null,
  payment_id: c.paymentId,
  expires_at: c.expiresAt.toISOString(),
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});
export type CheckoutView = ReturnType<typeof checkoutToView>;

/** A normalized event as stored in the inbox (JSON has no bigint or Date). */
function eventToJson(e: NormalizedEvent): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({ ...e, raw: undefined }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
  );
}
function eventFromJson(j: Record<string, unknown>): NormalizedEvent {
  const big = (v: unknown) => (typeof v === 'string' ? BigInt(v) : undefined);
  return {
    ...(j as unknown as NormalizedEvent),
    amount: big(j.amount),
    ...(j.refundedTotal !== undefined ? { refundedTotal: big(j.refundedTotal) } : {}),
    occurredAt: new Date(j.occurredAt as string),
  } as NormalizedEvent;
}

/** What the gateway reported about an attempt, from an event or a status look-up. */
interface GatewayUpdate {
  status: GatewayStatus;
  failure?: PaymentFailure | undefined;
  amount?: bigint | undefined;
  currency?: string | undefined;
  gatewayPaymentId?: string | undefined;
  /** For the attempt log and the admin's "detailed response". */
  detail: Record<string, unknown>;
}

const failureFromGatewayError = (err: GatewayError): PaymentFailure => ({
  reason: err.kind === 'timeout' ? 'timeout' : err.kind === 'network' ? 'network_error' : 'technical_issue',
  code: err.gatewayCode ?? err.kind,
  message: err.gatewayMessage,
});

/** A same-site path to send the payer back to (never another origin: no open redirect). */
export function safeReturnPath(value: string | undefined | null): string | null {
  if (!value) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  return value.length <= 512 ? value : null;
}

export interface CheckoutCreate {
  gateway: string;
  bill_ids?: string[] | undefined;
  bill_references?: string[] | undefined;
  return_to?: string | undefined;
  payer_email?: string | undefined;
  /** The payment link the payer came from (checked and locked with the attempt; counted on success). */
  payment_link_id?: string | undefined;
  /** Instead of bills: an amount on an account (a payment link's amount), allocated oldest due first. */
  account?: { id: string; amount: bigint; description: string } | undefined;
}

export type CheckoutService = ReturnType<typeof createCheckoutService>;

export function createCheckoutService({
  db,
  config,
  gateways,
  log,
}: {
  db: Database;
  config: Config;
  gateways: GatewayRegistry;
  log?: Logger;
}) {
  const callCtx = () => ({ timeoutMs: config.GATEWAY_TIMEOUT_MS });
  const ctxOf = (c: { tenantId: string; mode: 'test' | 'live' }): TenantContext => ({
    tenantId: c.tenantId,
    mode: c.mode,
  });
  const urls = (id: string) => ({
    returnUrl: `${config.publicUrl}/checkout/${id}/return`,
    cancelUrl: `${config.publicUrl}/checkout/${id}/cancel`,
  });

  async function lockCheckout(tx: Tx, ctx: TenantContext, id: string) {
    return tx
      .select()
      .from(checkouts)
      .where(and(eq(checkouts.tenantId, ctx.tenantId), eq(checkouts.mode, ctx.mode), eq(checkouts.id, id)))
      .for('update')
      .then(first);
  }

  async function configFor(tx: Tx, ctx: TenantContext, gateway: string) {
    const row = await loadGatewayConfig(tx, ctx, gateway);
    if (!row?.secretsSealed)
      throw conflict('gateway_not_configured', `The ${gateway} gateway is not configured.`);
    return row;
  }

  /** A row of the tenant's admin notices (shown in the back office). */
  async function notifyAdmins(tx: Tx, ctx: TenantContext, kind: string, title: string, body: string) {
    await tx
      .insert(notifications)
      .values({ tenantId: ctx.tenantId, id: newId('ntf'), audienceRole: 'tenant_admin', kind, title, body });
  }

  /**
   * Sends the attempt to its gateway and records the hosted page's URL. A gateway that does not
   * answer within GATEWAY_TIMEOUT_MS, or answers with an error, fails the attempt with the
   * gateway's own message (seed 002); the payer may retry, which is a new attempt.
   */
  async function openAtGateway(
    ctx: TenantContext,
    c: CheckoutRow,
    adapter: GatewayAdapter,
    row: GatewayConfigRow,
  ) {
    const { returnUrl, cancelUrl } = urls(c.id);
    let update: Partial<typeof checkouts.$inferInsert>;
    try {
      const session = await adapter.createCheckout(
        credentialsOf(config, row),
        {
          paymentId: c.id,
          attemptId: c.id,
          amount: c.amount,
          currency: c.currency,
          description: c.description,
          returnUrl,
          cancelUrl,
          notificationUrl: `${config.publicUrl}${webhookPath(row.webhookToken)}`,
          expiresAt: c.expiresAt,
          idempotencyKey: c.id,
          metadata: { billrail_checkout_id: c.id, billrail_tenant_id: ctx.tenantId },
          ...(c.payerEmail ? { customer: { email: c.payerEmail } } : {}),
        },
        callCtx(),
      );
      update = {
        status: 'open',
        redirectUrl: session.redirectUrl,
        gatewayReference: session.gatewayReference,
        // The gateway's page lives as long as the gateway says (Stripe's is 30 min to 24 h), so the
        // attempt expires with it: never while the payer can still pay there.
        ...(session.expiresAt ? { expiresAt: session.expiresAt } : {}),
        gatewayDetail: { create: session.raw ?? null },
      };
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      const failure = failureFromGatewayError(err);
      log?.warn({ checkout: c.id, gateway: c.gateway, kind: err.kind }, 'gateway refused a checkout');
      update = {
        status: 'failed',
        failureReason: failure.reason,
        failureCode: failure.code ?? null,
        failureMessage: failure.message,
        gatewayDetail: {
          create_error: { kind: err.kind, status: err.httpStatus ?? null, message: err.gatewayMessage },
        },
      };
    }
    return db.withTenant(ctx, async (tx) => {
      const [after] = await tx
        .update(checkouts)
        .set({ ...update, updatedAt: new Date() })
        .where(
          and(eq(checkouts.tenantId, ctx.tenantId), eq(checkouts.id, c.id), eq(checkouts.status, 'creating')),
        )
        .returning();
      if (after && c.purpose === 'payment') {
        await trackCheckoutInitiated(tx, ctx, after);
        if (after.status === 'failed') await trackCheckoutOutcome(tx, ctx, after, 'failed');
      }
      if (after?.status === 'failed' && after.purpose === 'connect_test') await connectFailed(tx, ctx, after);
      return after ?? (await lockCheckout(tx, ctx, c.id))!;
    });
  }

  async function connectFailed(tx: Tx, ctx: TenantContext, c: CheckoutRow) {
    await tx
      .update(gatewayConfigs)
      .set({
        status: 'failed',
        lastConnectDetail: {
          checkout_id: c.id,
          status: c.status,
          reason: c.failureReason,
          code: c.failureCode,
          message: c.failureMessage,
          gateway_response: c.gatewayDetail,
          at: new Date().toISOString(),
        },
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(gatewayConfigs.tenantId, ctx.tenantId),
          eq(gatewayConfigs.mode, ctx.mode),
          eq(gatewayConfigs.gateway, c.gateway),
          eq(gatewayConfigs.configVersion, c.configVersion ?? -1),
        ),
      );
    await trackCheckoutOutcome(tx, ctx, c, c.status);
  }

  /** The money was taken: record the payment once (channel ref = the attempt id). */
  async function recordSuccess(tx: Tx, ctx: TenantContext, c: CheckoutRow, u: GatewayUpdate) {
    const base = {
      status: 'succeeded' as const,
      gatewayPaymentId: u.gatewayPaymentId ?? c.gatewayPaymentId,
      failureReason: null,
      failureCode: null,
      failureMessage: null,
      gatewayDetail: { ...((c.gatewayDetail as object) ?? {}), last: u.detail },
      updatedAt: new Date(),
    };
    const mismatch = echoMismatches({ amount: c.amount, currency: c.currency }, u);
    if (c.purpose === 'connect_test') {
      await tx
        .update(checkouts)
        .set(base)
        .where(and(eq(checkouts.tenantId, ctx.tenantId), eq(checkouts.id, c.id)));
      afterCommit(
        tx,
        () => void finishConnectTest(ctx, c.id).catch((err) => log?.error({ err }, 'connect test')),
      );
      await trackCheckoutOutcome(tx, ctx, c, 'succeeded');
      return 'connect_test_succeeded';
    }
    if (u.currency !== undefined && u.currency !== c.currency) {
      // Money in another currency cannot enter this tenant's ledger: a person must act.
      await tx
        .update(checkouts)
        .set({
          status: 'processing',
          failureReason: 'technical_issue',
          failureCode: 'echo_mismatch',
          failureMessage: mismatch.join('; '),
          updatedAt: new Date(),
        })
        .where(and(eq(checkouts.tenantId, ctx.tenantId), eq(checkouts.id, c.id)));
      await notifyAdmins(
        tx,
        ctx,
        'gateway.echo_mismatch',
        `${c.gateway} reported a payment in the wrong currency`,
        `Checkout ${c.id}: ${mismatch.join('; ')}. Nothing was recorded; check the gateway dashboard.`,
      );
      return 'currency_mismatch';
    }
    const amount = u.amount ?? c.amount;
    const common = {
      channel: 'gateway' as const,
      channelSource: c.gateway,
      channelRef: c.id,
      amount,
      currency: c.currency,
      method: c.gateway,
      createdBy: c.createdBy,
      metadata: {
        checkout_id: c.id,
        ...(c.gatewayReference ? { gateway_reference: c.gatewayReference } : {}),
        ...(base.gatewayPaymentId ? { gateway_payment_id: base.gatewayPaymentId } : {}),
        ...(mismatch.length ? { echo_mismatch: mismatch.join('; ') } : {}),
      },
    };
    // As asked: the selected bills, exactly. A different amount goes to suspense for a CSO; bills
    // paid meanwhile by another rail leave the money as account credit (never lost, never doubled).
    // An amount on an account (a payment link) has no bills: the account's open bills are paid
    // oldest due first and any excess is the account's credit (flexible).
    let [outcome] = await recordPayments(tx, ctx, [
      mismatch.length
        ? { ...common, accountId: null, policy: 'flexible' }
        : c.billIds.length
          ? { ...common, accountId: c.accountId, billIds: c.billIds, policy: 'exact' }
          : { ...common, accountId: c.accountId, policy: 'flexible' },
    ]);
    if (!outcome!.ok) {
      log?.warn(
        { checkout: c.id, reason: outcome!.error.message },
        'gateway payment recorded as account credit',
      );
      [outcome] = await recordPayments(tx, ctx, [
        {
          ...common,
          accountId: c.accountId,
          policy: 'flexible',
          metadata: { ...common.metadata, note: outcome!.error.message },
        },
      ]);
    }
    if (!outcome!.ok) throw outcome!.error;
    // Same transaction as the payment: a single-use link is `used` exactly when its payment is.
    if (c.paymentLinkId && !(await recordLinkUse(tx, ctx, c.paymentLinkId))) {
      log?.warn({ checkout: c.id, link: c.paymentLinkId }, 'single-use payment link paid twice');
    }
    await tx
      .update(checkouts)
      .set({ ...base, paymentId: outcome!.payment.id })
      .where(and(eq(checkouts.tenantId, ctx.tenantId), eq(checkouts.id, c.id)));
    await notifyPayment(tx, ctx, outcome!.payment.id, 'successful');
    await trackCheckoutOutcome(tx, ctx, c, 'succeeded', outcome!.payment.id);
    return mismatch.length ? 'recorded_to_suspense' : 'recorded';
  }

  /** The one state machine every report about an attempt goes through. Returns what it did. */
  async function applyGateway(tx: Tx, ctx: TenantContext, c: CheckoutRow, u: GatewayUpdate): Promise<string> {
    if (c.status === 'succeeded') return 'already_succeeded';
    if (u.status === 'succeeded' || u.status === 'refunded' || u.status === 'partially_refunded') {
      return recordSuccess(tx, ctx, c, u);
    }
    if (u.status === 'pending') {
      // A failed try on a page that stays open (Stripe after a decline): keep the gateway's words
      // for the return page; the attempt is not over.
      const set: Partial<typeof checkouts.$inferInsert> = {};
      if (u.failure) {
        set.failureReason = u.failure.reason;
        set.failureCode = u.failure.code ?? null;
        set.failureMessage = u.failure.message;
      }
      if (c.status === 'open' && !u.failure && u.detail.type === 'payment.pending') set.status = 'processing';
      if (!Object.keys(set).length) return 'no_change';
      await tx
        .update(checkouts)
        .set({ ...set, updatedAt: new Date() })
        .where(and(eq(checkouts.tenantId, ctx.tenantId), eq(checkouts.id, c.id)));
      return u.failure ? 'attempt_failed' : 'processing';
    }
    if (isFinal(c.status)) return 'already_final';
    const status: CheckoutStatus =
      u.status === 'expired' ? 'expired' : u.status === 'canceled' ? 'canceled' : 'failed';
    const failure = u.failure ?? {
      reason: status === 'expired' ? 'expired' : 'technical_issue',
      message: status === 'expired' ? 'The payment session expired.' : 'The payment failed.',
    };
    const [after] = await tx
      .update(checkouts)
      .set({
        status,
        failureReason: failure.reason,
        failureCode: failure.code ?? null,
        failureMessage: failure.message,
        gatewayDetail: { ...((c.gatewayDetail as object) ?? {}), last: u.detail },
        updatedAt: new Date(),
      })
      .where(and(eq(checkouts.tenantId, ctx.tenantId), eq(checkouts.id, c.id)))
      .returning();
    if (c.purpose === 'payment') await trackCheckoutOutcome(tx, ctx, after!, status);
    if (c.purpose === 'connect_test') await connectFailed(tx, ctx, after!);
    else if (status === 'failed') await notifyCheckoutFailed(tx, ctx, c.id);
    return status;
  }

  const snapshotUpdate = (s: PaymentSnapshot): GatewayUpdate => ({
    status: s.status,
    failure: s.failure,
    amount: s.amount,
    currency: s.currency,
    gatewayPaymentId: s.gatewayPaymentId,
    detail: { source: 'status_lookup', status: s.rawStatus ?? s.status },
  });

  /** Asks the gateway where an attempt stands and applies the answer (a timeout changes nothing). */
  async function sync(ctx: TenantContext, id: string): Promise<CheckoutRow> {
    const c = await db.withTenant(ctx, (tx) => lockCheckout(tx, ctx, id));
    if (!c) throw notFound('Checkout', id);
    if (isFinal(c.status) || !c.gatewayReference) return c;
    const adapter = gateways.require(c.gateway);
    const row = await db.withTenant(ctx, (tx) => configFor(tx, ctx, c.gateway));
    let snapshot: PaymentSnapshot;
    try {
      snapshot = await adapter.retrievePayment(
        credentialsOf(config, row),
        {
          gatewayReference: c.gatewayReference,
          paymentId: c.id,
          expected: { amount: c.amount, currency: c.currency },
        },
        callCtx(),
      );
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      log?.warn({ checkout: id, kind: err.kind }, 'gateway status look-up failed');
      return c;
    }
    return db.withTenant(ctx, async (tx) => {
      const locked = (await lockCheckout(tx, ctx, id))!;
      await applyGateway(tx, ctx, locked, snapshotUpdate(snapshot));
      return (await lockCheckout(tx, ctx, id))!;
    });
  }

  /** After a successful connect test: refund it, and mark the configuration connected. */
  async function finishConnectTest(ctx: TenantContext, id: string) {
    const c = await db.withTenant(ctx, (tx) => lockCheckout(tx, ctx, id));
    if (c?.purpose !== 'connect_test' || c.status !== 'succeeded') return;
    const adapter = gateways.require(c.gateway);
    const row = await db.withTenant(ctx, (tx) => configFor(tx, ctx, c.gateway));
    let refund: Record<string, unknown>;
    let refundId: string | null = c.refundId;
    if (!refundId && !adapter.capabilities.refunds.full) {
      // No refund API (DOKU Checkout): the admin refunds the test payment in the gateway's dashboard.
      refund = {
        status: 'manual',
        message: `${adapter.displayName} has no refund API: refund this test payment in its dashboard.`,
      };
    } else if (!refundId) {
      try {
        const r = await adapter.refund(
          credentialsOf(config, row),
          {
            gatewayReference: c.gatewayReference ?? '',
            ...(c.gatewayPaymentId ? { gatewayPaymentId: c.gatewayPaymentId } : {}),
            amount: c.amount,
            paymentAmount: c.amount,
            currency: c.currency,
            reason: 'requested_by_customer',
            idempotencyKey: `connect-refund-${c.id}`,
          },
          callCtx(),
        );
        refundId = r.refundId;
        refund = { id: r.refundId, status: r.status };
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        // Connected all the same (the payment went through); the sweep retries the refund.
        refund = { status: 'failed', message: err.gatewayMessage };
      }
    } else refund = { id: refundId, status: 'succeeded' };
    await db.withTenant(ctx, async (tx) => {
      await tx
        .update(checkouts)
        .set({ refundId, updatedAt: new Date() })
        .where(and(eq(checkouts.tenantId, ctx.tenantId), eq(checkouts.id, c.id)));
      const cfg = await loadGatewayConfig(tx, ctx, c.gateway);
      if (!cfg || cfg.configVersion !== c.configVersion) return; // details changed meanwhile
      const wasConnected = cfg.status === 'connected' && cfg.connectedVersion === cfg.configVersion;
      await tx
        .update(gatewayConfigs)
        .set({
          status: 'connected',
          connectedVersion: c.configVersion,
          connectedAt: wasConnected ? cfg.connectedAt : new Date(),
          lastConnectDetail: {
            checkout_id: c.id,
            status: 'succeeded',
            amount: toWire(c.amount),
            currency: c.currency,
            gateway_payment_id: c.gatewayPaymentId,
            gateway_response: c.gatewayDetail,
            refund,
            at: new Date().toISOString(),
          },
          updatedAt: new Date(),
        })
        .where(
          and(
            eq(gatewayConfigs.tenantId, ctx.tenantId),
            eq(gatewayConfigs.mode, ctx.mode),
            eq(gatewayConfigs.gateway, c.gateway),
          ),
        );
      if (!wasConnected) {
        await recordAudit(
          tx,
          { type: 'system', id: null },
          {
            tenantId: ctx.tenantId,
            action: 'gateway.connected',
            targetType: 'gateway',
            targetId: c.gateway,
            after: { checkout_id: c.id, version: c.configVersion, refund },
          },
        );
      }
    });
  }

  /** Finds the attempt an event is about: Billrail's id when echoed, else the gateway's ids. */
  async function checkoutOfEvent(tx: Tx, ctx: TenantContext, gateway: string, e: NormalizedEvent) {
    const conds = [];
    if (e.paymentId?.startsWith('chk_')) conds.push(eq(checkouts.id, e.paymentId));
    if (e.gatewayReference) conds.push(eq(checkouts.gatewayReference, e.gatewayReference));
    if (e.gatewayPaymentId) conds.push(eq(checkouts.gatewayPaymentId, e.gatewayPaymentId));
    if (!conds.length) return undefined;
    return tx
      .select()
      .from(checkouts)
      .where(
        and(
          eq(checkouts.tenantId, ctx.tenantId),
          eq(checkouts.mode, ctx.mode),
          eq(checkouts.gateway, gateway),
          or(...conds),
        ),
      )
      .orderBy(asc(checkouts.id))
      .limit(1)
      .for('update')
      .then(first);
  }

  /** Applies one inbox event. Returns the outcome; throws to have the event retried later. */
  async function applyEvent(
    tx: Tx,
    ctx: TenantContext,
    gateway: string,
    e: NormalizedEvent,
  ): Promise<string> {
    if (e.type === 'ignored') return 'ignored';
    const c = await checkoutOfEvent(tx, ctx, gateway, e);
    if (!c) {
      if (e.type === 'refund.succeeded' || e.type === 'refund.failed') return 'unknown_payment';
      throw new Error(`No checkout matches ${gateway} event ${e.eventId} (${e.gatewayType})`);
    }
    const detail = { source: 'webhook', event_id: e.eventId, type: e.type, gateway_type: e.gatewayType };
    switch (e.type) {
      case 'payment.succeeded':
        return applyGateway(tx, ctx, c, {
          status: 'succeeded',
          amount: e.amount,
          currency: e.currency,
          gatewayPaymentId: e.gatewayPaymentId,
          detail,
        });
      case 'payment.pending':
        return applyGateway(tx, ctx, c, { status: 'pending', gatewayPaymentId: e.gatewayPaymentId, detail });
      case 'payment.attempt_failed':
        return applyGateway(tx, ctx, c, { status: 'pending', failure: e.failure, detail });
      case 'payment.failed':
        return applyGateway(tx, ctx, c, { status: 'failed', failure: e.failure, detail });
      case 'payment.expired':
        return applyGateway(tx, ctx, c, { status: 'expired', failure: e.failure, detail });
      case 'refund.succeeded': {
        if (c.purpose === 'connect_test') return 'connect_test_refund';
        if (!c.paymentId) return 'refund_before_payment';
        if (!e.refundId || e.amount === undefined) return 'refund_without_id';
        if (e.currency !== undefined && e.currency !== c.currency) return 'refund_currency_mismatch';
        // A refund made in the gateway's dashboard, or one whose recording was interrupted: the
        // gateway's refund id makes it count once.
        await refundPayment(
          tx,
          ctx,
          c.paymentId,
          e.amount,
          `Refund ${e.refundId} reported by ${gateway}`,
          { type: 'system', id: null },
          { gateway, refundId: e.refundId },
        );
        return 'refund_recorded';
      }
      case 'refund.failed':
        await notifyAdmins(
          tx,
          ctx,
          'gateway.refund_failed',
          `A ${gateway} refund failed`,
          `Refund ${e.refundId ?? '?'} of checkout ${c.id} failed: ${e.message}`,
        );
        return 'refund_failed';
    }
  }

  const RETRY_BASE_MS = 5_000;
  const MAX_ATTEMPTS = 12; // ~5 s doubling to ~3 h: about 5.7 hours of retries

  /** Processes one inbox row if it is still waiting; safe on many workers (row lock, skip locked). */
  async function processEvent(ctx: TenantContext, rowId: string): Promise<boolean> {
    try {
      return await db.withTenant(ctx, async (tx) => {
        const [row] = await tx
          .select()
          .from(gatewayEvents)
          .where(
            and(
              eq(gatewayEvents.tenantId, ctx.tenantId),
              eq(gatewayEvents.id, rowId),
              eq(gatewayEvents.status, 'received'),
            ),
          )
          .for('update', { skipLocked: true });
        if (!row) return false;
        const outcome = await applyEvent(tx, ctx, row.gateway, eventFromJson(row.event));
        await tx
          .update(gatewayEvents)
          .set({
            status: 'processed',
            outcome,
            processedAt: new Date(),
            attempts: row.attempts + 1,
            lastError: null,
          })
          .where(and(eq(gatewayEvents.tenantId, ctx.tenantId), eq(gatewayEvents.id, row.id)));
        return true;
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log?.warn({ event: rowId, err: message }, 'gateway event failed; will retry');
      await db.withTenant(ctx, async (tx) => {
        const [row] = await tx
          .select({ attempts: gatewayEvents.attempts })
          .from(gatewayEvents)
          .where(and(eq(gatewayEvents.tenantId, ctx.tenantId), eq(gatewayEvents.id, rowId)));
        if (!row) return;
        const attempts = row.attempts + 1;
        await tx
          .update(gatewayEvents)
          .set({
            attempts,
            lastError: message.slice(0, 2000),
            status: attempts >= MAX_ATTEMPTS ? 'failed' : 'received',
            nextAttemptAt: new Date(Date.now() + RETRY_BASE_MS * 2 ** (attempts - 1)),
          })
          .where(and(eq(gatewayEvents.tenantId, ctx.tenantId), eq(gatewayEvents.id, rowId)));
      });
      return false;
    }
  }

  /**
   * Runs `fn` for each connected gateway account (all tenants, or only `only`'s) whose adapter is
   * registered and whose secrets are stored. A GatewayError from one account (revoked key,
   * outage) is logged under `failure` and must not stop the others; anything else propagates.
   */
  async function forEachConnectedGateway(
    only: TenantContext | undefined,
    failure: string,
    fn: (row: GatewayConfigRow, adapter: GatewayAdapter, ctx: TenantContext) => Promise<void>,
  ) {
    const rows = await db.system((tx) =>
      tx
        .select()
        .from(gatewayConfigs)
        .where(
          and(
            eq(gatewayConfigs.status, 'connected'),
            only ? eq(gatewayConfigs.tenantId, only.tenantId) : undefined,
            only ? eq(gatewayConfigs.mode, only.mode) : undefined,
          ),
        ),
    );
    for (const row of rows) {
      const adapter = gateways.get(row.gateway);
      if (!adapter || !row.secretsSealed) continue;
      try {
        await fn(row, adapter, ctxOf(row));
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        log?.warn({ gateway: row.gateway, tenant: row.tenantId, kind: err.kind }, failure);
      }
    }
  }

  async function loadBillsForCheckout(
    tx: Tx,
    ctx: TenantContext,
    input: CheckoutCreate,
    payer: { userId?: string | undefined; consumer: boolean },
  ) {
    const ids = input.bill_ids ?? [];
    const refs = input.bill_references ?? [];
    if (!ids.length && !refs.length) {
      throw validationFailed([{ field: 'bill_ids', reason: 'select at least one bill or service' }]);
    }
    const rows = await tx
      .select({ bill: bills, userId: accounts.userId, accountNumber: accounts.accountNumber })
      .from(bills)
      .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId)))
      .where(
        and(
          eq(bills.tenantId, ctx.tenantId),
          eq(bills.mode, ctx.mode),
          or(
            ids.length ? inArray(bills.id, ids) : undefined,
            refs.length ? inArray(bills.referenceId, refs) : undefined,
          ),
        ),
      );
    const field = ids.length ? 'bill_ids' : 'bill_references';
    const wanted = ids.length ? ids : refs;
    const found = new Map(rows.map((r) => [ids.length ? r.bill.id : r.bill.referenceId, r]));
    const errors = wanted.flatMap((w, i) => {
      const r = found.get(w);
      // A consumer sees only the bills of accounts linked to them; others read as not found.
      if (!r || (payer.consumer && r.userId !== payer.userId))
        return [{ field: `${field}[${i}]`, reason: 'no such bill' }];
      return [];
    });
    if (errors.length) throw validationFailed(errors);
    const list = wanted.map((w) => found.get(w)!);
    if (new Set(list.map((r) => r.bill.accountId)).size > 1) {
      throw validationFailed([{ field, reason: 'all bills of one checkout must belong to one account' }]);
    }
    if (new Set(list.map((r) => r.bill.id)).size !== list.length) {
      throw validationFailed([{ field, reason: 'a bill is listed twice' }]);
    }
    return list;
  }

  return {
    applyEvent,
    processEvent,
    sync,
    finishConnectTest,

    /** Starts a consumer's (or a cashier's, or a biller system's) payment of bills at a gateway. */
    async create(
      ctx: TenantContext,
      input: CheckoutCreate,
      payer: { userId?: string | undefined; consumer: boolean },
    ): Promise<CheckoutRow> {
      const adapter = gateways.get(input.gateway);
      const row = await db.withTenant(ctx, (tx) => loadGatewayConfig(tx, ctx, input.gateway));
      if (!adapter || !row || !isAvailable(row)) {
        throw validationFailed([
          { field: 'gateway', reason: 'is not an active payment method of this biller' },
        ]);
      }
      const c = await db.withTenant(ctx, async (tx) => {
        const settings = await tenantSettings(tx, ctx.tenantId);
        if (input.payment_link_id) await claimLinkForCheckout(tx, ctx, input.payment_link_id);
        if (input.account) {
          const acc = await tx
            .select({ id: accounts.id })
            .from(accounts)
            .where(
              and(
                eq(accounts.tenantId, ctx.tenantId),
                eq(accounts.mode, ctx.mode),
                eq(accounts.id, input.account.id),
              ),
            )
            .then(first);
          if (!acc) throw validationFailed([{ field: 'account', reason: 'no such account' }]);
          if (input.account.amount <= 0n)
            throw validationFailed([{ field: 'amount', reason: 'must be positive' }]);
          const [created] = await tx
            .insert(checkouts)
            .values({
              tenantId: ctx.tenantId,
              mode: ctx.mode,
              id: newId('chk'),
              purpose: 'payment',
              gateway: input.gateway,
              accountId: acc.id,
              billIds: [],
              currency: settings.currency,
              amount: input.account.amount,
              description: input.account.description.slice(0, 255),
              status: 'creating',
              returnTo: safeReturnPath(input.return_to),
              payerEmail: input.payer_email ?? null,
              createdBy: payer.userId ?? null,
              paymentLinkId: input.payment_link_id ?? null,
              expiresAt: new Date(Date.now() + config.CHECKOUT_TTL_MINUTES * 60_000),
            })
            .returning();
          return created!;
        }
        const today = todayIn(settings.timeZone);
        const list = await loadBillsForCheckout(tx, ctx, input, payer);
        const errors = list.flatMap((r, i) => {
          const f = billFigures(r.bill, today);
          if (r.bill.status === 'paid' || f.outstanding === 0n)
            return [{ field: `bill_ids[${i}]`, reason: 'is already paid' }];
          if (f.status === 'expired' || r.bill.status === 'cancelled')
            return [
              {
                field: `bill_ids[${i}]`,
                reason: `is ${r.bill.status === 'cancelled' ? 'cancelled' : 'expired'}`,
              },
            ];
          return [];
        });
        if (errors.length) throw validationFailed(errors);
        const amount = list.reduce((sum, r) => sum + billFigures(r.bill, today).outstanding, 0n);
        const caps = adapter.capabilities.currencies;
        if (caps !== '*' && !caps.includes(settings.currency)) {
          throw validationFailed([
            { field: 'gateway', reason: `does not take payments in ${settings.currency}` },
          ]);
        }
        const names = list.map(
          (r) => `${r.bill.billNumber} (${r.bill.billingPeriod ?? r.bill.serviceName ?? ''})`,
        );
        const [created] = await tx
          .insert(checkouts)
          .values({
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            id: newId('chk'),
            purpose: 'payment',
            gateway: input.gateway,
            accountId: list[0]!.bill.accountId,
            billIds: list.map((r) => r.bill.id),
            currency: settings.currency,
            amount,
            description: `Account ${list[0]!.accountNumber}: ${names.join(', ')}`.slice(0, 255),
            status: 'creating',
            returnTo: safeReturnPath(input.return_to),
            payerEmail: input.payer_email ?? null,
            createdBy: payer.userId ?? null,
            paymentLinkId: input.payment_link_id ?? null,
            expiresAt: new Date(Date.now() + config.CHECKOUT_TTL_MINUTES * 60_000),
          })
          .returning();
        return created!;
      });
      return openAtGateway(ctx, c, adapter, row);
    },

    /** A new attempt for the same bills at the same (or another) gateway, after a failure. */
    async retry(ctx: TenantContext, id: string, gateway?: string) {
      const c = await db.withTenant(ctx, (tx) => lockCheckout(tx, ctx, id));
      if (c?.purpose !== 'payment') throw notFound('Checkout', id);
      if (c.status === 'succeeded') throw conflict('checkout_succeeded', 'This payment already succeeded.');
      const owner = c.createdBy;
      return this.create(
        ctx,
        {
          gateway: gateway ?? c.gateway,
          ...(c.billIds.length || !c.accountId
            ? { bill_ids: c.billIds }
            : { account: { id: c.accountId, amount: c.amount, description: c.description } }),
          return_to: c.returnTo ?? undefined,
          payer_email: c.payerEmail ?? undefined,
          payment_link_id: c.paymentLinkId ?? undefined,
        },
        { userId: owner ?? undefined, consumer: false },
      );
    },

    /**
     * The admin's connect test (seed 002): a payment of one unit of the tenant's currency through
     * the gateway with the saved credentials; the admin pays it on the gateway's page and comes
     * back to `return_to`; on success it is refunded and the gateway shows "Connected".
     */
    async connect(ctx: TenantContext, gateway: string, returnTo: string | undefined, actor: Actor) {
      const adapter = gateways.get(gateway);
      if (!adapter) throw notFound('Gateway', gateway);
      const { c, row } = await db.withTenant(ctx, async (tx) => {
        const row = await configFor(tx, ctx, gateway);
        const settings = await tenantSettings(tx, ctx.tenantId);
        const caps = adapter.capabilities.currencies;
        if (caps !== '*' && !caps.includes(settings.currency)) {
          throw conflict(
            'gateway_currency',
            `${adapter.displayName} does not take payments in ${settings.currency}.`,
          );
        }
        const [c] = await tx
          .insert(checkouts)
          .values({
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            id: newId('chk'),
            purpose: 'connect_test',
            gateway,
            currency: settings.currency,
            amount: oneUnit(settings.currency),
            description: `Billrail connection test (refunded automatically)`,
            status: 'creating',
            returnTo: safeReturnPath(returnTo),
            createdBy: actor.id,
            configVersion: row.configVersion,
            expiresAt: new Date(Date.now() + config.CHECKOUT_TTL_MINUTES * 60_000),
          })
          .returning();
        await tx
          .update(gatewayConfigs)
          .set({ status: 'connecting', lastConnectCheckoutId: c!.id, updatedAt: new Date() })
          .where(
            and(
              eq(gatewayConfigs.tenantId, ctx.tenantId),
              eq(gatewayConfigs.mode, ctx.mode),
              eq(gatewayConfigs.gateway, gateway),
            ),
          );
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'gateway.test_transaction',
          targetType: 'gateway',
          targetId: gateway,
          after: { checkout_id: c!.id, amount: toWire(c!.amount), currency: c!.currency },
        });
        await trackConnectStarted(tx, ctx, c!, actor);
        return { c: c!, row };
      });
      return openAtGateway(ctx, c, adapter, row);
    },

    async get(ctx: TenantContext, id: string, payer?: { userId?: string | undefined; consumer: boolean }) {
      const c = await db.withTenant(ctx, (tx) => lockCheckout(tx, ctx, id));
      if (!c || (payer?.consumer && c.createdBy !== payer.userId)) throw notFound('Checkout', id);
      return c;
    },

    /** Finds an attempt by id alone (the gateway's return and cancel URLs carry only the id). */
    async locate(id: string) {
      if (!/^chk_[0-9a-z]{26}$/.test(id)) return undefined;
      return db.system((tx) => tx.select().from(checkouts).where(eq(checkouts.id, id)).then(first));
    },

    /** The payer is back from the gateway: ask it where the payment stands. */
    async returned(c: CheckoutRow) {
      return sync(ctxOf(c), c.id);
    },

    /**
     * The payer came back through the cancel URL (seed 002: "returning without paying records a
     * failed attempt"). The gateway is asked first: a payment it took is recorded, never dropped.
     */
    async canceled(c: CheckoutRow) {
      const ctx = ctxOf(c);
      const synced = await sync(ctx, c.id);
      if (isFinal(synced.status)) return synced;
      return db.withTenant(ctx, async (tx) => {
        const locked = (await lockCheckout(tx, ctx, c.id))!;
        await applyGateway(tx, ctx, locked, {
          status: 'canceled',
          failure: {
            reason: 'abandoned',
            code: 'payer_canceled',
            message: 'You left the payment page without paying. No money was taken.',
          },
          detail: { source: 'cancel_url' },
        });
        return (await lockCheckout(tx, ctx, c.id))!;
      });
    },

    /**
     * An inbound gateway notification (issue 4, item 5): verified on the raw body with the
     * credentials of the configuration its URL names, stored in the inbox (a resent event id is
     * ignored) and acknowledged; applied right after commit, and by the worker on failure.
     */
    async receiveWebhook(input: {
      token: string;
      rawBody: Buffer;
      headers: Record<string, string | string[] | undefined>;
      path: string;
    }) {
      const row = await db.system((tx) =>
        tx.select().from(gatewayConfigs).where(eq(gatewayConfigs.webhookToken, input.token)).then(first),
      );
      if (!row) throw new AppError(404, 'unknown_webhook_url', 'This notification URL is not known.');
      const adapter = gateways.get(row.gateway);
      if (!adapter || !row.secretsSealed) {
        throw new AppError(409, 'gateway_not_configured', `The ${row.gateway} gateway is not configured.`);
      }
      const result = await adapter.verifyWebhook({
        rawBody: input.rawBody,
        headers: input.headers,
        path: input.path,
        credentials: credentialsOf(config, row),
      });
      if (!result.ok) {
        log?.warn(
          { gateway: row.gateway, tenant: row.tenantId, reason: result.reason, detail: result.detail },
          'gateway webhook rejected',
        );
        throw new AppError(400, `webhook_${result.reason}`, `Notification rejected: ${result.detail}`);
      }
      const ctx = ctxOf(row);
      const e = result.event;
      log?.info(
        { gateway: row.gateway, event: e.eventId, type: e.type, gateway_type: e.gatewayType },
        'gateway webhook',
      );
      const inserted = await db.withTenant(ctx, async (tx) => {
        const [ins] = await tx
          .insert(gatewayEvents)
          .values({
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            id: newId('gwe'),
            gateway: row.gateway,
            eventId: e.eventId,
            type: e.type,
            gatewayType: e.gatewayType,
            checkoutId: e.paymentId?.startsWith('chk_') ? e.paymentId : null,
            event: eventToJson(e),
            rawBody: input.rawBody.toString('utf8'),
          })
          .onConflictDoNothing()
          .returning({ id: gatewayEvents.id });
        if (ins) afterCommit(tx, () => void processEvent(ctx, ins.id));
        return ins;
      });
      return { received: true, duplicate: !inserted, event_id: e.eventId };
    },

    /**
     * Refund from the back office (issue 4, item 6). A gateway payment is refunded at the gateway
     * first; the ledger follows when the gateway confirms (at once, or by its refund webhook). The
     * gateway's idempotency key is derived from the payment's refunded total, so a retried request
     * cannot refund twice. Other rails are refunded in the ledger directly.
     */
    async refund(
      ctx: TenantContext,
      paymentId: string,
      amount: bigint | undefined,
      reason: string,
      actor: Actor,
    ) {
      const p = await db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(payments)
          .where(
            and(eq(payments.tenantId, ctx.tenantId), eq(payments.mode, ctx.mode), eq(payments.id, paymentId)),
          )
          .then(first),
      );
      if (!p) throw notFound('Payment', paymentId);
      if (p.channel !== 'gateway') {
        return {
          payment: await db.withTenant(ctx, (tx) => refundPayment(tx, ctx, paymentId, amount, reason, actor)),
          pending: null,
        };
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
      const adapter = gateways.require(p.channelSource);
      if (!(r === p.amount ? adapter.capabilities.refunds.full : adapter.capabilities.refunds.partial)) {
        throw conflict(
          'gateway_refund_unsupported',
          `${adapter.displayName} does not support ${r === p.amount ? '' : 'partial '}refunds through its API; refund it in the gateway's dashboard.`,
        );
      }
      const c = await db.withTenant(ctx, (tx) => lockCheckout(tx, ctx, p.channelRef));
      const row = await db.withTenant(ctx, (tx) => configFor(tx, ctx, p.channelSource));
      let result: Awaited<ReturnType<GatewayAdapter['refund']>>;
      try {
        result = await adapter.refund(
          credentialsOf(config, row),
          {
            gatewayReference: c?.gatewayReference ?? '',
            ...(c?.gatewayPaymentId ? { gatewayPaymentId: c.gatewayPaymentId } : {}),
            amount: r,
            paymentAmount: p.amount,
            currency: p.currency,
            reason: 'requested_by_customer',
            idempotencyKey: `refund-${p.id}-${p.refundedAmount}-${r}`,
            metadata: { billrail_payment_id: p.id, billrail_checkout_id: p.channelRef },
          },
          callCtx(),
        );
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        throw new AppError(
          502,
          'gateway_refund_failed',
          `${adapter.displayName} refused the refund: ${err.gatewayMessage}`,
          {
            extensions: { gateway_message: err.gatewayMessage, retryable: err.retryable },
          },
        );
      }
      if (result.status === 'failed') {
        throw new AppError(
          502,
          'gateway_refund_failed',
          `${adapter.displayName} refused the refund: ${result.failureMessage ?? 'failed'}`,
        );
      }
      if (result.status === 'pending') {
        return { payment: p, pending: { gateway_refund_id: result.refundId, amount: toWire(r) } };
      }
      const payment = await db.withTenant(ctx, (tx) =>
        refundPayment(tx, ctx, p.id, r, reason, actor, {
          gateway: p.channelSource,
          refundId: result.refundId,
        }),
      );
      return { payment, pending: null };
    },

    /** Worker: inbox rows due for (another) try. */
    async processDueEvents(limit = 100) {
      const due = await db.system((tx) =>
        tx
          .select({ tenantId: gatewayEvents.tenantId, mode: gatewayEvents.mode, id: gatewayEvents.id })
          .from(gatewayEvents)
          .where(and(eq(gatewayEvents.status, 'received'), lt(gatewayEvents.nextAttemptAt, new Date())))
          .orderBy(asc(gatewayEvents.nextAttemptAt))
          .limit(limit),
      );
      let n = 0;
      for (const d of due) if (await processEvent(ctxOf(d), d.id)) n++;
      return n;
    },

    /**
     * Worker: attempts past their expiry. The gateway is asked first (a late success is
     * recorded); what is still open is expired (seed 002: "an expired session asks the user to
     * start again"). Attempts waiting for a slow method (processing) are left to the gateway.
     */
    async expireDue(limit = 100) {
      const due = await db.system((tx) =>
        tx
          .select()
          .from(checkouts)
          .where(and(inArray(checkouts.status, ['creating', 'open']), lt(checkouts.expiresAt, new Date())))
          .orderBy(asc(checkouts.expiresAt))
          .limit(limit),
      );
      for (const c of due) {
        const ctx = ctxOf(c);
        const synced = c.status === 'open' ? await sync(ctx, c.id) : c;
        if (isFinal(synced.status)) continue;
        await db.withTenant(ctx, async (tx) => {
          const locked = (await lockCheckout(tx, ctx, c.id))!;
          await applyGateway(tx, ctx, locked, {
            status: 'expired',
            failure:
              locked.status === 'creating'
                ? {
                    reason: 'timeout',
                    code: 'gateway_timeout',
                    message: `${c.gateway} did not answer in time.`,
                  }
                : {
                    reason: 'expired',
                    code: 'session_expired',
                    message: 'The payment session expired. Please start again.',
                  },
            detail: { source: 'expiry_sweep' },
          });
        });
      }
      return due.length;
    },

    /** Worker: connect tests that succeeded but whose refund has not gone through yet. */
    async retryConnectRefunds() {
      const due = await db.system((tx) =>
        tx
          .select({
            tenantId: checkouts.tenantId,
            mode: checkouts.mode,
            id: checkouts.id,
            gateway: checkouts.gateway,
          })
          .from(checkouts)
          .where(
            and(
              eq(checkouts.purpose, 'connect_test'),
              eq(checkouts.status, 'succeeded'),
              sql`${checkouts.refundId} is null`,
              lt(checkouts.updatedAt, new Date(Date.now() - 60_000)),
            ),
          )
          .limit(50),
      );
      for (const d of due) {
        if (gateways.get(d.gateway)?.capabilities.refunds.full) await finishConnectTest(ctxOf(d), d.id);
      }
      return due.length;
    },

    /**
     * Worker: settlement lines from gateways that report them (Stripe balance transactions). A
     * charge whose funds are available moves its payment to Payment Completed, with the gateway's
     * fee booked. The sync window starts at the oldest line still pending.
     */
    async syncSettlements(only?: TenantContext) {
      let completed = 0;
      await forEachConnectedGateway(only, 'settlement sync failed', async (row, adapter, ctx) => {
        if (!adapter.capabilities.settlements) return;
        // Lines are read up to a second ahead (Stripe's created[lt] is strict) and the next sync
        // starts a minute back: completing is idempotent, so overlapping windows cost nothing.
        const until = new Date(Date.now() + 1000);
        const since = row.settlementsSyncedUntil ?? new Date(until.getTime() - 30 * 86400_000);
        let cursor: string | undefined;
        let oldestPending: Date | undefined;
        do {
          const page = await adapter.listSettlements(
            credentialsOf(config, row),
            { since, until, ...(cursor ? { cursor } : {}), limit: 100 },
            callCtx(),
          );
          for (const s of page.items) {
            if (s.type !== 'charge' || !s.source) continue;
            if (s.status !== 'available') {
              if (!oldestPending || s.createdAt < oldestPending) oldestPending = s.createdAt;
              continue;
            }
            const done = await db.withTenant(ctx, async (tx) => {
              const [c] = await tx
                .select({ paymentId: checkouts.paymentId })
                .from(checkouts)
                .where(
                  and(
                    eq(checkouts.tenantId, ctx.tenantId),
                    eq(checkouts.mode, ctx.mode),
                    eq(checkouts.gateway, row.gateway),
                    eq(checkouts.gatewayPaymentId, s.source!),
                  ),
                );
              if (!c?.paymentId) return false;
              const r = await completePayment(tx, ctx, c.paymentId, {
                fee: s.fee,
                reference: `${row.gateway}:${s.id}`,
                ...(s.availableOn ? { settledAt: s.availableOn } : {}),
              });
              return r.changed;
            });
            if (done) completed++;
          }
          cursor = page.nextCursor;
        } while (cursor);
        await db.withTenant(ctx, (tx) =>
          tx
            .update(gatewayConfigs)
            .set({ settlementsSyncedUntil: oldestPending ?? new Date(Date.now() - 60_000) })
            .where(
              and(
                eq(gatewayConfigs.tenantId, ctx.tenantId),
                eq(gatewayConfigs.mode, ctx.mode),
                eq(gatewayConfigs.gateway, row.gateway),
              ),
            ),
        );
      });
      return completed;
    },

    /**
     * Paid (or in transit) payouts of the last 30 days from gateways that pay out in batches
     * (Stripe), each with its settlement lines, for reconciliation to import as settlement
     * batches. `known` names the payouts already imported, whose lines are not fetched again.
     */
    async paidPayouts(
      only: TenantContext | undefined,
      known: (ctx: TenantContext, ids: string[]) => Promise<Set<string>>,
    ) {
      const out: { ctx: TenantContext; gateway: string; payout: Payout; lines: Settlement[] }[] = [];
      await forEachConnectedGateway(only, 'payout sync failed', async (row, adapter, ctx) => {
        if (!adapter.listPayouts) return;
        const credentials = credentialsOf(config, row);
        const until = new Date(Date.now() + 1000);
        const since = new Date(until.getTime() - 30 * 86400_000);
        const payouts: Payout[] = [];
        let cursor: string | undefined;
        do {
          const page = await adapter.listPayouts(
            credentials,
            { since, until, ...(cursor ? { cursor } : {}), limit: 100 },
            callCtx(),
          );
          payouts.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        const sent = payouts.filter((x) => x.status === 'paid' || x.status === 'in_transit');
        const seen = await known(
          ctx,
          sent.map((x) => x.id),
        );
        for (const payout of sent.filter((x) => !seen.has(x.id))) {
          const lines: Settlement[] = [];
          let next: string | undefined;
          do {
            const page = await adapter.listSettlements(
              credentials,
              { since, until, payout: payout.id, ...(next ? { cursor: next } : {}), limit: 100 },
              callCtx(),
            );
            lines.push(...page.items);
            next = page.nextCursor;
          } while (next);
          out.push({ ctx, gateway: row.gateway, payout, lines });
        }
      });
      return out;
    },

    /**
     * Worker: the sandbox's settlement. Billrail is the sandbox's acquirer, so there is no report
     * to fetch: every sandbox payment still Successful SANDBOX_SETTLEMENT_SECONDS after it was
     * received is completed, less the sandbox fee, one ledger entry per tenant and run.
     */
    async settleSandbox(only?: TenantContext, now = new Date()) {
      const cutoff = new Date(now.getTime() - config.SANDBOX_SETTLEMENT_SECONDS * 1000);
      const due = await db.system((tx) =>
        tx
          .select({
            tenantId: payments.tenantId,
            mode: payments.mode,
            id: payments.id,
            amount: payments.amount,
            refundedAmount: payments.refundedAmount,
          })
          .from(payments)
          .where(
            and(
              eq(payments.channel, 'gateway'),
              eq(payments.channelSource, 'sandbox'),
              eq(payments.status, 'successful'),
              lt(payments.receivedAt, cutoff),
              only ? eq(payments.tenantId, only.tenantId) : undefined,
              only ? eq(payments.mode, only.mode) : undefined,
            ),
          )
          .limit(5000),
      );
      const byTenant = new Map<string, typeof due>();
      for (const p of due) {
        const key = `${p.tenantId}\u0000${p.mode}`;
        byTenant.set(key, [...(byTenant.get(key) ?? []), p]);
      }
      let completed = 0;
      for (const rows of byTenant.values()) {
        const ctx = ctxOf(rows[0]!);
        const batch = `sandbox:settlement:${now.toISOString()}`;
        const r = await db.withTenant(ctx, (tx) =>
          completePayments(
            tx,
            ctx,
            rows.map((p) => ({
              paymentId: p.id,
              fee: sandboxSettlementFee(p.amount - p.refundedAmount),
              settledAt: now,
            })),
            batch,
          ),
        );
        completed += r.completed.length;
      }
      return completed;
    },

    /** Payment row of a successful checkout, for views. */
    async paymentOf(ctx: TenantContext, c: CheckoutRow): Promise<PaymentRow | undefined> {
      if (!c.paymentId) return undefined;
      return db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(payments)
          .where(and(eq(payments.tenantId, ctx.tenantId), eq(payments.id, c.paymentId!)))
          .then(first),
      );
    },

    displayAmount: (c: CheckoutRow) => displayMoney(c.amount, c.currency),

    /** The sandbox hosted page's session behind a token, checked with the tenant's sandbox secret. */
    async sandboxSession(token: string) {
      const payload = token.split('.')[0] ?? '';
      let attemptId: unknown;
      try {
        attemptId = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).attemptId;
      } catch {
        attemptId = undefined;
      }
      const c = typeof attemptId === 'string' ? await this.locate(attemptId) : undefined;
      if (c?.gateway !== 'sandbox')
        throw new AppError(404, 'unknown_session', 'This checkout link is not valid.');
      const ctx = ctxOf(c);
      const row = await db.withTenant(ctx, (tx) => loadGatewayConfig(tx, ctx, 'sandbox'));
      const secret = row?.secretsSealed ? credentialsOf(config, row).signing_secret : undefined;
      if (!row || !secret) throw new AppError(404, 'unknown_session', 'This checkout link is not valid.');
      return { c, row, secret, decoded: decodeSandboxSession(token, secret, new Date()) };
    },

    /**
     * The payer's choice on the sandbox hosted page. Every outcome but leaving is notified the way
     * a gateway notifies: a signed notification through the same verification and inbox
     * (in-process: the sandbox is part of Billrail, and PUBLIC_URL may not loop back).
     */
    async sandboxChoose(token: string, outcome: SandboxOutcome): Promise<SandboxSession> {
      const { row, secret, decoded } = await this.sandboxSession(token);
      if (!decoded.ok)
        throw new AppError(400, `session_${decoded.reason}`, 'This checkout session cannot be paid.');
      if (outcome === 'abandoned') return decoded.session;
      const now = new Date();
      const n = outcomeNotification(decoded.session, outcome, { eventId: `sbx_evt_${randomUUID()}`, now });
      const signed = signSandboxNotification(n, secret, now);
      await this.receiveWebhook({
        token: row.webhookToken,
        rawBody: Buffer.from(signed.body),
        headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])),
        path: webhookPath(row.webhookToken),
      });
      return decoded.session;
    },
  };
}
