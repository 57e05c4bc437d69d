import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { verifyStripeWebhook } from './stripe.adapter.ts';
import {
  balanceTransactionToSettlement,
  buildCheckoutSessionParams,
  checkStripeCredentials,
  failureFromPaymentError,
  fromStripeAmount,
  refundToResult,
  sessionToSnapshot,
  stripeErrorToGatewayError,
  stripeEventToNormalized,
  stripeKeyMode,
  toStripeAmount,
  withSessionIdParam,
} from './stripe.wire.ts';

// Seed 002 sample data, "Configuration Fields (For Stripe)".
const SEED = {
  api_key: 'sk_live_12hdiw7xg8sd8sd',
  secret_key: 'rk_live_98hsd72hsj6sda2',
  webhook_secret: 'whsec_182gs627hsbd8',
  publishable_key: 'pk_live_gs6dg3g672gq',
};

describe('Stripe credentials (seed 002 prefixes)', () => {
  it('accepts the seed sample and the test-mode variants', () => {
    expect(checkStripeCredentials(SEED)).toEqual([]);
    expect(
      checkStripeCredentials({
        api_key: 'sk_test_abc',
        secret_key: 'rk_test_def',
        webhook_secret: 'whsec_x1',
        publishable_key: 'pk_test_ghi',
      }),
    ).toEqual([]);
    expect(stripeKeyMode('sk_live_x')).toBe('live');
    expect(stripeKeyMode('rk_test_x')).toBe('test');
    expect(stripeKeyMode('whsec_x')).toBeUndefined();
  });

  it('names each field with a wrong prefix', () => {
    const errors = checkStripeCredentials({
      api_key: 'pk_live_abc',
      secret_key: 'sk_live_abc',
      webhook_secret: 'wh_abc',
      publishable_key: 'sk_live_abc',
    });
    expect(errors.map((e) => e.field)).toEqual([
      'api_key',
      'secret_key',
      'webhook_secret',
      'publishable_key',
    ]);
    expect(errors[0]!.reason).toBe(
      'API Key must be a Stripe secret key starting with sk_live_ (or sk_test_ in test mode)',
    );
    expect(checkStripeCredentials({ ...SEED, api_key: 'sk_live_' })[0]!.field).toBe('api_key');
    expect(checkStripeCredentials({ ...SEED, webhook_secret: undefined })).toEqual([
      { field: 'webhook_secret', reason: 'Webhook Secret is required' },
    ]);
  });

  it('refuses live and test keys mixed', () => {
    expect(checkStripeCredentials({ ...SEED, publishable_key: 'pk_test_abc' })).toEqual([
      {
        field: 'publishable_key',
        reason: 'is a test mode key but the API Key is a live mode key; use keys from the same mode',
      },
    ]);
  });
});

describe('Stripe amounts', () => {
  it('two-decimal currencies pass through', () => {
    expect(toStripeAmount(12050n, 'USD')).toBe(12050);
    expect(toStripeAmount(100n, 'EUR')).toBe(100);
    expect(fromStripeAmount(12050, 'USD')).toBe(12050n);
  });

  it('zero-decimal currencies (ISO exponent 0) pass through', () => {
    expect(toStripeAmount(500n, 'JPY')).toBe(500);
    expect(toStripeAmount(1000n, 'KRW')).toBe(1000);
    expect(fromStripeAmount(500, 'JPY')).toBe(500n);
  });

  it('MGA is two-decimal in ISO but zero-decimal at Stripe: whole ariary only', () => {
    expect(toStripeAmount(150000n, 'MGA')).toBe(1500);
    expect(() => toStripeAmount(150050n, 'MGA')).toThrow(/do not fit/);
    expect(fromStripeAmount(1500, 'MGA')).toBe(150000n);
  });

  it('ISK is zero-decimal in ISO but two-decimal at Stripe', () => {
    expect(toStripeAmount(500n, 'ISK')).toBe(50000);
    expect(fromStripeAmount(50000, 'ISK')).toBe(500n);
    expect(() => fromStripeAmount(50050, 'ISK')).toThrow(/decimals/);
  });

  it('three-decimal currencies must end in 0', () => {
    expect(toStripeAmount(1230n, 'KWD')).toBe(1230);
    expect(() => toStripeAmount(1235n, 'KWD')).toThrow(/end in 0/);
  });

  it('refuses amounts beyond exact JSON numbers and unknown currencies', () => {
    expect(() => toStripeAmount(2n ** 53n, 'USD')).toThrow(/too large/);
    expect(() => toStripeAmount(100n, 'XXQ')).toThrow(/Unknown currency/);
    expect(() => fromStripeAmount(1.5, 'USD')).toThrow(/integer/);
  });
});

describe('Checkout Session params', () => {
  const now = new Date('2025-03-26T10:00:00Z');
  const req = {
    paymentId: 'pay_01jabcdefghjkmnpqrstvwxyz0',
    attemptId: 'att_01jabcdefghjkmnpqrstvwxyz1',
    amount: 12050n,
    currency: 'USD',
    description: 'BILL7890 Water Supply, March 2025',
    returnUrl: 'https://demo.billrail.test/pay/return?p=pay_01',
    cancelUrl: 'https://demo.billrail.test/pay/cancel',
    idempotencyKey: 'att_01jabcdefghjkmnpqrstvwxyz1',
  };

  it('builds a one-off payment session with Billrail ids in client_reference_id and metadata', () => {
    const p = buildCheckoutSessionParams(
      {
        ...req,
        customer: { email: 'isidro.garcia@example.com' },
        expiresAt: new Date('2025-03-26T11:00:00Z'),
        metadata: { tenant: 'demo-water' },
      },
      now,
    );
    expect(p).toEqual({
      mode: 'payment',
      line_items: [
        {
          price_data: { currency: 'usd', unit_amount: 12050, product_data: { name: req.description } },
          quantity: 1,
        },
      ],
      success_url: 'https://demo.billrail.test/pay/return?p=pay_01&session_id={CHECKOUT_SESSION_ID}',
      cancel_url: req.cancelUrl,
      client_reference_id: req.paymentId,
      metadata: {
        tenant: 'demo-water',
        billrail_payment_id: req.paymentId,
        billrail_attempt_id: req.attemptId,
      },
      payment_intent_data: {
        metadata: {
          tenant: 'demo-water',
          billrail_payment_id: req.paymentId,
          billrail_attempt_id: req.attemptId,
        },
        description: req.description,
      },
      expires_at: Math.floor(new Date('2025-03-26T11:00:00Z').getTime() / 1000),
      customer_email: 'isidro.garcia@example.com',
    });
  });

  it('sends line items when given, and refuses ones that do not add up', () => {
    const p = buildCheckoutSessionParams(
      {
        ...req,
        lineItems: [
          { name: 'BILL7890', amount: 12000n, quantity: 1 },
          { name: 'Service fee', amount: 25n, quantity: 2 },
        ],
      },
      now,
    );
    expect(
      p.line_items.map((l) => [l.price_data.product_data.name, l.price_data.unit_amount, l.quantity]),
    ).toEqual([
      ['BILL7890', 12000, 1],
      ['Service fee', 25, 2],
    ]);
    expect(() =>
      buildCheckoutSessionParams({ ...req, lineItems: [{ name: 'x', amount: 1n, quantity: 1 }] }, now),
    ).toThrow(/add up/);
  });

  it('expiry is brought inside Stripe’s window (30 minutes + 1 minute slack to 24 hours ahead); metadata within Stripe limits', () => {
    const at = (ms: number) => new Date(now.getTime() + ms);
    const nowS = Math.floor(now.getTime() / 1000);
    const expiresAt = (ms: number) =>
      buildCheckoutSessionParams({ ...req, expiresAt: at(ms) }, now).expires_at;
    // An attempt that lives 5 minutes, or exactly 30 minutes created a moment ago, still opens.
    expect(expiresAt(5 * 60_000)).toBe(nowS + 31 * 60);
    expect(expiresAt(30 * 60_000 - 1500)).toBe(nowS + 31 * 60);
    expect(expiresAt(2 * 3600_000)).toBe(nowS + 2 * 3600);
    expect(expiresAt(24 * 3600_000 + 60_000)).toBe(nowS + 24 * 3600);
    expect(() => buildCheckoutSessionParams({ ...req, metadata: { ['k'.repeat(41)]: 'v' } }, now)).toThrow(
      /40/,
    );
    expect(() => buildCheckoutSessionParams({ ...req, metadata: { k: 'v'.repeat(501) } }, now)).toThrow(
      /500/,
    );
  });

  it('keeps an existing {CHECKOUT_SESSION_ID} placeholder', () => {
    expect(withSessionIdParam('https://x.test/r')).toBe('https://x.test/r?session_id={CHECKOUT_SESSION_ID}');
    expect(withSessionIdParam('https://x.test/r/{CHECKOUT_SESSION_ID}')).toBe(
      'https://x.test/r/{CHECKOUT_SESSION_ID}',
    );
  });
});

// Event bodies in Stripe's envelope (spec: "Events").
const envelope = (type: string, object: Record<string, unknown>, id = 'evt_1') => ({
  id,
  object: 'event',
  api_version: '2026-10-28.endive',
  created: 1_742_983_200,
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
});
const session = (over: Record<string, unknown> = {}) => ({
  id: 'cs_test_a1',
  object: 'checkout.session',
  status: 'complete',
  payment_status: 'paid',
  amount_total: 12050,
  currency: 'usd',
  client_reference_id: 'pay_01',
  metadata: { billrail_payment_id: 'pay_01', billrail_attempt_id: 'att_01' },
  payment_intent: 'pi_1',
  ...over,
});

describe('Stripe events to normalized events', () => {
  it('checkout.session.completed and paid is a success, with the echoed amount', () => {
    expect(stripeEventToNormalized(envelope('checkout.session.completed', session()))).toMatchObject({
      type: 'payment.succeeded',
      eventId: 'evt_1',
      gatewayType: 'checkout.session.completed',
      paymentId: 'pay_01',
      gatewayReference: 'cs_test_a1',
      gatewayPaymentId: 'pi_1',
      amount: 12050n,
      currency: 'USD',
      occurredAt: new Date(1_742_983_200_000),
    });
  });

  it('checkout.session.completed but unpaid (delayed method) is pending, not success', () => {
    expect(
      stripeEventToNormalized(envelope('checkout.session.completed', session({ payment_status: 'unpaid' }))),
    ).toMatchObject({ type: 'payment.pending' });
    expect(
      stripeEventToNormalized(
        envelope('checkout.session.completed', session({ payment_status: 'no_payment_required' })),
      ),
    ).toMatchObject({ type: 'payment.pending' });
  });

  it('async success and failure, expiry', () => {
    expect(
      stripeEventToNormalized(envelope('checkout.session.async_payment_succeeded', session())),
    ).toMatchObject({
      type: 'payment.succeeded',
    });
    expect(
      stripeEventToNormalized(
        envelope('checkout.session.async_payment_failed', session({ payment_status: 'unpaid' })),
      ),
    ).toMatchObject({
      type: 'payment.failed',
      failure: { reason: 'declined', code: 'async_payment_failed' },
    });
    expect(
      stripeEventToNormalized(
        envelope('checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid' })),
      ),
    ).toMatchObject({ type: 'payment.expired', failure: { reason: 'expired' }, paymentId: 'pay_01' });
  });

  it('payment_intent events carry Stripe’s decline message and metadata', () => {
    const pi = {
      id: 'pi_1',
      object: 'payment_intent',
      amount: 12050,
      amount_received: 12050,
      currency: 'usd',
      status: 'succeeded',
      latest_charge: 'ch_1',
      metadata: { billrail_payment_id: 'pay_01' },
    };
    expect(stripeEventToNormalized(envelope('payment_intent.succeeded', pi))).toMatchObject({
      type: 'payment.succeeded',
      gatewayPaymentId: 'pi_1',
      paymentId: 'pay_01',
      amount: 12050n,
    });
    const failed = {
      ...pi,
      status: 'requires_payment_method',
      amount_received: 0,
      last_payment_error: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      },
    };
    expect(stripeEventToNormalized(envelope('payment_intent.payment_failed', failed))).toMatchObject({
      type: 'payment.attempt_failed',
      failure: {
        reason: 'insufficient_funds',
        code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      },
    });
  });

  it('refunds: per refund and cumulative on the charge', () => {
    const refund = { id: 're_1', object: 'refund', amount: 5000, currency: 'usd', payment_intent: 'pi_1' };
    expect(
      stripeEventToNormalized(envelope('refund.created', { ...refund, status: 'succeeded' })),
    ).toMatchObject({
      type: 'refund.succeeded',
      refundId: 're_1',
      amount: 5000n,
    });
    expect(
      stripeEventToNormalized(
        envelope('refund.updated', {
          ...refund,
          status: 'failed',
          failure_reason: 'expired_or_canceled_card',
        }),
      ),
    ).toMatchObject({ type: 'refund.failed', message: 'expired_or_canceled_card' });
    expect(
      stripeEventToNormalized(envelope('refund.created', { ...refund, status: 'pending' })),
    ).toMatchObject({
      type: 'ignored',
    });
    expect(
      stripeEventToNormalized(
        envelope('charge.refunded', {
          id: 'ch_1',
          object: 'charge',
          amount: 12050,
          amount_refunded: 12050,
          refunded: true,
          currency: 'usd',
          payment_intent: 'pi_1',
          metadata: {},
        }),
      ),
    ).toMatchObject({
      type: 'refund.succeeded',
      refundedTotal: 12050n,
      fullyRefunded: true,
      gatewayPaymentId: 'pi_1',
    });
  });

  it('other event types are ignored; malformed envelopes are refused', () => {
    expect(stripeEventToNormalized(envelope('customer.created', { id: 'cus_1' }))).toMatchObject({
      type: 'ignored',
    });
    expect(stripeEventToNormalized({ id: 'evt_1', type: 'x' })).toBeUndefined();
    expect(stripeEventToNormalized(null)).toBeUndefined();
  });
});

describe('Stripe objects', () => {
  it('session snapshots: open is pending, complete+paid succeeded, expired with a message', () => {
    expect(sessionToSnapshot(session({ status: 'open', payment_status: 'unpaid' })).status).toBe('pending');
    expect(sessionToSnapshot(session())).toMatchObject({
      status: 'succeeded',
      gatewayReference: 'cs_test_a1',
      gatewayPaymentId: 'pi_1',
      amount: 12050n,
      currency: 'USD',
      rawStatus: 'complete/paid',
    });
    expect(sessionToSnapshot(session({ status: 'expired', payment_status: 'unpaid' }))).toMatchObject({
      status: 'expired',
      failure: { reason: 'expired' },
    });
    expect(sessionToSnapshot(session({ status: 'weird', payment_status: 'paid' })).status).toBe('pending');
  });

  it('an open session with a declined attempt shows the decline but stays pending', () => {
    const snap = sessionToSnapshot(
      session({
        status: 'open',
        payment_status: 'unpaid',
        payment_intent: {
          id: 'pi_1',
          status: 'requires_payment_method',
          last_payment_error: {
            type: 'card_error',
            code: 'card_declined',
            message: 'Your card was declined.',
          },
        },
      }),
    );
    expect(snap).toMatchObject({
      status: 'pending',
      gatewayPaymentId: 'pi_1',
      failure: { reason: 'declined', code: 'card_declined', message: 'Your card was declined.' },
    });
  });

  it('failure reasons from last_payment_error', () => {
    expect(
      failureFromPaymentError({ type: 'api_error', code: 'processing_error', message: 'm' }).reason,
    ).toBe('technical_issue');
    expect(failureFromPaymentError({ type: 'card_error', code: 'expired_card', message: 'm' }).reason).toBe(
      'declined',
    );
    expect(failureFromPaymentError(undefined)).toEqual({
      reason: 'declined',
      message: 'Your payment was declined.',
    });
  });

  it('refunds and balance transactions', () => {
    expect(refundToResult({ id: 're_1', amount: 5000, currency: 'usd', status: 'succeeded' })).toMatchObject({
      refundId: 're_1',
      status: 'succeeded',
      amount: 5000n,
      currency: 'USD',
    });
    expect(
      refundToResult({ id: 're_1', amount: 5000, currency: 'usd', status: 'requires_action' }).status,
    ).toBe('pending');
    expect(refundToResult({ id: 're_1', amount: 5000, currency: 'usd', status: 'mystery' }).status).toBe(
      'pending',
    );
    expect(refundToResult({ id: 're_1', amount: 5000, currency: 'usd', status: 'canceled' }).status).toBe(
      'failed',
    );
    expect(
      balanceTransactionToSettlement({
        id: 'txn_1',
        object: 'balance_transaction',
        amount: 12050,
        fee: 380,
        net: 11670,
        currency: 'usd',
        status: 'available',
        type: 'charge',
        source: 'ch_1',
        available_on: 1_743_120_000,
        created: 1_742_983_200,
      }),
    ).toMatchObject({
      id: 'txn_1',
      type: 'charge',
      source: 'ch_1',
      amount: 12050n,
      fee: 380n,
      net: 11670n,
      currency: 'USD',
      status: 'available',
      availableOn: new Date(1_743_120_000_000),
    });
  });

  it('errors keep Stripe’s message and classify by HTTP status', () => {
    const e = stripeErrorToGatewayError({
      type: 'StripeAuthenticationError',
      statusCode: 401,
      message: 'Invalid API Key provided: sk_live_****8sd',
    });
    expect(e).toMatchObject({ kind: 'authentication', httpStatus: 401, retryable: false });
    expect(e.gatewayMessage).toBe('Invalid API Key provided: sk_live_****8sd');
    expect(
      stripeErrorToGatewayError({ type: 'StripeConnectionError', message: 'ECONNREFUSED' }),
    ).toMatchObject({
      kind: 'network',
      retryable: true,
    });
    expect(
      stripeErrorToGatewayError({
        type: 'StripeCardError',
        statusCode: 402,
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'x',
      }),
    ).toMatchObject({ kind: 'declined', gatewayCode: 'insufficient_funds' });
  });
});

describe('Stripe-Signature verification (constructEvent on the raw body)', () => {
  const secret = 'whsec_test_secret';
  const credentials = { ...SEED, webhook_secret: secret };
  const body = JSON.stringify(envelope('checkout.session.completed', session(), 'evt_sig'));
  const t = 1_742_983_200;
  const at = (s: number) => new Date(s * 1000);

  it('the spec vector: HMAC-SHA256 keyed with the whole whsec_ secret over "t.body"', () => {
    const vector = '{"id":"evt_test","object":"event"}';
    const v1 = '8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724';
    expect(createHmac('sha256', secret).update(`1700000000.${vector}`).digest('hex')).toBe(v1);
    expect(Stripe.webhooks.generateTestHeaderString({ payload: vector, secret, timestamp: 1700000000 })).toBe(
      `t=1700000000,v1=${v1}`,
    );
    // The SDK accepts the vector's header (it is a valid but non-normalizable event: no data).
    const r = verifyStripeWebhook({
      rawBody: vector,
      headers: { 'stripe-signature': `t=1700000000,v1=${v1}` },
      path: '/',
      credentials,
      now: at(1700000000),
    });
    expect(r).toMatchObject({
      ok: false,
      reason: 'malformed',
      detail: 'Event has no id, type or data.object',
    });
  });

  it('accepts a header from generateTestHeaderString and normalizes the event', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t });
    const r = verifyStripeWebhook({
      rawBody: Buffer.from(body),
      headers: { 'Stripe-Signature': header },
      path: '/',
      credentials,
      now: at(t + 10),
    });
    expect(r).toMatchObject({ ok: true, event: { type: 'payment.succeeded', eventId: 'evt_sig' } });
  });

  it('accepts if any of several v1 signatures matches (secret rotation)', () => {
    const good = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t });
    const other = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: 'whsec_old',
      timestamp: t,
    });
    const header = `${other},v1=${good.split('v1=')[1]}`;
    const r = verifyStripeWebhook({
      rawBody: body,
      headers: { 'stripe-signature': header },
      path: '/',
      credentials,
      now: at(t),
    });
    expect(r.ok).toBe(true);
  });

  it('rejects tampered bodies, other secrets, stale and future timestamps, missing headers', () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t });
    const verify = (rawBody: string, h: Record<string, string>, now = at(t)) =>
      verifyStripeWebhook({ rawBody, headers: h, path: '/', credentials, now });
    expect(verify(body.replace('12050', '12051'), { 'stripe-signature': header })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    // Re-serialised JSON (e.g. pretty-printed) is not the raw body.
    expect(verify(JSON.stringify(JSON.parse(body), null, 2), { 'stripe-signature': header })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const wrong = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: 'whsec_other',
      timestamp: t,
    });
    expect(verify(body, { 'stripe-signature': wrong })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify(body, { 'stripe-signature': header }, at(t + 301))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verify(body, { 'stripe-signature': header }, at(t + 300)).ok).toBe(true);
    expect(verify(body, { 'stripe-signature': header }, at(t - 301))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verify(body, {})).toMatchObject({ ok: false, reason: 'missing_signature' });
    expect(verify(body, { 'stripe-signature': 'garbage' })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('a correctly signed body that is not JSON is malformed, not accepted', () => {
    const junk = 'not json';
    const header = Stripe.webhooks.generateTestHeaderString({ payload: junk, secret, timestamp: t });
    expect(
      verifyStripeWebhook({
        rawBody: junk,
        headers: { 'stripe-signature': header },
        path: '/',
        credentials,
        now: at(t),
      }),
    ).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
