import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createBill } from './billing.fixtures.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

let ctx: TestContext;
let fx: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp();
  fx = await createTenantFixture(ctx);
  await createAccount(ctx, fx, 'CRN29391', {
    consumer_email: fx.users.consumer.email,
    mobile: '+1 555 0100',
  });
  await createAccount(ctx, fx, 'CRN10001', { name: 'Maria Lopez' });
});
afterAll(() => ctx.close());

const api = async (
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: object,
  headers?: Record<string, string>,
) => {
  const key = await fx.as('api_key');
  return ctx.app.inject({
    method,
    url,
    headers: { ...(method === 'GET' ? key.headers : key.write), ...headers },
    ...(payload ? { payload } : {}),
  });
};

describe('accounts', () => {
  it('creates, reads, searches and updates accounts; duplicates and bad fields are refused', async () => {
    const list = await api('GET', '/v1/accounts?search=crn29');
    expect(list.json().data).toHaveLength(1);
    const acc = list.json().data[0];
    expect(acc).toMatchObject({
      account_number: 'CRN29391',
      name: 'Isidro Garcia',
      service_types: ['water'],
      user_id: fx.users.consumer.id,
    });
    const dup = await api('POST', '/v1/accounts', { account_number: 'CRN29391', name: 'X' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors).toEqual([{ field: 'account_number', reason: 'already exists' }]);
    const bad = await api('POST', '/v1/accounts', {
      account_number: 'has space',
      name: '',
      service_types: ['Water!'],
      consumer_email: 'nobody@x.test',
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['account_number', 'name', 'service_types.0']);
    const upd = await api('PATCH', `/v1/accounts/${acc.id}`, { service_types: ['water', 'wastewater'] });
    expect(upd.json().service_types).toEqual(['water', 'wastewater']);
    const notConsumer = await api('PATCH', `/v1/accounts/${acc.id}`, {
      consumer_email: fx.users.cso_admin.email,
    });
    expect(notConsumer.json().errors[0]).toEqual({
      field: 'consumer_email',
      reason: 'is not a consumer user of this tenant',
    });
  });
});

describe('bills', () => {
  it('creates a bill with line items and a reference id; reads and lists it', async () => {
    const res = await api('POST', '/v1/bills', {
      account_number: 'CRN29391',
      bill_number: 'BILL7890',
      kind: 'bill',
      service_name: 'Water Supply',
      billing_period: 'March 2025',
      period_start: '2025-03-01',
      period_end: '2025-03-31',
      line_items: [
        { description: 'Water consumption 12 m3', amount: 10050 },
        { description: 'Meter rent', amount: 2000 },
      ],
      late_fee: 500,
      due_date: '2099-04-15',
    });
    expect(res.statusCode, res.body).toBe(201);
    const bill = res.json();
    expect(bill).toMatchObject({
      object: 'bill',
      amount: 12050,
      amount_after_due: 12550,
      outstanding: 12050,
      status: 'unpaid',
      currency: 'USD',
      account_number: 'CRN29391',
      livemode: true,
    });
    expect(bill.reference_display).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    expect((await api('GET', `/v1/bills/${bill.id}`)).json().reference_id).toBe(bill.reference_id);
    const search = await api('GET', `/v1/bills?search=${bill.reference_id}`);
    expect(search.json().data.map((b: { id: string }) => b.id)).toEqual([bill.id]);
  });

  it('refuses inconsistent bills with named fields', async () => {
    const res = await api('POST', '/v1/bills', {
      account_number: 'NOPE',
      bill_number: 'B-X',
      service_name: 'Water',
      billing_period: 'April',
      line_items: [{ description: 'a', amount: 100 }],
      amount: 150,
      due_date: '2025-02-30',
      expires_on: '2020-01-01',
    });
    expect(res.statusCode).toBe(400);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['amount', 'due_date']));
    const noAccount = await api('POST', '/v1/bills', {
      account_number: 'NOPE',
      bill_number: 'B-Y',
      service_name: 'W',
      billing_period: 'A',
      amount: 1,
      due_date: '2099-01-01',
    });
    expect(noAccount.json().errors).toEqual([{ field: 'account_number', reason: 'no such account' }]);
    await createBill(ctx, fx, 'CRN29391', 'B-DUP');
    const dup = await api('POST', '/v1/bills', {
      account_number: 'CRN29391',
      bill_number: 'B-DUP',
      service_name: 'W',
      billing_period: 'A',
      amount: 1,
      due_date: '2099-01-01',
    });
    expect(dup.statusCode).toBe(409);
  });

  it('creates a batch all or nothing, naming the bad item', async () => {
    const item = (n: string, extra: object = {}) => ({
      account_number: 'CRN10001',
      bill_number: n,
      kind: 'service',
      service_name: 'Internet 50 Mbps',
      billing_period: '2025-03',
      amount: 3000,
      due_date: '2099-01-01',
      ...extra,
    });
    const bad = await api('POST', '/v1/bills/batch', {
      bills: [item('S-1'), item('S-2', { account_number: 'NOPE' }), item('S-1')],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      { field: 'bills[1].account_number', reason: 'no such account' },
      { field: 'bills[2].bill_number', reason: 'appears twice in this request' },
    ]);
    expect((await api('GET', '/v1/bills?search=S-1')).json().data).toHaveLength(0);
    const ok = await api('POST', '/v1/bills/batch', { bills: [item('S-1'), item('S-2')] });
    expect(ok.statusCode).toBe(201);
    const refs = ok.json().data.map((b: { reference_id: string }) => b.reference_id);
    expect(new Set(refs).size).toBe(2);
    expect((await api('GET', '/v1/bills?kind=service')).json().data).toHaveLength(2);
  });

  it('cancels an unpaid bill (not a paid one) and verification reports status and payments', async () => {
    const bill = await createBill(ctx, fx, 'CRN29391', 'B-CANCEL');
    const cancelled = await api('POST', `/v1/bills/${bill.id}/cancel`, { reason: 'meter misread' });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', outstanding: 0 });
    expect((await api('POST', `/v1/bills/${bill.id}/cancel`, {})).json().code).toBe('bill_cancelled');

    const paid = await createBill(ctx, fx, 'CRN29391', 'B-VERIFY');
    const cso = await fx.as('cso_executive');
    const cash = await ctx.app.inject({
      method: 'POST',
      url: '/v1/payments/cash',
      headers: cso.write,
      payload: {
        account_number: 'CRN29391',
        bill_ids: [paid.id],
        amount: 5000,
        currency: 'USD',
        receipt_number: 'R-0001',
      },
    });
    expect(cash.statusCode, cash.body).toBe(201);
    expect((await api('POST', `/v1/bills/${paid.id}/cancel`, {})).json().code).toBe('bill_has_payments');
    const verify = await api('GET', `/v1/verify/${paid.reference_display.replaceAll(' ', '%20')}`);
    expect(verify.statusCode, verify.body).toBe(200);
    expect(verify.json()).toMatchObject({
      bill: { status: 'partially_paid', amount_paid: 5000, outstanding: 7050 },
      payments: [{ channel: 'cash', channel_ref: 'R-0001', amount: 5000, status: 'successful' }],
    });
    const typo = `${paid.reference_id.slice(0, 15)}${(Number(paid.reference_id[15]) + 1) % 10}`;
    const bad = await api('GET', `/v1/verify/${typo}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toEqual({
      field: 'reference',
      reason: 'has a wrong check digit (mistyped?)',
    });
  });
});

describe('payments', () => {
  it('cash counter: oldest bill first, excess to account credit, receipt number dedupes', async () => {
    await createAccount(ctx, fx, 'CASH-1');
    const older = await createBill(ctx, fx, 'CASH-1', 'C-OLD', {
      amount: 1000,
      late_fee: 0,
      due_date: '2099-01-01',
    });
    const newer = await createBill(ctx, fx, 'CASH-1', 'C-NEW', {
      amount: 2000,
      late_fee: 0,
      due_date: '2099-02-01',
    });
    const cso = await fx.as('cso_admin');
    const payload = { account_number: 'CASH-1', amount: 3500, currency: 'USD', receipt_number: 'R-77' };
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/payments/cash',
      headers: cso.write,
      payload,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      channel: 'cash',
      status: 'successful',
      allocated_amount: 3000,
      credit_amount: 500,
      allocations: expect.arrayContaining([
        expect.objectContaining({ bill_id: older.id, amount: 1000 }),
        expect.objectContaining({ bill_id: newer.id, amount: 2000 }),
      ]),
    });
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/v1/payments/cash',
      headers: cso.write,
      payload,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(res.json().id);
    const ledger = await ctx.app.inject({
      method: 'GET',
      url: `/v1/accounts/${res.json().account_id}/ledger`,
      headers: cso.headers,
    });
    expect(ledger.json()).toMatchObject({ receivable: 0, credit: 500 });
    expect(ledger.json().lines.length).toBeGreaterThan(3);
  });

  it('refunds in part and in full, then the bills reopen; refunds beyond the amount are refused', async () => {
    await createAccount(ctx, fx, 'REF-1');
    const bill = await createBill(ctx, fx, 'REF-1', 'R-BILL', { amount: 1000, late_fee: 0 });
    const cso = await fx.as('cso_admin');
    const pay = (
      await ctx.app.inject({
        method: 'POST',
        url: '/v1/payments/cash',
        headers: cso.write,
        payload: { account_number: 'REF-1', amount: 1200, currency: 'USD', receipt_number: 'RF-1' },
      })
    ).json();
    const part = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payments/${pay.id}/refund`,
      headers: cso.write,
      payload: { amount: 300, reason: 'overcharged' },
    });
    expect(part.json()).toMatchObject({
      status: 'successful',
      refunded_amount: 300,
      credit_amount: 0,
      allocated_amount: 900,
    });
    expect((await api('GET', `/v1/bills/${bill.id}`)).json()).toMatchObject({
      status: 'partially_paid',
      outstanding: 100,
    });
    const tooMuch = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payments/${pay.id}/refund`,
      headers: cso.write,
      payload: { amount: 1000, reason: 'x x x' },
    });
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.json().errors[0].field).toBe('amount');
    const rest = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payments/${pay.id}/refund`,
      headers: cso.write,
      payload: { reason: 'customer left' },
    });
    expect(rest.json()).toMatchObject({ status: 'refunded', refunded_amount: 1200, allocated_amount: 0 });
    expect((await api('GET', `/v1/bills/${bill.id}`)).json()).toMatchObject({
      status: 'unpaid',
      outstanding: 1000,
    });
    const exec = await fx.as('cso_executive');
    const forbidden = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payments/${pay.id}/refund`,
      headers: exec.write,
      payload: { reason: 'not mine' },
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it('lists and searches payments by account number, reference id, status and text', async () => {
    const all = await api('GET', '/v1/payments?limit=2');
    expect(all.json().data).toHaveLength(2);
    expect(all.json().has_more).toBe(true);
    const next = await api('GET', `/v1/payments?limit=2&starting_after=${all.json().next_cursor}`);
    expect(next.json().data[0].id < all.json().data[1].id).toBe(true);
    expect((await api('GET', '/v1/payments?account_number=REF-1')).json().data).toHaveLength(1);
    expect(
      (await api('GET', '/v1/payments?status=refunded'))
        .json()
        .data.map((p: { channel_ref: string }) => p.channel_ref),
    ).toEqual(['RF-1']);
    expect((await api('GET', '/v1/payments?q=R-77')).json().data).toHaveLength(1);
    expect((await api('GET', '/v1/payments?q=Isidro')).json().data.length).toBeGreaterThan(0);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response to the same request and refuses a different one', async () => {
    const body = { account_number: 'IDEM-1', name: 'Idem' };
    const first = await api('POST', '/v1/accounts', body, { 'idempotency-key': 'k-1' });
    expect(first.statusCode).toBe(201);
    const again = await api('POST', '/v1/accounts', body, { 'idempotency-key': 'k-1' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await api('POST', '/v1/accounts', { ...body, name: 'Other' }, { 'idempotency-key': 'k-1' });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    const errorFirst = await api('POST', '/v1/accounts', body, { 'idempotency-key': 'k-2' });
    expect(errorFirst.statusCode).toBe(409);
    const errorAgain = await api('POST', '/v1/accounts', body, { 'idempotency-key': 'k-2' });
    expect(errorAgain.statusCode).toBe(409);
    expect(errorAgain.headers['idempotent-replayed']).toBe('true');
    const badKey = await api('POST', '/v1/accounts', body, { 'idempotency-key': 'has space' });
    expect(badKey.statusCode).toBe(400);
  });

  it('covers money bodies and seals stored responses (a secret shown once stays secret)', async () => {
    const bill = {
      account_number: 'CRN29391',
      bill_number: 'B-IDEM',
      service_name: 'W',
      billing_period: 'A',
      amount: 4200,
      due_date: '2099-01-01',
    };
    const first = await api('POST', '/v1/bills', bill, { 'idempotency-key': 'bill-idem' });
    const again = await api('POST', '/v1/bills', bill, { 'idempotency-key': 'bill-idem' });
    expect(first.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const admin = await fx.as('tenant_admin');
    const key = await ctx.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...admin.write, 'idempotency-key': 'new-key' },
      payload: { name: 'erp', mode: 'live' },
    });
    const secret: string = key.json().secret;
    const stored = await ctx.db.system((tx) =>
      ctx.db.rows<{ response_body: string }>(
        tx,
        sql`select response_body from idempotency_keys where key = 'new-key'`,
      ),
    );
    expect(stored[0]!.response_body).not.toContain(secret);
    expect(stored[0]!.response_body).toMatch(/^v1:/);
  });

  it('keys are per caller: another API key with the same key runs its own request', async () => {
    const other = await fx.as('api_key', 'test');
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: { ...other.write, 'idempotency-key': 'k-1' },
      payload: { account_number: 'IDEM-1', name: 'Idem' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().livemode).toBe(false);
  });
});
