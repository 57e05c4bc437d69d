import jsQRModule from 'jsqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQris } from '../src/channels/qr/emvco.ts';
import { pdfImages, pdfText } from '../src/documents/pdf-inspect.ts';
import { makeReference } from '../src/modules/bills/reference.ts';
import { createAccount, createBill } from './billing.fixtures.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';
import { checkoutReaches, connectSandbox, sandboxPay } from './pay.fixtures.ts';

/**
 * Issue 5: quick pay without an account (GET/POST /v1/public/bills/:reference), the public
 * verification page's API, printable challans (staff, consumer, public) with the QR of the
 * quick-pay URL and a QRIS payload where the tenant has a QRIS merchant, and the rate limit.
 */
// jsqr is CommonJS with an ES-style default in its types: take whichever the loader gives.
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQr = (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr);

let ctx: TestContext;
let fx: TenantFixture;
let other: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '1000', PUBLIC_RATE_LIMIT_PER_MINUTE: '10000' });
  fx = await createTenantFixture(ctx);
  other = await createTenantFixture(ctx);
  await connectSandbox(ctx, fx.tenantId);
  await createAccount(ctx, fx, 'CRN10001', { name: 'Isidro Garcia Lopez' });
});
afterAll(() => ctx.close());

const get = (url: string, headers: Record<string, string> = {}) =>
  ctx.app.inject({ method: 'GET', url, headers });
const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  ctx.app.inject({ method: 'POST', url, payload, headers });

let n = 0;
const newBill = async (extra: object = {}) => createBill(ctx, fx, 'CRN10001', `QP${++n}`, extra);

/** The QR codes of a challan PDF, decoded (images with a soft mask are PNG alpha, skipped). */
function qrCodes(pdf: Buffer): string[] {
  const images = pdfImages(pdf);
  const masks = new Set(images.flatMap((i) => (i.smask ? [i.smask] : [])));
  return images
    .filter((i) => !masks.has(i.id))
    .map((img) => {
      const rgba = new Uint8ClampedArray(img.width * img.height * 4);
      const ch = img.colorSpace === 'DeviceRGB' ? 3 : 1;
      for (let p = 0; p < img.width * img.height; p++) {
        const v = img.samples.subarray(p * ch, p * ch + ch);
        rgba[p * 4] = v[0]!;
        rgba[p * 4 + 1] = v[ch === 3 ? 1 : 0]!;
        rgba[p * 4 + 2] = v[ch === 3 ? 2 : 0]!;
        rgba[p * 4 + 3] = 255;
      }
      return jsQR(rgba, img.width, img.height)?.data ?? '';
    })
    .filter(Boolean);
}

describe('quick pay by reference id', () => {
  it('refuses a malformed reference and one with a wrong check digit, naming the field', async () => {
    const short = await get('/v1/public/bills/12345');
    expect(short.statusCode).toBe(400);
    expect(short.headers['content-type']).toContain('application/problem+json');
    expect(short.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'reference', reason: 'must be 16 digits' }],
    });
    const bill = await newBill();
    const ref: string = bill.reference_id;
    const typo = ref.slice(0, 10) + String((Number(ref[10]) + 1) % 10) + ref.slice(11);
    const bad = await get(`/v1/public/bills/${typo}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      { field: 'reference', reason: 'has a wrong check digit (mistyped?)' },
    ]);
    expect((await post(`/v1/public/bills/${typo}/checkout`, { gateway: 'sandbox' })).statusCode).toBe(400);
    expect((await get(`/v1/public/verify/${typo}`)).json().errors[0].field).toBe('reference');
  });

  it('answers 404 for a well-formed reference that no bill has (unknown tenant or sequence)', async () => {
    const bill = await newBill();
    const prefix = Number(bill.reference_id.slice(0, 5));
    for (const ref of [makeReference(prefix, 999_999_999n), makeReference(99_998, 1n)]) {
      const res = await get(`/v1/public/bills/${ref}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'reference_not_found', errors: [{ field: 'reference' }] });
    }
  });

  it('shows the bill with the biller and masked holder, pays it through the sandbox, and verifies it paid', async () => {
    const bill = await newBill({ amount: 4200, billing_period: 'April 2025' });
    // Spaces as printed on the challan are accepted.
    const page = await get(`/v1/public/bills/${bill.reference_display.replaceAll(' ', '%20')}`);
    expect(page.statusCode, page.body).toBe(200);
    const body = page.json();
    expect(body.biller.slug).toBe(fx.slug);
    expect(body.bill).toMatchObject({
      bill_number: bill.bill_number,
      billing_period: 'April 2025',
      amount_due: 4200,
      due_date: '2099-12-31',
      status: 'unpaid',
      payable: true,
      account_holder: 'I***** G***** L****',
      account_number: '****0001',
    });
    expect(JSON.stringify(body)).not.toContain('Isidro');
    expect(body.payment_methods.map((m: { gateway: string }) => m.gateway)).toEqual(['sandbox']);

    const noGateway = await post(`/v1/public/bills/${bill.reference_id}/checkout`, { gateway: 'stripe' });
    expect(noGateway.statusCode).toBe(400);
    expect(noGateway.json().errors).toEqual([
      { field: 'gateway', reason: 'is not an active payment method of this biller' },
    ]);

    const start = await post(`/v1/public/bills/${bill.reference_id}/checkout`, {
      gateway: 'sandbox',
      payer_email: 'payer@example.com',
    });
    expect(start.statusCode, start.body).toBe(201);
    const c = start.json();
    expect(c.redirect_url).toContain('/sandbox/checkout/');
    const back = await sandboxPay(ctx, c.redirect_url, 'success');
    expect(back).toBe(`/pay/result?checkout=${c.id}`);
    const result = await checkoutReaches(ctx, c.id, 'succeeded');
    expect(result).toMatchObject({
      amount: 4200,
      bill_numbers: [bill.bill_number],
      reference_id: bill.reference_id,
      link_token: null,
      gateway_name: 'Sandbox (test payments)',
    });
    expect(result.payment_id).toMatch(/^pay_/);

    const verified = (await get(`/v1/public/verify/${bill.reference_id}`)).json();
    expect(verified).toMatchObject({
      genuine: true,
      bill: { status: 'paid', amount_due: 0, payable: false },
    });
    expect(verified.bill.paid_at).not.toBeNull();
    const again = await post(`/v1/public/bills/${bill.reference_id}/checkout`, { gateway: 'sandbox' });
    expect(again.statusCode).toBe(400);
    expect(again.json().errors).toEqual([{ field: 'reference', reason: 'is already paid' }]);
  });

  it('shows a declined payment with the gateway’s words and retries it', async () => {
    const bill = await newBill();
    const c = (await post(`/v1/public/bills/${bill.reference_id}/checkout`, { gateway: 'sandbox' })).json();
    await sandboxPay(ctx, c.redirect_url, 'insufficient_funds');
    const failed = await checkoutReaches(ctx, c.id, 'failed');
    expect(failed.failure.message).toBe('Your card has insufficient funds.');
    const retry = await post(`/v1/public/checkouts/${c.id}/retry`, {});
    expect(retry.statusCode, retry.body).toBe(201);
    await sandboxPay(ctx, retry.json().redirect_url, 'success');
    await checkoutReaches(ctx, retry.json().id, 'succeeded');
    const done = await post(`/v1/public/checkouts/${retry.json().id}/retry`, {});
    expect(done.statusCode).toBe(409);
    expect((await get('/v1/public/checkouts/chk_00000000000000000000000000')).statusCode).toBe(404);
  });

  it('finds a bill of the tenant its prefix names, never another tenant’s', async () => {
    await createAccount(ctx, other, 'CRN10001', { name: 'Someone Else' });
    const theirs = await createBill(ctx, other, 'CRN10001', 'QP1');
    const page = (await get(`/v1/public/bills/${theirs.reference_id}`)).json();
    expect(page.biller.slug).toBe(other.slug);
    expect(page.bill.account_holder).toBe('S****** E***');
    expect(page.payment_methods).toEqual([]); // no gateway: nothing to pay with
    const pay = await post(`/v1/public/bills/${theirs.reference_id}/checkout`, { gateway: 'sandbox' });
    expect(pay.statusCode).toBe(400);
  });
});

describe('challans', () => {
  it('prints the staff copy with the reference id and a QR of the quick-pay URL', async () => {
    const bill = await newBill({ amount: 15000 });
    const staff = await fx.as('cso_executive');
    const res = await get(`/v1/bills/${bill.id}/challan.pdf`, staff.headers);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain(`challan-${bill.bill_number}.pdf`);
    const pdf = res.rawPayload;
    const text = pdfText(pdf);
    expect(text).toContain(bill.reference_display);
    expect(text).toContain('Isidro Garcia Lopez');
    expect(qrCodes(pdf)).toEqual([`${ctx.config.publicUrl}/pay?ref=${bill.reference_id}`]);
    // Another tenant's staff cannot print it.
    const theirs = await get(`/v1/bills/${bill.id}/challan.pdf`, (await other.as('tenant_admin')).headers);
    expect(theirs.statusCode).toBe(404);
  });

  it('prints the public copy by reference with the holder’s name masked', async () => {
    const bill = await newBill();
    const res = await get(`/v1/public/bills/${bill.reference_id}/challan.pdf`);
    expect(res.statusCode).toBe(200);
    const text = pdfText(res.rawPayload);
    expect(text).toContain('I***** G***** L****');
    expect(text).not.toContain('Isidro');
    expect((await get('/v1/public/bills/1234/challan.pdf')).statusCode).toBe(400);
  });

  it('prints a consumer’s own bill only', async () => {
    const acc = await createAccount(ctx, fx, 'CRN10002', {
      name: 'Maria Lopez',
      consumer_email: fx.users.consumer.email,
    });
    const mine = await createBill(ctx, fx, acc.account_number, 'QPC1');
    const notMine = await newBill();
    const consumer = await fx.as('consumer');
    const ok = await get(`/v1/me/bills/${mine.id}/challan.pdf`, consumer.headers);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(pdfText(ok.rawPayload)).toContain('Maria Lopez');
    expect((await get(`/v1/me/bills/${notMine.id}/challan.pdf`, consumer.headers)).statusCode).toBe(404);
  });

  it('adds a dynamic QRIS code for the amount when the tenant has a QRIS merchant (IDR)', async () => {
    const idr = await createTenantFixture(ctx, 'IDR');
    const admin = await idr.as('tenant_admin');
    const merchant = {
      acquirer: {
        guid: 'ID.CO.EXAMPLE.WWW',
        mpan: '936000000000000001',
        merchant_id: '000000000000001',
        criteria: 'UMI',
      },
      nmid: 'ID1000000000001',
      criteria: 'UMI',
      mcc: '4900',
      name: 'PT CONTOH BILLER',
      city: 'JAKARTA',
      postal_code: '10110',
    };
    const bad = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: admin.write,
      payload: {
        qris_merchant: { ...merchant, nmid: 'short', acquirer: { ...merchant.acquirer, mpan: '12' } },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['qris_merchant.acquirer.mpan', 'qris_merchant.nmid']);
    const usd = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: (await fx.as('tenant_admin')).write,
      payload: { qris_merchant: merchant },
    });
    expect(usd.statusCode).toBe(400);
    expect(usd.json().errors[0]).toMatchObject({ field: 'qris_merchant' });
    const saved = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: admin.write,
      payload: { qris_merchant: merchant },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().qris_merchant).toEqual(merchant);

    await createAccount(ctx, idr, 'CRN20001', { name: 'Budi Santoso' });
    const bill = await createBill(ctx, idr, 'CRN20001', 'INV-0001', { amount: 15000000, late_fee: 0 });
    const pdf = (await get(`/v1/bills/${bill.id}/challan.pdf`, admin.headers)).rawPayload;
    const [pay, qris] = qrCodes(pdf);
    expect(pay).toBe(`${ctx.config.publicUrl}/pay?ref=${bill.reference_id}`);
    const parsed = parseQris(qris!);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.transaction).toMatchObject({
        amount: 15000000n,
        billNumber: 'INV-0001',
        referenceLabel: bill.reference_id,
      });
      expect(parsed.merchant.nmid).toBe('ID1000000000001');
    }
    const removed = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: admin.write,
      payload: { qris_merchant: null },
    });
    expect(removed.json().qris_merchant).toBeNull();
    expect(qrCodes((await get(`/v1/bills/${bill.id}/challan.pdf`, admin.headers)).rawPayload)).toHaveLength(
      1,
    );
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once an IP exceeds PUBLIC_RATE_LIMIT_PER_MINUTE on a public route', async () => {
    const small = await createTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push((await small.app.inject({ method: 'GET', url: '/v1/public/verify/1234' })).statusCode);
      }
      expect(codes).toEqual([400, 400, 400, 429]);
      const limited = await small.app.inject({ method: 'GET', url: '/v1/public/verify/1234' });
      expect(limited.json().code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await small.close();
    }
  });
});
