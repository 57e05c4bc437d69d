import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG, seedDemo } from '../src/modules/demo/demo.ts';
import { todayIn } from '../src/platform/wire.ts';
import {
  type Credentials,
  createTenantFixture,
  createTestApp,
  login,
  type TenantFixture,
  type TestContext,
} from './helpers.ts';

/**
 * Issue 5, the consumer's API: GET /v1/me/bills, /v1/me/payments and /v1/me/dashboard, on the
 * demo tenant (Isidro owns CRN29391 with BILL7890, BILL7891 and SRV1001; Maria owns CRN29392 with
 * BILL7920). A consumer sees only the accounts linked to them; amounts are integer minor units.
 */
let ctx: TestContext;
let isidro: Credentials;
let maria: Credentials;
let admin: Credentials;
let other: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });
  await seedDemo(ctx.db, ctx.app.services);
  isidro = await login(ctx.app, DEMO_TENANT_SLUG, 'isidro.garcia@example.com', DEMO_PASSWORD);
  maria = await login(ctx.app, DEMO_TENANT_SLUG, 'maria.lopez@example.com', DEMO_PASSWORD);
  admin = await login(ctx.app, DEMO_TENANT_SLUG, 'admin@demo-water.test', DEMO_PASSWORD);
  other = await createTenantFixture(ctx);
});
afterAll(() => ctx.close());

const get = async (creds: Credentials, url: string) => {
  const res = await ctx.app.inject({ method: 'GET', url, headers: creds.headers });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
};

const until = async (what: string, check: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

type Bill = { id: string; bill_number: string; amount_due: number; payable: boolean };
type Entry = {
  id: string;
  status: string;
  source: string;
  amount: number;
  bills: { bill_number: string }[];
  failure: { message: string } | null;
};

const billsOf = async (creds: Credentials, query = '') =>
  (await get(creds, `/v1/me/bills${query}`)) as { data: Bill[]; amount_due: number; currency: string };

/** Pays the consumer's bills through the sandbox as its hosted page would; returns the checkout. */
async function paySandbox(creds: Credentials, billIds: string[], outcome: string) {
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/checkouts',
    headers: creds.write,
    payload: { gateway: 'sandbox', bill_ids: billIds, return_to: '/app/pay/result' },
  });
  expect(res.statusCode, res.body).toBe(201);
  const c = res.json();
  const path = new URL(c.redirect_url).pathname;
  const chosen = await ctx.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `outcome=${outcome}`,
  });
  expect(chosen.statusCode).toBe(303);
  const back = await ctx.app.inject({
    method: 'GET',
    url: new URL(chosen.headers.location as string).pathname,
  });
  expect(back.headers.location).toBe(`/app/pay/result?checkout=${c.id}`);
  const final = outcome === 'success' ? 'succeeded' : 'failed';
  await until(final, async () => (await get(creds, `/v1/checkouts/${c.id}`)).status === final);
  return get(creds, `/v1/checkouts/${c.id}`);
}

describe('consumer API (/v1/me)', () => {
  it('lists the consumer’s own open bills and services with what is due now', async () => {
    const mine = await billsOf(isidro);
    expect(mine.currency).toBe('USD');
    expect(mine.data.map((b) => [b.bill_number, b.amount_due, b.payable])).toEqual([
      ['BILL7890', 12050, true],
      ['BILL7891', 4575, true],
      ['SRV1001', 3500, true],
    ]);
    expect(mine.amount_due).toBe(12050 + 4575 + 3500);
    expect(mine.data[0]).toMatchObject({
      object: 'consumer_bill',
      kind: 'bill',
      service_name: 'Water Supply',
      billing_period: 'March 2025',
      account_number: 'CRN29391',
      currency: 'USD',
      status: 'unpaid',
      late_fee_applies: false,
    });
    expect(mine.data[0]!.id).toMatch(/^bill_/);
    const services = await billsOf(isidro, '?kind=service');
    expect(services.data.map((b) => b.bill_number)).toEqual(['SRV1001']);
    expect(services.data[0]).toMatchObject({
      kind: 'service',
      service_name: 'Meter Replacement (one visit)',
    });

    const hers = await billsOf(maria);
    expect(hers.data.map((b) => b.bill_number)).toEqual(['BILL7920']);
    expect(hers.amount_due).toBe(8925);
  });

  it('adds the late fee once the due date has passed, and gives the service period in days', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/bills',
      headers: admin.write,
      payload: {
        account_number: 'CRN29392',
        bill_number: 'SRV2001',
        kind: 'service',
        service_name: 'Tanker delivery',
        billing_period: 'February 2025',
        period_start: '2025-02-01',
        period_end: '2025-02-28',
        amount: 2000,
        late_fee: 300,
        due_date: '2025-03-01',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const srv = (await billsOf(maria)).data.find((b) => b.bill_number === 'SRV2001');
    expect(srv).toMatchObject({
      amount: 2000,
      late_fee_applies: true,
      amount_due: 2300,
      status: 'overdue',
      duration_days: 28,
      payable: true,
    });
    const dash = await get(maria, '/v1/me/dashboard');
    expect(dash.outstanding).toMatchObject({ amount: 8925 + 2300, bills: 2, overdue: 1 });
    expect(dash.outstanding.next_due_date).toBe('2025-03-01');
    // Isidro's list and totals do not change.
    expect((await billsOf(isidro)).amount_due).toBe(12050 + 4575 + 3500);
  });

  it('pays two bills: history shows one Successful payment, bills and dashboard follow at once', async () => {
    const before = await billsOf(isidro);
    const ids = before.data.filter((b) => b.bill_number.startsWith('BILL')).map((b) => b.id);
    const c = await paySandbox(isidro, ids, 'success');
    expect(c.amount).toBe(16625);

    const history = await get(isidro, '/v1/me/payments');
    const paid = history.data.find((e: Entry) => e.id === c.payment_id);
    expect(paid).toMatchObject({
      object: 'consumer_payment',
      source: 'payment',
      status: 'successful',
      amount: 16625,
      refunded_amount: 0,
      currency: 'USD',
      channel: 'gateway',
      method: 'sandbox',
      method_label: 'Sandbox (test payments)',
      account_number: 'CRN29391',
      checkout_id: c.id,
      failure: null,
    });
    expect(paid.bills.map((b: { bill_number: string; amount: number }) => [b.bill_number, b.amount])).toEqual(
      expect.arrayContaining([
        ['BILL7890', 12050],
        ['BILL7891', 4575],
      ]),
    );

    const after = await billsOf(isidro);
    expect(after.data.map((b) => b.bill_number)).toEqual(['SRV1001']);
    expect(after.amount_due).toBe(3500);
    const all = await billsOf(isidro, '?status=all');
    expect(all.data.find((b) => b.bill_number === 'BILL7890')).toMatchObject({
      status: 'paid',
      amount_due: 0,
      payable: false,
    });

    const dash = await get(isidro, '/v1/me/dashboard');
    const today = todayIn('America/New_York');
    expect(dash).toMatchObject({ currency: 'USD', time_zone: 'America/New_York', today });
    expect(dash.outstanding).toMatchObject({ amount: 3500, bills: 1, overdue: 0 });
    expect(dash.paid).toEqual({
      last_30_days: 16625,
      this_month: 16625,
      this_year: 16625,
      all_time: 16625,
    });
    expect(dash.by_day).toHaveLength(30);
    expect(dash.by_day[29]).toEqual({ date: today, amount: 16625, count: 1 });
    expect(dash.by_day.slice(0, 29).every((d: { amount: number }) => d.amount === 0)).toBe(true);
    expect(dash.by_month).toHaveLength(12);
    expect(dash.by_month[11]).toEqual({ month: today.slice(0, 7), amount: 16625, count: 1 });
    expect(dash.by_year.at(-1)).toEqual({ year: today.slice(0, 4), amount: 16625, count: 1 });
  });

  it('a declined attempt is in the history as Failed with the gateway’s exact words', async () => {
    const [srv] = (await billsOf(isidro)).data;
    const c = await paySandbox(isidro, [srv!.id], 'insufficient_funds');
    const history = await get(isidro, '/v1/me/payments');
    const failed = history.data.find((e: Entry) => e.id === c.id);
    expect(failed).toMatchObject({
      source: 'checkout',
      status: 'failed',
      amount: 3500,
      method: 'sandbox',
      payment_id: null,
      checkout_id: c.id,
      failure: { reason: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
    expect(failed.bills).toEqual([
      expect.objectContaining({ bill_number: 'SRV1001', kind: 'service', amount: null }),
    ]);
    // Nothing was paid: the service is still owed and the totals are unchanged.
    expect((await billsOf(isidro)).amount_due).toBe(3500);
    expect((await get(isidro, '/v1/me/dashboard')).paid.all_time).toBe(16625);
  });

  it('a refund shows as such and the dashboard counts what was kept', async () => {
    const history = await get(isidro, '/v1/me/payments');
    const paid = history.data.find((e: Entry) => e.source === 'payment');
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payments/${paid.id}/refund`,
      headers: admin.write,
      payload: { amount: 4575, reason: 'wastewater billed twice' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const again = (await get(isidro, '/v1/me/payments')).data.find((e: Entry) => e.id === paid.id);
    expect(again).toMatchObject({ status: 'successful', refunded_amount: 4575 });
    const dash = await get(isidro, '/v1/me/dashboard');
    expect(dash.paid.all_time).toBe(16625 - 4575);
    expect(dash.by_day[29].amount).toBe(16625 - 4575);
    // The refunded bill is owed again.
    expect((await billsOf(isidro)).data.map((b) => b.bill_number).sort()).toEqual(['BILL7891', 'SRV1001']);
  });

  it('never shows one consumer another consumer’s bills, payments or totals', async () => {
    // Maria pays at the cash counter; Isidro has a payment and a failed attempt by now.
    const cso = await login(ctx.app, DEMO_TENANT_SLUG, 'cso@demo-water.test', DEMO_PASSWORD);
    const [bill] = (await billsOf(maria)).data.filter((b) => b.bill_number === 'BILL7920');
    const cash = await ctx.app.inject({
      method: 'POST',
      url: '/v1/payments/cash',
      headers: cso.write,
      payload: { account_number: 'CRN29392', bill_ids: [bill!.id], amount: 8925, currency: 'USD' },
    });
    expect(cash.statusCode, cash.body).toBe(201);

    const hers = await get(maria, '/v1/me/payments');
    const his = await get(isidro, '/v1/me/payments');
    expect(hers.data.map((e: Entry) => [e.status, e.amount, e.bills.map((b) => b.bill_number)])).toEqual([
      ['successful', 8925, ['BILL7920']],
    ]);
    expect(hers.data[0]).toMatchObject({ channel: 'cash', method_label: null, account_number: 'CRN29392' });
    const herIds = new Set(hers.data.map((e: Entry) => e.id));
    expect(his.data.length).toBeGreaterThanOrEqual(2);
    for (const e of his.data as Entry[]) {
      expect(herIds.has(e.id)).toBe(false);
      expect(e.bills.every((b) => b.bill_number !== 'BILL7920' && b.bill_number !== 'SRV2001')).toBe(true);
    }
    const herBills = (await billsOf(maria, '?status=all')).data.map((b) => b.bill_number).sort();
    expect(herBills).toEqual(['BILL7920', 'SRV2001']);
    expect((await get(maria, '/v1/me/dashboard')).paid.all_time).toBe(8925);
    expect((await get(isidro, '/v1/me/dashboard')).paid.all_time).toBe(16625 - 4575);

    // Neither can open the other's checkout attempts.
    const attempt = (his.data as Entry[]).find((e) => e.source === 'checkout')!;
    const peek = await ctx.app.inject({
      method: 'GET',
      url: `/v1/checkouts/${attempt.id}`,
      headers: maria.headers,
    });
    expect(peek.statusCode).toBe(404);
  });

  it('another tenant’s consumer with the same bill numbers sees only their own', async () => {
    const key = await other.as('api_key');
    const acc = await ctx.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: key.write,
      payload: {
        account_number: 'CRN29391',
        name: 'Someone Else',
        service_types: ['water'],
        consumer_email: other.users.consumer.email,
      },
    });
    expect(acc.statusCode, acc.body).toBe(201);
    const bill = await ctx.app.inject({
      method: 'POST',
      url: '/v1/bills',
      headers: key.write,
      payload: {
        account_number: 'CRN29391',
        bill_number: 'BILL7890',
        service_name: 'Water Supply',
        billing_period: 'March 2025',
        amount: 99900,
        due_date: '2099-12-31',
      },
    });
    expect(bill.statusCode, bill.body).toBe(201);
    const theirs = await other.as('consumer');
    const list = await billsOf(theirs);
    expect(list.data.map((b) => [b.bill_number, b.amount_due])).toEqual([['BILL7890', 99900]]);
    expect(list.data[0]!.id).toBe(bill.json().id);
    expect((await get(theirs, '/v1/me/payments')).data).toEqual([]);
    expect((await get(theirs, '/v1/me/dashboard')).paid.all_time).toBe(0);
    // And the demo consumer's list is unchanged.
    expect((await billsOf(isidro)).data.every((b) => b.id !== bill.json().id)).toBe(true);
  });

  it('a consumer with no linked account sees empty lists and zero totals', async () => {
    const email = `nobody-${Date.now()}@example.com`;
    const tenant = await ctx.app.services.tenants.getBySlug(DEMO_TENANT_SLUG);
    await ctx.app.services.users.create(
      { tenantId: tenant.id, mode: 'live' },
      { email, name: 'No Account', role: 'consumer', password: DEMO_PASSWORD, phone: null },
      { type: 'cli', id: 'test' },
    );
    const nobody = await login(ctx.app, DEMO_TENANT_SLUG, email, DEMO_PASSWORD);
    expect(await billsOf(nobody)).toEqual({ data: [], currency: 'USD', amount_due: 0 });
    expect(await get(nobody, '/v1/me/payments')).toEqual({ data: [], has_more: false, next_cursor: null });
    const dash = await get(nobody, '/v1/me/dashboard');
    expect(dash.outstanding).toEqual({ amount: 0, bills: 0, overdue: 0, next_due_date: null });
    expect(dash.by_year).toEqual([{ year: dash.today.slice(0, 4), amount: 0, count: 0 }]);
  });

  it('pages through the history newest first without losing or repeating an entry', async () => {
    // Two more declined attempts so there are several entries.
    const [srv] = (await billsOf(isidro, '?kind=service')).data;
    await paySandbox(isidro, [srv!.id], 'network_error');
    await paySandbox(isidro, [srv!.id], 'technical_issue');
    const all = (await get(isidro, '/v1/me/payments?limit=200')).data as (Entry & { date: string })[];
    expect(all.length).toBeGreaterThanOrEqual(4);
    const dates = all.map((e) => e.date);
    expect([...dates].sort().reverse()).toEqual(dates);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Entry[]; has_more: boolean; next_cursor: string | null } = await get(
        isidro,
        `/v1/me/payments?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.data).toHaveLength(1);
      walked.push(page.data[0]!.id);
      cursor = page.next_cursor;
      expect(page.has_more).toBe(cursor !== null);
    } while (cursor);
    expect(walked).toEqual(all.map((e) => e.id));
    const bad = await ctx.app.inject({
      method: 'GET',
      url: '/v1/me/payments?cursor=nonsense',
      headers: isidro.headers,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('cursor');
  });

  it('is for consumers only: staff and API keys are refused', async () => {
    for (const creds of [admin, await other.as('cso_admin'), await other.as('api_key')]) {
      for (const url of ['/v1/me/bills', '/v1/me/payments', '/v1/me/dashboard']) {
        const res = await ctx.app.inject({ method: 'GET', url, headers: creds.headers });
        expect(res.statusCode, url).toBe(403);
      }
    }
    const anonymous = await ctx.app.inject({ method: 'GET', url: '/v1/me/bills' });
    expect(anonymous.statusCode).toBe(401);
  });
});
