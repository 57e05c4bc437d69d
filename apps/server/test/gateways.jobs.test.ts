import { type SQL, sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camtXml } from '../src/importers/statements/fixtures.ts';
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

describe('a day of Stripe payments, its payout and the bank statement (issue 7)', () => {
  it('completes every payment, matches the payout’s bank line to its batch (rule 4) and emails the daily report', async () => {
    const key = await fx.as('api_key');
    const cso = await fx.as('cso_admin');
    const today = new Date().toISOString().slice(0, 10);
    const account = await createAccount(ctx, fx, 'CRN5100');
    const bills = [];
    for (const [i, amount] of [12050, 4575, 8925].entries()) {
      bills.push(await createBill(ctx, fx, account.account_number, `BILL510${i}`, { amount }));
    }
    // The consumer pays each bill through Stripe Checkout.
    const paymentIds: string[] = [];
    for (const bill of bills) {
      const c = await ctx.app.inject({
        method: 'POST',
        url: '/v1/checkouts',
        headers: key.write,
        payload: { gateway: 'stripe', bill_ids: [bill.id] },
      });
      expect(c.statusCode, c.body).toBe(201);
      for (const e of stripe.payerCompletes(lastSession(), 'paid')) await deliver(e);
      await until('paid', async () => {
        const got = await ctx.app.inject({
          method: 'GET',
          url: `/v1/checkouts/${c.json().id}`,
          headers: key.headers,
        });
        if (got.json().status !== 'succeeded') return false;
        paymentIds.push(got.json().payment_id);
        return true;
      });
    }
    // A bank transfer naming a bill's reference id arrives on the same statement.
    const direct = await createBill(ctx, fx, account.account_number, 'BILL5104', { amount: 3000 });

    // Stripe makes the funds available and pays them out; "settle now" imports the payout.
    stripe.makeAvailable();
    const payout = stripe.payout();
    const sync = await ctx.app.inject({
      method: 'POST',
      url: '/v1/reconciliation/gateways/sync',
      headers: cso.write,
    });
    expect(sync.statusCode, sync.body).toBe(200);
    expect(sync.json().payouts).toBe(1);
    for (const id of paymentIds) {
      const p = await ctx.app.inject({ method: 'GET', url: `/v1/payments/${id}`, headers: key.headers });
      expect(p.json().status).toBe('completed');
    }
    const batches = await rows<{
      id: string;
      net_amount: string;
      matched_count: number;
      bank_line_id: string | null;
    }>(
      sql`select id, net_amount::text, matched_count, bank_line_id from statement_imports
           where tenant_id = ${fx.tenantId} and external_id = ${payout.id as string}`,
    );
    expect(batches).toHaveLength(1);
    expect(batches[0]).toMatchObject({
      net_amount: String(payout.amount),
      matched_count: 3,
      bank_line_id: null,
    });
    // The same sync again imports nothing.
    const again = await ctx.app.inject({
      method: 'POST',
      url: '/v1/reconciliation/gateways/sync',
      headers: cso.write,
    });
    expect(again.json().payouts).toBe(0);

    // The bank statement: Stripe's payout (net of fees, one line) and the direct transfer.
    const major = (m: number) => `${Math.floor(m / 100)}.${String(m % 100).padStart(2, '0')}`;
    const net = payout.amount as number;
    const statement = camtXml('08', [
      {
        id: `STMT-${today}-STRIPE`,
        iban: 'DE89370400440532013000',
        ccy: 'USD',
        opening: '0.00',
        closing: major(net + 3000),
        entries: [
          {
            amount: major(net),
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-PO-1',
            txs: [{ ustrd: [`STRIPE PAYOUT ${payout.id as string}`] }],
          },
          {
            amount: '30.00',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-TR-1',
            txs: [{ ustrd: [`Water bill ${direct.reference_id}`] }],
          },
        ],
      },
    ]);
    const imported = await ctx.app.inject({
      method: 'POST',
      url: '/v1/reconciliation/imports?source=bank',
      headers: { ...cso.write, 'content-type': 'application/xml' },
      payload: statement,
    });
    expect(imported.statusCode, imported.body).toBe(201);
    expect(imported.json()).toMatchObject({ lines: 2, exceptions: 0, recorded: 1 });
    const lines = await ctx.app.inject({
      method: 'GET',
      url: `/v1/reconciliation/lines?import_id=${imported.json().id}&limit=10`,
      headers: cso.headers,
    });
    const byRule = Object.fromEntries(
      lines.json().data.map((l: { match_rule: string; status: string }) => [l.match_rule, l.status]),
    );
    expect(byRule).toEqual({ payout: 'matched', bill_reference: 'recorded' });
    const [batch] = await rows<{ bank_line_id: string | null }>(
      sql`select bank_line_id from statement_imports where tenant_id = ${fx.tenantId} and external_id = ${payout.id as string}`,
    );
    expect(batch!.bank_line_id).toMatch(/^stl_/);
    const transfer = await ctx.app.inject({
      method: 'GET',
      url: `/v1/bills/${direct.id}`,
      headers: key.headers,
    });
    expect(transfer.json().status).toBe('paid');

    // The daily settlement report reaches the tenant's finance address with both attachments.
    await rows(
      sql`update tenants set report_emails = ${JSON.stringify(['finance@biller.example'])}::jsonb, report_time = '00:00', time_zone = 'UTC', last_report_date = null where id = ${fx.tenantId}`,
    );
    const tomorrow = new Date(Date.now() + 86400_000);
    expect(await ctx.app.services.reports.sendDueDailyReports(tomorrow, fx.tenantId)).toBe(1);
    const mail = await smtp.waitFor((m) => (m.subject ?? '').includes(`settlement report for ${today}`));
    expect(mail.to).toContain('finance@biller.example');
    expect(mail.attachments.map((a) => a.filename).sort()).toEqual([
      `settlement-${today}.csv`,
      `settlement-${today}.xlsx`,
    ]);
    const csv = mail.attachments.find((a) => a.filename?.endsWith('.csv'))!.content.toString();
    expect(csv).toContain('gateway,stripe,3,255.50');
  });
});
