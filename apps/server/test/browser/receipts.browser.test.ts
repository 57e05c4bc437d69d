import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pdfText } from '../../src/documents/pdf-inspect.ts';
import { formatReference } from '../../src/modules/bills/reference.ts';
import { gatewayJobs, notificationJobs, runWorker } from '../../src/workers/worker.ts';
import { type SmtpCatcher, startSmtpCatcher } from '../fakes/smtp-catcher.ts';
import {
  type BrowserTestServer,
  closeContexts,
  DESKTOP,
  hasHorizontalOverflow,
  launchChromium,
  openPage as openContextPage,
  PHONE,
  seriousAxeViolations,
  shot,
  signIn,
  startBrowserTestServer,
} from './chromium.ts';

/**
 * Issue 5 done-when, in Debian's Chromium against a real server with the demo seeded and the
 * worker running: the demo consumer pays two bills through the sandbox, sees Successful in
 * History, the sandbox settles (SANDBOX_SETTLEMENT_SECONDS, the worker's sandbox job) and the open
 * page turns Completed by itself with its receipt number; the consumer downloads the receipt PDF
 * and the receipt e-mail with the PDF arrives. Screenshots go to docs/screenshots/.
 */
let server: BrowserTestServer;
let smtp: SmtpCatcher;
let browser: Browser;
let stopWorker: () => Promise<void>;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  server = await startBrowserTestServer({
    MAIL_SMTP_URL: smtp.url,
    SMS_FOLDER_DIR: mkdtempSync(join(tmpdir(), 'billrail-sms-')),
    SANDBOX_SETTLEMENT_SECONDS: '3',
  });
  // The worker's own jobs: the sandbox's settlement (asked every second here) and the outbox.
  const sandbox = gatewayJobs(server.app.services)
    .filter((j) => j.name === 'sandbox.settlements')
    .map((j) => ({ ...j, everyMs: 1000 }));
  expect(sandbox).toHaveLength(1);
  stopWorker = runWorker(server.db, pino({ level: 'silent' }), [
    ...sandbox,
    ...notificationJobs(server.app.services),
  ]);
  browser = await launchChromium();
}, 60_000);

afterEach((ctx) => closeContexts(ctx, contexts, 'receipts'));

afterAll(async () => {
  await browser?.close();
  await stopWorker?.();
  await server?.close();
  await smtp?.close();
});

const openPage = (options: BrowserContextOptions = DESKTOP) =>
  openContextPage(browser, contexts, { baseURL: server.url, acceptDownloads: true, ...options });

const item = (page: Page, bill: string) => page.getByRole('checkbox', { name: new RegExp(`^${bill},`) });

describe('receipts (browser)', () => {
  it('pays two bills, sees Successful then Completed live, downloads the receipt; the receipt e-mail arrives', async () => {
    const page = await openPage();
    await signIn(page, 'isidro.garcia@example.com');
    await page.goto('/app/pay');
    await item(page, 'BILL7890').click();
    await item(page, 'BILL7891').click();
    await page.getByRole('radio', { name: 'Sandbox (test payments)' }).click();
    await page.getByRole('button', { name: 'Pay Now' }).click();
    await page.getByRole('heading', { name: 'Payment summary' }).waitFor();
    await page.getByRole('button', { name: 'Pay Now' }).click();
    await page.waitForURL(/\/sandbox\/checkout\//);
    await page.getByRole('button', { name: 'Pay successfully' }).click();
    await page.waitForURL(/\/app\/pay\/result\?checkout=chk_/);
    await page.getByRole('heading', { name: 'Payment Successful' }).waitFor();

    await page.getByRole('link', { name: 'View payment history' }).click();
    await page.waitForURL(/\/app\/history$/);
    const row = page.locator('[data-testid^="payment-pay_"]').first();
    await row.waitFor();
    const paymentId = (await row.getAttribute('data-testid'))!.replace('payment-', '');
    // Successful: no receipt yet (seed 002: only once the payment is Completed). The sandbox
    // settles within seconds here, so only check while the row still says Successful.
    if ((await row.getAttribute('data-status')) === 'successful') {
      expect(await row.getByRole('link', { name: /Download receipt/ }).count()).toBe(0);
    }

    // The settlement arrives through the worker: the open page turns Completed by itself.
    const completed = page.locator(`[data-testid="payment-${paymentId}"][data-status="completed"]`);
    await completed.waitFor({ timeout: 30_000 });
    await completed.getByTestId('receipt-number').waitFor();
    const number = (await completed.getByTestId('receipt-number').textContent())!.replace('Receipt ', '');
    expect(number).toMatch(/^RCP-\d{6}$/);
    const link = completed.getByRole('link', { name: `Download receipt ${number} (PDF)` });
    expect(await link.textContent()).toBe('Download receipt');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'consumer-receipt-history-desktop');

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`receipt-${number}.pdf`);
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    const bills = (await (await page.request.get('/v1/me/bills?status=all')).json()).data as {
      bill_number: string;
      reference_id: string;
    }[];
    for (const expected of [
      number,
      paymentId,
      formatReference(bills.find((b) => b.bill_number === 'BILL7890')!.reference_id),
      formatReference(bills.find((b) => b.bill_number === 'BILL7891')!.reference_id),
      '$166.25',
    ]) {
      expect(text).toContain(expected);
    }

    // The payer's receipt e-mail, with the same PDF attached.
    const mail = await smtp.waitFor(
      (m) => (m.subject?.startsWith('Payment Completed') ?? false) && (m.text?.includes(paymentId) ?? false),
      15_000,
    );
    expect(mail.envelope.to).toEqual(['isidro.garcia@example.com']);
    expect(mail.subject).toContain(number);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.contentType).toBe('application/pdf');
    expect(mail.attachments[0]!.filename).toBe(`receipt-${number}.pdf`);
    expect(pdfText(mail.attachments[0]!.content)).toContain(number);
    // The Successful e-mail went out before it.
    expect(
      smtp.messages.some((m) => m.subject?.startsWith('Payment Successful') && m.text?.includes(paymentId)),
    ).toBe(true);

    // On a phone: the same row with its receipt.
    const phone = await openPage(PHONE);
    await signIn(phone, 'isidro.garcia@example.com');
    await phone.goto('/app/history');
    const phoneRow = phone.locator(`[data-testid="payment-${paymentId}"][data-status="completed"]`);
    await phoneRow.getByRole('link', { name: `Download receipt ${number} (PDF)` }).waitFor();
    expect(await hasHorizontalOverflow(phone)).toBe(false);
    expect(await seriousAxeViolations(phone)).toEqual([]);
    await shot(phone, 'consumer-receipt-history-phone');
  }, 120_000);
});
