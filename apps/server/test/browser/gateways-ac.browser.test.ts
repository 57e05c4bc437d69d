import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { type StripeFake, startStripeFake } from '../fakes/stripe-fake.ts';
import { login } from '../helpers.ts';
import {
  type BrowserTestServer,
  closeContexts,
  DESKTOP,
  launchChromium,
  openPage as openContextPage,
  rgb,
  screenshots,
  seriousAxeViolations,
  signIn,
  startBrowserTestServer,
} from './chromium.ts';

/**
 * Seed 002's acceptance criteria on how many payment gateways may be active, in Chromium against a
 * real server with the demo seeded (its sandbox switched on and connected) and the Stripe fake:
 * several active at once, each offered to the consumer; none active, no online payment at all.
 * A file of its own because switching every gateway off would pull the ground from under the
 * other browser tests' payments. Screenshot: docs/screenshots/admin-integrations-none-active-*.png.
 */
const STRIPE_WEBHOOK_SECRET = 'whsec_gatewaysacbrowsertest01';
const ADMIN = 'admin@demo-water.test';
const CONSUMER = 'isidro.garcia@example.com';
const NO_GATEWAY_WARNING =
  'No payment gateway is active and connected yet, so consumers cannot pay bills online.';

let server: BrowserTestServer;
let browser: Browser;
let stripe: StripeFake;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  stripe = await startStripeFake({ webhookSecret: STRIPE_WEBHOOK_SECRET });
  server = await startBrowserTestServer({ STRIPE_API_URL: stripe.origin });
  browser = await launchChromium();
}, 60_000);

afterEach((ctx) => closeContexts(ctx, contexts, 'gateways-ac'));

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stripe?.close();
});

const openPage = (options: BrowserContextOptions = DESKTOP) =>
  openContextPage(browser, contexts, { baseURL: server.url, ...options });

const shot = screenshots('admin-', { fromTop: true });

const card = (page: Page, gateway: string) => page.getByTestId(`gateway-${gateway}`);
const toggle = (page: Page, name: string) => page.getByRole('switch', { name: `Activate ${name}` });
const trackColor = (page: Page, gateway: string) =>
  card(page, gateway)
    .locator('.mantine-Switch-track')
    .evaluate((el) => getComputedStyle(el).backgroundColor);
const BLUE = 'rgb(34, 139, 230)';

async function api(method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, email: string, payload?: object) {
  const who = await login(server.app, DEMO_TENANT_SLUG, email, DEMO_PASSWORD);
  return server.app.inject({ method, url, headers: method === 'GET' ? who.headers : who.write, payload });
}

/**
 * Stripe switched on, its details saved and its one-unit connect test paid at the Stripe fake,
 * through the API calls the Payment Integrations page makes (the page's own Connect flow has its
 * tests in admin.browser.test.ts).
 */
async function connectStripe() {
  expect((await api('PATCH', '/v1/gateways/stripe', ADMIN, { active: true })).statusCode).toBe(200);
  const saved = await api('PUT', '/v1/gateways/stripe/credentials', ADMIN, {
    credentials: {
      api_key: 'sk_test_gatewaysac1234',
      secret_key: 'rk_test_gatewaysac5678',
      webhook_secret: STRIPE_WEBHOOK_SECRET,
      publishable_key: 'pk_test_gatewaysac',
    },
  });
  expect(saved.statusCode, saved.body).toBe(200);
  const connect = await api('POST', '/v1/gateways/stripe/connect', ADMIN, { return_to: '/app/integrations' });
  expect(connect.statusCode, connect.body).toBe(201);
  const session = [...stripe.sessions.values()].at(-1)!;
  for (const e of stripe.payerCompletes(session.id as string, 'paid')) {
    expect(await stripe.deliver(saved.json().webhook_url, e)).toBe(200);
  }
  await expect
    .poll(async () => (await api('GET', '/v1/gateways/stripe', ADMIN)).json().available, { timeout: 10_000 })
    .toBe(true);
}

describe('payment gateway activation (seed 002 acceptance criteria, browser)', { timeout: 90_000 }, () => {
  it('AC: multiple payment gateways are active at the same time', async () => {
    await connectStripe();

    // The admin's page: both switches on (blue), both connected.
    const admin = await openPage();
    await signIn(admin, ADMIN);
    await admin.goto('/app/integrations');
    await card(admin, 'stripe').getByRole('heading', { name: 'Stripe' }).waitFor();
    for (const [gateway, name] of [
      ['sandbox', 'Sandbox (test payments)'],
      ['stripe', 'Stripe'],
    ] as const) {
      expect(await toggle(admin, name).isChecked(), name).toBe(true);
      await expect.poll(() => trackColor(admin, gateway)).toBe(BLUE);
      expect(await card(admin, gateway).getByTestId(`status-${gateway}`).textContent()).toBe('Connected');
    }
    expect(await admin.getByText(NO_GATEWAY_WARNING).count()).toBe(0);

    // The payer is offered both.
    const methods = await api('GET', '/v1/payment-methods', CONSUMER);
    expect(
      methods
        .json()
        .data.map((m: { gateway: string }) => m.gateway)
        .sort(),
    ).toEqual(['sandbox', 'stripe']);
    const page = await openPage();
    await signIn(page, CONSUMER);
    await page.getByRole('navigation').getByRole('link', { name: 'Bill Pay' }).click();
    await page.getByRole('checkbox', { name: /^BILL7890,/ }).click();
    // A card for each active gateway, and no other.
    for (const gateway of ['sandbox', 'stripe']) await page.getByTestId(`gateway-${gateway}`).waitFor();
    expect(await page.locator('[data-testid^="gateway-"]').count()).toBe(2);
    await page.getByRole('radio', { name: 'Sandbox (test payments)' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    // Either may be used: this payment goes to Stripe's hosted page (the fake's).
    await page.getByRole('radio', { name: 'Stripe' }).click();
    await page.getByRole('button', { name: 'Pay Now' }).click();
    await page.getByRole('heading', { name: 'Payment summary' }).waitFor();
    expect(await page.getByTestId('summary-method').textContent()).toBe('Stripe');
    await page.getByRole('button', { name: 'Pay Now' }).click();
    await page.waitForURL((u) => u.origin === stripe.origin);
  });

  it('AC: at least one payment gateway must be active before payments are processed', async () => {
    // The admin switches off every gateway that is on.
    const admin = await openPage();
    await signIn(admin, ADMIN);
    await admin.goto('/app/integrations');
    await card(admin, 'sandbox').getByRole('heading', { name: 'Sandbox (test payments)' }).waitFor();
    for (const name of ['Stripe', 'DOKU', 'Sandbox (test payments)']) {
      if (await toggle(admin, name).isChecked()) await toggle(admin, name).click({ force: true });
      await expect.poll(() => toggle(admin, name).isChecked(), { message: name }).toBe(false);
    }
    // The page warns, in yellow, that consumers cannot pay online.
    const warning = admin.getByRole('alert').filter({ hasText: NO_GATEWAY_WARNING });
    await warning.waitFor();
    // Yellow: red and green well above blue (a red, blue or grey alert fails one of these).
    const bg = rgb(await warning.evaluate((el) => getComputedStyle(el).backgroundColor));
    expect(bg.r - bg.b, JSON.stringify(bg)).toBeGreaterThan(30);
    expect(bg.g - bg.b, JSON.stringify(bg)).toBeGreaterThan(30);
    // A connected gateway that is off is not shown as a green "Connected".
    for (const gateway of ['stripe', 'sandbox']) {
      await expect
        .poll(() => card(admin, gateway).getByTestId(`status-${gateway}`).textContent())
        .toBe('Connected · switched off');
    }
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await shot(admin, 'integrations-none-active-desktop');

    // The API offers no payment method and refuses a checkout at any gateway.
    expect((await api('GET', '/v1/payment-methods', CONSUMER)).json().data).toEqual([]);
    const bills = await api('GET', '/v1/me/bills', CONSUMER);
    const bill = bills.json().data.find((b: { bill_number: string }) => b.bill_number === 'BILL7891');
    for (const gateway of ['sandbox', 'stripe']) {
      const refused = await api('POST', '/v1/checkouts', CONSUMER, { gateway, bill_ids: [bill.id] });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().errors).toEqual([
        { field: 'gateway', reason: 'is not an active payment method of this biller' },
      ]);
    }

    // The consumer has no Bill Pay, only a notice that online payment is not available.
    const page = await openPage();
    await signIn(page, CONSUMER);
    await page.getByRole('navigation').getByRole('link', { name: 'History' }).waitFor();
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Bill Pay' }).count()).toBe(0);
    await page.goto('/app/pay');
    await page.getByTestId('bill-pay-unavailable').waitFor();
    expect(await page.getByTestId('bill-pay-unavailable').textContent()).toContain(
      'Online payment is not available',
    );
    expect(await page.getByRole('button', { name: 'Pay Now' }).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});
