import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receipts } from '../src/db/schema.ts';
import { pdfText } from '../src/documents/pdf-inspect.ts';
import { formatReference } from '../src/modules/bills/reference.ts';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG, seedDemo } from '../src/modules/demo/demo.ts';
import { completePayment, recordPayment } from '../src/modules/payments/payments.service.ts';
import { type Credentials, createTestApp, login, type TestContext } from './helpers.ts';

/**
 * Issue 5, numbered receipts: a payment gets a receipt number when it becomes Payment Completed
 * (or on its first download if it completed without one), and cash taken at the counter gets one
 * the moment it is recorded (the money is in hand); numbers come from one counter per tenant and
 * mode and never repeat, however many completions or cash payments run at once. The consumer
 * downloads only their own receipts; staff any of the tenant's; a gateway payment has none before
 * Completed (seed 002).
 */
let ctx: TestContext;
let isidro: Credentials;
let maria: Credentials;
let cso: Credentials;
let tenantId: string;
const live = () => ({ tenantId, mode: 'live' as const });

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });
  await seedDemo(ctx.db, ctx.app.services);
  tenantId = (await ctx.app.services.tenants.getBySlug(DEMO_TENANT_SLUG)).id;
  isidro = await login(ctx.app, DEMO_TENANT_SLUG, 'isidro.garcia@example.com', DEMO_PASSWORD);
  maria = await login(ctx.app, DEMO_TENANT_SLUG, 'maria.lopez@example.com', DEMO_PASSWORD);
  cso = await login(ctx.app, DEMO_TENANT_SLUG, 'cso@demo-water.test', DEMO_PASSWORD);
}, 60_000);
afterAll(() => ctx.close());

const get = (creds: Credentials, url: string) =>
  ctx.app.inject({ method: 'GET', url, headers: creds.headers });

async function until(what: string, check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Isidro pays some of his bills through the sandbox; returns the payment id. */
async function payAsIsidro(billNumbers: string[]): Promise<string> {
  const bills = (await get(isidro, '/v1/me/bills')).json().data as { id: string; bill_number: string }[];
  const ids = billNumbers.map((n) => bills.find((b) => b.bill_number === n)!.id);
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/checkouts',
    headers: isidro.write,
    payload: { gateway: 'sandbox', bill_ids: ids },
  });
  expect(res.statusCode, res.body).toBe(201);
  const c = res.json();
  const chosen = await ctx.app.inject({
    method: 'POST',
    url: new URL(c.redirect_url).pathname,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'outcome=success',
  });
  expect(chosen.statusCode).toBe(303);
  let paymentId: string | null = null;
  await until('payment', async () => {
    paymentId = (await get(isidro, `/v1/checkouts/${c.id}`)).json().payment_id ?? null;
    return paymentId !== null;
  });
  return paymentId!;
}

/** A bank payment held in suspense (no bill): enough to be numbered. */
async function suspensePayment(ref: string) {
  return ctx.db.withTenant(live(), async (tx) => {
    const r = await recordPayment(tx, live(), {
      channel: 'bank_api',
      channelSource: 'receipts-test',
      channelRef: ref,
      amount: 1000n,
      currency: 'USD',
      policy: 'flexible',
    });
    return r.payment.id;
  });
}

const numberOf = async (paymentId: string) =>
  ctx.db.withTenant(live(), async (tx) => {
    const [r] = await tx
      .select({ n: receipts.number })
      .from(receipts)
      .where(and(eq(receipts.tenantId, tenantId), eq(receipts.paymentId, paymentId)));
    return r?.n;
  });

describe('numbered receipts', () => {
  it('no receipt before Completed (409); the consumer’s own after it, with number, reference and amount', async () => {
    const paymentId = await payAsIsidro(['BILL7890', 'BILL7891']);
    const early = await get(isidro, `/v1/me/payments/${paymentId}/receipt.pdf`);
    expect(early.statusCode).toBe(409);
    expect(early.headers['content-type']).toContain('application/problem+json');
    expect(early.json().code).toBe('receipt_not_available');
    expect(early.json().detail).toContain('Completed');
    expect(await numberOf(paymentId)).toBeUndefined();

    await ctx.db.withTenant(live(), (tx) =>
      completePayment(tx, live(), paymentId, { fee: 0n, reference: 'receipts-test' }),
    );
    const number = await numberOf(paymentId);
    expect(number).toBeGreaterThan(0n);

    const res = await get(isidro, `/v1/me/payments/${paymentId}/receipt.pdf`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const receiptNumber = `RCP-${number!.toString().padStart(6, '0')}`;
    expect(res.headers['receipt-number']).toBe(receiptNumber);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="receipt-${receiptNumber}.pdf"`);
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    const bills = (await get(isidro, '/v1/me/bills?status=all')).json().data as {
      bill_number: string;
      reference_id: string;
    }[];
    for (const expected of [
      receiptNumber,
      paymentId,
      'Demo Water Utility',
      'BILL7890',
      'BILL7891',
      formatReference(bills.find((b) => b.bill_number === 'BILL7890')!.reference_id),
      '166.25',
      'Payment Completed',
    ]) {
      expect(text).toContain(expected);
    }
    // The same file on every download (the issue time is the PDF's creation date).
    const again = await get(isidro, `/v1/me/payments/${paymentId}/receipt.pdf`);
    expect(again.rawPayload.equals(pdf)).toBe(true);

    // Another consumer: as if it did not exist. Staff: yes.
    const other = await get(maria, `/v1/me/payments/${paymentId}/receipt.pdf`);
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('not_found');
    const staff = await get(cso, `/v1/payments/${paymentId}/receipt.pdf`);
    expect(staff.statusCode).toBe(200);
    expect(pdfText(staff.rawPayload)).toContain(receiptNumber);
    // History shows the number.
    const history = (await get(isidro, '/v1/me/payments')).json().data as {
      id: string;
      receipt_number: string | null;
    }[];
    expect(history.find((p) => p.id === paymentId)?.receipt_number).toBe(receiptNumber);
  });

  it('an unknown payment is 404 for the consumer and the staff', async () => {
    expect((await get(isidro, '/v1/me/payments/pay_nope/receipt.pdf')).statusCode).toBe(404);
    expect((await get(cso, '/v1/payments/pay_nope/receipt.pdf')).statusCode).toBe(404);
  });

  it('cash taken at the counter has its numbered receipt at once; a successful gateway payment still has none', async () => {
    const cash = await ctx.app.inject({
      method: 'POST',
      url: '/v1/payments/cash',
      headers: cso.write,
      payload: { account_number: 'CRN29392', amount: 2500, currency: 'USD', receipt_number: 'CTR-1' },
    });
    expect(cash.statusCode, cash.body).toBe(201);
    expect(cash.json()).toMatchObject({ status: 'successful', channel: 'cash' });
    const paymentId = cash.json().id as string;
    // Numbered in the transaction that recorded it, before anyone asked for it.
    const number = await numberOf(paymentId);
    expect(number).toBeGreaterThan(0n);
    const receiptNumber = `RCP-${number!.toString().padStart(6, '0')}`;
    const staff = await get(cso, `/v1/payments/${paymentId}/receipt.pdf`);
    expect(staff.statusCode, staff.body).toBe(200);
    expect(staff.headers['content-type']).toBe('application/pdf');
    expect(staff.headers['receipt-number']).toBe(receiptNumber);
    const text = pdfText(staff.rawPayload);
    expect(text).toContain(receiptNumber);
    expect(text).toContain('Cash');
    expect(text).toContain('25.00');
    // Not settled yet: the receipt says the cash was received, not that the payment completed.
    expect(text).toContain('Paid — cash received');
    expect(text).not.toContain('Payment Completed');
    // The payer (Maria's account) can download it too; a replayed submission keeps the number.
    expect((await get(maria, `/v1/me/payments/${paymentId}/receipt.pdf`)).headers['receipt-number']).toBe(
      receiptNumber,
    );
    const replay = await ctx.app.inject({
      method: 'POST',
      url: '/v1/payments/cash',
      headers: cso.write,
      payload: { account_number: 'CRN29392', amount: 2500, currency: 'USD', receipt_number: 'CTR-1' },
    });
    expect(replay.statusCode).toBe(200);
    expect(await numberOf(paymentId)).toBe(number);
    // Once settled, the same numbered receipt says Payment Completed.
    await ctx.db.withTenant(live(), (tx) =>
      completePayment(tx, live(), paymentId, { fee: 0n, reference: 'receipts-test-cash' }),
    );
    const settled = await get(cso, `/v1/payments/${paymentId}/receipt.pdf`);
    expect(settled.headers['receipt-number']).toBe(receiptNumber);
    expect(pdfText(settled.rawPayload)).toContain('Payment Completed');
    expect(pdfText(settled.rawPayload)).not.toContain('cash received');

    // Online money is not in hand until it settles: Successful is still 409.
    const online = await ctx.db.withTenant(live(), async (tx) => {
      const r = await recordPayment(tx, live(), {
        channel: 'gateway',
        channelSource: 'sandbox',
        channelRef: 'gw-successful-1',
        amount: 700n,
        currency: 'USD',
        accountId: cash.json().account_id,
        policy: 'flexible',
        method: 'sandbox',
      });
      return r.payment.id;
    });
    const early = await get(cso, `/v1/payments/${online}/receipt.pdf`);
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('receipt_not_available');
    expect(await numberOf(online)).toBeUndefined();
  });

  it('numbers concurrent cash payments uniquely, from the same counter as completions', async () => {
    const posts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        ctx.app.inject({
          method: 'POST',
          url: '/v1/payments/cash',
          headers: cso.write,
          payload: {
            account_number: 'CRN29392',
            amount: 100 + i,
            currency: 'USD',
            receipt_number: `CTR-C${i}`,
          },
        }),
      ),
    );
    for (const p of posts) expect(p.statusCode, p.body).toBe(201);
    const numbers = await Promise.all(posts.map((p) => numberOf(p.json().id)));
    expect(numbers.every((n) => typeof n === 'bigint')).toBe(true);
    expect(new Set(numbers.map(String)).size).toBe(numbers.length);
  });

  it('never repeats a number under concurrent completions', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await suspensePayment(`conc-${i}`));
    // Each completion in its own transaction, all at once (real parallelism on PostgreSQL).
    await Promise.all(
      ids.map((id) =>
        ctx.db.withTenant(live(), (tx) => completePayment(tx, live(), id, { fee: 0n, reference: `s-${id}` })),
      ),
    );
    const numbers = await Promise.all(ids.map(numberOf));
    expect(numbers.every((n) => typeof n === 'bigint')).toBe(true);
    expect(new Set(numbers.map(String)).size).toBe(ids.length);
    // One counter: the numbers are contiguous.
    const sorted = numbers.map(Number).sort((a, b) => a - b);
    expect(sorted[sorted.length - 1]! - sorted[0]!).toBe(ids.length - 1);
  });

  it('numbers a payment completed without one on its first download, once, even when downloads race', async () => {
    const paymentId = await payAsIsidro(['SRV1001']);
    await ctx.db.withTenant(live(), (tx) =>
      completePayment(tx, live(), paymentId, { fee: 0n, reference: 'receipts-test-2' }),
    );
    // As if it had completed before receipts were numbered.
    await ctx.db.system((tx) =>
      tx.delete(receipts).where(and(eq(receipts.tenantId, tenantId), eq(receipts.paymentId, paymentId))),
    );
    const downloads = await Promise.all([
      get(isidro, `/v1/me/payments/${paymentId}/receipt.pdf`),
      get(isidro, `/v1/me/payments/${paymentId}/receipt.pdf`),
      get(cso, `/v1/payments/${paymentId}/receipt.pdf`),
    ]);
    for (const d of downloads) expect(d.statusCode, d.body).toBe(200);
    const numbers = new Set(downloads.map((d) => d.headers['receipt-number']));
    expect(numbers.size).toBe(1);
    expect(await numberOf(paymentId)).toBeGreaterThan(0n);
  });

  it('test-mode receipts are numbered apart and say TEST', async () => {
    const test = { tenantId, mode: 'test' as const };
    const id = await ctx.db.withTenant(test, async (tx) => {
      const r = await recordPayment(tx, test, {
        channel: 'bank_api',
        channelSource: 'receipts-test',
        channelRef: 'test-mode-1',
        amount: 500n,
        currency: 'USD',
        policy: 'flexible',
      });
      await completePayment(tx, test, r.payment.id, { fee: 0n, reference: 'test-mode' });
      return r.payment.id;
    });
    const [row] = await ctx.db.withTenant(test, (tx) =>
      tx
        .select()
        .from(receipts)
        .where(and(eq(receipts.tenantId, tenantId), eq(receipts.paymentId, id))),
    );
    expect(row!.mode).toBe('test');
    expect(row!.number).toBe(1n);
  });
});
