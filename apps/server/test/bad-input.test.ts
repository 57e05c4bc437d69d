import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/** Every class of bad input gets the right 4xx problem+json and changes nothing. */
let ctx: TestContext;
let fx: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp({ BODY_LIMIT_BYTES: '4096' });
  fx = await createTenantFixture(ctx);
});
afterAll(() => ctx.close());

async function tenantNow() {
  const admin = await fx.as('tenant_admin');
  return (await ctx.app.inject({ method: 'GET', url: '/v1/tenant', headers: admin.headers })).json();
}

async function expectProblem(
  res: Awaited<ReturnType<TestContext['app']['inject']>>,
  status: number,
  code: string,
) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  const body = res.json();
  expect(body).toMatchObject({ status, code, type: expect.stringContaining(code.replaceAll('_', '-')) });
  expect(body.title).toBeTypeOf('string');
  expect(body.detail).toBeTypeOf('string');
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

describe('bad input', () => {
  it('malformed JSON', async () => {
    const before = await tenantNow();
    const admin = await fx.as('tenant_admin');
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: { ...admin.write, 'content-type': 'application/json' },
      payload: '{"display_name": "Broken",',
    });
    await expectProblem(res, 400, 'malformed_json');
    expect(await tenantNow()).toEqual(before);
  });

  it('unknown fields are named', async () => {
    const before = await tenantNow();
    const admin = await fx.as('tenant_admin');
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: admin.write,
      payload: { display_name: 'New name', colour: '#ff0000' },
    });
    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'colour', reason: 'is not a known field' }]);
    expect(await tenantNow()).toEqual(before);
  });

  it('wrong types and bad values name the field and the reason', async () => {
    const admin = await fx.as('tenant_admin');
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: admin.write,
      payload: { display_name: 42, primary_color: 'blue', time_zone: 'Mars/Olympus' },
    });
    const body = await expectProblem(res, 400, 'validation_failed');
    const fields = Object.fromEntries(
      body.errors.map((e: { field: string; reason: string }) => [e.field, e.reason]),
    );
    expect(Object.keys(fields).sort()).toEqual(['display_name', 'primary_color', 'time_zone']);
    expect(fields.primary_color).toBe('must be a colour like #1c7ed6');
    expect(fields.time_zone).toContain('IANA time zone');
  });

  it('the currency is fixed at onboarding', async () => {
    const before = await tenantNow();
    const admin = await fx.as('tenant_admin');
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: admin.write,
      payload: { currency: 'EUR', display_name: 'X' },
    });
    const body = await expectProblem(res, 400, 'validation_failed');
    expect(body.errors[0]).toEqual({
      field: 'currency',
      reason: 'is fixed at onboarding (USD) and cannot change',
    });
    expect(await tenantNow()).toEqual(before);
  });

  it('oversized bodies', async () => {
    const admin = await fx.as('tenant_admin');
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: admin.write,
      payload: { display_name: 'x'.repeat(10_000) },
    });
    await expectProblem(res, 413, 'body_too_large');
  });

  it('an unsupported content type', async () => {
    const admin = await fx.as('tenant_admin');
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/tenant',
      headers: { ...admin.write, 'content-type': 'application/xml' },
      payload: '<tenant/>',
    });
    await expectProblem(res, 415, 'unsupported_media_type');
  });

  it('missing or bad authentication', async () => {
    await expectProblem(
      await ctx.app.inject({ method: 'GET', url: '/v1/tenant' }),
      401,
      'authentication_required',
    );
    await expectProblem(
      await ctx.app.inject({
        method: 'GET',
        url: '/v1/tenant',
        headers: { authorization: 'Bearer sk_test_x' },
      }),
      401,
      'invalid_credentials',
    );
    await expectProblem(
      await ctx.app.inject({
        method: 'GET',
        url: '/v1/tenant',
        headers: { cookie: 'billrail_session=forged' },
      }),
      401,
      'session_expired',
    );
  });

  it('a role without the permission', async () => {
    const consumer = await fx.as('consumer');
    await expectProblem(
      await ctx.app.inject({ method: 'GET', url: '/v1/users', headers: consumer.headers }),
      403,
      'forbidden',
    );
  });

  it('unknown routes and ids', async () => {
    await expectProblem(await ctx.app.inject({ method: 'GET', url: '/v1/nothing-here' }), 404, 'not_found');
    const admin = await fx.as('tenant_admin');
    await expectProblem(
      await ctx.app.inject({
        method: 'DELETE',
        url: '/v1/api-keys/key_00000000000000000000000000',
        headers: admin.write,
      }),
      404,
      'not_found',
    );
  });

  it('a bad query string', async () => {
    const admin = await fx.as('tenant_admin');
    const body = await expectProblem(
      await ctx.app.inject({ method: 'GET', url: '/v1/users?limit=100000', headers: admin.headers }),
      400,
      'validation_failed',
    );
    expect(body.errors[0].field).toBe('limit');
  });
});

describe('administration', () => {
  it('a platform admin onboards a tenant; duplicates and bad values are refused', async () => {
    const op = await fx.as('platform_admin');
    const slug = `${fx.slug}-two`;
    const payload = {
      name: 'City Power',
      slug,
      currency: 'IDR',
      time_zone: 'Asia/Jakarta',
      locale: 'id',
      admin: { email: 'boss@city-power.test', name: 'Boss', password: 'long-enough-password' },
    };
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/platform/tenants',
      headers: op.write,
      payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      tenant: { slug, currency: 'IDR', display_name: 'City Power' },
      admin: { role: 'tenant_admin' },
    });
    await expectProblem(
      await ctx.app.inject({ method: 'POST', url: '/v1/platform/tenants', headers: op.write, payload }),
      409,
      'slug_taken',
    );
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/v1/platform/tenants',
      headers: op.write,
      payload: { ...payload, slug: `${slug}-x`, currency: 'XYZ' },
    });
    expect((await expectProblem(bad, 400, 'validation_failed')).errors).toEqual([
      { field: 'currency', reason: 'is not an ISO 4217 currency' },
    ]);
    const list = await ctx.app.inject({
      method: 'GET',
      url: '/v1/platform/tenants?limit=200',
      headers: op.headers,
    });
    expect(list.json().data.map((t: { slug: string }) => t.slug)).toContain(slug);
  });

  it('a tenant admin manages users; role rules and duplicates are refused', async () => {
    const admin = await fx.as('tenant_admin');
    const create = (payload: object) =>
      ctx.app.inject({ method: 'POST', url: '/v1/users', headers: admin.write, payload });
    const payload = {
      email: `new.cso@${fx.slug}.test`,
      name: 'New CSO',
      role: 'cso_executive',
      password: 'long-enough-password',
    };
    expect((await create(payload)).statusCode).toBe(201);
    await expectProblem(await create(payload), 409, 'email_taken');
    const platform = await create({ ...payload, email: `x@${fx.slug}.test`, role: 'platform_admin' });
    expect((await expectProblem(platform, 400, 'validation_failed')).errors[0].field).toBe('role');
    const weak = await create({ ...payload, email: `y@${fx.slug}.test`, password: 'short' });
    expect((await expectProblem(weak, 400, 'validation_failed')).errors[0].field).toBe('password');
    const self = await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/users/${fx.users.tenant_admin.id}`,
      headers: admin.write,
      payload: { status: 'disabled' },
    });
    await expectProblem(self, 400, 'validation_failed');
  });

  it('a disabled user cannot use an existing session', async () => {
    const admin = await fx.as('tenant_admin');
    const { login } = await import('./helpers.ts');
    const victim = await login(ctx.app, fx.slug, fx.users.cso_executive.email);
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/users/${fx.users.cso_executive.id}`,
      headers: admin.write,
      payload: { status: 'disabled' },
    });
    expect(res.json().status).toBe('disabled');
    await expectProblem(
      await ctx.app.inject({ method: 'GET', url: '/v1/me', headers: victim.headers }),
      401,
      'invalid_credentials',
    );
    const audit = await ctx.app.inject({
      method: 'GET',
      url: `/v1/audit-log?target_id=${fx.users.cso_executive.id}`,
      headers: admin.headers,
    });
    expect(audit.json().data[0]).toMatchObject({
      action: 'user.updated',
      before: { status: 'active' },
      after: { status: 'disabled' },
    });
  });
});
