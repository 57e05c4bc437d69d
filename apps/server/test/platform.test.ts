import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createBill } from './billing.fixtures.ts';
import {
  createTenantFixture,
  createTestApp,
  login,
  TEST_PASSWORD,
  type TenantFixture,
  type TestContext,
  uniqueSlug,
} from './helpers.ts';

/**
 * The platform operator (issue 6): onboarding a tenant with its first admin is one audited,
 * all-or-nothing operation; the platform dashboard aggregates every tenant, for platform admins only.
 */
let ctx: TestContext;
let fx: TenantFixture;
let idr: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp();
  [fx, idr] = await Promise.all([createTenantFixture(ctx), createTenantFixture(ctx, 'IDR')]);
});
afterAll(() => ctx.close());

const rawRows = <R>(query: SQL) => ctx.db.system((tx) => ctx.db.rows<R>(tx, query));
const tenantCount = async (slug: string) =>
  (await rawRows<{ n: number }>(sql`select count(*)::int as n from tenants where slug = ${slug}`))[0]!.n;

async function onboard(payload: object) {
  return ctx.app.inject({
    method: 'POST',
    url: '/v1/platform/tenants',
    headers: (await fx.as('platform_admin')).write,
    payload,
  });
}

const tenantBody = (slug: string, admin: object = {}) => ({
  name: 'Lakeside Power',
  slug,
  currency: 'EUR',
  time_zone: 'Europe/Berlin',
  locale: 'es',
  display_name: 'Lakeside Power & Light',
  primary_color: '#2f9e44',
  platform_fee_bps: 250,
  admin: { email: `Admin@${slug}.test`, name: 'Lena Admin', password: TEST_PASSWORD, ...admin },
});

describe('onboarding a tenant', () => {
  it('creates the tenant and its first admin in one audited call; the admin signs in', async () => {
    const slug = uniqueSlug('lake');
    const res = await onboard(tenantBody(slug));
    expect(res.statusCode, res.body).toBe(201);
    const { tenant, admin } = res.json();
    expect(tenant).toMatchObject({
      slug,
      currency: 'EUR',
      time_zone: 'Europe/Berlin',
      locale: 'es',
      display_name: 'Lakeside Power & Light',
      primary_color: '#2f9e44',
      platform_fee_bps: 250,
    });
    expect(admin).toMatchObject({ email: `admin@${slug}.test`, role: 'tenant_admin' });
    const audit = await rawRows<{ action: string; actor_id: string }>(
      sql`select action, actor_id from audit_log where tenant_id = ${tenant.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['tenant.created', 'user.created']);
    expect(audit.every((a) => a.actor_id === fx.users.platform_admin.id)).toBe(true);
    const session = await login(ctx.app, slug, `admin@${slug}.test`);
    const me = await ctx.app.inject({ method: 'GET', url: '/v1/tenant', headers: session.headers });
    expect(me.json()).toMatchObject({ slug, currency: 'EUR' });
    // The currency is fixed from here on.
    const change = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: session.write,
      payload: { currency: 'USD' },
    });
    expect(change.statusCode).toBe(400);
    expect(change.json().errors[0].field).toBe('currency');
  });

  it('creates nothing when the admin email is bad (problem+json naming admin.email)', async () => {
    const slug = uniqueSlug('bad');
    const res = await onboard(tenantBody(slug, { email: 'not-an-email' }));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain('admin.email');
    expect(await tenantCount(slug)).toBe(0);
  });

  it('rolls the tenant back when its admin cannot be created in the same transaction', async () => {
    const slug = uniqueSlug('half');
    // Past the route's schema (as the CLI calls it): the tenant row is written, then the admin's
    // password is refused inside the same transaction.
    await expect(
      ctx.app.services.tenants.create({ ...tenantBody(slug, { password: 'short' }), locale: 'en' } as never, {
        type: 'cli',
        id: 'test',
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await tenantCount(slug)).toBe(0);
    const audit = await rawRows<{ n: number }>(
      sql`select count(*)::int as n from audit_log where after->>'slug' = ${slug}`,
    );
    expect(audit[0]!.n).toBe(0);
  });

  it('refuses a taken slug and an unknown currency, naming the field', async () => {
    const taken = await onboard(tenantBody(fx.slug));
    expect(taken.statusCode).toBe(409);
    expect(taken.json().errors[0].field).toBe('slug');
    const slug = uniqueSlug('ccy');
    const badCcy = await onboard({ ...tenantBody(slug), currency: 'XXQ' });
    expect(badCcy.statusCode).toBe(400);
    expect(badCcy.json().errors[0].field).toBe('currency');
    expect(await tenantCount(slug)).toBe(0);
  });

  it('is for platform admins only', async () => {
    for (const who of ['tenant_admin', 'cso_admin', 'consumer', 'api_key'] as const) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/platform/tenants',
        headers: (await fx.as(who)).write,
        payload: tenantBody(uniqueSlug()),
      });
      expect(res.statusCode, who).toBe(403);
    }
  });
});

describe('platform dashboard', () => {
  beforeAll(async () => {
    // fx: two open bills (120.50 + 45.75), 120.50 paid in cash today. idr: one open bill.
    await createAccount(ctx, fx, 'CRN1');
    const a = await createBill(ctx, fx, 'CRN1', 'B1', { amount: 12050 });
    await createBill(ctx, fx, 'CRN1', 'B2', { amount: 4575 });
    const cash = await ctx.app.inject({
      method: 'POST',
      url: '/v1/payments/cash',
      headers: (await fx.as('cso_executive')).write,
      payload: {
        account_number: 'CRN1',
        bill_ids: [a.id],
        amount: 12050,
        currency: 'USD',
        receipt_number: 'R-1',
      },
    });
    expect(cash.statusCode, cash.body).toBe(201);
    await createAccount(ctx, idr, 'CRN9');
    await createBill(ctx, idr, 'CRN9', 'B9', { amount: 150000, late_fee: 0 });
  });

  async function dashboard(query = '') {
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/v1/platform/dashboard${query}`,
      headers: (await fx.as('platform_admin')).headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  it('shows each tenant: collected today and this month, outstanding, payments by status', async () => {
    const d = await dashboard();
    const mine = d.tenants.find((t: { id: string }) => t.id === fx.tenantId);
    expect(mine).toMatchObject({
      currency: 'USD',
      collected_today: 12050,
      payments_today: 1,
      collected_month: 12050,
      payments_month: 1,
      outstanding: 4575,
      open_bills: 1,
      overdue_bills: 0,
    });
    expect(mine.payments_by_status).toMatchObject({ successful: 1, failed: 0, completed: 0 });
    const theirs = d.tenants.find((t: { id: string }) => t.id === idr.tenantId);
    expect(theirs).toMatchObject({ currency: 'IDR', collected_today: 0, outstanding: 150000, open_bills: 1 });
    // The platform's own tenant is not a biller.
    expect(d.tenants.some((t: { slug: string }) => t.slug === 'platform')).toBe(false);
    // Totals never add different currencies.
    const usd = d.totals.find((t: { currency: string }) => t.currency === 'USD');
    const idrTotal = d.totals.find((t: { currency: string }) => t.currency === 'IDR');
    expect(usd.collected_today).toBeGreaterThanOrEqual(12050);
    expect(idrTotal.outstanding).toBeGreaterThanOrEqual(150000);
  });

  it('keeps test-mode money apart', async () => {
    const d = await dashboard('?mode=test');
    expect(d.tenants.find((t: { id: string }) => t.id === fx.tenantId)).toMatchObject({
      collected_today: 0,
      outstanding: 0,
    });
    const bad = await ctx.app.inject({
      method: 'GET',
      url: '/v1/platform/dashboard?mode=both',
      headers: (await fx.as('platform_admin')).headers,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toMatch(/mode/);
  });

  it('is for platform admins only; tenant users stay confined by row-level security', async () => {
    for (const who of ['tenant_admin', 'cso_admin', 'cso_executive', 'consumer', 'api_key'] as const) {
      const res = await ctx.app.inject({
        method: 'GET',
        url: '/v1/platform/dashboard',
        headers: (await fx.as(who)).headers,
      });
      expect(res.statusCode, who).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
    const seen = await ctx.db.withTenant({ tenantId: fx.tenantId, mode: 'live' }, (tx) =>
      ctx.db.rows<{ n: number }>(tx, sql`select count(distinct tenant_id)::int as n from payments`),
    );
    expect(seen[0]!.n).toBeLessThanOrEqual(1);
  });
});
