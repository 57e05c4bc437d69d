import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { completePayment } from '../../src/modules/payments/payments.service.ts';
import {
  type BrowserTestServer,
  closeContexts,
  DESKTOP,
  hasHorizontalOverflow,
  launchChromium,
  openPage as openContextPage,
  PHONE,
  rgb,
  screenshots,
  seriousAxeViolations,
  signIn,
  startBrowserTestServer,
  TMP_SHOTS,
} from './chromium.ts';

/**
 * Issue 5, the consumer's pages in Debian's Chromium against a real server with the demo seeded:
 * Bill Pay exactly as seed 002 describes it (search, All / Bills / Services, checkboxes and Select
 * All, a total that follows the selection, gateway cards, Pay Now disabled until one is chosen, a
 * summary, the gateway's hosted page, back to the app's result page), the live history and the
 * dashboard, at desktop and phone size, each page checked with axe. Screenshots go to
 * /tmp/billrail-shots (consumer-*.png).
 */
let server: BrowserTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startBrowserTestServer();
  browser = await launchChromium();
}, 60_000);

afterEach((ctx) => closeContexts(ctx, contexts, 'consumer'));

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const openPage = (options: BrowserContextOptions = DESKTOP) =>
  openContextPage(browser, contexts, { baseURL: server.url, ...options });

/**
 * A full-page picture. Bill Pay's sticky footer is put back in its place in the page for it (a
 * full-page capture would otherwise paint it over the list at the first screen's bottom).
 */
const shot = screenshots('consumer-', {
  dir: TMP_SHOTS,
  css: '.pay-footer { position: static !important; }',
});

/** Goes to a consumer page through the navigation (the drawer on a phone). */
async function navigate(page: Page, label: string, phone = false) {
  if (phone) {
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.waitForFunction(() => document.getElementById('app-nav')!.getBoundingClientRect().left >= 0);
  }
  await page.getByRole('navigation').getByRole('link', { name: label }).click();
}

const item = (page: Page, bill: string) => page.getByRole('checkbox', { name: new RegExp(`^${bill},`) });
const total = (page: Page) => page.getByTestId('pay-total');
const payNow = (page: Page) => page.getByRole('button', { name: 'Pay Now' });

describe('consumer web app (browser)', () => {
  it('pays two bills through the sandbox from Bill Pay and sees them Successful in History (desktop)', async () => {
    const page = await openPage();
    await signIn(page, 'isidro.garcia@example.com');
    const nav = page.getByRole('navigation');
    for (const label of ['Dashboard', 'Bill Pay', 'History'])
      await nav.getByRole('link', { name: label }).waitFor();

    await navigate(page, 'Bill Pay');
    await page.waitForURL(/\/app\/pay$/);
    await page.getByRole('heading', { name: 'Bill Pay', level: 1 }).waitFor();
    await item(page, 'BILL7890').waitFor();
    for (const bill of ['BILL7890', 'BILL7891', 'SRV1001'])
      expect(await item(page, bill).isVisible()).toBe(true);
    // The details seed 002 lists: number, period, amount due, service name.
    const first = page.getByTestId('bill-BILL7890');
    for (const text of ['BILL7890', 'Water Supply', 'March 2025', '$120.50', 'Amount due']) {
      expect(await first.textContent()).toContain(text);
    }
    expect(await page.getByTestId('bill-SRV1001').textContent()).toContain('Meter Replacement (one visit)');
    expect(await payNow(page).isDisabled()).toBe(true);
    expect(await total(page).textContent()).toContain('$0.00');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'bill-pay-desktop');

    // Filter: services only, bills only, then everything again.
    await page.getByText('Services', { exact: true }).click();
    await item(page, 'BILL7890').waitFor({ state: 'detached' });
    expect(await item(page, 'SRV1001').isVisible()).toBe(true);
    await page.getByText('Bills', { exact: true }).click();
    await item(page, 'SRV1001').waitFor({ state: 'detached' });
    expect(await item(page, 'BILL7891').isVisible()).toBe(true);
    await page.getByText('All', { exact: true }).click();
    await item(page, 'SRV1001').waitFor();

    // Search narrows the list; nothing matching says so.
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('wastewater');
    await item(page, 'BILL7890').waitFor({ state: 'detached' });
    expect(await item(page, 'BILL7891').isVisible()).toBe(true);
    await search.fill('no such bill');
    await page.getByText('No bills or services match your search.').waitFor();
    await search.fill('');
    await item(page, 'BILL7890').waitFor();

    // Select All and back; then the two bills: the total follows every change.
    await page.getByRole('checkbox', { name: 'Select all' }).check();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=pay-total]')?.textContent?.includes('$201.25'),
    );
    await page.getByRole('checkbox', { name: 'Select all' }).uncheck();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=pay-total]')?.textContent?.includes('$0.00'),
    );
    await item(page, 'BILL7890').click();
    expect(await total(page).textContent()).toContain('$120.50');
    await item(page, 'BILL7891').click();
    expect(await total(page).textContent()).toContain('$166.25');
    expect(await page.getByTestId('pay-footer').textContent()).toContain('2 selected');
    // The gateways appear once something is selected; Pay Now waits for one to be chosen.
    expect(await payNow(page).isDisabled()).toBe(true);
    expect(await page.getByTestId('pay-hint').textContent()).toBe('Choose a payment method to continue.');
    const sandbox = page.getByRole('radio', { name: 'Sandbox (test payments)' });
    await sandbox.click();
    expect(await sandbox.getAttribute('aria-checked')).toBe('true');
    expect(await payNow(page).isEnabled()).toBe(true);
    // The footer stays on screen while the list scrolls.
    const footer = await page.getByTestId('pay-footer').boundingBox();
    expect(footer!.y + footer!.height).toBeLessThanOrEqual(900);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'bill-pay-selected-desktop');

    await payNow(page).click();
    await page.getByRole('heading', { name: 'Payment summary' }).waitFor();
    const summary = page.getByTestId('pay-summary');
    for (const text of ['BILL7890', 'BILL7891', '$120.50', '$45.75'])
      expect(await summary.textContent()).toContain(text);
    expect(await page.getByTestId('summary-total').textContent()).toBe('$166.25');
    expect(await page.getByTestId('summary-method').textContent()).toBe('Sandbox (test payments)');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'pay-summary-desktop');

    await payNow(page).click();
    await page.waitForURL(/\/sandbox\/checkout\//);
    await page.getByRole('heading', { name: /Pay Demo Water Utility/ }).waitFor();
    expect(await page.textContent('body')).toContain('$166.25');
    await page.getByRole('button', { name: 'Pay successfully' }).click();

    await page.waitForURL(/\/app\/pay\/result\?checkout=chk_/);
    const heading = page.getByRole('heading', { name: 'Payment Successful' });
    await heading.waitFor();
    const green = rgb(await heading.evaluate((h) => getComputedStyle(h).color));
    expect(green.g).toBeGreaterThan(green.r + 40);
    expect(await page.getByTestId('result-amount').textContent()).toBe('$166.25');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'pay-success-desktop');

    await page.getByRole('link', { name: 'View payment history' }).click();
    await page.waitForURL(/\/app\/history$/);
    const row = page.locator('[data-testid^="payment-pay_"]').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('successful');
    const text = await row.textContent();
    for (const s of ['$166.25', 'BILL7890', 'BILL7891', 'Sandbox (test payments)', 'Successful']) {
      expect(text).toContain(s);
    }
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'history-desktop');

    // The settlement arrives: the open page shows Completed by itself (no reload).
    const paymentId = (await row.getAttribute('data-testid'))!.replace('payment-', '');
    const tenant = await server.app.services.tenants.getBySlug(DEMO_TENANT_SLUG);
    const ctx = { tenantId: tenant.id, mode: 'live' as const };
    await server.db.withTenant(ctx, (tx) =>
      completePayment(tx, ctx, paymentId, { fee: 0n, reference: 'browser-test' }),
    );
    await page.locator(`[data-testid="payment-${paymentId}"][data-status="completed"]`).waitFor();
    expect(await page.getByTestId(`payment-${paymentId}`).textContent()).toContain('Completed');

    // The dashboard has the new totals.
    await navigate(page, 'Dashboard');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByTestId('outstanding-amount').waitFor();
    expect(await page.getByTestId('outstanding-amount').textContent()).toBe('$35.00');
    expect(await page.getByTestId('paid-30-amount').textContent()).toBe('$166.25');
    expect(await page.getByTestId('paid-year-amount').textContent()).toBe('$166.25');
    expect(await page.getByTestId('chart-summary').textContent()).toContain('$166.25');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'dashboard-desktop');
    await page.locator('label', { hasText: 'Table' }).click();
    await page.getByTestId('chart-table').waitFor();
    expect(await page.getByTestId('chart-table').locator('tbody tr').first().textContent()).toContain(
      '$166.25',
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'dashboard-table-desktop');
  }, 120_000);

  it('a declined payment shows red with the gateway’s words; Retry starts a new attempt that pays', async () => {
    const page = await openPage();
    await signIn(page, 'isidro.garcia@example.com');
    await page.goto('/app/pay');
    await item(page, 'SRV1001').click();
    await page.getByRole('radio', { name: 'Sandbox (test payments)' }).click();
    await payNow(page).click();
    await page.getByRole('heading', { name: 'Payment summary' }).waitFor();
    await payNow(page).click();
    await page.getByRole('button', { name: 'Decline: insufficient funds' }).click();

    await page.waitForURL(/\/app\/pay\/result\?checkout=chk_/);
    const failedUrl = page.url();
    const heading = page.getByRole('heading', { name: 'Payment failed' });
    await heading.waitFor();
    const red = rgb(await heading.evaluate((h) => getComputedStyle(h).color));
    expect(red.r).toBeGreaterThan(red.g + 60);
    expect(await page.getByTestId('gateway-message').textContent()).toBe('Your card has insufficient funds.');
    expect(await page.getByRole('alert').first().textContent()).toContain(
      'Your card has insufficient funds.',
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'pay-failed-desktop');

    // History lists the failed attempt with the same words.
    await navigate(page, 'History');
    const failed = page.locator('[data-testid^="payment-chk_"][data-status="failed"]').first();
    await failed.waitFor();
    expect(await failed.textContent()).toContain('Your card has insufficient funds.');
    expect(await failed.textContent()).toContain('SRV1001');
    await shot(page, 'history-failed-desktop');

    await page.goto(failedUrl);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL(/\/sandbox\/checkout\//);
    await page.getByRole('button', { name: 'Pay successfully' }).click();
    await page.waitForURL(/\/app\/pay\/result\?checkout=chk_/);
    expect(page.url()).not.toBe(failedUrl);
    await page.getByRole('heading', { name: 'Payment Successful' }).waitFor();
    expect(await page.getByTestId('result-amount').textContent()).toBe('$35.00');

    // Everything is paid now: Bill Pay says so.
    await navigate(page, 'Bill Pay');
    await page.getByRole('heading', { name: 'Nothing to pay' }).waitFor();
  }, 90_000);

  it('works on a phone: Bill Pay, summary, gateway, result, history and dashboard', async () => {
    // Maria's account gets a service with a known period, so the list has a bill and a service.
    const tenant = await server.app.services.tenants.getBySlug(DEMO_TENANT_SLUG);
    await server.app.services.bills.create(
      { tenantId: tenant.id, mode: 'live' },
      {
        account_number: 'CRN29392',
        bill_number: 'SRV2002',
        kind: 'service',
        service_name: 'Water tanker delivery',
        billing_period: 'April 2025',
        period_start: '2025-04-01',
        period_end: '2025-04-30',
        line_items: [],
        amount: 2750n,
        late_fee: 0n,
        due_date: '2099-12-31',
        allow_partial: false,
      } as never,
      { type: 'cli', id: 'browser-test' },
    );
    const page = await openPage(PHONE);
    await signIn(page, 'maria.lopez@example.com');
    await navigate(page, 'Bill Pay', true);
    await page.waitForURL(/\/app\/pay$/);
    await item(page, 'BILL7920').waitFor();
    expect(await page.getByTestId('bill-SRV2002').textContent()).toContain('30 days');
    expect(await hasHorizontalOverflow(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'bill-pay-phone');

    await page.getByRole('checkbox', { name: 'Select all' }).check();
    expect(await total(page).textContent()).toContain('$116.75');
    await item(page, 'SRV2002').click();
    expect(await total(page).textContent()).toContain('$89.25');
    await page.getByRole('radio', { name: 'Sandbox (test payments)' }).click();
    const footer = await page.getByTestId('pay-footer').boundingBox();
    expect(footer!.y + footer!.height).toBeLessThanOrEqual(844);
    expect(await hasHorizontalOverflow(page)).toBe(false);
    await shot(page, 'bill-pay-selected-phone');

    await payNow(page).click();
    await page.getByRole('heading', { name: 'Payment summary' }).waitFor();
    expect(await page.getByTestId('summary-total').textContent()).toBe('$89.25');
    expect(await hasHorizontalOverflow(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'pay-summary-phone');

    await payNow(page).click();
    await page.getByRole('button', { name: 'Pay successfully' }).click();
    await page.getByRole('heading', { name: 'Payment Successful' }).waitFor();
    expect(await hasHorizontalOverflow(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'pay-success-phone');

    await navigate(page, 'History', true);
    const row = page.locator('[data-testid^="payment-pay_"]').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('successful');
    expect(await row.textContent()).toContain('BILL7920');
    expect(await hasHorizontalOverflow(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'history-phone');

    await navigate(page, 'Dashboard', true);
    await page.getByTestId('outstanding-amount').waitFor();
    expect(await page.getByTestId('outstanding-amount').textContent()).toBe('$27.50');
    expect(await page.getByTestId('paid-30-amount').textContent()).toBe('$89.25');
    expect(await hasHorizontalOverflow(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'dashboard-phone');
  }, 90_000);

  it('shows a failed payment on a phone in red with the gateway’s message', async () => {
    const page = await openPage(PHONE);
    await signIn(page, 'maria.lopez@example.com');
    await page.goto('/app/pay');
    await item(page, 'SRV2002').click();
    await page.getByRole('radio', { name: 'Sandbox (test payments)' }).click();
    await payNow(page).click();
    await payNow(page).click();
    await page.getByRole('button', { name: 'Fail: network error' }).click();
    await page.getByRole('heading', { name: 'Payment failed' }).waitFor();
    expect((await page.getByTestId('gateway-message').textContent())?.length).toBeGreaterThan(5);
    await page.getByRole('button', { name: 'Retry' }).waitFor();
    expect(await hasHorizontalOverflow(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'pay-failed-phone');
  }, 60_000);

  it('keeps the consumer pages to consumers, and hides Bill Pay when no gateway is on', async () => {
    const staff = await openPage();
    await signIn(staff, 'cso@demo-water.test');
    const nav = staff.getByRole('navigation');
    await nav.getByRole('link', { name: 'Home' }).waitFor();
    // Staff have their own Dashboard (the collections dashboard), never Bill Pay or History.
    for (const label of ['Bill Pay', 'History']) {
      expect(await nav.getByRole('link', { name: label }).count()).toBe(0);
    }
    await staff.goto('/app/pay');
    await staff.getByRole('heading', { name: 'Not allowed' }).waitFor();

    const tenant = await server.app.services.tenants.getBySlug(DEMO_TENANT_SLUG);
    const ctx = { tenantId: tenant.id, mode: 'live' as const };
    const actor = { type: 'cli' as const, id: 'browser-test' };
    await server.app.services.gateways.setActive(ctx, 'sandbox', false, actor);
    try {
      const page = await openPage();
      await signIn(page, 'isidro.garcia@example.com');
      await page.getByRole('navigation').getByRole('link', { name: 'History' }).waitFor();
      expect(await page.getByRole('navigation').getByRole('link', { name: 'Bill Pay' }).count()).toBe(0);
      await page.goto('/app/pay');
      await page.getByTestId('bill-pay-unavailable').waitFor();
      expect(await page.getByTestId('bill-pay-unavailable').textContent()).toContain(
        'Online payment is not available',
      );
      expect(await page.getByRole('checkbox', { name: /^BILL/ }).count()).toBe(0);
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      await server.app.services.gateways.setActive(ctx, 'sandbox', true, actor);
    }
  }, 60_000);
});
