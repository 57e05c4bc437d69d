import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createBill } from './billing.fixtures.ts';
import {
  createTenantFixture,
  createTestApp,
  onPostgres,
  type TenantFixture,
  type TestContext,
} from './helpers.ts';

/**
 * Real concurrency (on PostgreSQL the requests run on separate pooled connections at once; on
 * PGlite they are serialised by its single connection, so the same assertions still hold).
 */
let ctx: TestContext;
let fx: TenantFixture;
const N = 12;

beforeAll(async () => {
  ctx = await createTestApp();
  fx = await createTenantFixture(ctx);
  await createAccount(ctx, fx, 'CONC-1');
  console.log(
    `[concurrency] ${N} simultaneous requests on ${onPostgres ? 'PostgreSQL (pooled connections)' : 'PGlite'}`,
  );
});
afterAll(() => ctx.close());

// Two banks: postings of one bank are batched into one transaction (platform/batcher.ts), so a
// second bank makes the test race separate transactions against each other too.
let secondBank: Promise<{ username: string; password: string }> | undefined;
async function post(payload: object, i = 0) {
  const first = (await fx.as('bank_partner')).headers;
  secondBank ??= ctx.app.services.bank.createPartner(
    { tenantId: fx.tenantId, mode: 'live' },
    { name: 'Second Bank', mnemonic: 'SB' },
    { type: 'cli', id: 'test' },
  );
  const headers = i % 2 ? await secondBank : first;
  return ctx.app.inject({
    method: 'POST',
    url: '/v1/bank/bill-payment',
    headers: { username: headers.username!, password: headers.password! },
    payload,
  });
}

async function paymentsFor(billId: string) {
  return ctx.db.withTenant({ tenantId: fx.tenantId, mode: 'live' }, (tx) =>
    ctx.db.rows<{ n: number; paid: string }>(
      tx,
      sql`select count(distinct a.payment_id)::int as n, (select amount_paid::text from bills where id = ${billId}) as paid
            from allocations a join payments p on p.tenant_id = a.tenant_id and p.id = a.payment_id
           where a.bill_id = ${billId} and p.status = 'successful'`,
    ),
  );
}

describe('concurrent payments', () => {
  it('two banks paying the same bill at once never clear it twice', async () => {
    const bill = await createBill(ctx, fx, 'CONC-1', 'CONC-BILL-1');
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        post({ reference: bill.reference_id, transaction_ref: `C1-${i}`, amount: 12050, currency: 'USD' }, i),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(N - 1);
    for (const r of results.filter((x) => x.statusCode === 409))
      expect(r.json().code).toBe('bill_already_paid');
    const [row] = await paymentsFor(bill.id);
    expect(row).toEqual({ n: 1, paid: '12050' });
  });

  it('the same transaction reference sent many times at once is recorded once', async () => {
    const bill = await createBill(ctx, fx, 'CONC-1', 'CONC-BILL-2');
    const body = { reference: bill.reference_id, transaction_ref: 'C2-SAME', amount: 12050, currency: 'USD' };
    const results = await Promise.all(Array.from({ length: N }, () => post(body)));
    expect(results.every((r) => r.statusCode === 200 || r.statusCode === 201)).toBe(true);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(new Set(results.map((r) => r.json().payment_id)).size).toBe(1);
    const [row] = await paymentsFor(bill.id);
    expect(row).toEqual({ n: 1, paid: '12050' });
  });

  it('concurrent partial payments add up exactly and never overpay', async () => {
    const bill = await createBill(ctx, fx, 'CONC-1', 'CONC-BILL-3', { amount: 10_000, allow_partial: true });
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        post({ reference: bill.reference_id, transaction_ref: `C3-${i}`, amount: 1_000, currency: 'USD' }, i),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(10);
    for (const r of results.filter((x) => x.statusCode !== 201))
      expect(r.json().code).toBe('bill_already_paid');
    const [row] = await paymentsFor(bill.id);
    expect(row).toEqual({ n: 10, paid: '10000' });
  });
});
