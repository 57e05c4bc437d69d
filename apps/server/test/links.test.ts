import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createBill } from './billing.fixtures.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';
import { checkoutReaches, connectSandbox, sandboxPay } from './pay.fixtures.ts';

/**
 * Issue 5, payment links: the staff API (create for a bill or an amount on an account, list,
 * get, disable, share by WhatsApp URL, email or SMS through the outbox), the public link page and
 * its checkout, single use under concurrency, expiry, tenant isolation and roles.
 */
let ctx: TestContext;
let fx: TenantFixture;
let other: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '1000', PUBLIC_RATE_LIMIT_PER_MINUTE: '10000' });
  fx = await createTenantFixture(ctx);
  other = await createTenantFixture(ctx);
  await connectSandbox(ctx, fx.tenantId);
  await createAccount(ctx, fx, 'CRN30001', { name: 'Isidro Garcia' });
});
afterAll(() => ctx.close());

const rows = <R>(q: ReturnType<typeof sql>) => ctx.db.system((tx) => ctx.db.rows<R>(tx, q));

async function staff(role: 'tenant_admin' | 'cso_admin' | 'cso_executive' = 'cso_executive', t = fx) {
  return t.as(role);
}
async function createLink(payload: object, t = fx) {
  return ctx.app.inject({
    method: 'POST',
    url: '/v1/payment-links',
    headers: (await staff('cso_executive', t)).write,
    payload,
  });
}
const tokenOf = (url: string) => url.split('/l/')[1]!;
const page = (token: string) => ctx.app.inject({ method: 'GET', url: `/v1/public/links/${token}` });
const pay = (token: string, gateway = 'sandbox') =>
  ctx.app.inject({ method: 'POST', url: `/v1/public/links/${token}/checkout`, payload: { gateway } });

let n = 0;
const newBill = async (extra: object = {}) => createBill(ctx, fx, 'CRN30001', `LB${++n}`, extra);

describe('creating and sharing payment links', () => {
  it('creates a bill link with its public url and a WhatsApp share URL', async () => {
    const bill = await newBill({ amount: 12050 });
    const res = await createLink({ bill_id: bill.id });
    expect(res.statusCode, res.body).toBe(201);
    const link = res.json();
    expect(link).toMatchObject({
      object: 'payment_link',
      status: 'active',
      bill_id: bill.id,
      bill_number: bill.bill_number,
      account_number: 'CRN30001',
      amount: null,
      amount_due: 12050,
      currency: 'USD',
      description: `Bill ${bill.bill_number} (March 2025)`,
      reusable: false,
      uses: 0,
    });
    expect(link.id).toMatch(/^lnk_/);
    expect(link.url).toMatch(new RegExp(`^${ctx.config.publicUrl}/l/[A-Za-z0-9_-]{22}$`));
    const wa = new URL(link.whatsapp_url);
    expect(wa.origin + wa.pathname).toBe('https://wa.me/');
    expect(wa.searchParams.get('text')).toBe(`${link.description}: pay $120.50 online at ${link.url}`);
    const withPhone = await ctx.app.inject({
      method: 'GET',
      url: `/v1/payment-links/${link.id}?phone=%2B62%20812-3456-7890`,
      headers: (await staff('cso_admin')).headers,
    });
    expect(withPhone.json().whatsapp_url).toMatch(/^https:\/\/wa\.me\/6281234567890\?text=/);
  });

  it('refuses bad input with the field and reason, and creates nothing', async () => {
    const bill = await newBill();
    const cases: [object, string, string][] = [
      [{}, 'bill_id', 'give a bill_id, or an account_id/account_number with an amount'],
      [
        { bill_id: bill.id, account_number: 'CRN30001', amount: 100 },
        'bill_id',
        'give a bill, or an account with an amount, not both',
      ],
      [{ bill_id: bill.id, amount: 100 }, 'amount', 'a bill link pays what the bill owes; leave amount out'],
      [{ account_number: 'CRN30001' }, 'amount', 'is required for a link on an account'],
      [{ bill_id: bill.id, expires_at: '2001-01-01T00:00:00Z' }, 'expires_at', 'must be in the future'],
      [{ bill_id: 'bill_00000000000000000000000000' }, 'bill_id', 'no such bill'],
      [{ account_number: 'NOPE', amount: 100 }, 'account_number', 'no such account'],
    ];
    const before = (await rows<{ n: number }>(sql`select count(*)::int as n from payment_links`))[0]!.n;
    for (const [payload, field, reason] of cases) {
      const res = await createLink(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().errors, JSON.stringify(payload)).toContainEqual({ field, reason });
    }
    const amount = await createLink({ account_number: 'CRN30001', amount: -5 });
    expect(amount.statusCode).toBe(400);
    expect(amount.json().errors[0].field).toBe('amount');
    const after = (await rows<{ n: number }>(sql`select count(*)::int as n from payment_links`))[0]!.n;
    expect(after).toBe(before);
  });

  it('queues the link by email and SMS in the outbox', async () => {
    const bill = await newBill({ amount: 999 });
    const link = (await createLink({ bill_id: bill.id })).json();
    const sendAs = async (payload: object) =>
      ctx.app.inject({
        method: 'POST',
        url: `/v1/payment-links/${link.id}/send`,
        headers: (await staff()).write,
        payload,
      });
    const email = await sendAs({ channel: 'email', to: 'Payer@Example.com' });
    expect(email.statusCode, email.body).toBe(202);
    expect(email.json().message_id).toMatch(/^msg_/);
    const sms = await sendAs({ channel: 'sms', to: '+62 812 3456 7890' });
    expect(sms.statusCode, sms.body).toBe(202);
    const msgs = await rows<{ channel: string; recipient: string; body: string; subject: string | null }>(
      sql`select channel, recipient, body, subject from outbound_messages where tenant_id = ${fx.tenantId} and template = 'payment_link' order by channel`,
    );
    expect(msgs.map((m) => [m.channel, m.recipient])).toEqual([
      ['email', 'payer@example.com'],
      ['sms', '+6281234567890'],
    ]);
    for (const m of msgs) expect(m.body).toContain(link.url);
    expect(msgs[0]!.subject).toContain(link.description);
    const bad = await sendAs({ channel: 'email', to: 'not-an-address' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ field: 'to', reason: 'must be an email address' }]);
  });
});

describe('paying a link', () => {
  it('pays a single-use bill link once; the link then shows as used and refuses another payment', async () => {
    const bill = await newBill({ amount: 5000 });
    const link = (await createLink({ bill_id: bill.id })).json();
    const token = tokenOf(link.url);
    const before = (await page(token)).json();
    expect(before).toMatchObject({
      biller: { slug: fx.slug },
      link: {
        status: 'active',
        amount_due: 5000,
        bill: { bill_number: bill.bill_number, account_holder: 'I***** G*****' },
      },
    });
    expect(before.payment_methods).toHaveLength(1);
    const c = (await pay(token)).json();
    expect(await sandboxPay(ctx, c.redirect_url, 'success')).toBe(`/pay/result?checkout=${c.id}`);
    const done = await checkoutReaches(ctx, c.id, 'succeeded');
    expect(done.link_token).toBe(token);
    const after = (await page(token)).json();
    expect(after.link.status).toBe('used');
    expect(after.payment_methods).toEqual([]);
    const again = await pay(token);
    expect(again.statusCode).toBe(410);
    expect(again.json()).toMatchObject({ code: 'payment_link_used', link_status: 'used' });
    const staffView = await ctx.app.inject({
      method: 'GET',
      url: `/v1/payment-links/${link.id}`,
      headers: (await staff()).headers,
    });
    expect(staffView.json()).toMatchObject({ status: 'used', uses: 1, amount_due: 0 });
  });

  it('lets only one of two simultaneous payers through a single-use link; nothing is paid twice', async () => {
    const bill = await newBill({ amount: 7000 });
    const token = tokenOf((await createLink({ bill_id: bill.id })).json().url);
    const [a, b] = await Promise.all([pay(token), pay(token)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const refused = a.statusCode === 409 ? a : b;
    const started = a.statusCode === 201 ? a : b;
    expect(refused.json().code).toBe('payment_link_busy');
    // Leaving without paying frees the link for the next payer.
    await sandboxPay(ctx, started.json().redirect_url, 'abandoned');
    await checkoutReaches(ctx, started.json().id, 'canceled');
    const [c, d] = await Promise.all([pay(token), pay(token)]);
    const winner = c.statusCode === 201 ? c : d;
    expect([c.statusCode, d.statusCode].sort()).toEqual([201, 409]);
    await sandboxPay(ctx, winner.json().redirect_url, 'success');
    await checkoutReaches(ctx, winner.json().id, 'succeeded');
    const paid = await rows<{ n: number; total: string }>(
      sql`select count(*)::int as n, coalesce(sum(amount), 0)::text as total from allocations where tenant_id = ${fx.tenantId} and bill_id = ${bill.id}`,
    );
    expect(paid[0]).toEqual({ n: 1, total: '7000' });
    const pays = await rows<{ n: number }>(
      sql`select count(*)::int as n from checkouts where tenant_id = ${fx.tenantId} and payment_link_id = (select id from payment_links where token = ${token}) and payment_id is not null`,
    );
    expect(pays[0]!.n).toBe(1);
  });

  it('pays an amount on an account, allocated to the oldest due bill first', async () => {
    await createAccount(ctx, fx, 'CRN30002', { name: 'Maria Lopez' });
    const older = await createBill(ctx, fx, 'CRN30002', 'AM1', { amount: 3000, due_date: '2099-01-31' });
    const newer = await createBill(ctx, fx, 'CRN30002', 'AM2', { amount: 3000, due_date: '2099-02-28' });
    const res = await createLink({
      account_number: 'CRN30002',
      amount: 4000,
      description: 'Two months of water',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      amount: 4000,
      amount_due: 4000,
      bill_id: null,
      account_number: 'CRN30002',
    });
    const token = tokenOf(res.json().url);
    const view = (await page(token)).json();
    expect(view.link).toMatchObject({ bill: null, amount_due: 4000, account_number: '****0002' });
    const c = (await pay(token)).json();
    await sandboxPay(ctx, c.redirect_url, 'success');
    await checkoutReaches(ctx, c.id, 'succeeded');
    const key = await fx.as('api_key');
    const billOf = async (id: string) =>
      (await ctx.app.inject({ method: 'GET', url: `/v1/bills/${id}`, headers: key.headers })).json();
    expect(await billOf(older.id)).toMatchObject({ status: 'paid', amount_paid: 3000 });
    expect(await billOf(newer.id)).toMatchObject({ status: 'partially_paid', amount_paid: 1000 });
  });

  it('takes several payments through a reusable link', async () => {
    await createAccount(ctx, fx, 'CRN30003', { name: 'Topup Person' });
    const link = (await createLink({ account_number: 'CRN30003', amount: 1500, reusable: true })).json();
    const token = tokenOf(link.url);
    for (let i = 0; i < 2; i++) {
      const c = (await pay(token)).json();
      await sandboxPay(ctx, c.redirect_url, 'success');
      await checkoutReaches(ctx, c.id, 'succeeded');
    }
    const after = await ctx.app.inject({
      method: 'GET',
      url: `/v1/payment-links/${link.id}`,
      headers: (await staff()).headers,
    });
    expect(after.json()).toMatchObject({ status: 'active', uses: 2 });
  });

  it('refuses a disabled link and an expired one with a clear status', async () => {
    const bill = await newBill();
    const link = (await createLink({ bill_id: bill.id })).json();
    const disabled = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payment-links/${link.id}/disable`,
      headers: (await staff('cso_admin')).write,
    });
    expect(disabled.json().status).toBe('disabled');
    expect((await page(tokenOf(link.url))).json().link.status).toBe('disabled');
    expect((await pay(tokenOf(link.url))).json()).toMatchObject({ code: 'payment_link_disabled' });

    const soon = (
      await createLink({ bill_id: bill.id, expires_at: new Date(Date.now() + 60_000).toISOString() })
    ).json();
    await ctx.db.system((tx) =>
      ctx.db.rows(
        tx,
        sql`update payment_links set expires_at = now() - interval '1 second' where id = ${soon.id}`,
      ),
    );
    expect((await page(tokenOf(soon.url))).json().link.status).toBe('expired');
    const res = await pay(tokenOf(soon.url));
    expect(res.statusCode).toBe(410);
    expect(res.json().code).toBe('payment_link_expired');
    const list = await ctx.app.inject({
      method: 'GET',
      url: '/v1/payment-links?status=expired',
      headers: (await staff()).headers,
    });
    expect(list.json().data.map((l: { id: string }) => l.id)).toEqual([soon.id]);
  });

  it('answers 404 for an unknown token', async () => {
    expect((await page('AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    expect((await page('x')).statusCode).toBe(404);
    expect((await pay('AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
  });
});

describe('isolation and roles', () => {
  it('keeps each tenant’s links to itself', async () => {
    const bill = await newBill();
    const mine = (await createLink({ bill_id: bill.id })).json();
    const theirStaff = await other.as('tenant_admin');
    const get = await ctx.app.inject({
      method: 'GET',
      url: `/v1/payment-links/${mine.id}`,
      headers: theirStaff.headers,
    });
    expect(get.statusCode).toBe(404);
    const dis = await ctx.app.inject({
      method: 'POST',
      url: `/v1/payment-links/${mine.id}/disable`,
      headers: theirStaff.write,
    });
    expect(dis.statusCode).toBe(404);
    const list = await ctx.app.inject({
      method: 'GET',
      url: '/v1/payment-links',
      headers: theirStaff.headers,
    });
    expect(list.json().data).toEqual([]);
    // Another tenant's bill id is "no such bill" here.
    const cross = await createLink({ bill_id: bill.id }, other);
    expect(cross.statusCode).toBe(400);
    expect(cross.json().errors).toEqual([{ field: 'bill_id', reason: 'no such bill' }]);
  });

  it('lets tenant admins and CSOs manage links, and nobody else', async () => {
    const bill = await newBill();
    for (const role of ['tenant_admin', 'cso_admin', 'cso_executive'] as const) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/payment-links',
        headers: (await fx.as(role)).write,
        payload: { bill_id: bill.id, reusable: true },
      });
      expect(res.statusCode, role).toBe(201);
    }
    for (const who of ['consumer', 'api_key', 'bank_partner'] as const) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/payment-links',
        headers: (await fx.as(who)).write,
        payload: { bill_id: bill.id },
      });
      expect(res.statusCode, who).toBe(403);
    }
    expect((await ctx.app.inject({ method: 'GET', url: '/v1/payment-links' })).statusCode).toBe(401);
    const list = await ctx.app.inject({
      method: 'GET',
      url: `/v1/payment-links?bill_id=${bill.id}&limit=2`,
      headers: (await staff()).headers,
    });
    expect(list.json()).toMatchObject({ has_more: true });
    expect(list.json().data).toHaveLength(2);
  });
});
