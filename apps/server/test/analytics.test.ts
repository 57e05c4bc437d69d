import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camtXml } from '../src/importers/statements/fixtures.ts';
import { createAccount, createBill } from './billing.fixtures.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/**
 * Behaviour tracking (seed 002 section 12): each tracked action records its event exactly once,
 * in the action's transaction; client events are checked against the plan; the insights add up;
 * one tenant never sees another's events.
 */
let ctx: TestContext;
let fx: TenantFixture;
let other: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp();
  [fx, other] = await Promise.all([createTenantFixture(ctx), createTenantFixture(ctx)]);
});
afterAll(() => ctx.close());

const rawRows = <R>(query: SQL) => ctx.db.system((tx) => ctx.db.rows<R>(tx, query));
const events = (f: TenantFixture, name: string) =>
  rawRows<{ properties: Record<string, unknown>; actor_id: string | null; actor_role: string | null }>(
    sql`select properties, actor_id, actor_role from analytics_events
         where tenant_id = ${f.tenantId} and name = ${name} order by id`,
  );
const until = async (what: string, check: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

async function call(
  f: TenantFixture,
  who: Parameters<TenantFixture['as']>[0],
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const creds = await f.as(who);
  return ctx.app.inject({
    method,
    url,
    headers: { ...(method === 'GET' ? creds.headers : creds.write), ...headers },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

async function sandboxPay(redirectUrl: string, outcome: string) {
  const path = new URL(redirectUrl).pathname;
  const res = await ctx.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `outcome=${outcome}`,
  });
  expect(res.statusCode).toBe(303);
  return new URL(res.headers.location as string).pathname;
}

/** Sandbox configured, activated and connected by the tenant admin through the API. */
async function connectSandbox(f: TenantFixture) {
  expect(
    (await call(f, 'tenant_admin', 'PUT', '/v1/gateways/sandbox/credentials', { credentials: {} }))
      .statusCode,
  ).toBe(200);
  expect((await call(f, 'tenant_admin', 'PATCH', '/v1/gateways/sandbox', { active: true })).statusCode).toBe(
    200,
  );
  // Toggling an active gateway on again is no activation.
  expect((await call(f, 'tenant_admin', 'PATCH', '/v1/gateways/sandbox', { active: true })).statusCode).toBe(
    200,
  );
  const attempt = await call(f, 'tenant_admin', 'POST', '/v1/gateways/sandbox/connect', {
    return_to: '/app',
  });
  expect(attempt.statusCode, attempt.body).toBe(201);
  await ctx.app.inject({ method: 'GET', url: await sandboxPay(attempt.json().redirect_url, 'success') });
  await until('connected', async () => {
    const g = await call(f, 'tenant_admin', 'GET', '/v1/gateways/sandbox');
    return g.json().connected === true;
  });
}

async function consumerBill(f: TenantFixture, n: string, amount: number) {
  await createAccount(ctx, f, `CRN${n}`, { consumer_email: f.users.consumer.email }).catch(() => undefined);
  return createBill(ctx, f, `CRN${n}`, `BILL${n}-${amount}`, { amount });
}

async function insights(f: TenantFixture, query = '') {
  const res = await call(f, 'tenant_admin', 'GET', `/v1/analytics/insights${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('server-recorded events', () => {
  beforeAll(async () => {
    await connectSandbox(fx);
  });

  it('records the gateway set-up: activated once, configured, test transaction initiated and succeeded', async () => {
    const activated = await events(fx, 'Gateway Activated');
    expect(activated).toHaveLength(1);
    expect(activated[0]!.properties).toMatchObject({ gateway_name: 'sandbox' });
    expect(activated[0]!.actor_id).toBe(fx.users.tenant_admin.id);
    expect(activated[0]!.actor_role).toBe('tenant_admin');
    expect(Date.parse(activated[0]!.properties.activation_time as string)).not.toBeNaN();
    const configured = await events(fx, 'Gateway Configured');
    expect(configured).toHaveLength(1);
    expect(configured[0]!.properties).toMatchObject({
      gateway_name: 'sandbox',
      credentials_entered: ['signing_secret'],
    });
    // Never a secret value in an event.
    expect(JSON.stringify(configured)).not.toMatch(/whsec_/);
    const tests = await events(fx, 'Gateway Test Transaction');
    expect(tests.map((t) => t.properties.test_status)).toEqual(['initiated', 'succeeded']);
  });

  it('records a payment initiated and completed once, even when the create is retried with its Idempotency-Key', async () => {
    const bill = await consumerBill(fx, '9001', 12050);
    const body = { gateway: 'sandbox', bill_ids: [bill.id] };
    const first = await call(fx, 'consumer', 'POST', '/v1/checkouts', body, {
      'idempotency-key': 'chk-9001',
    });
    expect(first.statusCode, first.body).toBe(201);
    const again = await call(fx, 'consumer', 'POST', '/v1/checkouts', body, {
      'idempotency-key': 'chk-9001',
    });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    const initiated = (await events(fx, 'Payment Initiated')).filter(
      (e) => e.properties.checkout_id === first.json().id,
    );
    expect(initiated).toHaveLength(1);
    expect(initiated[0]!.properties).toMatchObject({
      consumer_id: fx.users.consumer.id,
      payment_amount: 12050,
      currency: 'USD',
      gateway_name: 'sandbox',
    });
    expect(initiated[0]!.actor_role).toBe('consumer');

    const back = await sandboxPay(first.json().redirect_url, 'success');
    await ctx.app.inject({ method: 'GET', url: back }); // the return page asks the gateway again
    await until('completed', async () => (await events(fx, 'Payment Completed')).length > 0);
    await ctx.app.inject({ method: 'GET', url: back }); // and a reload of it changes nothing
    const completed = (await events(fx, 'Payment Completed')).filter(
      (e) => e.properties.checkout_id === first.json().id,
    );
    expect(completed).toHaveLength(1);
    expect(completed[0]!.properties).toMatchObject({ payment_status: 'successful', payment_amount: 12050 });
    expect(String(completed[0]!.properties.transaction_id)).toMatch(/^pay_/);
  });

  it('records a declined payment as completed with status failed and the reason', async () => {
    const bill = await consumerBill(fx, '9002', 5000);
    const c = await call(fx, 'consumer', 'POST', '/v1/checkouts', {
      gateway: 'sandbox',
      bill_ids: [bill.id],
    });
    await sandboxPay(c.json().redirect_url, 'insufficient_funds');
    await until('failed', async () =>
      (await events(fx, 'Payment Completed')).some((e) => e.properties.checkout_id === c.json().id),
    );
    const done = (await events(fx, 'Payment Completed')).filter(
      (e) => e.properties.checkout_id === c.json().id,
    );
    expect(done).toHaveLength(1);
    expect(done[0]!.properties).toMatchObject({
      payment_status: 'failed',
      failure_reason: 'insufficient_funds',
    });
  });

  it('records payment searches and details views of staff (not of API keys), once per look', async () => {
    const list = await call(fx, 'cso_executive', 'GET', '/v1/payments?limit=5');
    expect(list.statusCode).toBe(200);
    expect(await events(fx, 'Payment Searched')).toHaveLength(0); // browsing is not searching
    const pay = list.json().data[0];
    const q = `/v1/payments?q=${pay.id}`;
    expect((await call(fx, 'cso_executive', 'GET', q)).statusCode).toBe(200);
    expect((await call(fx, 'cso_executive', 'GET', q)).statusCode).toBe(200); // a refetch
    expect((await call(fx, 'api_key', 'GET', q)).statusCode).toBe(200);
    const searched = await events(fx, 'Payment Searched');
    expect(searched).toHaveLength(1);
    expect(searched[0]!.properties).toMatchObject({
      transaction_id: pay.id,
      filters: ['q'],
      result_count: 1,
    });
    expect(searched[0]!.actor_role).toBe('cso_executive');

    expect((await call(fx, 'cso_admin', 'GET', `/v1/payments/${pay.id}`)).statusCode).toBe(200);
    expect((await call(fx, 'cso_admin', 'GET', `/v1/payments/${pay.id}`)).statusCode).toBe(200);
    expect((await call(fx, 'api_key', 'GET', `/v1/payments/${pay.id}`)).statusCode).toBe(200);
    const viewed = await events(fx, 'Payment Details Viewed');
    expect(viewed).toHaveLength(1);
    expect(viewed[0]!.properties).toMatchObject({ transaction_id: pay.id, consumer_id: pay.account_id });
  });

  it('records a history view once per visit, not once per 4-second refresh or page', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await call(fx, 'consumer', 'GET', '/v1/me/payments?limit=1')).statusCode).toBe(200);
    }
    const page = await call(fx, 'consumer', 'GET', '/v1/me/payments?limit=1');
    if (page.json().next_cursor) {
      await call(fx, 'consumer', 'GET', `/v1/me/payments?limit=1&cursor=${page.json().next_cursor}`);
    }
    const views = await events(fx, 'Payment History Viewed');
    expect(views).toHaveLength(1);
    expect(views[0]!.properties).toMatchObject({ consumer_id: fx.users.consumer.id });
  });

  it('records a reconciliation exception resolved by a CSO, with its status', async () => {
    // A bank line that quotes the gateway payment's reference with another amount: an exception.
    const pay = (await call(fx, 'cso_admin', 'GET', '/v1/payments?status=successful')).json().data[0];
    const today = new Date().toISOString().slice(0, 10);
    const file = camtXml('08', [
      {
        id: 'STMT-ANALYTICS',
        iban: 'DE89370400440532013000',
        ccy: 'USD',
        opening: '0.00',
        closing: '1.00',
        entries: [
          {
            amount: '1.00',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'AN-1',
            txs: [{ endToEndId: pay.channel_ref }],
          },
        ],
      },
    ]);
    const imp = await call(fx, 'cso_admin', 'POST', '/v1/reconciliation/imports?source=bank', file, {
      'content-type': 'application/xml',
    });
    expect(imp.statusCode, imp.body).toBe(201);
    const line = (await call(fx, 'cso_admin', 'GET', '/v1/reconciliation/exceptions')).json().data[0];
    expect(line).toBeDefined();
    const res = await call(fx, 'cso_admin', 'POST', `/v1/reconciliation/lines/${line.id}/resolve`, {
      action: 'ignore',
      reason: 'bank correction',
    });
    expect(res.statusCode, res.body).toBe(200);
    const rec = await events(fx, 'Payment Reconciled');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.properties).toMatchObject({
      reconciliation_status: 'ignored',
      statement_line_id: line.id,
      transaction_id: null,
    });
    expect(rec[0]!.actor_role).toBe('cso_admin');
  });
});

describe('POST /v1/analytics/events', () => {
  it('records a known client event and refuses unknown or server-side names with problem+json', async () => {
    const ok = await call(fx, 'tenant_admin', 'POST', '/v1/analytics/events', {
      name: 'Reconciliation Report Viewed',
      properties: { report_name: 'settlement' },
    });
    expect(ok.statusCode, ok.body).toBe(202);
    expect(await events(fx, 'Reconciliation Report Viewed')).toHaveLength(1);

    const unknown = await call(fx, 'consumer', 'POST', '/v1/analytics/events', { name: 'Button Clicked' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.json()).toMatchObject({ code: 'validation_failed' });
    expect(unknown.json().errors[0]).toMatchObject({ field: 'name' });
    expect(unknown.json().errors[0].reason).toMatch(/not a known event/);

    const forged = await call(fx, 'consumer', 'POST', '/v1/analytics/events', {
      name: 'Payment Completed',
      properties: { payment_status: 'successful' },
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().errors[0]).toMatchObject({
      field: 'name',
      reason: 'is recorded by the server and cannot be sent',
    });

    const badProps = await call(fx, 'consumer', 'POST', '/v1/analytics/events', {
      name: 'Payment Method Selected',
      properties: { gateway_name: 'Stripe!', extra: 1 },
    });
    expect(badProps.statusCode).toBe(400);
    expect(
      badProps
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['properties', 'properties.gateway_name']);
  });

  it('is rate-limited per session', async () => {
    const creds = await fx.as('cso_executive');
    let limited = 0;
    for (let i = 0; i < 125; i++) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/analytics/events',
        headers: creds.write,
        payload: { name: 'Bill Pay Viewed', properties: { items_shown: 1 } },
      });
      if (res.statusCode === 429) limited++;
    }
    expect(limited).toBeGreaterThan(0);
    expect((await events(fx, 'Bill Pay Viewed')).length).toBeLessThanOrEqual(120);
  });
});

describe('GET /v1/analytics/insights', () => {
  it('adds up: conversion = successful / initiated, funnel, most used gateways, usage', async () => {
    const i = await insights(fx);
    expect(i.currency).toBe('USD');
    expect(i.checkout).toMatchObject({
      initiated: 2,
      succeeded: 1,
      failed: 1,
      open: 0,
      conversion_rate: 0.5,
    });
    expect(i.checkout.initiated_amount).toBe(12050 + 5000);
    expect(i.checkout.collected_amount).toBe(12050);
    expect(i.most_used_gateways).toEqual(['sandbox']);
    const sandbox = i.gateways.find((g: { gateway: string }) => g.gateway === 'sandbox');
    expect(sandbox).toMatchObject({
      activated: 1,
      configured: 1,
      tests_initiated: 1,
      tests_succeeded: 1,
      payments_initiated: 2,
      payments_succeeded: 1,
      collected_amount: 12050,
    });
    expect(sandbox.time_to_first_connect_seconds).toBeGreaterThanOrEqual(0);
    expect(i.gateway_setup.test_success_rate).toBe(1);
    // the CSO executive's lookup and the CSO admin's status filter (reconciliation test)
    expect(i.back_office).toMatchObject({
      searches: 2,
      searchers: 2,
      transaction_lookups: 1,
      details_viewed: 1,
    });
    expect(i.back_office).toMatchObject({ report_views: 1, reconciled: 1, reconciled_ignored: 1 });
    expect(i.consumers).toMatchObject({ history_views: 1, history_viewers: 1, views_per_viewer: 1 });
    expect(i.daily).toHaveLength(30);
    const today = i.daily.at(-1);
    // Each day's figures add up to the range's totals (everything happened today).
    expect(today).toMatchObject({
      initiated: 2,
      completed: 1,
      searches: i.back_office.searches,
      history_views: 1,
    });
    const names = i.events.map((e: { name: string }) => e.name);
    expect(names).toContain('Payment History Viewed');
  });

  it('sees only its own tenant: another tenant has no events of this one', async () => {
    const i = await insights(other);
    expect(i.checkout.initiated).toBe(0);
    expect(i.gateways).toEqual([]);
    expect(i.events.every((e: { count: number }) => e.count === 0)).toBe(true);
    const leaked = await ctx.db.withTenant({ tenantId: other.tenantId, mode: 'live' }, (tx) =>
      ctx.db.rows<{ n: number }>(tx, sql`select count(*)::int as n from analytics_events`),
    );
    expect(leaked[0]!.n).toBe(0);
  });

  it('refuses a range that ends before it starts, naming the field', async () => {
    const res = await call(fx, 'tenant_admin', 'GET', '/v1/analytics/insights?from=2025-03-10&to=2025-03-01');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatchObject({ field: 'from' });
    const bad = await call(fx, 'tenant_admin', 'GET', '/v1/analytics/insights?from=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toMatch(/from/);
    const empty = await insights(fx, '?from=2025-03-01&to=2025-03-02');
    expect(empty.daily).toHaveLength(2);
    expect(empty.checkout.conversion_rate).toBeNull();
  });

  it('is for the tenant admin only', async () => {
    for (const who of ['cso_admin', 'cso_executive', 'consumer', 'api_key'] as const) {
      const res = await call(fx, who, 'GET', '/v1/analytics/insights');
      expect(res.statusCode, who).toBe(403);
    }
  });
});
