import Stripe from 'stripe';
import type { FieldError } from '../../platform/errors.ts';
import type {
  CheckoutRequest,
  CheckoutSession,
  CredentialCheck,
  Credentials,
  GatewayAdapter,
  GatewayCallContext,
  HealthResult,
  PaymentLookup,
  PaymentSnapshot,
  PayoutPage,
  RefundRequest,
  RefundResult,
  SettlementPage,
  WebhookInput,
  WebhookResult,
} from '../gateway.ts';
import { GatewayError, headerValue } from '../gateway.ts';
import {
  balanceTransactionToSettlement,
  buildCheckoutSessionParams,
  checkStripeCredentials,
  refundToResult,
  STRIPE_CREDENTIAL_FIELDS,
  sessionToSnapshot,
  stripeErrorToGatewayError,
  stripeEventToNormalized,
  stripeKeyMode,
  stripePayoutToPayout,
  toStripeAmount,
} from './stripe.wire.ts';

/**
 * Stripe adapter: the flows, on the official SDK (spec section 1). Wire shapes and mappings
 * live in stripe.wire.ts; this file only makes calls and turns SDK errors into GatewayErrors.
 */
export interface StripeAdapterOptions {
  /** API host, port and protocol: api.stripe.com:443 https by default; tests point at the fake. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** Per-request timeout (ms). Seed 002: a gateway that does not answer in time fails the call. */
  timeoutMs?: number;
  /** SDK retries on network errors, 409 and 5xx (with idempotency keys). Tests set 0. */
  maxNetworkRetries?: number;
  /** Seconds a webhook's timestamp may be old (SDK default 300). */
  webhookToleranceSeconds?: number;
}

export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;

/** Verifies `Stripe-Signature` on the raw body with the SDK and normalizes the event. */
export function verifyStripeWebhook(
  input: WebhookInput,
  toleranceSeconds = STRIPE_WEBHOOK_TOLERANCE_SECONDS,
): WebhookResult {
  const secret = input.credentials.webhook_secret;
  if (!secret) return { ok: false, reason: 'malformed', detail: 'No webhook secret is configured' };
  const header = headerValue(input.headers, 'Stripe-Signature');
  if (!header) return { ok: false, reason: 'missing_signature', detail: 'No Stripe-Signature header' };
  const now = (input.now ?? new Date()).getTime();
  let event: Stripe.Event;
  try {
    // The SDK checks HMAC-SHA256 over `${t}.${rawBody}` in constant time against every v1, and
    // rejects a timestamp older than the tolerance (measured from `now`).
    event = Stripe.webhooks.constructEvent(input.rawBody, header, secret, toleranceSeconds, undefined, now);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/tolerance/i.test(message)) return { ok: false, reason: 'stale_timestamp', detail: message };
    if (/extract timestamp|expected scheme/i.test(message))
      return { ok: false, reason: 'malformed', detail: message };
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
      return { ok: false, reason: 'bad_signature', detail: message };
    }
    // Signature fine, body not JSON.
    return { ok: false, reason: 'malformed', detail: message };
  }
  // The SDK only refuses old timestamps (spec); a timestamp far in the future is refused here,
  // so a header signed ahead of time cannot be replayed later.
  const t = /(?:^|,)\s*t=(\d+)/.exec(header);
  if (t && Number(t[1]) * 1000 - now > toleranceSeconds * 1000) {
    return { ok: false, reason: 'stale_timestamp', detail: 'Stripe-Signature timestamp is in the future' };
  }
  const normalized = stripeEventToNormalized(event);
  if (!normalized) return { ok: false, reason: 'malformed', detail: 'Event has no id, type or data.object' };
  return { ok: true, event: normalized };
}

export function createStripeAdapter(opts: StripeAdapterOptions = {}): GatewayAdapter {
  const client = (apiKey: string, ctx?: GatewayCallContext) =>
    new Stripe(apiKey, {
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.port ? { port: opts.port } : {}),
      ...(opts.protocol ? { protocol: opts.protocol } : {}),
      maxNetworkRetries: opts.maxNetworkRetries ?? 2,
      timeout: ctx?.timeoutMs ?? opts.timeoutMs ?? 30_000,
      telemetry: false,
    });
  const apiKeyOf = (c: Credentials) => {
    const key = c.api_key;
    if (!key) throw new GatewayError('stripe', 'authentication', 'No Stripe API key is configured');
    return key;
  };
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw stripeErrorToGatewayError(err);
    }
  };
  const now = (ctx?: GatewayCallContext) => (ctx?.now ? ctx.now() : new Date());

  /** Does `key` authenticate? A 403 means it does but lacks permission (fine for an rk_ key). */
  const probeKey = async (key: string, ctx?: GatewayCallContext, permissionIsOk = false) => {
    try {
      await client(key, ctx).balance.retrieve();
      return undefined;
    } catch (err) {
      const g = stripeErrorToGatewayError(err);
      if (permissionIsOk && g.httpStatus === 403) return undefined;
      return g;
    }
  };

  return {
    id: 'stripe',
    displayName: 'Stripe',
    capabilities: {
      currencies: '*',
      refunds: { full: true, partial: true },
      methods: ['card', 'bank_transfer', 'ewallet'],
      webhooks: true,
      settlements: true,
    },
    credentialFields: STRIPE_CREDENTIAL_FIELDS,

    checkCredentialFormat: checkStripeCredentials,

    async validateCredentials(credentials, ctx): Promise<CredentialCheck> {
      const format = checkStripeCredentials(credentials);
      if (format.length > 0) {
        return {
          ok: false,
          errors: format,
          detail: 'Please review all the details entered above and retry to connect',
        };
      }
      const errors: FieldError[] = [];
      const details: string[] = [];
      const apiErr = await probeKey(credentials.api_key!, ctx);
      if (apiErr) {
        // A transport failure is not the key's fault; report it without blaming the field.
        if (apiErr.kind === 'authentication')
          errors.push({ field: 'api_key', reason: apiErr.gatewayMessage });
        details.push(`API Key: ${apiErr.gatewayMessage}`);
      }
      const rkErr = await probeKey(credentials.secret_key!, ctx, true);
      if (rkErr) {
        if (rkErr.kind === 'authentication')
          errors.push({ field: 'secret_key', reason: rkErr.gatewayMessage });
        details.push(`Secret Key: ${rkErr.gatewayMessage}`);
      }
      const ok = !apiErr && !rkErr;
      const mode = stripeKeyMode(credentials.api_key!);
      return {
        ok,
        errors,
        detail: ok ? `Stripe accepted the keys (${mode} mode)` : details.join('; '),
        ...(mode ? { mode } : {}),
      };
    },

    async createCheckout(credentials, request: CheckoutRequest, ctx): Promise<CheckoutSession> {
      const params = buildCheckoutSessionParams(request, now(ctx));
      const session = await call(() =>
        client(apiKeyOf(credentials), ctx).checkout.sessions.create(
          params as Stripe.Checkout.SessionCreateParams,
          {
            idempotencyKey: request.idempotencyKey,
          },
        ),
      );
      if (!session.url)
        throw new GatewayError('stripe', 'gateway_error', 'Stripe returned a session without a url', {
          raw: session,
        });
      return {
        redirectUrl: session.url,
        gatewayReference: session.id,
        ...(session.expires_at ? { expiresAt: new Date(session.expires_at * 1000) } : {}),
        raw: session,
      };
    },

    async retrievePayment(credentials, lookup: PaymentLookup, ctx): Promise<PaymentSnapshot> {
      const session = await call(() =>
        client(apiKeyOf(credentials), ctx).checkout.sessions.retrieve(lookup.gatewayReference, {
          expand: ['payment_intent'],
        }),
      );
      return sessionToSnapshot(session);
    },

    async refund(credentials, request: RefundRequest, ctx): Promise<RefundResult> {
      const stripe = client(apiKeyOf(credentials), ctx);
      let paymentIntent = request.gatewayPaymentId;
      if (!paymentIntent) {
        const session = await call(() => stripe.checkout.sessions.retrieve(request.gatewayReference));
        paymentIntent =
          typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
        if (!paymentIntent) {
          throw new GatewayError('stripe', 'invalid_request', 'This checkout has no payment to refund');
        }
      }
      if (request.amount <= 0n || request.amount > request.paymentAmount) {
        throw new GatewayError(
          'stripe',
          'invalid_request',
          'Refund amount must be between 1 and the payment amount',
        );
      }
      const params: Stripe.RefundCreateParams = {
        payment_intent: paymentIntent,
        amount: toStripeAmount(request.amount, request.currency),
      };
      if (request.reason) params.reason = request.reason;
      if (request.metadata) params.metadata = { ...request.metadata };
      const refund = await call(() =>
        stripe.refunds.create(params, { idempotencyKey: request.idempotencyKey }),
      );
      return refundToResult(refund);
    },

    async verifyWebhook(input) {
      return verifyStripeWebhook(input, opts.webhookToleranceSeconds);
    },

    async healthCheck(credentials, ctx): Promise<HealthResult> {
      const started = performance.now();
      const err = await probeKey(credentials.api_key ?? '', ctx);
      const latencyMs = Math.round(performance.now() - started);
      return err
        ? { ok: false, latencyMs, detail: err.gatewayMessage }
        : { ok: true, latencyMs, detail: 'Stripe answered GET /v1/balance' };
    },

    async listSettlements(credentials, query, ctx): Promise<SettlementPage> {
      // A payout's lines are listed by payout alone: they were created over earlier days.
      const params: Stripe.BalanceTransactionListParams = query.payout
        ? { payout: query.payout, limit: Math.min(query.limit ?? 100, 100), expand: ['data.source'] }
        : {
            created: {
              gte: Math.floor(query.since.getTime() / 1000),
              lt: Math.floor(query.until.getTime() / 1000),
            },
            limit: Math.min(query.limit ?? 100, 100),
            expand: ['data.source'],
          };
      if (query.cursor) params.starting_after = query.cursor;
      const page = await call(() => client(apiKeyOf(credentials), ctx).balanceTransactions.list(params));
      const items = page.data.map(balanceTransactionToSettlement);
      const last = page.data.at(-1);
      return { items, nextCursor: page.has_more && last ? last.id : undefined };
    },

    async listPayouts(credentials, query, ctx): Promise<PayoutPage> {
      const params: Stripe.PayoutListParams = {
        created: {
          gte: Math.floor(query.since.getTime() / 1000),
          lt: Math.floor(query.until.getTime() / 1000),
        },
        limit: Math.min(query.limit ?? 100, 100),
      };
      if (query.cursor) params.starting_after = query.cursor;
      const page = await call(() => client(apiKeyOf(credentials), ctx).payouts.list(params));
      const last = page.data.at(-1);
      return {
        items: page.data.map(stripePayoutToPayout),
        nextCursor: page.has_more && last ? last.id : undefined,
      };
    },
  };
}
