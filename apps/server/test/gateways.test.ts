import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createBill } from './billing.fixtures.ts';
import {
  DOKU_FAKE_CLIENT_ID,
  DOKU_FAKE_SECRET_KEY,
  type DokuFake,
  startDokuFake,
} from './fakes/doku-fake.ts';
import { type StripeFake, startStripeFake } from './fakes/stripe-fake.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/**
 * Issue 4 end to end, through the HTTP API: a tenant admin configures, validates, connects and
 * disconnects each gateway; payers pay bills through Stripe (fake), DOKU (fake) and the sandbox;
 * notifications are verified on the raw body (tampered and stale ones change nothing), kept in an
 * inbox (duplicates ignored) and applied; Stripe settlement moves payments to Completed; refunds
 * go through the gateway and the ledger.
 */
const STRIPE_WEBHOOK_SECRET = 'whsec_billrailtest0123456789';

let ctx: TestContext;
let stripe: StripeFake;
let doku: DokuFake;

beforeAll(async () => {
  stripe = await startStripeFake({ webhookSecret: STRIPE_WEBHOOK_SECRET });
  doku = await startDokuFake();
  ctx = await createTestApp({
    STRIPE_API_URL: stripe.origin,
    DOKU_API_URL: doku.origin,
    GATEWAY_TIMEOUT_MS: '2000',
  });
});
afterAll(async () => {
  await ctx.close();
  await stripe.close();
  await doku.close();
});

const rawRows = <R>(query: SQL) => ctx.db.system((tx) => ctx.db.rows<R>(tx, query));

const until = async (what: string, check: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

async function admin(fx: TenantFixture) {
  return fx.as('tenant_admin');
}

async function gateway(fx: TenantFixture, id: string) {
  const res = await ctx.app.inject({
    method: 'GET',
    url: `/v1/gateways/${id}`,
    headers: (await admin(fx)).headers,
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function configure(fx: TenantFixture, id: string, credentials: Record<string, string>) {
  const res = await ctx.app.inject({
    method: 'PUT',
    url: `/v1/gateways/${id}/credentials`,
    headers: (await admin(fx)).write,
    payload: { credentials },
  });
  return res;
}

async function activate(fx: TenantFixture, id: string, active = true) {
  const res = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/gateways/${id}`,
    headers: (await admin(fx)).write,
    payload: { active },
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function connect(fx: TenantFixture, id: string) {
  const res = await ctx.app.inject({
    method: 'POST',
    url: `/v1/gateways/${id}/connect`,
    headers: (await admin(fx)).write,
    payload: { return_to: '/app/integrations' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** The sandbox hosted page as a payer uses it: open the link, press a button. */
async function sandboxPay(redirectUrl: string, outcome: string) {
  const path = new URL(redirectUrl).pathname;
  const page = await ctx.app.inject({ method: 'GET', url: path });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain(`value="${outcome}"`);
  const res = await ctx.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `outcome=${outcome}`,
  });
  expect(res.statusCode).toBe(303);
  return new URL(res.headers.location as string).pathname;
}

async function checkout(fx: TenantFixture, gw: string, billIds: string[]) {
  return ctx.app.inject({
    method: 'POST',
    url: '/v1/checkouts',
    headers: (await fx.as('api_key')).write,
    payload: { gateway: gw, bill_ids: billIds },
  });
}

async function getCheckout(fx: TenantFixture, id: string) {
  const res = await ctx.app.inject({
    method: 'GET',
    url: `/v1/checkouts/${id}`,
    headers: (await fx.as('api_key')).headers,
  });
  return res.json();
}

async function getPayment(fx: TenantFixture, id: string) {
  const res = await ctx.app.inject({
    method: 'GET',
    url: `/v1/payments/${id}`,
    headers: (await fx.as('api_key')).headers,
  });
  return res.json();
}

async function inboxCount(fx: TenantFixture) {
  const rows = await rawRows<{ n: number }>(
    sql`select count(*)::int as n from gateway_events where tenant_id = ${fx.tenantId}`,
  );
  return rows[0]!.n;
}

async function openBill(fx: TenantFixture, n: string, amount = 12050) {
  const account = await createAccount(ctx, fx, `CRN${n}`);
  return createBill(ctx, fx, account.account_number, `BILL${n}`, { amount });
}

describe('sandbox gateway', () => {
  let fx: TenantFixture;
  beforeAll(async () => {
    fx = await createTenantFixture(ctx);
  });

  it('is offered to payers only once active and connected; the connect test is refunded', async () => {
    const bill = await openBill(fx, '7001');
    expect((await checkout(fx, 'sandbox', [bill.id])).statusCode).toBe(400);
    const saved = await configure(fx, 'sandbox', {});
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().credentials.signing_secret).toMatchObject({ set: true });
    expect(JSON.stringify(saved.json().credentials)).not.toMatch(/whsec_/);
    await activate(fx, 'sandbox');
    const methods = await ctx.app.inject({
      method: 'GET',
      url: '/v1/payment-methods',
      headers: (await fx.as('consumer')).headers,
    });
    expect(methods.json().data).toEqual([]); // active, not yet connected

    const attempt = await connect(fx, 'sandbox');
    expect(attempt.purpose).toBe('connect_test');
    expect(attempt.amount).toBe(100); // one unit of USD
    const back = await sandboxPay(attempt.redirect_url, 'success');
    const ret = await ctx.app.inject({ method: 'GET', url: back });
    expect(ret.headers.location).toBe(`/app/integrations?checkout=${attempt.id}`);
    await until('connected', async () => (await gateway(fx, 'sandbox')).connected);
    const g = await gateway(fx, 'sandbox');
    expect(g.status).toBe('connected');
    expect(g.last_connect.status).toBe('succeeded');
    expect(g.last_connect.refund.status).toBe('succeeded');
    const after = await ctx.app.inject({
      method: 'GET',
      url: '/v1/payment-methods',
      headers: (await fx.as('consumer')).headers,
    });
    expect(after.json().data.map((m: { gateway: string }) => m.gateway)).toEqual(['sandbox']);
  });

  it('pays two bills as one payment, shows success, and records it once', async () => {
    const a = await openBill(fx, '7002', 12050);
    const b = await createBill(ctx, fx, 'CRN7002', 'BILL7002B', { amount: 4575 });
    const res = await checkout(fx, 'sandbox', [a.id, b.id]);
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c.amount).toBe(16625);
    const back = await sandboxPay(c.redirect_url, 'success');
    expect(back).toBe(`/checkout/${c.id}/return`);
    const ret = await ctx.app.inject({ method: 'GET', url: back });
    expect(ret.headers.location).toBe(`/checkout/${c.id}`);
    await until('payment', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
    const page = await ctx.app.inject({ method: 'GET', url: `/checkout/${c.id}` });
    expect(page.body).toContain('Payment Successful');
    const done = await getCheckout(fx, c.id);
    const p = await getPayment(fx, done.payment_id);
    expect(p).toMatchObject({
      status: 'successful',
      amount: 16625,
      channel: 'gateway',
      channel_source: 'sandbox',
    });
    expect(p.allocations.map((x: { bill_id: string }) => x.bill_id).sort()).toEqual([a.id, b.id].sort());
    // The return URL again (a reload) changes nothing.
    await ctx.app.inject({ method: 'GET', url: back });
    const payments = await ctx.app.inject({
      method: 'GET',
      url: `/v1/payments?account_number=CRN7002`,
      headers: (await fx.as('api_key')).headers,
    });
    expect(payments.json().data).toHaveLength(1);
  });

  it('settles sandbox payments SANDBOX_SETTLEMENT_SECONDS after success, less its 2% fee, once', async () => {
    const bill = await openBill(fx, '7010', 16625);
    const c = (await checkout(fx, 'sandbox', [bill.id])).json();
    await sandboxPay(c.redirect_url, 'success');
    await until('payment', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
    const paymentId = (await getCheckout(fx, c.id)).payment_id;
    const only = { tenantId: fx.tenantId, mode: 'live' as const };
    const { checkouts } = ctx.app.services;
    // Not yet due (the default is 60 s after the payment was received).
    await checkouts.settleSandbox(only);
    expect((await getPayment(fx, paymentId)).status).toBe('successful');
    const later = new Date(Date.now() + 61_000);
    // This payment and any earlier sandbox payment of the tenant still waiting.
    expect(await checkouts.settleSandbox(only, later)).toBeGreaterThanOrEqual(1);
    const p = await getPayment(fx, paymentId);
    expect(p.status).toBe('completed');
    // 2% of 166.25 is 3.325, rounded half up to 3.33.
    expect(p.settlement_fee).toBe(333);
    // A second run finds nothing left to settle.
    expect(await checkouts.settleSandbox(only, later)).toBe(0);
  });

  it('a declined payment shows the gateway’s message in red and offers a retry that is a new attempt', async () => {
    const bill = await openBill(fx, '7003');
    const c = (await checkout(fx, 'sandbox', [bill.id])).json();
    const back = await sandboxPay(c.redirect_url, 'insufficient_funds');
    await ctx.app.inject({ method: 'GET', url: back });
    await until('failed', async () => (await getCheckout(fx, c.id)).status === 'failed');
    const failed = await getCheckout(fx, c.id);
    expect(failed.failure).toMatchObject({
      reason: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    });
    const page = await ctx.app.inject({ method: 'GET', url: `/checkout/${c.id}` });
    expect(page.body).toContain('Payment failed');
    expect(page.body).toContain('Your card has insufficient funds.');
    expect(page.body).toContain('Try again');
    const retry = await ctx.app.inject({ method: 'POST', url: `/checkout/${c.id}/retry` });
    expect(retry.statusCode).toBe(303);
    expect(retry.headers.location).toContain('/sandbox/checkout/');
    await sandboxPay(retry.headers.location as string, 'success');
    const bills = await ctx.app.inject({
      method: 'GET',
      url: `/v1/bills/${bill.id}`,
      headers: (await fx.as('api_key')).headers,
    });
    await until(
      'bill paid',
      async () =>
        (
          await ctx.app.inject({
            method: 'GET',
            url: `/v1/bills/${bill.id}`,
            headers: (await fx.as('api_key')).headers,
          })
        ).json().status === 'paid',
    );
    expect(bills.statusCode).toBe(200);
  });

  it('returning without paying records a failed (abandoned) attempt', async () => {
    const bill = await openBill(fx, '7004');
    const c = (await checkout(fx, 'sandbox', [bill.id])).json();
    const back = await sandboxPay(c.redirect_url, 'abandoned');
    expect(back).toBe(`/checkout/${c.id}/cancel`);
    await ctx.app.inject({ method: 'GET', url: back });
    const after = await getCheckout(fx, c.id);
    expect(after.status).toBe('canceled');
    expect(after.failure.reason).toBe('abandoned');
  });

  it('refunds a sandbox payment through the gateway and the ledger', async () => {
    const bill = await openBill(fx, '7005');
    const c = (await checkout(fx, 'sandbox', [bill.id])).json();
    await ctx.app.inject({ method: 'GET', url: await sandboxPay(c.redirect_url, 'success') });
    await until('paid', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
    const { payment_id } = await getCheckout(fx, c.id);
    const cso = await fx.as('cso_admin');
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payments/${payment_id}/refund`,
      headers: cso.write,
      payload: { amount: 5000, reason: 'customer asked' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'successful', refunded_amount: 5000 });
    const rows = await rawRows<{ gateway: string; gateway_refund_id: string }>(
      sql`select gateway, gateway_refund_id from refunds where payment_id = ${payment_id}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.gateway_refund_id).toMatch(/^sbx_re_/);
  });

  it('a checkout names only bills that exist, are open and belong to one account', async () => {
    const res = await checkout(fx, 'sandbox', ['bill_00000000000000000000000000']);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('bill_ids[0]');
    const unknownGateway = await checkout(fx, 'paypal', ['bill_00000000000000000000000000']);
    expect(unknownGateway.json().errors[0].field).toBe('gateway');
  });
});

describe('Stripe', () => {
  let fx: TenantFixture;
  let hookPath: string;
  const creds = {
    api_key: 'sk_test_billrail123',
    secret_key: 'rk_test_billrail123',
    webhook_secret: STRIPE_WEBHOOK_SECRET,
    publishable_key: 'pk_test_billrail123',
  };

  const deliver = async (
    event: Record<string, unknown>,
    opts: { timestamp?: number; secret?: string } = {},
  ) => {
    const { body, header } = stripe.sign(event, opts);
    return ctx.app.inject({
      method: 'POST',
      url: hookPath,
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header },
      payload: body,
    });
  };
  const lastSession = () => [...stripe.sessions.values()].at(-1)!.id as string;

  beforeAll(async () => {
    fx = await createTenantFixture(ctx);
  });

  it('validates credentials by format and live against Stripe before saving; secrets are sealed', async () => {
    const bad = await configure(fx, 'stripe', { ...creds, api_key: 'pk_live_oops' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('credentials.api_key');
    stripe.failNext(401, {
      type: 'authentication_error',
      message: 'Invalid API Key provided: sk_test_***123',
    });
    const refused = await configure(fx, 'stripe', creds);
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json().code).toBe('gateway_credentials_rejected');
    expect(refused.json().detail).toContain('Invalid API Key');
    expect((await gateway(fx, 'stripe')).configured).toBe(false); // nothing saved
    const ok = await configure(fx, 'stripe', creds);
    expect(ok.statusCode, ok.body).toBe(200);
    const view = ok.json();
    expect(view.credentials.api_key).toEqual({ set: true, last4: 'l123' });
    expect(JSON.stringify(view)).not.toContain('sk_test_billrail123');
    hookPath = new URL(view.webhook_url).pathname;
    const raw = await rawRows<{ settings: unknown; secrets_sealed: string }>(
      sql`select settings, secrets_sealed from gateway_configs where tenant_id = ${fx.tenantId} and gateway = 'stripe'`,
    );
    expect(JSON.stringify(raw)).not.toContain('sk_test_billrail123');
    expect(JSON.stringify(raw)).not.toContain(STRIPE_WEBHOOK_SECRET);
    expect(raw[0]!.secrets_sealed).toMatch(/^v1:/);
  });

  it('connects with a one-unit payment that is refunded; an edit turns Connected back into Connect', async () => {
    await activate(fx, 'stripe');
    const attempt = await connect(fx, 'stripe');
    for (const e of stripe.payerCompletes(lastSession(), 'paid'))
      expect((await deliver(e)).statusCode).toBe(200);
    await until('connected', async () => (await gateway(fx, 'stripe')).connected);
    expect((await gateway(fx, 'stripe')).last_connect.refund.status).toBe('succeeded');
    expect(stripe.requests.some((r) => r.path === '/v1/refunds')).toBe(true);
    expect(attempt.amount).toBe(100);
    const edited = await configure(fx, 'stripe', {
      ...creds,
      api_key: 'sk_test_billrail456',
      webhook_secret: '',
    });
    expect(edited.json()).toMatchObject({ connected: false, status: 'not_connected' });
    await connect(fx, 'stripe');
    for (const e of stripe.payerCompletes(lastSession(), 'paid')) await deliver(e);
    await until('connected again', async () => (await gateway(fx, 'stripe')).connected);
  });

  it('checkout -> webhook -> Payment Successful -> settlement -> Payment Completed', async () => {
    const bill = await openBill(fx, '8001');
    const res = await checkout(fx, 'stripe', [bill.id]);
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json();
    expect(c.redirect_url).toContain(stripe.origin);
    const events = stripe.payerCompletes(lastSession(), 'paid');
    for (const e of events) expect((await deliver(e)).statusCode).toBe(200);
    await until('successful', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
    const paid = await getCheckout(fx, c.id);
    expect((await getPayment(fx, paid.payment_id)).status).toBe('successful');
    // The same events again (Stripe retries): stored once, nothing recorded twice.
    const before = await inboxCount(fx);
    for (const e of events) expect((await deliver(e)).json().duplicate).toBe(true);
    expect(await inboxCount(fx)).toBe(before);
    // Settlement: the charge's funds become available at Stripe.
    stripe.makeAvailable();
    await ctx.app.services.checkouts.syncSettlements({ tenantId: fx.tenantId, mode: 'live' });
    const completed = await getPayment(fx, paid.payment_id);
    expect(completed.status).toBe('completed');
    expect(completed.completed_at).not.toBeNull();
  });

  it('a tampered, stale or wrongly signed webhook is rejected and changes nothing', async () => {
    const bill = await openBill(fx, '8002');
    const c = (await checkout(fx, 'stripe', [bill.id])).json();
    const [completedEvent] = stripe.payerCompletes(lastSession(), 'paid');
    const before = await inboxCount(fx);
    const { body, header } = stripe.sign(completedEvent!);
    const tampered = await ctx.app.inject({
      method: 'POST',
      url: hookPath,
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      payload: body.replace('{', '{ '),
    });
    expect(tampered.statusCode, tampered.body).toBe(400);
    expect(tampered.json().code).toBe('webhook_bad_signature');
    const stale = await deliver(completedEvent!, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.statusCode, stale.body).toBe(400);
    expect(stale.json().code).toBe('webhook_stale_timestamp');
    const wrongSecret = await deliver(completedEvent!, { secret: 'whsec_notthisone' });
    expect(wrongSecret.statusCode, wrongSecret.body).toBe(400);
    const unknownUrl = await ctx.app.inject({
      method: 'POST',
      url: '/hooks/gateways/gwh_nope',
      payload: body,
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
    });
    expect(unknownUrl.statusCode).toBe(404);
    expect(await inboxCount(fx)).toBe(before);
    expect((await getCheckout(fx, c.id)).status).toBe('open');
    // The genuine one still works afterwards.
    expect((await deliver(completedEvent!)).statusCode).toBe(200);
    await until('paid', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
  });

  it('a decline keeps Stripe’s message; expiry fails the attempt; a late success after expiry is still recorded', async () => {
    const bill = await openBill(fx, '8003');
    const c = (await checkout(fx, 'stripe', [bill.id])).json();
    const sid = lastSession();
    for (const e of stripe.payerCompletes(sid, 'insufficient_funds')) await deliver(e);
    await until('attempt failed', async () => (await getCheckout(fx, c.id)).failure !== null);
    expect((await getCheckout(fx, c.id)).failure.message).toMatch(/insufficient funds/i);
    expect((await getCheckout(fx, c.id)).status).toBe('open');
    const expired = stripe.expire(sid);
    for (const e of expired) await deliver(e);
    await until('expired', async () => (await getCheckout(fx, c.id)).status === 'expired');

    // Out of order: an async payment's success arrives after its session was marked expired.
    const bill2 = await openBill(fx, '8004');
    const c2 = (await checkout(fx, 'stripe', [bill2.id])).json();
    const sid2 = lastSession();
    const pending = stripe.payerCompletes(sid2, 'async_pending');
    for (const e of pending) await deliver(e);
    await until('processing', async () => (await getCheckout(fx, c2.id)).status === 'processing');
    const ok = stripe.asyncResult(sid2, true);
    for (const e of ok) await deliver(e);
    await until('async success', async () => (await getCheckout(fx, c2.id)).status === 'succeeded');
  });

  it('async payment failure fails the attempt with the gateway’s words', async () => {
    const bill = await openBill(fx, '8005');
    const c = (await checkout(fx, 'stripe', [bill.id])).json();
    const sid = lastSession();
    for (const e of stripe.payerCompletes(sid, 'async_pending')) await deliver(e);
    for (const e of stripe.asyncResult(sid, false)) await deliver(e);
    await until('failed', async () => (await getCheckout(fx, c.id)).status === 'failed');
  });

  it('refunds through Stripe from the back office: ledger entry, payment.refunded, refund recorded once', async () => {
    const bill = await openBill(fx, '8006');
    const c = (await checkout(fx, 'stripe', [bill.id])).json();
    for (const e of stripe.payerCompletes(lastSession(), 'paid')) await deliver(e);
    await until('paid', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
    const { payment_id } = await getCheckout(fx, c.id);
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payments/${payment_id}/refund`,
      headers: (await fx.as('tenant_admin')).write,
      payload: { reason: 'duplicate bill' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'refunded', refunded_amount: 12050 });
    expect(
      (
        await ctx.app.inject({
          method: 'GET',
          url: `/v1/bills/${bill.id}`,
          headers: (await fx.as('api_key')).headers,
        })
      ).json().status,
    ).not.toBe('paid');
    // Stripe's refund events arrive afterwards: the same refund id is not recorded again.
    const refundEvents = stripe.events.filter(
      (e) => String(e.type).startsWith('refund.') || e.type === 'charge.refunded',
    );
    for (const e of refundEvents.slice(-3)) await deliver(e);
    const rows = await rawRows<{ n: number }>(
      sql`select count(*)::int as n from refunds where payment_id = ${payment_id}`,
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('a gateway that does not answer in time fails the attempt (timeout) and can be retried', async () => {
    const bill = await openBill(fx, '8007');
    stripe.hangNext(3); // the first try and the SDK's two retries
    const res = await checkout(fx, 'stripe', [bill.id]);
    expect(res.statusCode).toBe(502);
    expect(res.json().checkout.failure.reason).toBe('timeout');
    const again = await checkout(fx, 'stripe', [bill.id]);
    expect(again.statusCode, again.body).toBe(201);
  });

  it('disconnect erases the credentials and switches the gateway off', async () => {
    const res = await ctx.app.inject({
      method: 'DELETE',
      url: '/v1/gateways/stripe',
      headers: (await admin(fx)).write,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      active: false,
      configured: false,
      connected: false,
      available: false,
    });
    const raw = await rawRows<{ s: string | null }>(
      sql`select secrets_sealed as s from gateway_configs where tenant_id = ${fx.tenantId} and gateway = 'stripe'`,
    );
    expect(raw[0]!.s).toBeNull();
  });
});

describe('DOKU', () => {
  let fx: TenantFixture;
  let hookPath: string;
  const creds = {
    mall_id: '12345678',
    shared_key: 'abcd1234xyz',
    chain_merchant_id: '87654321',
    api_key: DOKU_FAKE_CLIENT_ID,
    secret_key: DOKU_FAKE_SECRET_KEY,
    environment: 'sandbox',
  };

  beforeAll(async () => {
    fx = await createTenantFixture(ctx, 'IDR');
  });

  const post = (signed: { rawBody: string; headers: Record<string, string> }) =>
    ctx.app.inject({ method: 'POST', url: hookPath, headers: signed.headers, payload: signed.rawBody });

  it('configures (Mall ID must be 8 digits), connects, and takes a payment to Successful', async () => {
    const bad = await configure(fx, 'doku', { ...creds, mall_id: '1234' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toContain('credentials.mall_id');
    const ok = await configure(fx, 'doku', creds);
    expect(ok.statusCode, ok.body).toBe(200);
    hookPath = new URL(ok.json().webhook_url).pathname;
    await activate(fx, 'doku');
    const attempt = await connect(fx, 'doku');
    await post(doku.sign(doku.payerCompletes(attempt.id, 'SUCCESS'), { path: hookPath }));
    await until('connected', async () => (await gateway(fx, 'doku')).connected);
    // DOKU has no Checkout refund API: the connect test says so instead of pretending.
    expect((await gateway(fx, 'doku')).last_connect.refund.status).toBe('manual');

    const bill = await openBill(fx, '9001', 12_050_000);
    const c = (await checkout(fx, 'doku', [bill.id])).json();
    expect(c.status).toBe('open');
    const n = doku.payerCompletes(c.id, 'SUCCESS');
    expect((await post(doku.sign(n, { path: hookPath }))).statusCode).toBe(200);
    await until('paid', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
    // DOKU resends: ignored.
    expect((await post(doku.sign(n, { path: hookPath }))).json().duplicate).toBe(true);
    expect((await getPayment(fx, (await getCheckout(fx, c.id)).payment_id)).status).toBe('successful');
  });

  it('settlement: DOKU’s settlement report moves the paid payment to Payment Completed, fee booked', async () => {
    const bill = await openBill(fx, '9006', 7_500_000);
    const c = (await checkout(fx, 'doku', [bill.id])).json();
    await post(doku.sign(doku.payerCompletes(c.id, 'SUCCESS'), { path: hookPath }));
    await until('paid', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
    const paymentId = (await getCheckout(fx, c.id)).payment_id;
    expect((await getPayment(fx, paymentId)).status).toBe('successful');
    // The day's report from DOKU's dashboard: our invoice number, gross 75,000 IDR, MDR 1,500 + VAT 165.
    const report = [
      'settlement_id,settlement_date,invoice_number,amount,fee,tax,net_amount,channel,type,status',
      `STL-20261203-01,2026-12-03,${c.id},75000,1500,165,73335,VIRTUAL_ACCOUNT_BCA,PAYMENT,SUCCESS`,
    ].join('\n');
    const headers = { ...(await fx.as('cso_admin')).write, 'content-type': 'text/csv' };
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/reconciliation/imports?source=doku',
      headers,
      payload: report,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ format: 'doku-settlement', matched: 1, exceptions: 0 });
    const p = await getPayment(fx, paymentId);
    expect(p.status).toBe('completed');
    // DOKU kept the fee and its VAT: 1,665 IDR in minor units.
    expect(p.settlement_fee).toBe(166_500);
    // The same report again applies nothing.
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/v1/reconciliation/imports?source=doku',
      headers,
      payload: report,
    });
    expect(again.json()).toMatchObject({ id: res.json().id, already_imported: true });
    expect((await getPayment(fx, paymentId)).status).toBe('completed');
  });

  it('rejects tampered and stale notifications without changing anything', async () => {
    const bill = await openBill(fx, '9002', 5_000_000);
    const c = (await checkout(fx, 'doku', [bill.id])).json();
    const n = doku.payerCompletes(c.id, 'SUCCESS');
    const signed = doku.sign(n, { path: hookPath });
    const before = await inboxCount(fx);
    const tampered = await post({ ...signed, rawBody: signed.rawBody.replace('50000', '50001') });
    expect(tampered.statusCode).toBe(400);
    const stale = await post(doku.sign(n, { path: hookPath, timestamp: new Date(Date.now() - 3600_000) }));
    expect(stale.statusCode).toBe(400);
    expect(stale.json().code).toBe('webhook_stale_timestamp');
    const otherPath = await post(doku.sign(n, { path: '/hooks/gateways/elsewhere' }));
    expect(otherPath.statusCode).toBe(400);
    expect(await inboxCount(fx)).toBe(before);
    expect((await getCheckout(fx, c.id)).status).toBe('open');
  });

  it('a different amount echoed by DOKU goes to suspense, not to the bills', async () => {
    const bill = await openBill(fx, '9003', 5_000_000);
    const c = (await checkout(fx, 'doku', [bill.id])).json();
    await post(doku.sign(doku.payerCompletes(c.id, 'SUCCESS', { amount: 40_000 }), { path: hookPath }));
    await until('recorded', async () => (await getCheckout(fx, c.id)).status === 'succeeded');
    const p = await getPayment(fx, (await getCheckout(fx, c.id)).payment_id);
    expect(p).toMatchObject({ amount: 4_000_000, suspense_amount: 4_000_000, allocated_amount: 0 });
    expect(p.metadata.echo_mismatch).toContain('differs');
  });

  it('a failed payment fails the attempt; refunds must be made in the DOKU dashboard', async () => {
    const bill = await openBill(fx, '9004', 5_000_000);
    const c = (await checkout(fx, 'doku', [bill.id])).json();
    await post(doku.sign(doku.payerCompletes(c.id, 'FAILED'), { path: hookPath }));
    await until('failed', async () => (await getCheckout(fx, c.id)).status === 'failed');

    const bill2 = await openBill(fx, '9005', 5_000_000);
    const c2 = (await checkout(fx, 'doku', [bill2.id])).json();
    await post(doku.sign(doku.payerCompletes(c2.id, 'SUCCESS'), { path: hookPath }));
    await until('paid', async () => (await getCheckout(fx, c2.id)).status === 'succeeded');
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payments/${(await getCheckout(fx, c2.id)).payment_id}/refund`,
      headers: (await fx.as('tenant_admin')).write,
      payload: { reason: 'customer asked' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('gateway_refund_unsupported');
  });
});
