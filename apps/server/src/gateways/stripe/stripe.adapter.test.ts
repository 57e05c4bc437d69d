import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStripeForm, type StripeFake, startStripeFake } from '../../../test/fakes/stripe-fake.ts';
import { startWebhookReceiver } from '../../../test/fakes/webhook-receiver.ts';
import { type GatewayAdapter, GatewayError } from '../gateway.ts';
import { createStripeAdapter } from './stripe.adapter.ts';

// The real `stripe` SDK against the loopback fake (test/fakes/stripe-fake.ts): no branches in
// src for tests, only the SDK's host/port/protocol options.
let fake: StripeFake;
let stripe: GatewayAdapter;
const WEBHOOK_SECRET = 'whsec_fakesecret0123';
const credentials = {
  api_key: 'sk_test_billrail123',
  secret_key: 'rk_test_billrail456',
  webhook_secret: WEBHOOK_SECRET,
  publishable_key: 'pk_test_billrail789',
};
const request = (n: string, over: Record<string, unknown> = {}) => ({
  paymentId: `pay_${n}`,
  attemptId: `att_${n}`,
  amount: 12050n,
  currency: 'USD',
  description: 'BILL7890 Water Supply, March 2025',
  returnUrl: 'https://demo.billrail.test/pay/return',
  cancelUrl: 'https://demo.billrail.test/pay/cancel',
  idempotencyKey: `att_${n}`,
  ...over,
});

beforeAll(async () => {
  fake = await startStripeFake({
    webhookSecret: WEBHOOK_SECRET,
    keys: [credentials.api_key, credentials.secret_key],
  });
  stripe = createStripeAdapter({
    host: fake.host,
    port: fake.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    timeoutMs: 2000,
  });
});
afterAll(() => fake.close());

describe('Stripe adapter against the fake', () => {
  it('creates a Checkout Session with form-encoded params the way Stripe receives them', async () => {
    const c = await stripe.createCheckout(credentials, request('1'));
    expect(c.gatewayReference).toMatch(/^cs_test_/);
    expect(c.redirectUrl).toBe(`${fake.origin}/c/pay/${c.gatewayReference}`);
    const sent = fake.requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/checkout/sessions');
    expect(sent.headers.authorization).toBe('Bearer sk_test_billrail123');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent.headers['idempotency-key']).toBe('att_1');
    expect(sent.headers['stripe-version']).toBeDefined();
    // spec: "brackets literal: line_items[0][price_data][currency]=usd".
    expect(sent.rawBody).toContain('line_items[0][price_data][currency]=usd&');
    expect(sent.params).toMatchObject({
      mode: 'payment',
      client_reference_id: 'pay_1',
      success_url: 'https://demo.billrail.test/pay/return?session_id={CHECKOUT_SESSION_ID}',
      line_items: [{ price_data: { currency: 'usd', unit_amount: '12050' }, quantity: '1' }],
      metadata: { billrail_payment_id: 'pay_1', billrail_attempt_id: 'att_1' },
    });
  });

  it('a retried create with the same idempotency key returns the same session', async () => {
    const a = await stripe.createCheckout(credentials, request('2'));
    const b = await stripe.createCheckout(credentials, request('2'));
    expect(b.gatewayReference).toBe(a.gatewayReference);
    await expect(stripe.createCheckout(credentials, request('2', { amount: 100n }))).rejects.toMatchObject({
      kind: 'invalid_request',
    });
  });

  it('retrieves pending, then succeeded after the payer pays; the webhook verifies and normalizes', async () => {
    const c = await stripe.createCheckout(credentials, request('3'));
    expect((await stripe.retrievePayment(credentials, { gatewayReference: c.gatewayReference })).status).toBe(
      'pending',
    );
    const events = fake.payerCompletes(c.gatewayReference, 'paid');
    const snap = await stripe.retrievePayment(credentials, { gatewayReference: c.gatewayReference });
    expect(snap).toMatchObject({ status: 'succeeded', amount: 12050n, currency: 'USD' });
    expect(snap.gatewayPaymentId).toMatch(/^pi_/);

    const completed = events.find((e) => e.type === 'checkout.session.completed')!;
    const { body, header } = fake.sign(completed);
    const r = await stripe.verifyWebhook({
      rawBody: body,
      headers: { 'stripe-signature': header },
      path: '/v1/gateways/stripe/webhooks/ten_demo',
      credentials,
    });
    expect(r).toMatchObject({
      ok: true,
      event: {
        type: 'payment.succeeded',
        paymentId: 'pay_3',
        gatewayReference: c.gatewayReference,
        amount: 12050n,
      },
    });
  });

  it('a decline keeps the session open with Stripe’s message; expiry ends it', async () => {
    const c = await stripe.createCheckout(credentials, request('4'));
    const [failed] = fake.payerCompletes(c.gatewayReference, 'insufficient_funds');
    const { body, header } = fake.sign(failed!);
    const r = await stripe.verifyWebhook({
      rawBody: body,
      headers: { 'Stripe-Signature': header },
      path: '/',
      credentials,
    });
    expect(r).toMatchObject({
      ok: true,
      event: {
        type: 'payment.attempt_failed',
        paymentId: 'pay_4',
        failure: { reason: 'insufficient_funds', message: 'Your card has insufficient funds.' },
      },
    });
    expect(await stripe.retrievePayment(credentials, { gatewayReference: c.gatewayReference })).toMatchObject(
      {
        status: 'pending',
        failure: { reason: 'insufficient_funds', message: 'Your card has insufficient funds.' },
      },
    );
    fake.expire(c.gatewayReference);
    expect(await stripe.retrievePayment(credentials, { gatewayReference: c.gatewayReference })).toMatchObject(
      {
        status: 'expired',
        failure: { reason: 'expired', message: 'Your card has insufficient funds.' },
      },
    );
  });

  it('a tampered or stale webhook is rejected', async () => {
    const c = await stripe.createCheckout(credentials, request('5'));
    const events = fake.payerCompletes(c.gatewayReference, 'paid');
    const { body, header } = fake.sign(events[1]!);
    const tampered = await stripe.verifyWebhook({
      rawBody: body.replace('12050', '1'),
      headers: { 'stripe-signature': header },
      path: '/',
      credentials,
    });
    expect(tampered).toMatchObject({ ok: false, reason: 'bad_signature' });
    const old = fake.sign(events[1]!, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const stale = await stripe.verifyWebhook({
      rawBody: old.body,
      headers: { 'stripe-signature': old.header },
      path: '/',
      credentials,
    });
    expect(stale).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('refunds partially then fully, and refuses more than remains', async () => {
    const c = await stripe.createCheckout(credentials, request('6'));
    fake.payerCompletes(c.gatewayReference, 'paid');
    const base = { gatewayReference: c.gatewayReference, paymentAmount: 12050n, currency: 'USD' };
    const part = await stripe.refund(credentials, { ...base, amount: 5000n, idempotencyKey: 'rf_6a' });
    expect(part).toMatchObject({ status: 'succeeded', amount: 5000n, currency: 'USD' });
    expect(part.refundId).toMatch(/^re_/);
    const rest = await stripe.refund(credentials, { ...base, amount: 7050n, idempotencyKey: 'rf_6b' });
    expect(rest.amount).toBe(7050n);
    const err = await stripe
      .refund(credentials, { ...base, amount: 1n, idempotencyKey: 'rf_6c' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({
      kind: 'invalid_request',
      httpStatus: 400,
      gatewayCode: 'charge_already_refunded',
    });
    const refundedEvent = fake.events.filter((e) => e.type === 'charge.refunded').at(-1)!;
    const { body, header } = fake.sign(refundedEvent);
    expect(
      await stripe.verifyWebhook({
        rawBody: body,
        headers: { 'stripe-signature': header },
        path: '/',
        credentials,
      }),
    ).toMatchObject({
      ok: true,
      event: { type: 'refund.succeeded', refundedTotal: 12050n, fullyRefunded: true },
    });
  });

  it('validates keys live: good keys pass, a bad key is reported on its field with Stripe’s words', async () => {
    expect(await stripe.validateCredentials(credentials)).toMatchObject({
      ok: true,
      errors: [],
      mode: 'test',
    });
    const bad = await stripe.validateCredentials({ ...credentials, api_key: 'sk_test_wrongwrongwrong' });
    expect(bad.ok).toBe(false);
    expect(bad.errors).toEqual([
      { field: 'api_key', reason: expect.stringMatching(/^Invalid API Key provided: sk_test_/) },
    ]);
    const format = await stripe.validateCredentials({ ...credentials, api_key: 'pk_test_x' });
    expect(format).toMatchObject({
      ok: false,
      detail: 'Please review all the details entered above and retry to connect',
    });
  });

  it('a restricted key without balance permission still counts as valid', async () => {
    const strict = await startStripeFake({ restrictedKeysLackBalance: true });
    try {
      const a = createStripeAdapter({
        host: strict.host,
        port: strict.port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });
      expect((await a.validateCredentials(credentials)).ok).toBe(true);
    } finally {
      await strict.close();
    }
  });

  it('health check, server errors and timeouts become GatewayErrors', async () => {
    expect(await stripe.healthCheck(credentials)).toMatchObject({ ok: true });
    fake.failNext(500);
    await expect(
      stripe.retrievePayment(credentials, { gatewayReference: 'cs_test_x' }),
    ).rejects.toMatchObject({
      kind: 'gateway_error',
      httpStatus: 500,
      retryable: true,
    });
    await expect(
      stripe.retrievePayment(credentials, { gatewayReference: 'cs_test_missing' }),
    ).rejects.toMatchObject({
      kind: 'not_found',
      gatewayMessage: "No such checkout.session: 'cs_test_missing'",
    });
    fake.hangNext();
    await expect(
      stripe.retrievePayment(credentials, { gatewayReference: 'cs_test_x' }, { timeoutMs: 200 }),
    ).rejects.toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('lists settlements (balance transactions) with paging', async () => {
    const since = new Date(Date.now() - 3600_000);
    const until = new Date(Date.now() + 3600_000);
    const page = await stripe.listSettlements(credentials, { since, until, limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toBe(page.items[1]!.id);
    const all = await stripe.listSettlements(credentials, { since, until });
    expect(all.items.some((s) => s.type === 'charge' && s.amount === 12050n && s.fee > 0n)).toBe(true);
    expect(all.items.some((s) => s.type === 'refund' && s.amount === -5000n)).toBe(true);
  });
});

describe('the fake’s event delivery', () => {
  it('POSTs a signed event that the adapter verifies from the raw body as received', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const c = await stripe.createCheckout(credentials, request('7'));
      const events = fake.payerCompletes(c.gatewayReference, 'paid');
      expect(await fake.deliver(receiver.url, events[1]!)).toBe(200);
      const [got] = await receiver.waitForRequests(1);
      const r = await stripe.verifyWebhook({
        rawBody: got!.rawBody,
        headers: got!.headers as Record<string, string>,
        path: got!.path,
        credentials,
      });
      expect(r).toMatchObject({ ok: true, event: { type: 'payment.succeeded', paymentId: 'pay_7' } });
    } finally {
      await receiver.close();
    }
  });
});

describe('the fake’s form parser', () => {
  it('reads qs brackets, indices and [] appends', () => {
    expect(parseStripeForm('a[b][0][c]=1&a[b][1][c]=2&expand[]=x&expand[]=y&m%5Bk%5D=v+w')).toEqual({
      a: { b: [{ c: '1' }, { c: '2' }] },
      expand: ['x', 'y'],
      m: { k: 'v w' },
    });
  });
});
