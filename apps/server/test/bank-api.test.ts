import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createBill } from './billing.fixtures.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

let ctx: TestContext;
let fx: TenantFixture;
let other: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp();
  fx = await createTenantFixture(ctx);
  other = await createTenantFixture(ctx);
  await createAccount(ctx, fx, 'CRN29391');
});
afterAll(() => ctx.close());

async function bankPost(url: string, payload: object, who: TenantFixture = fx) {
  const bank = await who.as('bank_partner');
  return ctx.app.inject({ method: 'POST', url, headers: bank.headers, payload });
}

describe('bank and aggregator API', () => {
  it('inquiry by reference id returns the amounts within and after the due date', async () => {
    const bill = await createBill(ctx, fx, 'CRN29391', 'BILL7890');
    expect(bill.reference_id).toMatch(/^\d{16}$/);
    const res = await bankPost('/v1/bank/bill-inquiry', { reference: bill.reference_display });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      response_code: '00',
      reference_id: bill.reference_id,
      bill_status: 'unpaid',
      status_code: 'U',
      consumer_name: 'Isidro Garcia',
      account_number: 'CRN29391',
      bill_number: 'BILL7890',
      currency: 'USD',
      amount_within_due_date: 12050,
      amount_after_due_date: 12550,
      payable_now: 12050,
    });
  });

  it('a mistyped reference is refused, never matched to another bill', async () => {
    const bill = await createBill(ctx, fx, 'CRN29391', 'BILL-TYPO');
    const ref: string = bill.reference_id;
    const typo = ref.slice(0, 10) + ((Number(ref[10]) + 1) % 10) + ref.slice(11);
    const res = await bankPost('/v1/bank/bill-inquiry', { reference: typo });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'reference_not_found', response_code: '01' });
    expect(res.json().detail).toContain('check digit');
  });

  it('posts a payment once: a retry replays, a different amount under the same ref is refused', async () => {
    const bill = await createBill(ctx, fx, 'CRN29391', 'BILL-PAY-1');
    const body = {
      reference: bill.reference_id,
      transaction_ref: 'HBL-000123',
      amount: 12050,
      currency: 'USD',
    };
    const first = await bankPost('/v1/bank/bill-payment', body);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      response_code: '00',
      status: 'successful',
      duplicate: false,
      amount: 12050,
    });
    const again = await bankPost('/v1/bank/bill-payment', body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      response_code: '00',
      duplicate: true,
      payment_id: first.json().payment_id,
    });
    const different = await bankPost('/v1/bank/bill-payment', { ...body, amount: 100 });
    expect(different.statusCode).toBe(409);
    expect(different.json()).toMatchObject({ code: 'duplicate_reference_mismatch', response_code: '07' });

    const paid = await bankPost('/v1/bank/bill-inquiry', { reference: bill.reference_id });
    expect(paid.json()).toMatchObject({
      bill_status: 'paid',
      status_code: 'P',
      payable_now: 0,
      amount_paid: 12050,
    });
    const count = await ctx.db.withTenant({ tenantId: fx.tenantId, mode: 'live' }, (tx) =>
      ctx.db.rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from payments where channel_ref = 'HBL-000123'`,
      ),
    );
    expect(count[0]!.n).toBe(1);

    const twice = await bankPost('/v1/bank/bill-payment', { ...body, transaction_ref: 'HBL-000124' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'bill_already_paid', response_code: '05' });
  });

  it('refuses amount mismatches, wrong currencies, cancelled bills and unknown references, changing nothing', async () => {
    const bill = await createBill(ctx, fx, 'CRN29391', 'BILL-BAD-1');
    const base = { reference: bill.reference_id, transaction_ref: 'T-BAD-1', amount: 12050, currency: 'USD' };
    const cases: [object, number, string, string][] = [
      [{ amount: 12049 }, 422, 'amount_mismatch', '06'],
      [{ amount: 99999 }, 422, 'amount_mismatch', '06'],
      [{ currency: 'EUR' }, 422, 'currency_mismatch', '08'],
      [{ reference: '1234567890123456' }, 404, 'reference_not_found', '01'],
      [{ amount: -5 }, 400, 'validation_failed', '04'],
      [{ amount: 120.5 }, 400, 'validation_failed', '04'],
    ];
    for (const [patch, status, code, responseCode] of cases) {
      const res = await bankPost('/v1/bank/bill-payment', { ...base, ...patch });
      expect(res.statusCode, JSON.stringify(patch)).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code, response_code: responseCode });
    }
    const key = await fx.as('api_key');
    await ctx.app.inject({
      method: 'POST',
      url: `/v1/bills/${bill.id}/cancel`,
      headers: key.write,
      payload: { reason: 'issued in error' },
    });
    const cancelled = await bankPost('/v1/bank/bill-payment', base);
    expect(cancelled.json()).toMatchObject({ code: 'bill_not_payable', response_code: '02' });
    const inquiry = await bankPost('/v1/bank/bill-inquiry', { reference: bill.reference_id });
    expect(inquiry.json()).toMatchObject({ bill_status: 'cancelled', status_code: 'B', payable_now: 0 });
    const none = await ctx.db.withTenant({ tenantId: fx.tenantId, mode: 'live' }, (tx) =>
      ctx.db.rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from payments where channel_ref = 'T-BAD-1'`,
      ),
    );
    expect(none[0]!.n).toBe(0);
  });

  it('charges the late fee after the due date', async () => {
    const bill = await createBill(ctx, fx, 'CRN29391', 'BILL-LATE', { due_date: '2020-01-31' });
    const inq = await bankPost('/v1/bank/bill-inquiry', { reference: bill.reference_id });
    expect(inq.json()).toMatchObject({ bill_status: 'overdue', payable_now: 12550 });
    const short = await bankPost('/v1/bank/bill-payment', {
      reference: bill.reference_id,
      transaction_ref: 'LATE-1',
      amount: 12050,
      currency: 'USD',
    });
    expect(short.json().response_code).toBe('06');
    const ok = await bankPost('/v1/bank/bill-payment', {
      reference: bill.reference_id,
      transaction_ref: 'LATE-2',
      amount: 12550,
      currency: 'USD',
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('reverses a posting, idempotently; the bill reopens; status query follows', async () => {
    const bill = await createBill(ctx, fx, 'CRN29391', 'BILL-REV');
    await bankPost('/v1/bank/bill-payment', {
      reference: bill.reference_id,
      transaction_ref: 'REV-1',
      amount: 12050,
      currency: 'USD',
    });
    const rev = await bankPost('/v1/bank/reversal', { transaction_ref: 'REV-1', reason: 'customer dispute' });
    expect(rev.statusCode, rev.body).toBe(200);
    expect(rev.json()).toMatchObject({ response_code: '00', status: 'reversed', duplicate: false });
    expect(
      (await bankPost('/v1/bank/reversal', { transaction_ref: 'REV-1', reason: 'again' })).json().duplicate,
    ).toBe(true);
    const bank = await fx.as('bank_partner');
    const status = await ctx.app.inject({
      method: 'GET',
      url: '/v1/bank/payments/REV-1',
      headers: bank.headers,
    });
    expect(status.json()).toMatchObject({
      response_code: '00',
      status: 'reversed',
      allocations: [{ bill_id: bill.id, amount: 0 }],
    });
    const inq = await bankPost('/v1/bank/bill-inquiry', { reference: bill.reference_id });
    expect(inq.json()).toMatchObject({ bill_status: 'unpaid', payable_now: 12050 });
    const missing = await bankPost('/v1/bank/reversal', { transaction_ref: 'NOPE', reason: 'x' });
    expect(missing.json()).toMatchObject({ code: 'transaction_not_found', response_code: '09' });
  });

  it("a partner sees only its own tenant's bills and its own postings", async () => {
    const bill = await createBill(ctx, fx, 'CRN29391', 'BILL-ISO');
    const res = await bankPost('/v1/bank/bill-inquiry', { reference: bill.reference_id }, other);
    expect(res.statusCode).toBe(404);
    expect(res.json().response_code).toBe('01');
  });

  it('rejects bad partner credentials with response code 04', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/bank/bill-inquiry',
      headers: { username: 'bp_live_nobody', password: 'wrong' },
      payload: { reference: '1' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('invalid_credentials');
  });
});
