import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundMessages } from '../src/db/schema.ts';
import { pdfText } from '../src/documents/pdf-inspect.ts';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG, seedDemo } from '../src/modules/demo/demo.ts';
import { notifyPayment } from '../src/modules/notifications/notify.ts';
import { enqueue } from '../src/modules/notifications/outbox.ts';
import { completePayment } from '../src/modules/payments/payments.service.ts';
import { type LoggedSms, logSmsProvider, SMS_LOG_FILE } from '../src/platform/sms.ts';
import { type SmtpCatcher, startSmtpCatcher } from './fakes/smtp-catcher.ts';
import { type Credentials, createTestApp, login, type TestContext } from './helpers.ts';

/**
 * Payer notifications (issue 5; seed 003 "receipts by e-mail to the customer who pays"): the
 * outbox is written with the status change, so a repeated change queues nothing new; a worker
 * job sends e-mail through SMTP (here a real SMTP server on loopback) and SMS through the log
 * provider, retrying with backoff what a server refuses for now.
 */
let ctx: TestContext;
let smtp: SmtpCatcher;
let smsDir: string;
let isidro: Credentials;
let admin: Credentials;
let tenantId: string;
const live = () => ({ tenantId, mode: 'live' as const });

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  smsDir = mkdtempSync(join(tmpdir(), 'billrail-sms-'));
  ctx = await createTestApp({
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    MAIL_SMTP_URL: smtp.url,
    MAIL_FROM: 'Demo Water <billing@demo-water.test>',
    SMS_FOLDER_DIR: smsDir,
  });
  await seedDemo(ctx.db, ctx.app.services);
  tenantId = (await ctx.app.services.tenants.getBySlug(DEMO_TENANT_SLUG)).id;
  isidro = await login(ctx.app, DEMO_TENANT_SLUG, 'isidro.garcia@example.com', DEMO_PASSWORD);
  admin = await login(ctx.app, DEMO_TENANT_SLUG, 'admin@demo-water.test', DEMO_PASSWORD);
}, 60_000);
afterAll(async () => {
  await ctx.close();
  await smtp.close();
});

const get = (creds: Credentials, url: string) =>
  ctx.app.inject({ method: 'GET', url, headers: creds.headers });
const sendDue = () => ctx.app.services.notifications.sendDue();

async function until(what: string, check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Message = {
  id: string;
  template: string;
  channel: string;
  recipient: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
};
const messagesOf = async (paymentId: string): Promise<Message[]> => {
  const res = await get(admin, `/v1/messages?payment_id=${paymentId}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
};

/** Isidro pays through the sandbox with the given outcome; returns the checkout. */
async function payAsIsidro(billNumber: string, outcome: 'success' | 'insufficient_funds') {
  const bills = (await get(isidro, '/v1/me/bills')).json().data as { id: string; bill_number: string }[];
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/checkouts',
    headers: isidro.write,
    payload: { gateway: 'sandbox', bill_ids: [bills.find((b) => b.bill_number === billNumber)!.id] },
  });
  expect(res.statusCode, res.body).toBe(201);
  const c = res.json();
  const chosen = await ctx.app.inject({
    method: 'POST',
    url: new URL(c.redirect_url).pathname,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `outcome=${outcome}`,
  });
  expect(chosen.statusCode).toBe(303);
  const final = outcome === 'success' ? 'succeeded' : 'failed';
  await until(final, async () => (await get(isidro, `/v1/checkouts/${c.id}`)).json().status === final);
  return (await get(isidro, `/v1/checkouts/${c.id}`)).json() as { id: string; payment_id: string | null };
}

const forceDue = (id: string) =>
  ctx.db.system((tx) =>
    tx
      .update(outboundMessages)
      .set({ nextAttemptAt: new Date(Date.now() - 1000) })
      .where(eq(outboundMessages.id, id)),
  );

describe('payer notifications', () => {
  it('Successful, then Completed: a status e-mail, the receipt e-mail with its PDF, an SMS; each once', async () => {
    const c = await payAsIsidro('BILL7890', 'success');
    const paymentId = c.payment_id!;
    let messages = await messagesOf(paymentId);
    expect(messages.map((m) => [m.template, m.status])).toEqual([['payment.successful', 'queued']]);
    expect(messages[0]!.recipient).toBe('isidro.garcia@example.com');

    expect(await sendDue()).toBeGreaterThanOrEqual(1);
    const status = await smtp.waitFor((m) => m.subject?.startsWith('Payment Successful') ?? false);
    expect(status.envelope.to).toEqual(['isidro.garcia@example.com']);
    expect(status.from).toContain('billing@demo-water.test');
    expect(status.text).toContain('$120.50');
    expect(status.text).toContain('BILL7890');
    expect(status.text).toContain('awaiting settlement');
    // The biller hears of it in the app (seed 003): a notice for the tenant admins.
    const admin = await login(ctx.app, DEMO_TENANT_SLUG, 'admin@demo-water.test', DEMO_PASSWORD);
    const notices = await ctx.app.inject({ method: 'GET', url: '/v1/notifications', headers: admin.headers });
    const received = notices
      .json()
      .data.filter(
        (n: { kind: string; body: string }) => n.kind === 'payment.received' && n.body.includes(paymentId),
      );
    expect(received).toHaveLength(1);
    expect(received[0].title).toBe('Payment received: $120.50');

    await ctx.db.withTenant(live(), (tx) =>
      completePayment(tx, live(), paymentId, { fee: 0n, reference: 'notifications-test' }),
    );
    // Settlement files repeat lines; a replayed notice must not queue anything either.
    await ctx.db.withTenant(live(), (tx) =>
      completePayment(tx, live(), paymentId, { fee: 0n, reference: 'notifications-test' }),
    );
    const again = await ctx.db.withTenant(live(), (tx) => notifyPayment(tx, live(), paymentId, 'completed'));
    expect(again).toEqual([]);
    messages = await messagesOf(paymentId);
    expect(messages.map((m) => m.template).sort()).toEqual([
      'payment.completed.sms',
      'payment.receipt',
      'payment.successful',
    ]);

    await sendDue();
    const receiptMail = await smtp.waitFor((m) => m.subject?.startsWith('Payment Completed') ?? false);
    const number = receiptMail.subject!.match(/RCP-\d{6}/)![0];
    expect(receiptMail.text).toContain(`Receipt number: ${number}`);
    expect(receiptMail.attachments).toHaveLength(1);
    const pdf = receiptMail.attachments[0]!;
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.filename).toBe(`receipt-${number}.pdf`);
    const text = pdfText(pdf.content);
    expect(text).toContain(number);
    expect(text).toContain(paymentId);
    expect(text).toContain('120.50');

    const sms = readFileSync(join(smsDir, SMS_LOG_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LoggedSms);
    const mine = sms.filter((s) => s.body.includes(paymentId));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.to).toBe('+1 555 0100');
    expect(mine[0]!.body).toContain(number);

    messages = await messagesOf(paymentId);
    expect(messages.every((m) => m.status === 'sent')).toBe(true);
    expect(smtp.messages.filter((m) => m.text?.includes(paymentId))).toHaveLength(2);
    // Nothing left: another run sends nothing.
    expect(await sendDue()).toBe(0);
  });

  it('a declined attempt e-mails the gateway’s own words', async () => {
    const c = await payAsIsidro('BILL7891', 'insufficient_funds');
    await sendDue();
    const mail = await smtp.waitFor((m) => m.text?.includes(c.id) ?? false);
    expect(mail.subject).toContain('Payment failed');
    expect(mail.text).toContain('Your card has insufficient funds.');
  });

  it('a temporary SMTP refusal is retried with backoff; a permanent one fails the message', async () => {
    const queued = await ctx.db.withTenant(live(), (tx) =>
      enqueue(tx, live(), {
        channel: 'email',
        recipient: 'retry@example.com',
        template: 'test.retry',
        subject: 'Retry me',
        body: 'Hello',
        dedupeKey: 'test.retry:1',
      }),
    );
    // The same change recorded again (a retried request): nothing new.
    const dup = await ctx.db.withTenant(live(), (tx) =>
      enqueue(tx, live(), {
        channel: 'email',
        recipient: 'retry@example.com',
        template: 'test.retry',
        subject: 'Retry me',
        body: 'Hello',
        dedupeKey: 'test.retry:1',
      }),
    );
    expect(dup).toEqual({ id: null, duplicate: true });

    smtp.failNext(451, '4.7.1 Greylisted, try again later');
    const before = Date.now();
    expect(await sendDue()).toBe(0);
    const [row] = await ctx.db.system((tx) =>
      tx.select().from(outboundMessages).where(eq(outboundMessages.id, queued.id!)),
    );
    expect(row!.status).toBe('queued');
    expect(row!.attempts).toBe(1);
    expect(row!.lastError).toContain('Greylisted');
    // First wait 30 s (±10%).
    const wait = row!.nextAttemptAt.getTime() - before;
    expect(wait).toBeGreaterThan(26_000);
    expect(wait).toBeLessThan(34_000);
    // Not due yet: nothing is sent.
    expect(await sendDue()).toBe(0);
    await forceDue(queued.id!);
    expect(await sendDue()).toBe(1);
    await smtp.waitFor((m) => m.subject === 'Retry me');
    const [sent] = await ctx.db.system((tx) =>
      tx.select().from(outboundMessages).where(eq(outboundMessages.id, queued.id!)),
    );
    expect(sent!.status).toBe('sent');
    expect(sent!.attempts).toBe(2);
    expect(sent!.providerRef).toContain(`<${queued.id}@`);

    const hard = await ctx.db.withTenant(live(), (tx) =>
      enqueue(tx, live(), {
        channel: 'email',
        recipient: 'nobody@example.com',
        template: 'test.retry',
        subject: 'Unknown mailbox',
        body: 'Hello',
        dedupeKey: 'test.retry:2',
      }),
    );
    smtp.failNext(550, '5.1.1 No such user', 'rcpt');
    await sendDue();
    const [failed] = await ctx.db.system((tx) =>
      tx
        .select()
        .from(outboundMessages)
        .where(and(eq(outboundMessages.tenantId, tenantId), eq(outboundMessages.id, hard.id!))),
    );
    expect(failed!.status).toBe('failed');
    expect(failed!.attempts).toBe(1);
    const listed = await get(admin, '/v1/messages?status=failed');
    expect(listed.json().data.map((m: Message) => m.id)).toContain(hard.id);
  });

  it('GET /v1/messages is for tenant admins only', async () => {
    expect((await get(isidro, '/v1/messages')).statusCode).toBe(403);
    const cso = await login(ctx.app, DEMO_TENANT_SLUG, 'cso.admin@demo-water.test', DEMO_PASSWORD);
    expect((await get(cso, '/v1/messages')).statusCode).toBe(403);
  });
});

describe('SMS log provider', () => {
  it('writes each SMS as one JSON line in the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'billrail-sms-unit-'));
    const sms = logSmsProvider(join(dir, 'nested'));
    const a = await sms.send({ to: '+6281234567890', body: 'Pembayaran selesai', reference: 'msg_1' });
    await Promise.all(
      [1, 2, 3].map((i) => sms.send({ to: `+1555010${i}`, body: `n${i}`, reference: `msg_${i + 1}` })),
    );
    const lines = readFileSync(join(dir, 'nested', SMS_LOG_FILE), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(4);
    const first = JSON.parse(lines[0]!) as LoggedSms;
    expect(first).toMatchObject({
      id: a.providerRef,
      to: '+6281234567890',
      body: 'Pembayaran selesai',
      reference: 'msg_1',
    });
    expect(new Date(first.at).getTime()).toBeGreaterThan(0);
  });
});
