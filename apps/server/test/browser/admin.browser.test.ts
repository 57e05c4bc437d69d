import { sql } from 'drizzle-orm';
import pino from 'pino';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { startWebhookDispatcher } from '../../src/modules/webhooks/webhooks.worker.ts';
import { type StripeFake, startStripeFake } from '../fakes/stripe-fake.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.ts';
import { login } from '../helpers.ts';
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
 * Issue 6, the tenant admin's console in Debian's Chromium against a real server with the demo
 * seeded, named after seed 002's acceptance criteria where they apply: the Payment Integrations
 * page (cards, the blue/grey toggle, the form hidden until it is on, validation as the admin
 * types, Connect through the sandbox's hosted page and through the Stripe fake, Connected, back to
 * Connect after an edit, success in green and failure in red), then users, API keys, webhooks,
 * settings and the audit log, each checked with axe at desktop and phone size. Screenshots go to
 * /tmp/billrail-shots (admin-*.png).
 */
const STRIPE_WEBHOOK_SECRET = 'whsec_adminbrowsertest0123';
const ADMIN = 'admin@demo-water.test';

let server: BrowserTestServer;
let browser: Browser;
let stripe: StripeFake;
let receiver: WebhookReceiver;
let stopDispatcher: (() => Promise<void>) | undefined;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  stripe = await startStripeFake({ webhookSecret: STRIPE_WEBHOOK_SECRET });
  receiver = await startWebhookReceiver();
  server = await startBrowserTestServer({ STRIPE_API_URL: stripe.origin });
  // The webhook dispatcher runs in the worker (or in `serve`); the test server starts it here.
  stopDispatcher = startWebhookDispatcher({
    db: server.db,
    config: server.config,
    log: pino({ level: 'silent' }),
  });
  browser = await launchChromium();
}, 60_000);

afterEach((ctx) => closeContexts(ctx, contexts, 'admin'));

afterAll(async () => {
  await browser?.close();
  await stopDispatcher?.();
  await server?.close();
  await stripe?.close();
  await receiver?.close();
});

const openPage = (options: BrowserContextOptions = DESKTOP) =>
  openContextPage(browser, contexts, {
    baseURL: server.url,
    permissions: ['clipboard-read', 'clipboard-write'],
    ...options,
  });

const shot = screenshots('admin-', { dir: TMP_SHOTS, fromTop: true });

/** Goes to a page through the navigation (the drawer on a phone). */
async function navigate(page: Page, label: string, phone = false) {
  if (phone) {
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.waitForFunction(() => document.getElementById('app-nav')!.getBoundingClientRect().left >= 0);
  }
  await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
}

const card = (page: Page, gateway: string) => page.getByTestId(`gateway-${gateway}`);
const toggle = (page: Page, gateway: string) => page.getByRole('switch', { name: `Activate ${gateway}` });
const trackColor = (c: Locator) =>
  c.locator('.mantine-Switch-track').evaluate((el) => getComputedStyle(el).backgroundColor);
const connectButton = (page: Page, gateway: string) => page.getByTestId(`connect-${gateway}`);

/**
 * The admin changes the connected sandbox's signing secret, which asks for a new connect test,
 * and presses Connect: the browser is on the sandbox's hosted page.
 */
async function reconnectSandbox(signingSecret: string) {
  const page = await openPage();
  await signIn(page, ADMIN);
  await page.goto('/app/integrations');
  const sandbox = card(page, 'sandbox');
  const connect = connectButton(page, 'sandbox');
  await connect.getByText('Connected').waitFor();
  await sandbox.getByLabel('Signing Secret').fill(signingSecret);
  await sandbox.getByRole('button', { name: 'Save details' }).click();
  await connect.getByText('Connect (pay $1.00)').waitFor();
  await connect.click();
  return { page, connect };
}

async function adminApi() {
  return login(server.app, DEMO_TENANT_SLUG, ADMIN, DEMO_PASSWORD);
}

describe('tenant admin console (browser)', { timeout: 90_000 }, () => {
  it('AC: each gateway card shows logo, name, status and a toggle on the right; the toggle is blue when active and grey when inactive', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await navigate(page, 'Payment Integrations');
    await page.getByRole('heading', { name: 'Payment Integrations', level: 1 }).waitFor();
    for (const g of ['stripe', 'doku', 'sandbox']) {
      await card(page, g).getByTestId(`logo-${g}`).waitFor();
      await card(page, g).getByTestId(`status-${g}`).waitFor();
    }
    await card(page, 'stripe').getByRole('heading', { name: 'Stripe' }).waitFor();
    // The toggle sits at the card's right edge.
    const box = (await card(page, 'stripe').boundingBox())!;
    const sw = (await card(page, 'stripe').locator('.mantine-Switch-track').boundingBox())!;
    expect(sw.x + sw.width).toBeGreaterThan(box.x + box.width - 60);
    // Active (the demo's sandbox): blue; inactive (Stripe): grey.
    expect(await toggle(page, 'Sandbox (test payments)').isChecked()).toBe(true);
    await expect.poll(() => trackColor(card(page, 'sandbox'))).toBe('rgb(34, 139, 230)');
    expect(await toggle(page, 'Stripe').isChecked()).toBe(false);
    const grey = rgb(await trackColor(card(page, 'stripe')));
    expect(Math.max(grey.r, grey.g, grey.b) - Math.min(grey.r, grey.g, grey.b)).toBeLessThan(16);
    expect(await card(page, 'sandbox').getByTestId('status-sandbox').textContent()).toBe('Connected');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'integrations-desktop');
  });

  it('AC: configuration form hidden until the toggle is on; required fields marked; webhook URL with a copy button', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await page.goto('/app/integrations');
    const stripeCard = card(page, 'stripe');
    await stripeCard.getByRole('heading', { name: 'Stripe' }).waitFor();
    expect(await stripeCard.getByLabel('API Key').count()).toBe(0);
    await toggle(page, 'Stripe').click({ force: true });
    await stripeCard.getByLabel('API Key').waitFor();
    // The switch animates to its colour; poll until it has.
    await expect.poll(() => trackColor(stripeCard)).toBe('rgb(34, 139, 230)');
    // Every Stripe field is required and marked so (the asterisk).
    expect(await stripeCard.locator('.mantine-InputWrapper-required').count()).toBe(4);
    const url = (await stripeCard.getByTestId('webhook-stripe').textContent())!;
    expect(url).toMatch(new RegExp(`^${server.url}/hooks/gateways/gwh_`));
    await stripeCard.getByRole('button', { name: 'Copy webhook URL' }).click();
    await stripeCard.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    // Nothing is saved yet: Connect is not possible.
    expect(await connectButton(page, 'stripe').isDisabled()).toBe(true);
  });

  it('AC: invalid fields block submission (checked as the admin types, with the API’s reasons); AC: no Connect before valid credentials are saved', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await page.goto('/app/integrations');
    const stripeCard = card(page, 'stripe');
    await stripeCard.getByLabel('API Key').waitFor();
    await stripeCard.getByLabel('API Key').fill('pk_live_oops');
    await stripeCard.getByText('API Key must be a Stripe secret key starting with sk_live_').waitFor();
    const save = stripeCard.getByRole('button', { name: 'Save details' });
    expect(await save.isDisabled()).toBe(true);
    await stripeCard.getByLabel('API Key').fill('sk_test_valid123');
    expect(await stripeCard.getByText('API Key must be a Stripe secret key').count()).toBe(0);
    // Still blocked: the other required fields are empty.
    expect(await save.isDisabled()).toBe(true);
    await stripeCard.getByLabel('Public Key').fill('pk_test_1');
    await stripeCard.getByLabel('Public Key').fill('');
    await stripeCard.getByText('This field is required.').first().waitFor();
    // Nothing valid is saved yet, so the gateway cannot be connected (activated for payments).
    expect(await connectButton(page, 'stripe').isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'integrations-invalid-desktop');
  });

  it('AC: Connect (the card’s prominent primary action) runs a 1-unit test payment at Stripe and shows Connected (green, with the gateway’s response); AC: credentials stored encrypted, shown only as set/last4', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await page.goto('/app/integrations');
    const stripeCard = card(page, 'stripe');
    await stripeCard.getByLabel('API Key').waitFor();
    await stripeCard.getByLabel('API Key').fill('sk_test_adminbrowser1234');
    await stripeCard.getByLabel('Secret Key').fill('rk_test_adminbrowser5678');
    await stripeCard.getByLabel('Webhook Secret').fill(STRIPE_WEBHOOK_SECRET);
    await stripeCard.getByLabel('Public Key').fill('pk_test_adminbrowser');
    await stripeCard.getByRole('button', { name: 'Save details' }).click();
    await stripeCard.getByText('Saved. The details were checked with the gateway.').waitFor();
    // Secrets never come back in clear: only that they are set and their last four characters.
    await stripeCard.getByText('Saved (ends in 1234). Leave empty to keep it.').waitFor();
    expect(await stripeCard.getByLabel('API Key').inputValue()).toBe('');
    expect(await page.content()).not.toContain('sk_test_adminbrowser1234');
    // At rest the credentials are one AES-256-GCM blob with its key id, no secret in clear.
    const stored = await server.db.system((tx) =>
      server.db.rows<{ sealed: string }>(
        tx,
        sql`select secrets_sealed as sealed from gateway_configs where gateway = 'stripe' and secrets_sealed is not null`,
      ),
    );
    expect(stored.length).toBeGreaterThan(0);
    for (const { sealed } of stored) {
      expect(sealed).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+:[\w-]+$/);
      for (const secret of ['sk_test_adminbrowser1234', 'rk_test_adminbrowser5678', STRIPE_WEBHOOK_SECRET])
        expect(sealed).not.toContain(secret);
    }
    const webhookUrl = (await stripeCard.getByTestId('webhook-stripe').textContent())!;
    const connect = connectButton(page, 'stripe');
    expect(await connect.textContent()).toBe('Connect (pay $1.00)');
    // Prominent: a filled button in the theme's colour, at least as tall as any other button on
    // the card.
    const look = await connect.evaluate((el) => {
      const cs = getComputedStyle(el);
      const others = [...(el.closest('[data-testid^="gateway-"]')?.querySelectorAll('button') ?? [])]
        .filter((b) => b !== el)
        .map((b) => b.getBoundingClientRect().height);
      return { bg: cs.backgroundColor, height: el.getBoundingClientRect().height, others };
    });
    expect(look.bg).not.toMatch(/rgba\(0, 0, 0, 0\)|transparent/);
    expect(look.height).toBeGreaterThanOrEqual(Math.max(36, ...look.others));
    await connect.click();
    // Off to Stripe's hosted page (the fake's); the payer pays there.
    await page.waitForURL((u) => u.origin === stripe.origin);
    const session = [...stripe.sessions.values()].at(-1)!;
    expect(session.amount_total).toBe(100);
    for (const e of stripe.payerCompletes(session.id as string, 'paid')) {
      expect(await stripe.deliver(webhookUrl, e)).toBe(200);
    }
    await page.goto(String(session.success_url).replace('{CHECKOUT_SESSION_ID}', String(session.id)));
    await page.waitForURL(/\/app\/integrations\?checkout=chk_/);
    const result = page.getByTestId('result-stripe');
    await result.getByText('Payment successful: Stripe is connected').waitFor();
    await connect.getByText('Connected').waitFor();
    expect(await connect.isDisabled()).toBe(true);
    const title = rgb(
      await result.locator('.mantine-Alert-title').evaluate((el) => getComputedStyle(el).color),
    );
    expect(title.g).toBeGreaterThan(title.r + 40);
    expect(await page.getByTestId('response-stripe').textContent()).toContain('"refund"');
    expect(await stripeCard.getByTestId('status-stripe').textContent()).toBe('Connected');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'integrations-connected-desktop');
  });

  it('AC: editing details returns the button to Connect', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await page.goto('/app/integrations');
    const stripeCard = card(page, 'stripe');
    const connect = connectButton(page, 'stripe');
    await connect.getByText('Connected').waitFor();
    await stripeCard.getByLabel('Public Key').fill('pk_test_edited');
    await stripeCard.getByText('Save your changes first, then connect again.').waitFor();
    await stripeCard.getByRole('button', { name: 'Save details' }).click();
    await connect.getByText('Connect (pay $1.00)').waitFor();
    await expect.poll(() => connect.isEnabled()).toBe(true);
    await expect.poll(() => stripeCard.getByTestId('status-stripe').textContent()).toBe('Not connected');
  });

  it('AC: Connect through the sandbox’s hosted page: a decline shows in red with the gateway’s words, the retry connects', async () => {
    const { page, connect } = await reconnectSandbox('whsec_newsandboxsecret0123456789');
    await page.getByRole('button', { name: 'Decline: insufficient funds' }).click();
    await page.waitForURL(/\/app\/integrations\?checkout=chk_/);
    const result = page.getByTestId('result-sandbox');
    await result.getByText('Please review all the details entered above and retry to connect').waitFor();
    expect(await page.getByTestId('failure-sandbox').textContent()).toBe('Your card has insufficient funds.');
    const title = rgb(
      await result.locator('.mantine-Alert-title').evaluate((el) => getComputedStyle(el).color),
    );
    expect(title.r).toBeGreaterThan(title.g + 60);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'integrations-failed-desktop');
    await connect.click();
    await page.getByRole('button', { name: 'Pay successfully' }).click();
    await page.waitForURL(/\/app\/integrations\?checkout=chk_/);
    await page.getByTestId('result-sandbox').getByText('Payment successful').waitFor();
    await connect.getByText('Connected').waitFor();
  });

  it('AC: an expired session asks the admin to start again: the lapsed connect test shows in red, Connect starts a new one', async () => {
    const { page, connect } = await reconnectSandbox('whsec_expirysandboxsecret01234567');
    // The admin leaves the gateway's page open and walks away; the session lapses.
    await page.getByRole('button', { name: 'Pay successfully' }).waitFor();
    const [attempt] = await server.db.system((tx) =>
      server.db.rows<{ id: string }>(
        tx,
        sql`select id from checkouts where purpose = 'connect_test' and gateway = 'sandbox' order by id desc limit 1`,
      ),
    );
    await server.db.system((tx) =>
      server.db.rows(
        tx,
        sql`update checkouts set expires_at = now() - interval '1 minute' where id = ${attempt!.id} returning id`,
      ),
    );
    expect(await server.app.services.checkouts.expireDue()).toBeGreaterThanOrEqual(1);
    await page.goto(`/app/integrations?checkout=${attempt!.id}`);
    const result = page.getByTestId('result-sandbox');
    await result.getByText('Please review all the details entered above and retry to connect').waitFor();
    expect(await page.getByTestId('failure-sandbox').textContent()).toBe(
      'The payment session expired. Please start again.',
    );
    const title = rgb(
      await result.locator('.mantine-Alert-title').evaluate((el) => getComputedStyle(el).color),
    );
    expect(title.r).toBeGreaterThan(title.g + 60);
    // Starting again works.
    expect(await connect.isEnabled()).toBe(true);
    await connect.click();
    await page.getByRole('button', { name: 'Pay successfully' }).click();
    await page.waitForURL(/\/app\/integrations\?checkout=chk_/);
    await page.getByTestId('result-sandbox').getByText('Payment successful').waitFor();
    await connect.getByText('Connected').waitFor();
  });

  it('API key: created for live mode, shown once with a copy button, listed by prefix, revoked', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await navigate(page, 'API keys');
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('ERP integration');
    await page.getByText('Live', { exact: true }).click();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent())!;
    expect(secret).toMatch(/^sk_live_/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    const ok = await server.app.inject({
      method: 'GET',
      url: '/v1/tenant',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'api-keys-created-desktop');
    // Shown once: after a reload it is nowhere on the page.
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: 'ERP integration' });
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await row.textContent()).toContain(secret.slice(0, 12));
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke ERP integration' }).click();
    await row.getByText('Revoked').waitFor();
    const refused = await server.app.inject({
      method: 'GET',
      url: '/v1/tenant',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.statusCode).toBe(401);
    await shot(page, 'api-keys-desktop');
  });

  it('webhook endpoint: secret shown once, a delivery in its log, replayed to the receiver', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await navigate(page, 'Webhooks');
    await page.getByRole('textbox', { name: 'Endpoint URL' }).fill('ftp://nope');
    await page.getByText('Use an https:// address (http:// only for localhost).').waitFor();
    await page.getByRole('textbox', { name: 'Endpoint URL' }).fill(receiver.url);
    await page.getByRole('checkbox', { name: 'bill.created' }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.getByTestId('webhook-secret').textContent())!;
    expect(secret).toMatch(/^whsec_/);
    // An event: a bill created through the API.
    const admin = await adminApi();
    const bill = await server.app.inject({
      method: 'POST',
      url: '/v1/bills',
      headers: admin.write,
      payload: {
        account_number: 'CRN29391',
        bill_number: 'ADM-WH-1',
        service_name: 'Water Supply',
        billing_period: 'May 2025',
        amount: 1500,
        due_date: '2030-01-31',
      },
    });
    expect(bill.statusCode, bill.body).toBe(201);
    const [first] = await receiver.waitForRequests(1, 10_000);
    const endpoint = page.locator('[data-testid^="endpoint-"]').filter({ hasText: receiver.url });
    await endpoint.getByRole('button', { name: 'Delivery log' }).click();
    const delivery = endpoint.locator('[data-testid^="delivery-"]').first();
    await delivery
      .getByText('Delivered')
      .waitFor({ timeout: 10_000 })
      .catch(async () => {
        await endpoint.getByRole('button', { name: 'Refresh' }).click();
        await delivery.getByText('Delivered').waitFor();
      });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'webhooks-desktop');
    await delivery.getByRole('button', { name: /^Replay bill.created/ }).click();
    await endpoint.getByText('Sent again as a new delivery.').waitFor();
    const [, again] = await receiver.waitForRequests(2, 10_000);
    expect(again!.headers['billrail-event-id']).toBe(first!.headers['billrail-event-id']);
    expect(again!.headers['billrail-delivery-id']).not.toBe(first!.headers['billrail-delivery-id']);
    // Shown once: after a reload the secret is nowhere on the page.
    await page.reload();
    await endpoint.waitFor();
    expect(await page.content()).not.toContain(secret.slice(6));
  });

  it('users: created with a role and a temporary password shown once; disabled, unlocked and reset', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await navigate(page, 'Users and roles');
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Email' }).fill('ana.cso@demo-water.test');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Ana Cruz');
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption('cso_admin');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    const temp = (await page.getByTestId('user-secret').textContent())!;
    const ana = await login(server.app, DEMO_TENANT_SLUG, 'ana.cso@demo-water.test', temp);
    const me = await server.app.inject({ method: 'GET', url: '/v1/auth/session', headers: ana.headers });
    expect(me.json().user.role).toBe('cso_admin');
    const row = page.getByTestId('user-ana.cso@demo-water.test');
    await row.waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'users-desktop');
    // Locked out by failed sign-ins, then unlocked here.
    for (let i = 0; i < 5; i++) {
      await server.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { tenant: DEMO_TENANT_SLUG, email: 'ana.cso@demo-water.test', password: 'wrong-password-x' },
      });
    }
    await page.reload();
    await row.getByText('Locked').waitFor();
    await row.getByRole('button', { name: 'Actions for Ana Cruz' }).click();
    await page.getByRole('menuitem', { name: 'Unlock' }).click();
    await row.getByText('Locked').waitFor({ state: 'detached' });
    // Reset: a new temporary password, shown once, that signs in; the old one no longer does.
    await row.getByRole('button', { name: 'Actions for Ana Cruz' }).click();
    await page.getByRole('menuitem', { name: 'Reset password' }).click();
    await page.getByText('New temporary password for ana.cso@demo-water.test').waitFor();
    const fresh = (await page.getByTestId('user-secret').textContent())!;
    expect(fresh).not.toBe(temp);
    await login(server.app, DEMO_TENANT_SLUG, 'ana.cso@demo-water.test', fresh);
    await expect(login(server.app, DEMO_TENANT_SLUG, 'ana.cso@demo-water.test', temp)).rejects.toThrow();
    // Disabled: no more sign-ins.
    await row.getByRole('button', { name: 'Actions for Ana Cruz' }).click();
    await page.getByRole('menuitem', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    await expect(login(server.app, DEMO_TENANT_SLUG, 'ana.cso@demo-water.test', fresh)).rejects.toThrow();
  });

  it('audit log: paged, filtered by action, actor and date', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await navigate(page, 'Audit log');
    await page.getByTestId('audit-row').first().waitFor();
    await page.getByRole('combobox', { name: 'Action' }).fill('gateway.configured');
    await page.getByRole('option', { name: 'gateway.configured' }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="audit-row"] code')].every(
        (c) => c.textContent === 'gateway.configured',
      ),
    );
    expect(await page.getByTestId('audit-row').count()).toBeGreaterThan(0);
    await page.getByRole('combobox', { name: 'Who' }).fill('admin@');
    const admin = page.getByRole('option', { name: 'Utility Admin (admin@demo-water.test)' });
    await admin.click();
    await page.getByTestId('audit-row').first().waitFor();
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('From').fill(tomorrow);
    await page.getByText('No changes match these filters.').waitFor();
    await page.getByLabel('From').fill('');
    await page.getByTestId('audit-row').first().getByRole('button', { name: 'Show' }).click();
    await page.getByText('Before', { exact: true }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'audit-desktop');
  });

  it('navigation shows only the pages a role may use (the permission matrix in the session)', async () => {
    const expectNav = async (email: string, shown: string[], hidden: string[]) => {
      const page = await openPage();
      await signIn(page, email);
      const nav = page.getByRole('navigation');
      for (const label of shown) await nav.getByRole('link', { name: label, exact: true }).waitFor();
      for (const label of hidden)
        expect(await nav.getByRole('link', { name: label, exact: true }).count()).toBe(0);
      return page;
    };
    const all = ['Payment Integrations', 'Users and roles', 'API keys', 'Webhooks', 'Settings', 'Audit log'];
    await expectNav(ADMIN, all, []);
    const cso = await expectNav(
      'cso.admin@demo-water.test',
      ['Payment Integrations', 'Users and roles'],
      ['API keys', 'Webhooks', 'Settings', 'Audit log'],
    );
    // A CSO admin reads the gateways but cannot switch or connect them.
    await navigate(cso, 'Payment Integrations');
    expect(await toggle(cso, 'Stripe').isDisabled()).toBe(true);
    await expectNav('cso@demo-water.test', [], all);
    await expectNav('isidro.garcia@example.com', [], all);
  }, 90_000);

  it('every admin page on a phone: no sideways scrolling, no serious axe violations', async () => {
    const page = await openPage(PHONE);
    await signIn(page, ADMIN);
    for (const [label, name] of [
      ['Payment Integrations', 'integrations'],
      ['Users and roles', 'users'],
      ['API keys', 'api-keys'],
      ['Webhooks', 'webhooks'],
      ['Settings', 'settings'],
      ['Audit log', 'audit'],
    ] as const) {
      await navigate(page, label, true);
      await page.getByRole('heading', { level: 1 }).filter({ hasText: /./ }).first().waitFor();
      await page.waitForLoadState('networkidle');
      // The drawer slides away after the click; measure once it has.
      await page.waitForFunction(
        () => document.getElementById('app-nav')!.getBoundingClientRect().right <= 0,
      );
      await page.waitForTimeout(300);
      const width = await page.evaluate(
        () => `${document.documentElement.scrollWidth} px wide in ${document.documentElement.clientWidth}`,
      );
      expect(await hasHorizontalOverflow(page), `${name}: ${width}`).toBe(false);
      await shot(page, `${name}-phone`);
      expect(await seriousAxeViolations(page), name).toEqual([]);
      await shot(page, `${name}-phone`);
    }
  }, 120_000);

  it('settings: a new name and colour are saved and the app’s branding follows', async () => {
    const page = await openPage();
    await signIn(page, ADMIN);
    await navigate(page, 'Settings');
    const name = page.getByRole('textbox', { name: 'Display name' });
    await name.waitFor();
    expect(await page.getByRole('textbox', { name: 'Platform fee' }).inputValue()).toBe('3%');
    const header = page.locator('.tenant-home span');
    const before = await header.evaluate((el) => getComputedStyle(el).color);
    await name.fill('Demo Water & Sewer');
    await page.getByRole('textbox', { name: 'Primary colour' }).fill('#2b8a3e');
    await page.getByRole('textbox', { name: 'Report time' }).fill('06:30');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'settings-desktop');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByTestId('settings-saved').waitFor();
    await header.getByText('Demo Water & Sewer').waitFor();
    await page.waitForFunction(
      (b) => getComputedStyle(document.querySelector('.tenant-home span')!).color !== b,
      before,
    );
    const after = rgb(await header.evaluate((el) => getComputedStyle(el).color));
    expect(after.g).toBeGreaterThan(after.r);
    expect(after.g).toBeGreaterThan(after.b);
    const tenant = await server.app.inject({
      method: 'GET',
      url: '/v1/tenant',
      headers: (await adminApi()).headers,
    });
    expect(tenant.json()).toMatchObject({
      display_name: 'Demo Water & Sewer',
      primary_color: '#2b8a3e',
      report_time: '06:30',
    });
  });

  it('settings: the QRIS merchant is saved and kept after a reload; a bad value shows its field error, and so does the API’s', async () => {
    // QRIS takes IDR only and the demo bills in USD: a tenant billing in IDR, signed in to as its admin.
    const slug = `qris-${Date.now().toString(36)}`;
    const email = `admin@${slug}.test`;
    const password = 'qris-admin-password-1';
    await server.app.services.tenants.create(
      {
        name: 'Tirta Jaya Water',
        slug,
        currency: 'IDR',
        time_zone: 'Asia/Jakarta',
        locale: 'en',
        platform_fee_bps: 0,
        admin: { email, name: 'Admin', password },
      },
      { type: 'cli', id: 'admin-browser-test' },
    );
    const page = await openPage();
    await signIn(page, email, { tenant: slug, password });
    await navigate(page, 'Settings');

    const qris = page.getByTestId('qris-merchant');
    const enabled = qris.getByRole('switch', { name: 'Print a QRIS code on challans' });
    const box = (name: string) => qris.getByRole('textbox', { name, exact: true });
    const select = (name: string) => qris.getByRole('combobox', { name, exact: true });
    const save = page.getByRole('button', { name: 'Save settings' });
    await enabled.waitFor();
    expect(await enabled.isChecked()).toBe(false);
    await enabled.check();
    // Saving with the fields empty names each required one (the template id is optional).
    await save.click();
    await expect.poll(() => qris.getByText('This field is required.').count()).toBe(10);
    expect(await save.isDisabled()).toBe(true);

    const merchant = {
      acquirer: {
        guid: 'ID.CO.EXAMPLE.WWW',
        mpan: '936000000000000001',
        merchant_id: 'TJW0001',
        criteria: 'UBE',
      },
      nmid: 'ID1000000000001',
      criteria: 'UBE',
      mcc: '4900',
      name: 'TIRTA JAYA WATER',
      city: 'JAKARTA',
      postal_code: '10110',
    };
    await box('Acquirer domain (GUID)').fill(merchant.acquirer.guid);
    // Checked as typed: a Merchant PAN that is not 16-19 digits from 9360 is marked at once.
    await box('Merchant PAN').fill('9360 1234');
    const mpanError = qris.getByText('Use 16 to 19 digits starting with 9360.');
    await mpanError.waitFor();
    expect(await box('Merchant PAN').getAttribute('aria-invalid')).toBe('true');
    await box('Merchant PAN').fill(merchant.acquirer.mpan);
    await mpanError.waitFor({ state: 'detached' });
    await box('Merchant ID at the acquirer').fill(merchant.acquirer.merchant_id);
    await select('Criteria at the acquirer').selectOption('UBE');
    await box('NMID').fill(merchant.nmid);
    await select('Merchant criteria').selectOption('UBE');
    await box('Merchant category code (MCC)').fill(merchant.mcc);
    await box('Merchant name').fill(merchant.name);
    await box('Merchant city').fill(merchant.city);
    await box('Postal code').fill(merchant.postal_code);
    expect(await qris.getByText('This field is required.').count()).toBe(0);
    expect(await save.isDisabled()).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'settings-qris-desktop');
    await save.click();
    await page.getByTestId('settings-saved').waitFor();

    // Kept: after a reload the page shows what the API has.
    await page.reload();
    await enabled.waitFor();
    expect(await enabled.isChecked()).toBe(true);
    expect(await box('Acquirer domain (GUID)').inputValue()).toBe(merchant.acquirer.guid);
    expect(await box('Merchant PAN').inputValue()).toBe(merchant.acquirer.mpan);
    expect(await box('Merchant ID at the acquirer').inputValue()).toBe(merchant.acquirer.merchant_id);
    expect(await select('Criteria at the acquirer').inputValue()).toBe('UBE');
    expect(await box('Template ID').inputValue()).toBe('');
    expect(await box('NMID').inputValue()).toBe(merchant.nmid);
    expect(await select('Merchant criteria').inputValue()).toBe('UBE');
    expect(await box('Merchant category code (MCC)').inputValue()).toBe(merchant.mcc);
    expect(await box('Merchant name').inputValue()).toBe(merchant.name);
    expect(await box('Merchant city').inputValue()).toBe(merchant.city);
    expect(await box('Postal code').inputValue()).toBe(merchant.postal_code);
    const api = await login(server.app, slug, email, password);
    const saved = async () =>
      (await server.app.inject({ method: 'GET', url: '/v1/tenant', headers: api.headers })).json()
        .qris_merchant;
    expect(await saved()).toEqual(merchant);

    // The API is the judge: a value the page lets through but the API refuses (the request is
    // altered on its way here) shows the API's own reason on that field, and nothing is saved.
    await page.route('**/v1/tenant', (route) => {
      const request = route.request();
      if (request.method() !== 'PATCH') return route.continue();
      const body = request.postDataJSON();
      return route.continue({
        postData: JSON.stringify({ ...body, qris_merchant: { ...body.qris_merchant, nmid: 'ID10000' } }),
      });
    });
    await box('Merchant city').fill('BOGOR');
    await save.click();
    await qris.getByText(/^Must be 15 capital letters or digits/).waitFor();
    expect(await box('NMID').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').count()).toBe(0);
    await shot(page, 'settings-qris-api-error-desktop');
    await page.unroute('**/v1/tenant');
    expect(await saved()).toEqual(merchant);
  });
});
