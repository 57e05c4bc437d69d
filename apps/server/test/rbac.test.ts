import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowed, PERMISSIONS, PRINCIPALS } from '../src/platform/rbac.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/**
 * Walks every route of the app with every principal: a principal the matrix allows never gets
 * 401/403, every other gets 403 `forbidden`, and nobody unauthenticated gets past 401.
 * Requests carry an empty body and made-up ids, so allowed calls end in 400/404 and change nothing.
 */
let ctx: TestContext;
let fx: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
  fx = await createTenantFixture(ctx);
});
afterAll(() => ctx.close());

const fillParams = (url: string) =>
  url.replace(/:(\w+)/g, (_m, name) =>
    name === 'slug' ? 'no-such-tenant' : 'xxx_00000000000000000000000000',
  );

describe('role x route matrix', () => {
  it('every /v1 route is either public or names an action of the matrix', () => {
    const v1 = ctx.app.routeTable.filter((r) => r.url.startsWith('/v1'));
    expect(v1.length).toBeGreaterThan(10);
    for (const r of v1) {
      expect(r.public || (r.action !== null && r.action in PERMISSIONS), `${r.method} ${r.url}`).toBe(true);
    }
  });

  it('every action of the matrix is used by some route', () => {
    const used = new Set(ctx.app.routeTable.map((r) => r.action));
    for (const action of Object.keys(PERMISSIONS)) expect(used.has(action as never), action).toBe(true);
  });

  it('walks every guarded route with every role', async () => {
    const guarded = ctx.app.routeTable.filter((r) => r.action);
    let checks = 0;
    for (const route of guarded) {
      const url = fillParams(route.url);
      const write = route.method !== 'GET';
      const anonymous = await ctx.app.inject({
        method: route.method as 'GET',
        url,
        ...(write ? { payload: {} } : {}),
      });
      expect(anonymous.statusCode, `anonymous ${route.method} ${route.url}`).toBe(401);
      for (const principal of PRINCIPALS) {
        // Logging out ends the session, so that route gets credentials of its own.
        const creds =
          route.action === 'session.logout' && principal !== 'api_key' && principal !== 'bank_partner'
            ? await freshLogin(principal)
            : await fx.as(principal);
        const res = await ctx.app.inject({
          method: route.method as 'GET',
          url,
          headers: write ? creds.write : creds.headers,
          ...(write ? { payload: {} } : {}),
        });
        const label = `${principal} ${route.method} ${route.url} -> ${res.statusCode} ${res.body.slice(0, 120)}`;
        if (isAllowed(principal, route.action!)) {
          expect([401, 403], label).not.toContain(res.statusCode);
          expect(res.statusCode, label).toBeLessThan(500);
        } else {
          expect(res.statusCode, label).toBe(403);
          expect(res.json().code, label).toBe('forbidden');
        }
        checks++;
      }
    }
    expect(checks).toBe(guarded.length * PRINCIPALS.length);
  });

  it('guards payment links and challans by role, and leaves the payer’s pay pages public (issue 5)', () => {
    const entry = (method: string, url: string) =>
      ctx.app.routeTable.find((r) => r.method === method && r.url === url);
    expect(entry('POST', '/v1/payment-links')?.action).toBe('payment_links.write');
    expect(entry('GET', '/v1/payment-links')?.action).toBe('payment_links.read');
    expect(entry('GET', '/v1/payment-links/:id')?.action).toBe('payment_links.read');
    expect(entry('POST', '/v1/payment-links/:id/disable')?.action).toBe('payment_links.write');
    expect(entry('POST', '/v1/payment-links/:id/send')?.action).toBe('payment_links.write');
    expect(entry('GET', '/v1/bills/:id/challan.pdf')?.action).toBe('challans.read');
    expect(entry('GET', '/v1/me/bills/:id/challan.pdf')?.action).toBe('me.challans.read');
    for (const p of ['payment_links.read', 'payment_links.write'] as const) {
      expect(PERMISSIONS[p]).toEqual(['tenant_admin', 'cso_admin', 'cso_executive']);
    }
    expect(PERMISSIONS['me.challans.read']).toEqual(['consumer']);
    const publicPay = ctx.app.routeTable.filter((r) => r.url.startsWith('/v1/public/') && r.public);
    expect(publicPay.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'GET /v1/public/bills/:reference',
        'POST /v1/public/bills/:reference/checkout',
        'GET /v1/public/bills/:reference/challan.pdf',
        'GET /v1/public/verify/:reference',
        'GET /v1/public/links/:token',
        'POST /v1/public/links/:token/checkout',
        'GET /v1/public/checkouts/:id',
        'POST /v1/public/checkouts/:id/retry',
      ]),
    );
  });

  it('public routes answer without credentials', async () => {
    for (const route of ctx.app.routeTable.filter((r) => r.public && r.method === 'GET')) {
      const res = await ctx.app.inject({ method: 'GET', url: fillParams(route.url) });
      expect([401, 403], route.url).not.toContain(res.statusCode);
    }
  });
});

async function freshLogin(role: Exclude<(typeof PRINCIPALS)[number], 'api_key' | 'bank_partner'>) {
  const { login } = await import('./helpers.ts');
  return login(ctx.app, role === 'platform_admin' ? 'platform' : fx.slug, fx.users[role].email);
}
