import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { camtXml } from '../../src/importers/statements/fixtures.ts';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { login } from '../helpers.ts';
import {
  type BrowserTestServer,
  closeContexts,
  DOCS_SHOTS,
  launchChromium,
  openPage as openContextPage,
  PHONE_VIEWPORT,
  seriousAxeViolations,
  shot,
  signIn,
  startBrowserTestServer,
} from './chromium.ts';

/**
 * The README's screenshots at the widths the other browser tests do not take (issue 5: every
 * page at phone and desktop width): sign-in, home, profile, password, Bill Pay, History, the
 * sandbox's hosted page and its results, and the CSO account, cash counter and allocation. Each
 * page is checked for its heading or key element, with axe (no serious or critical violation),
 * and on a phone for no sideways scrolling. Written to docs/screenshots/<name>-<width>.png.
 */
const SHOTS = process.env.SCREENS_SHOTS ?? DOCS_SHOTS;
const WIDTHS = {
  desktop: { width: 1280, height: 800 },
  phone: PHONE_VIEWPORT,
} as const;
type Width = keyof typeof WIDTHS;

const CONSUMER = 'isidro.garcia@example.com';
const ADMIN = 'admin@demo-water.test';
const CSO_ADMIN = 'cso.admin@demo-water.test';

let server: BrowserTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startBrowserTestServer();
  browser = await launchChromium();
}, 60_000);
afterEach((ctx) => closeContexts(ctx, contexts, 'screens'));
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const openPage = (width: Width) =>
  openContextPage(browser, contexts, { baseURL: server.url, viewport: WIDTHS[width] });

async function signedIn(width: Width, email: string): Promise<Page> {
  const page = await openPage(width);
  await signIn(page, email);
  return page;
}

/**
 * Axe, no sideways scrolling on a phone, then the picture: the whole page, or for a dialog what
 * the screen shows (a full-page picture of a scrolled page puts the fixed header mid-page).
 */
async function check(page: Page, name: string, width: Width, fullPage = true) {
  expect(await seriousAxeViolations(page)).toEqual([]);
  if (width === 'phone') {
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      WIDTHS.phone.width,
    );
  }
  await shot(page, `${name}-${width}`, { dir: SHOTS, fullPage });
}

const both: Width[] = ['desktop', 'phone'];

/** The demo consumer starts a sandbox checkout for a bill (as Bill Pay does). */
async function consumerCheckout(billNumber: string) {
  const consumer = await login(server.app, DEMO_TENANT_SLUG, CONSUMER, DEMO_PASSWORD);
  const admin = await login(server.app, DEMO_TENANT_SLUG, ADMIN, DEMO_PASSWORD);
  const bills = await server.app.inject({ method: 'GET', url: '/v1/bills?limit=50', headers: admin.headers });
  const bill = bills.json().data.find((b: { bill_number: string }) => b.bill_number === billNumber);
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/checkouts',
    headers: consumer.write,
    payload: { gateway: 'sandbox', bill_ids: [bill.id] },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; redirect_url: string };
}

describe('screenshots of every page at desktop and phone width (Chromium)', () => {
  it('sign-in (tenant-branded)', async () => {
    for (const width of both) {
      const page = await openPage(width);
      await page.goto(`/t/${DEMO_TENANT_SLUG}/signin`);
      await page.getByRole('heading', { name: 'Sign in to Demo Water Utility', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await check(page, 'signin', width);
    }
  }, 60_000);

  it('home, profile and password (tenant admin)', async () => {
    for (const width of both) {
      const page = await signedIn(width, ADMIN);
      await page.getByRole('heading', { name: 'Welcome, Utility Admin', level: 1 }).waitFor();
      await check(page, 'app-home', width);
      await page.goto('/app/profile');
      await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
      expect(await page.getByRole('textbox', { name: 'Name', exact: true }).inputValue()).toBe(
        'Utility Admin',
      );
      await check(page, 'profile', width);
      await page.goto('/app/password');
      await page.getByRole('heading', { name: 'Change password', level: 1 }).waitFor();
      await check(page, 'password', width);
    }
  }, 90_000);

  it('the sandbox’s hosted page, a payment successful (desktop) and declined (phone)', async () => {
    const paid = await consumerCheckout('BILL7890');
    const desktop = await openPage('desktop');
    await desktop.goto(paid.redirect_url);
    await desktop.getByRole('heading', { name: /Pay Demo Water Utility/ }).waitFor();
    await desktop.getByRole('button', { name: 'Pay successfully' }).click();
    await desktop.getByRole('heading', { name: 'Payment Successful' }).waitFor();
    await check(desktop, 'checkout-success', 'desktop');

    const declined = await consumerCheckout('BILL7891');
    const phone = await openPage('phone');
    await phone.goto(declined.redirect_url);
    await phone.getByRole('heading', { name: /Pay Demo Water Utility/ }).waitFor();
    await phone.getByRole('button', { name: 'Decline: insufficient funds' }).waitFor();
    await check(phone, 'sandbox-checkout', 'phone');
    await phone.getByRole('button', { name: 'Decline: insufficient funds' }).click();
    await phone.getByRole('heading', { name: 'Payment failed' }).waitFor();
    expect(await phone.getByRole('alert').textContent()).toBe('Your card has insufficient funds.');
    await check(phone, 'checkout-failed', 'phone');
  }, 60_000);

  it('Bill Pay (phone) and History (desktop), consumer', async () => {
    const phone = await signedIn('phone', CONSUMER);
    await phone.goto('/app/pay');
    await phone.getByRole('heading', { name: 'Bill Pay', level: 1 }).waitFor();
    await phone.getByTestId('bill-BILL7891').waitFor();
    await check(phone, 'consumer-bill-pay', 'phone');

    const desktop = await signedIn('desktop', CONSUMER);
    await desktop.goto('/app/history');
    await desktop.getByRole('heading', { name: 'Payment history', level: 1 }).waitFor();
    const row = desktop.locator('[data-testid^="payment-pay_"]').first();
    await row.waitFor();
    expect(await row.textContent()).toContain('BILL7890');
    await check(desktop, 'consumer-history', 'desktop');
  }, 60_000);

  it('CSO console on a phone: account, cash counter, allocation of unidentified money', async () => {
    const page = await signedIn('phone', CSO_ADMIN);
    const admin = await login(server.app, DEMO_TENANT_SLUG, ADMIN, DEMO_PASSWORD);
    const accounts = await server.app.inject({
      method: 'GET',
      url: '/v1/accounts?search=CRN29391',
      headers: admin.headers,
    });
    const account = accounts.json().data[0];
    await page.goto(`/app/accounts/${account.id}`);
    await page.getByRole('heading', { name: 'CRN29391 · Isidro Garcia', level: 1 }).waitFor();
    // On a phone the payments are cards.
    await page.locator('[data-payment-card]').first().waitFor();
    await check(page, 'cso-account', 'phone');

    await page.goto('/app/payments');
    await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Record cash payment' }).click();
    const cash = page.getByRole('dialog', { name: 'Cash counter' });
    await cash.getByRole('textbox', { name: 'Account number' }).fill('CRN29392');
    await cash.getByRole('textbox', { name: 'Amount (USD)' }).fill('20.00');
    await check(page, 'cso-cash', 'phone', false);
    await cash.getByRole('button', { name: 'Close' }).click();

    // Money nobody claims arrives on a bank statement: it waits in suspense for allocation.
    const today = new Date().toISOString().slice(0, 10);
    const file = camtXml('08', [
      {
        id: 'STMT-SCREENS-1',
        iban: 'DE89370400440532013000',
        ccy: 'USD',
        opening: '0.00',
        closing: '50.00',
        entries: [
          {
            amount: '50.00',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'SCREENS-E1',
            txs: [{ ustrd: ['GIFT FROM GRANDMA'] }],
          },
        ],
      },
    ]);
    const imported = await server.app.inject({
      method: 'POST',
      url: '/v1/reconciliation/imports?source=bank',
      headers: { ...admin.write, 'content-type': 'application/xml' },
      payload: file,
    });
    expect(imported.statusCode, imported.body).toBe(201);
    await page.goto('/app/payments');
    const unidentified = page.locator('[data-payment-card]', { hasText: 'Unidentified' }).first();
    await unidentified.waitFor();
    const id = await unidentified.getAttribute('data-payment-card');
    await page.getByRole('button', { name: `Actions for ${id}` }).click();
    await page.getByRole('menuitem', { name: 'Allocate to an account' }).click();
    const alloc = page.getByRole('dialog', { name: 'Allocate unidentified money' });
    await alloc.getByRole('textbox', { name: 'Account number' }).fill('CRN29392');
    await alloc.getByRole('textbox', { name: 'Reason' }).fill('Customer sent the bank slip');
    await check(page, 'cso-allocate', 'phone', false);
  }, 90_000);
});
