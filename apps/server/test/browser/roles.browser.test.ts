import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { login } from '../helpers.ts';
import {
  type BrowserTestServer,
  closeContexts,
  DESKTOP_VIEWPORT,
  launchChromium,
  openPage,
  PHONE_VIEWPORT,
  screenshots,
  seriousAxeViolations,
  signIn,
  startBrowserTestServer,
  TMP_SHOTS,
} from './chromium.ts';

/**
 * Issue 6: each role sees only the pages its permissions allow; a forbidden page opened by its
 * address says "Not allowed" (and the API answers 403); the platform admin onboards a tenant in the
 * browser and its new admin signs in; the tenant admin's analytics page shows the insights after
 * tracked actions. Axe on every page; desktop and phone screenshots to /tmp/billrail-shots.
 */
let server: BrowserTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startBrowserTestServer();
  browser = await launchChromium();
}, 60_000);
afterEach((ctx) => closeContexts(ctx, contexts, 'roles'));
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

// Viewports only (a phone-sized window, no touch emulation): the README's pictures are taken so.
const newPage = (viewport = DESKTOP_VIEWPORT) =>
  openPage(browser, contexts, { baseURL: server.url, viewport });

const shot = screenshots('', { dir: TMP_SHOTS });

async function navNames(page: Page) {
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await nav.getByRole('link').first().waitFor({ state: 'attached' });
  return nav.getByRole('link').allTextContents();
}

const apiStatus = (page: Page, url: string) =>
  page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).status, url);

interface RoleCase {
  role: string;
  tenant: string;
  email: string;
  sees: string[];
  hidden: string[];
  forbidden: { page: string; api: string }[];
}

const ROLES: RoleCase[] = [
  {
    role: 'platform_admin',
    tenant: 'platform',
    email: 'operator@billrail.test',
    sees: ['Home', 'Tenants', 'Platform dashboard', 'Profile', 'Password'],
    hidden: ['Analytics', 'Payments', 'Bill Pay', 'History', 'Dashboard', 'Payment Integrations'],
    forbidden: [
      { page: '/app/analytics', api: '/v1/analytics/insights' },
      { page: '/app/payments', api: '/v1/payments' },
      { page: '/app/history', api: '/v1/me/payments' },
    ],
  },
  {
    role: 'tenant_admin',
    tenant: DEMO_TENANT_SLUG,
    email: 'admin@demo-water.test',
    sees: ['Home', 'Analytics', 'Payments', 'Payment Integrations', 'Users and roles', 'Profile'],
    hidden: ['Tenants', 'Platform dashboard', 'Bill Pay', 'History'],
    forbidden: [
      { page: '/app/platform/tenants', api: '/v1/platform/tenants' },
      { page: '/app/platform/dashboard', api: '/v1/platform/dashboard' },
      { page: '/app/history', api: '/v1/me/payments' },
    ],
  },
  {
    role: 'cso_admin',
    tenant: DEMO_TENANT_SLUG,
    email: 'cso.admin@demo-water.test',
    sees: ['Home', 'Payments', 'Reconciliation'],
    hidden: ['Analytics', 'Tenants', 'Platform dashboard', 'API keys', 'Bill Pay'],
    forbidden: [
      { page: '/app/analytics', api: '/v1/analytics/insights' },
      { page: '/app/api-keys', api: '/v1/api-keys' },
      { page: '/app/platform/dashboard', api: '/v1/platform/dashboard' },
    ],
  },
  {
    role: 'cso_executive',
    tenant: DEMO_TENANT_SLUG,
    email: 'cso@demo-water.test',
    sees: ['Home', 'Payments', 'Reconciliation'],
    hidden: ['Analytics', 'Users and roles', 'Tenants', 'Payment Integrations', 'Bill Pay'],
    forbidden: [
      { page: '/app/analytics', api: '/v1/analytics/insights' },
      { page: '/app/users', api: '/v1/users' },
      { page: '/app/platform/tenants', api: '/v1/platform/tenants' },
    ],
  },
  {
    role: 'consumer',
    tenant: DEMO_TENANT_SLUG,
    email: 'isidro.garcia@example.com',
    sees: ['Home', 'Dashboard', 'Bill Pay', 'History'],
    hidden: ['Analytics', 'Payments', 'Tenants', 'Reconciliation', 'Payment Integrations'],
    forbidden: [
      { page: '/app/payments', api: '/v1/payments' },
      { page: '/app/analytics', api: '/v1/analytics/insights' },
      { page: '/app/platform/tenants', api: '/v1/platform/tenants' },
    ],
  },
];

describe('role visibility', () => {
  for (const r of ROLES) {
    it(`${r.role}: the navigation shows only allowed pages; a forbidden address says Not allowed (API 403)`, async () => {
      const page = await newPage();
      await signIn(page, r.email, { tenant: r.tenant });
      const names = await navNames(page);
      for (const name of r.sees) expect(names, `${r.role} sees ${name}`).toContain(name);
      for (const name of r.hidden) expect(names, `${r.role} does not see ${name}`).not.toContain(name);
      for (const f of r.forbidden) {
        await page.goto(f.page);
        await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
        expect(await page.getByTestId('not-allowed').textContent()).toContain(
          'is not allowed to open this page',
        );
        expect(await apiStatus(page, f.api), `${r.role} GET ${f.api}`).toBe(403);
      }
      expect(await seriousAxeViolations(page)).toEqual([]);
      if (r.role === 'cso_executive') {
        await shot(page, 'platform-not-allowed-desktop');
      }
    });
  }
});

describe('platform admin', () => {
  it('onboards a tenant in the browser; its new admin signs in and sees the tenant pages', async () => {
    const page = await newPage();
    await signIn(page, 'operator@billrail.test', { tenant: 'platform' });
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.getByTestId(`tenant-${DEMO_TENANT_SLUG}`).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Onboard a tenant' }).click();
    await page.getByRole('heading', { name: 'Onboard a tenant' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('textbox', { name: 'Legal name' }).fill('Lakeside Power');
    await page.getByRole('textbox', { name: /^Slug/ }).fill('lakeside-power');
    await page.getByRole('textbox', { name: 'Display name' }).fill('Lakeside Power & Light');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Lena Admin');
    await page.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
    await page.getByLabel('Temporary password').fill('lakeside-admin-2025');
    await shot(page, 'platform-onboard-desktop');
    await page.getByRole('button', { name: 'Onboard tenant' }).click();
    // The server names the bad field; nothing is created.
    await page.locator('input[type="email"][aria-invalid="true"]').waitFor();
    expect(await apiStatus(page, '/v1/public/tenants/lakeside-power')).toBe(404);
    await page.getByRole('textbox', { name: 'Email' }).fill('lena@lakeside.test');
    await page.getByRole('button', { name: 'Onboard tenant' }).click();
    await page.getByTestId('onboarded').waitFor();
    await page.getByTestId('tenant-lakeside-power').waitFor();
    await shot(page, 'platform-tenants-desktop');

    await page.getByRole('link', { name: 'Platform dashboard' }).click();
    await page.getByTestId(`dash-${DEMO_TENANT_SLUG}`).waitFor();
    await page.getByTestId('dash-lakeside-power').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'platform-dashboard-desktop');

    const admin = await newPage();
    await signIn(admin, 'lena@lakeside.test', { tenant: 'lakeside-power', password: 'lakeside-admin-2025' });
    const names = await navNames(admin);
    expect(names).toContain('Analytics');
    expect(names).not.toContain('Tenants');
    await admin.getByRole('link', { name: 'Analytics' }).click();
    await admin.getByTestId('conversion').waitFor();
    expect(await admin.getByTestId('conversion').textContent()).toContain('—');
  });

  it('pages work on a phone', async () => {
    const page = await newPage(PHONE_VIEWPORT);
    await signIn(page, 'operator@billrail.test', { tenant: 'platform' });
    await page.goto('/app/platform/tenants');
    await page.getByTestId(`tenant-${DEMO_TENANT_SLUG}`).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'platform-tenants-phone');
    await page.goto('/app/platform/tenants/new');
    await page.getByRole('heading', { name: 'Onboard a tenant' }).waitFor();
    await shot(page, 'platform-onboard-phone');
    await page.goto('/app/platform/dashboard');
    await page.getByTestId(`dash-${DEMO_TENANT_SLUG}`).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'platform-dashboard-phone');
  });
});

describe('analytics', () => {
  it('shows the key insights after tracked actions', async () => {
    // Tracked actions: a consumer pays a bill through the sandbox, a CSO searches for the
    // payment and opens it, the consumer opens History.
    const consumer = await login(server.app, DEMO_TENANT_SLUG, 'isidro.garcia@example.com', DEMO_PASSWORD);
    const staff = await login(server.app, DEMO_TENANT_SLUG, 'cso@demo-water.test', DEMO_PASSWORD);
    const bills = await server.app.inject({ method: 'GET', url: '/v1/me/bills', headers: consumer.headers });
    const bill = bills.json().data.find((b: { payable: boolean }) => b.payable);
    const checkout = await server.app.inject({
      method: 'POST',
      url: '/v1/checkouts',
      headers: consumer.write,
      payload: { gateway: 'sandbox', bill_ids: [bill.id] },
    });
    expect(checkout.statusCode, checkout.body).toBe(201);
    const path = new URL(checkout.json().redirect_url).pathname;
    const paid = await server.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'outcome=success',
    });
    expect(paid.statusCode).toBe(303);
    await server.app.inject({ method: 'GET', url: new URL(paid.headers.location as string).pathname });
    const list = await server.app.inject({
      method: 'GET',
      url: '/v1/payments?channel=gateway',
      headers: staff.headers,
    });
    const pay = list.json().data[0];
    await server.app.inject({ method: 'GET', url: `/v1/payments?q=${pay.id}`, headers: staff.headers });
    await server.app.inject({ method: 'GET', url: `/v1/payments/${pay.id}`, headers: staff.headers });
    await server.app.inject({ method: 'GET', url: '/v1/me/payments', headers: consumer.headers });

    // What only the browser sees, sent by the pages themselves: the consumer opens Bill Pay and
    // chooses a gateway card; a CSO opens Reconciliation.
    const payer = await newPage();
    await signIn(payer, 'isidro.garcia@example.com');
    await payer.goto('/app/pay');
    const billItems = payer.locator('.bill-item');
    await billItems.first().waitFor();
    const itemsShown = await billItems.count();
    await payer.locator('.bill-item:not([disabled])').first().click();
    await payer.getByRole('radio', { name: 'Sandbox (test payments)' }).click();
    const cso = await newPage();
    await signIn(cso, 'cso@demo-water.test');
    await cso.goto('/app/reconciliation');
    await cso.getByRole('heading', { name: 'Reconciliation', level: 1 }).waitFor();
    // The pages do not wait for their posts, so the test waits for the insights to count them.
    const admin = await login(server.app, DEMO_TENANT_SLUG, 'admin@demo-water.test', DEMO_PASSWORD);
    const clientCounts = async () => {
      const res = await server.app.inject({
        method: 'GET',
        url: '/v1/analytics/insights',
        headers: admin.headers,
      });
      const events: { name: string; count: number }[] = res.json().events;
      return Object.fromEntries(events.map((e) => [e.name, e.count]));
    };
    await expect.poll(clientCounts, { timeout: 10_000 }).toMatchObject({
      'Bill Pay Viewed': 1,
      'Payment Method Selected': 1,
      'Reconciliation Report Viewed': 1,
    });
    const { sql } = await import('drizzle-orm');
    const tenant = await server.app.services.tenants.getBySlug(DEMO_TENANT_SLUG);
    const rows = await server.db.withTenant({ tenantId: tenant.id, mode: 'live' }, (tx) =>
      server.db.rows<{ name: string; properties: Record<string, unknown>; actor_role: string }>(
        tx,
        sql`select name, properties, actor_role from analytics_events
             where name in ('Bill Pay Viewed', 'Payment Method Selected', 'Reconciliation Report Viewed')
             order by name`,
      ),
    );
    expect(rows).toEqual([
      { name: 'Bill Pay Viewed', properties: { items_shown: itemsShown }, actor_role: 'consumer' },
      { name: 'Payment Method Selected', properties: { gateway_name: 'sandbox' }, actor_role: 'consumer' },
      {
        name: 'Reconciliation Report Viewed',
        properties: { report_name: 'exceptions' },
        actor_role: 'cso_executive',
      },
    ]);

    for (const [name, viewport] of [
      ['desktop', DESKTOP_VIEWPORT],
      ['phone', PHONE_VIEWPORT],
    ] as const) {
      const page = await newPage(viewport);
      await signIn(page, 'admin@demo-water.test');
      await page.goto('/app/analytics');
      await page.getByTestId('conversion').waitFor();
      expect(await page.getByTestId('conversion').textContent()).toMatch(/100%/);
      expect(await page.getByTestId('gateway-table').textContent()).toMatch(/sandbox/i);
      expect(await page.getByTestId('searches').textContent()).toMatch(/Payment searches\s*2/);
      expect(
        Number((await page.getByTestId('history-views').textContent())?.match(/\d+/)?.[0]),
      ).toBeGreaterThan(0);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await shot(page, `analytics-${name}`);
    }
  });
});
