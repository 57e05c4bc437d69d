import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../src/platform/auth.ts';
import {
  createTenantFixture,
  createTestApp,
  login,
  TEST_PASSWORD,
  type TenantFixture,
  type TestContext,
} from './helpers.ts';

let ctx: TestContext;
let fx: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });
  fx = await createTenantFixture(ctx);
});
afterAll(() => ctx.close());

const inject = (opts: InjectOptions) => ctx.app.inject(opts);

describe('sign-in', () => {
  it('sets an HTTP-only, Secure, SameSite session cookie and returns the session', async () => {
    const res = await inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { tenant: fx.slug, email: fx.users.cso_admin.email.toUpperCase(), password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(res.json()).toMatchObject({
      user: { role: 'cso_admin' },
      tenant: { slug: fx.slug },
      mode: 'live',
    });
    expect(res.json().csrf_token).toMatch(/^[\w-]{20,}$/);
    // Nothing of the password leaves the server (allowed_actions names `password.change`).
    expect(Object.keys(res.json().user).filter((k) => k.includes('password'))).toEqual([]);
    expect(res.body).not.toContain('$argon2');
  });

  it('answers the same for a wrong password, an unknown email and an unknown tenant', async () => {
    for (const payload of [
      { tenant: fx.slug, email: fx.users.consumer.email, password: 'wrong-password' },
      { tenant: fx.slug, email: 'nobody@example.com', password: TEST_PASSWORD },
      { tenant: 'no-such-tenant', email: fx.users.consumer.email, password: TEST_PASSWORD },
    ]) {
      const res = await inject({ method: 'POST', url: '/v1/auth/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'invalid_credentials', status: 401 });
    }
  });

  it('locks the account after repeated failures, and a tenant admin can unlock it', async () => {
    const email = fx.users.cso_executive.email;
    for (let i = 0; i < 3; i++) {
      const res = await inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { tenant: fx.slug, email, password: 'nope-nope-nope' },
      });
      expect(res.statusCode).toBe(401);
    }
    const locked = await inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { tenant: fx.slug, email, password: TEST_PASSWORD },
    });
    expect(locked.statusCode).toBe(423);
    expect(locked.json().code).toBe('account_locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);

    const admin = await fx.as('tenant_admin');
    const view = await inject({
      method: 'GET',
      url: `/v1/users/${fx.users.cso_executive.id}`,
      headers: admin.headers,
    });
    expect(view.json().locked_until).not.toBeNull();
    const unlock = await inject({
      method: 'PATCH',
      url: `/v1/users/${fx.users.cso_executive.id}`,
      headers: admin.write,
      payload: { unlock: true },
    });
    expect(unlock.statusCode).toBe(200);
    expect(unlock.json().locked_until).toBeNull();
    await expect(login(ctx.app, fx.slug, email)).resolves.toBeDefined();
  });

  it('rate-limits sign-in attempts per client address', async () => {
    const limited = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { tenant: 'x-none', email: 'a@b.test', password: 'whatever-pass' },
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(res.json().code).toBe('rate_limited');
        }
      }
      expect(codes).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('sessions', () => {
  it('an expired session gets a clear 401 telling the client to sign in again', async () => {
    const creds = await login(ctx.app, fx.slug, fx.users.consumer.email);
    expect((await inject({ method: 'GET', url: '/v1/me', headers: creds.headers })).statusCode).toBe(200);
    await ctx.db.system((tx) =>
      tx.execute(
        sql`update sessions set expires_at = now() - interval '1 second' where user_id = ${fx.users.consumer.id}`,
      ),
    );
    const res = await inject({ method: 'GET', url: '/v1/me', headers: creds.headers });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({
      code: 'session_expired',
      detail: 'Your session has expired. Please sign in again.',
    });
    expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBe('');
  });

  it('sign-out revokes the session', async () => {
    const creds = await login(ctx.app, fx.slug, fx.users.cso_admin.email);
    expect((await inject({ method: 'POST', url: '/v1/auth/logout', headers: creds.write })).statusCode).toBe(
      204,
    );
    expect((await inject({ method: 'GET', url: '/v1/me', headers: creds.headers })).json().code).toBe(
      'session_expired',
    );
  });

  it('cookie-authenticated writes need the CSRF token; API keys do not', async () => {
    const creds = await login(ctx.app, fx.slug, fx.users.cso_admin.email);
    const payload = { name: 'Renamed' };
    const missing = await inject({ method: 'PATCH', url: '/v1/me', headers: creds.headers, payload });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('csrf_token_invalid');
    const wrong = await inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: { ...creds.headers, 'x-csrf-token': 'forged' },
      payload,
    });
    expect(wrong.statusCode).toBe(403);
    const me = await inject({ method: 'GET', url: '/v1/me', headers: creds.headers });
    expect(me.json().name).not.toBe('Renamed');
    const ok = await inject({ method: 'PATCH', url: '/v1/me', headers: creds.write, payload });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().name).toBe('Renamed');
  });

  it('switches between test and live data', async () => {
    const creds = await login(ctx.app, fx.slug, fx.users.tenant_admin.email);
    const res = await inject({
      method: 'PATCH',
      url: '/v1/auth/session',
      headers: creds.write,
      payload: { mode: 'test' },
    });
    expect(res.json().mode).toBe('test');
    expect(
      (await inject({ method: 'GET', url: '/v1/auth/session', headers: creds.headers })).json().mode,
    ).toBe('test');
  });
});

describe('profile and password', () => {
  it('edits the profile and records it in the audit log', async () => {
    const creds = await login(ctx.app, fx.slug, fx.users.consumer.email);
    const res = await inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: creds.write,
      payload: { phone: '+62 812 5550 100', locale: 'id' },
    });
    expect(res.json()).toMatchObject({ phone: '+62 812 5550 100', locale: 'id' });
    const admin = await fx.as('tenant_admin');
    const audit = await inject({
      method: 'GET',
      url: `/v1/audit-log?action=profile.updated&target_id=${fx.users.consumer.id}`,
      headers: admin.headers,
    });
    const entry = audit.json().data[0];
    expect(entry).toMatchObject({ actor_type: 'user', actor_id: fx.users.consumer.id, target_type: 'user' });
    expect(entry.before.phone).toBeNull();
    expect(entry.after.phone).toBe('+62 812 5550 100');
    expect(JSON.stringify(entry)).not.toContain('password_hash');
  });

  it('changes the password: checks the current one and the new one, signs out other sessions', async () => {
    const email = fx.users.cso_admin.email;
    const here = await login(ctx.app, fx.slug, email);
    const elsewhere = await login(ctx.app, fx.slug, email);
    const wrong = await inject({
      method: 'POST',
      url: '/v1/auth/change-password',
      headers: here.write,
      payload: { current_password: 'not-the-password', new_password: 'a-new-long-password' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors).toEqual([{ field: 'current_password', reason: 'is not correct' }]);
    const short = await inject({
      method: 'POST',
      url: '/v1/auth/change-password',
      headers: here.write,
      payload: { current_password: TEST_PASSWORD, new_password: 'short' },
    });
    expect(short.json().errors[0].field).toBe('new_password');
    const ok = await inject({
      method: 'POST',
      url: '/v1/auth/change-password',
      headers: here.write,
      payload: { current_password: TEST_PASSWORD, new_password: 'a-new-long-password' },
    });
    expect(ok.statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/v1/me', headers: here.headers })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/v1/me', headers: elsewhere.headers })).json().code).toBe(
      'session_expired',
    );
    await expect(login(ctx.app, fx.slug, email)).rejects.toThrow(/401/);
    await expect(login(ctx.app, fx.slug, email, 'a-new-long-password')).resolves.toBeDefined();
  });
});

describe('API keys', () => {
  it('are shown once, stored hashed, scoped to a mode, and revocable', async () => {
    const admin = await fx.as('tenant_admin');
    const created = await inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: admin.write,
      payload: { name: 'billing system', mode: 'test' },
    });
    expect(created.statusCode).toBe(201);
    const { id, secret } = created.json();
    expect(secret).toMatch(/^sk_test_[\w-]{43}$/);
    const stored = await ctx.db.system((tx) =>
      ctx.db.rows<{ key_hash: string }>(tx, sql`select key_hash from api_keys where id = ${id}`),
    );
    expect(stored[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]!.key_hash).not.toContain(secret);
    const list = await inject({ method: 'GET', url: '/v1/api-keys', headers: admin.headers });
    expect(list.body).not.toContain(secret);
    expect(list.json().data.find((k: { id: string }) => k.id === id)).toMatchObject({
      mode: 'test',
      revoked_at: null,
    });

    const bearer = { authorization: `Bearer ${secret}` };
    expect((await inject({ method: 'GET', url: '/v1/tenant', headers: bearer })).statusCode).toBe(200);
    const revoke = await inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: admin.write });
    expect(revoke.json().revoked_at).not.toBeNull();
    const after = await inject({ method: 'GET', url: '/v1/tenant', headers: bearer });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({
      code: 'invalid_credentials',
      detail: 'This API key has been revoked.',
    });
  });

  it('rejects malformed and unknown keys', async () => {
    for (const authorization of [
      'Bearer nope',
      'Bearer sk_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'Basic dXNlcjpwYXNz',
    ]) {
      const res = await inject({ method: 'GET', url: '/v1/tenant', headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().code).toBe('invalid_credentials');
    }
  });
});
