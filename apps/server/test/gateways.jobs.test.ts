import { type SQL, sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createBill } from './billing.fixtures.ts';
import { type SmtpCatcher, startSmtpCatcher } from './fakes/smtp-catcher.ts';
import { type StripeFake, startStripeFake } from './fakes/stripe-fake.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/**
 * The gateway work the worker does (workers/worker.ts gatewayJobs): the daily handshake that
 * emails the tenant's admins on failure, the expiry sweep, and inbox retries.
 */
const SECRET = 'whsec_jobstest0123456789';
let ctx: TestContext;
let stripe: StripeFake;
let smtp: SmtpCatcher;
let fx: TenantFixture;
let hookPath: string;

const rows = <R>(q: SQL) => ctx.db.system((tx) => ctx.db.rows<R>(tx, q));
const until = async (what: string, check: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};
const deliver = (event: Record<string, unknown>) => {
  const { body, header } = stripe.sign(event);
  return ctx.app.inject({
    method: 'POST',
    url: hookPath,
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
    payload: body,
  });
};
const lastSession = () => [...stripe.sessions.values()].at(-1)!.id as string;

beforeAll(async () => {
  stripe = await startStripeFake({ webhookSecret: SECRET });
  smtp = await startSmtpCatcher();
  ctx = await createTestApp({
    STRIPE_API_URL: stripe.origin,
    MAIL_SMTP_URL: smtp.url,
    GATEWAY_TIMEOUT_MS: '2000',
  });
  fx = await createTenantFixture(ctx);
  const admin = await fx.as('tenant_admin');
  const saved = await ctx.app.inject({
    method: 'PUT',
    url: '/v1/gateways/stripe/credentials',
    headers: admin.write,
    payload: {
      credentials: {
        api_key: 'sk_test_jobs123',
        secret_key: 'rk_test_jobs123',
        webhook_secret: SECRET,
        publishable_key: 'pk_test_jobs123',
      },
    },
  });
  expect(saved.statusCode, saved.body).toBe(200);
  hookPath = new URL(saved.json().webhook_url).pathname;
  await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/gateways/stripe',
    headers: admin.write,
    payload: { active: true },
  });
  await ctx.app.inject({
    method: 'POST',
    url: '/v1/gateways/stripe/connect',
    headers: admin.write,
    payload: {},
  });
  for (const e of stripe.payerCompletes(lastSession(), 'paid')) await deliver(e);
  await until('connected', async () => {
    const g = await ctx.app.inject({ method: 'GET', url: '/v1/gateways/stripe', headers: admin.headers });
    return g.json().connected;
  });
});
afterAll(async () => {
  await ctx.close();
  await stripe.close();
  await smtp.close();
});

describe('daily handshake', () => {
  it('checks each connected gateway once a day and emails the tenant admins when it fails', async () => {
    stripe.failNext(401, {
      type: 'authentication_error',
      message: 'Expired API Key provided: sk_test_***123',
    });
    const failed = await ctx.app.services.gateways.runDueHandshakes({ tenantId: fx.tenantId, mode: 'live' });
    expect(failed).toBe(1);
    const mail = await smtp.waitFor((m) => (m.subject ?? '').includes('daily connection check failed'));
    expect(mail.to).toContain(fx.users.tenant_admin.email);
    expect(mail.text).toContain('Expired API Key');
    const notices = await rows<{ kind: string }>(
      sql`select kind from notifications where tenant_id = ${fx.tenantId} and kind = 'gateway.handshake_failed'`,
    );
    expect(notices).toHaveLength(1);
    const g = await ctx.app.inject({
      method: 'GET',
      url: '/v1/gateways/stripe',
      headers: (await fx.as('tenant_admin')).headers,
    });
    expect(g.json().last_check).toMatchObject({ ok: false });
    // Checked within the day: not again.
    expect(await ctx.app.services.gateways.runDueHandshakes({ tenantId: fx.tenantId, mode: 'live' })).toBe(0);
    // On demand, it passes again once Stripe answers.
    const now = await ctx.app.inject({
      method: 'POST',
      url: '/v1/gateways/stripe/check',
      headers: (await fx.as('tenant_admin')).write,
    });
    expect(now.json()).toMatchObject({ ok: true });
  });
});

describe('expiry sweep and inbox retries', () => {
  it('expires an attempt whose session ran out and asks the payer to start again', async () => {
    const account = await createAccount(ctx, fx, 'CRN5001');
    const bill = await createBill(ctx, fx, account.account_number, 'BILL5001');
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/checkouts',
      headers: (await fx.as('api_key')).write,
      payload: { gateway: 'stripe', bill_ids: [bill.id] },
    });
    const c = res.json();
    await rows(sql`update checkouts set expires_at = now() - interval '1 minute' where id = ${c.id}`);
    expect(await ctx.app.services.checkouts.expireDue()).toBeGreaterThanOrEqual(1);
    const after = await ctx.app.inject({
      method: 'GET',
      url: `/v1/checkouts/${c.id}`,
      headers: (await fx.as('api_key')).headers,
    });
    expect(after.json()).toMatchObject({ status: 'expired', failure: { reason: 'expired' } });
    expect(after.json().failure.message).toContain('start again');
  });

  it('keeps a verified event it cannot apply yet and retries it with backoff', async () => {
    // A session Billrail did not create (e.g. made in the dashboard): verified, stored, not applicable.
    const sdk = new Stripe('sk_test_jobs123', {
      host: '127.0.0.1',
      port: stripe.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const session = await sdk.checkout.sessions.create({
      mode: 'payment',
      success_url: 'https://example.com/ok',
      line_items: [
        { quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'x' } } },
      ],
    });
    const events = stripe.payerCompletes(session.id, 'paid');
    const completed = events.find((e) => e.type === 'checkout.session.completed')!;
    expect((await deliver(completed)).statusCode).toBe(200);
    await until('first try', async () => {
      const r = await rows<{ attempts: number }>(
        sql`select attempts from gateway_events where event_id = ${completed.id as string}`,
      );
      return r[0]!.attempts === 1;
    });
    const [row] = await rows<{ status: string; last_error: string; next_attempt_at: Date }>(
      sql`select status, last_error, next_attempt_at from gateway_events where event_id = ${completed.id as string}`,
    );
    expect(row!.status).toBe('received');
    expect(row!.last_error).toContain('No checkout matches');
    expect(new Date(row!.next_attempt_at).getTime()).toBeGreaterThan(Date.now());
    // Not due yet: the worker leaves it alone.
    const before = await ctx.app.services.checkouts.processDueEvents();
    expect(before).toBe(0);
  });
});
