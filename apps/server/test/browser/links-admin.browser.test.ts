import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { login } from '../helpers.ts';
import {
  type BrowserTestServer,
  closeContexts,
  DOCS_SHOTS,
  launchChromium,
  openPage as openContextPage,
  PHONE_VIEWPORT,
  screenshots,
  seriousAxeViolations,
  signIn,
  startBrowserTestServer,
} from './chromium.ts';

/**
 * The staff page for payment links (issue 5 item 7) in Chromium: a CSO creates a single-use link
 * for a demo bill, copies its URL, sends it by e-mail (the message is in the outbox), a payer opens
 * the URL and pays at the sandbox, and the list shows the link as used; an invalid form is
 * refused before it reaches the API; a link is disabled after a confirmation.
 * Screenshots: docs/screenshots/links-admin-*.png.
 */
// The sizes the README's links-admin-*.png are taken at (a phone-sized window without touch
// emulation).
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const PHONE: BrowserContextOptions = { viewport: PHONE_VIEWPORT };

let server: BrowserTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startBrowserTestServer({ PUBLIC_RATE_LIMIT_PER_MINUTE: '10000' });
  browser = await launchChromium();
}, 60_000);
afterEach((ctx) => closeContexts(ctx, contexts, 'links'));
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const openPage = (options: BrowserContextOptions = DESKTOP) =>
  openContextPage(browser, contexts, {
    baseURL: server.url,
    permissions: ['clipboard-read', 'clipboard-write'],
    ...options,
  });

const shot = screenshots('links-admin', { dir: process.env.CSO_SHOTS ?? DOCS_SHOTS });

const admin = () => login(server.app, DEMO_TENANT_SLUG, 'admin@demo-water.test', DEMO_PASSWORD);
const row = (page: Page, id: string) => page.locator(`tr[data-link-id="${id}"]`);

async function linkCount() {
  const res = await server.app.inject({
    method: 'GET',
    url: '/v1/payment-links?limit=200',
    headers: (await admin()).headers,
  });
  return res.json().data.length as number;
}

/** Picks an account in the form's searchable account field. */
async function pickAccount(page: Page, dialog: ReturnType<Page['getByRole']>, text: string, option: string) {
  await dialog.getByRole('combobox', { name: 'Account' }).fill(text);
  await page.getByRole('option', { name: option }).click();
}

describe('payment links, staff page (Chromium)', () => {
  it('an invalid form (no amount, an expiry in the past) is refused before it reaches the API', async () => {
    const page = await openPage();
    await signIn(page, 'cso@demo-water.test');
    await page.getByRole('navigation').getByRole('link', { name: 'Payment links' }).click();
    await page.getByRole('heading', { name: 'Payment links', level: 1 }).waitFor();
    const before = await linkCount();
    await page.getByRole('button', { name: 'New link' }).click();
    const dialog = page.getByRole('dialog', { name: 'New link' });
    await dialog.getByText('An amount on an account').click();
    await pickAccount(page, dialog, 'CRN29392', 'CRN29392 · Maria Lopez');
    // Checked as the person types: the expiry complains at once.
    await dialog.getByLabel('Expires').fill('2020-01-01T10:00');
    await dialog.getByText('Must be in the future').waitFor();
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await dialog.getByText('Enter the amount to pay').waitFor();
    expect(await dialog.getByTestId('link-form').count()).toBe(1);
    expect(await dialog.getByTestId('link-share').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, '-invalid-desktop');
    // Fixing the amount but not the expiry still creates nothing.
    await dialog.getByRole('textbox', { name: /^Amount/ }).fill('25.00');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await dialog.getByText('Must be in the future').waitFor();
    expect(await linkCount()).toBe(before);
  }, 60_000);

  it('a CSO creates a single-use link for a bill, copies it, e-mails it; the payer pays it; the list shows it used', async () => {
    const page = await openPage();
    await signIn(page, 'cso@demo-water.test');
    await page.goto('/app/links');
    await page.getByRole('heading', { name: 'Payment links', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New link' }).click();
    const dialog = page.getByRole('dialog', { name: 'New link' });
    await pickAccount(page, dialog, 'Isidro', 'CRN29391 · Isidro Garcia');
    await dialog.getByRole('combobox', { name: 'Bill' }).click();
    await page.getByRole('option', { name: /^BILL7890 · Water Supply/ }).click();
    await dialog.getByRole('textbox', { name: 'Description' }).fill('Water bill March 2025');
    const tomorrow = new Date(Date.now() + 86_400_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    await dialog
      .getByLabel('Expires')
      .fill(`${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T18:00`);
    expect(await dialog.getByRole('radio', { name: /^Single use/ }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Create link' }).click();

    // The share panel: the URL, copied to the clipboard.
    const share = page.getByRole('dialog', { name: 'Share the link' });
    await share.getByText('Link created').waitFor();
    const url = (await share.getByTestId('link-url').textContent())!;
    expect(url).toMatch(new RegExp(`^${server.url}/l/[A-Za-z0-9_-]{22}$`));
    await share.getByRole('button', { name: 'Copy link' }).click();
    await share.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    const whatsapp = await share.getByRole('link', { name: 'Share on WhatsApp' }).getAttribute('href');
    expect(new URL(whatsapp!).searchParams.get('text')).toContain(url);

    // By e-mail: a wrong address is caught as typed; a right one is queued in the outbox.
    const email = share.getByRole('textbox', { name: 'E-mail address' });
    await email.fill('maria@');
    await share.getByText('Enter an e-mail address').waitFor();
    await email.fill('isidro@example.com');
    await share.getByRole('button', { name: 'Send by e-mail' }).click();
    await share.getByTestId('sent-email').waitFor();
    expect(await share.getByTestId('sent-email').textContent()).toBe(
      'E-mail to isidro@example.com is on its way.',
    );
    const outbox = await server.app.inject({
      method: 'GET',
      url: '/v1/messages?limit=50',
      headers: (await admin()).headers,
    });
    expect(outbox.statusCode, outbox.body).toBe(200);
    const message = outbox
      .json()
      .data.find((m: { recipient: string }) => m.recipient === 'isidro@example.com');
    expect(message).toMatchObject({ channel: 'email', template: 'payment_link' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, '-share-desktop');
    await share.getByRole('button', { name: 'Close' }).click();

    // On a phone the list is cards; Share opens the same panel.
    const phone = await openPage(PHONE);
    await signIn(phone, 'cso@demo-water.test');
    await phone.goto('/app/links');
    await phone.getByRole('button', { name: 'Share Water bill March 2025' }).click();
    const phoneShare = phone.getByRole('dialog', { name: 'Share the link' });
    expect(await phoneShare.getByTestId('link-url').textContent()).toBe(url);
    expect(await seriousAxeViolations(phone)).toEqual([]);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE_VIEWPORT.width,
    );
    await shot(phone, '-share-phone');
    await phone.close();

    const id = await page.locator('tr[data-link-id]').first().getAttribute('data-link-id');
    const r = row(page, id!);
    expect(await r.textContent()).toContain('Water bill March 2025');
    expect(await r.textContent()).toContain('Bill BILL7890');
    expect(await r.getByText('Active').count()).toBe(1);

    // The payer opens the copied URL and pays it through the sandbox's hosted page.
    const payer = await openPage();
    await payer.goto(url);
    await payer.getByTestId('link-summary').waitFor();
    await payer.getByRole('button', { name: 'Continue' }).click();
    await payer.getByRole('button', { name: /^Pay / }).click();
    await payer.getByRole('heading', { name: /Pay Demo Water Utility/ }).waitFor();
    await payer.getByRole('button', { name: 'Pay successfully' }).click();
    await payer.getByTestId('result-success').waitFor();

    // Back on the list (which asks again every few seconds): used, once.
    await page.bringToFront();
    await expect.poll(() => r.locator('[data-status="used"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await r.getByRole('cell').nth(4).textContent()).toBe('1');
    expect(await r.getByRole('button', { name: /^Share / }).count()).toBe(0);
  }, 120_000);

  it('disables a link after asking; the list and the payer’s page say so', async () => {
    const created = await server.app.inject({
      method: 'POST',
      url: '/v1/payment-links',
      headers: (await admin()).write,
      payload: { account_number: 'CRN29392', amount: 5000, description: 'Deposit top-up', reusable: true },
    });
    expect(created.statusCode, created.body).toBe(201);
    const link = created.json();
    const active = await server.app.inject({
      method: 'POST',
      url: '/v1/payment-links',
      headers: (await admin()).write,
      payload: { account_number: 'CRN29391', amount: 2500, description: 'Meter visit deposit' },
    });
    expect(active.statusCode, active.body).toBe(201);
    const page = await openPage();
    await signIn(page, 'cso.admin@demo-water.test');
    await page.goto('/app/links');
    const r = row(page, link.id);
    await r.waitFor();
    expect(await r.textContent()).toContain('Reusable');
    await r.getByRole('button', { name: 'Disable Deposit top-up' }).click();
    const confirm = page.getByRole('dialog', { name: 'Disable this link?' });
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await r.locator('[data-status="active"]').count()).toBe(1);
    await r.getByRole('button', { name: 'Disable Deposit top-up' }).click();
    await confirm.getByRole('button', { name: 'Disable link' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await expect.poll(() => r.locator('[data-status="disabled"]').count()).toBe(1);
    const after = await fetch(`${server.url}/v1/public/links/${link.url.split('/l/')[1]}`);
    expect((await after.json()).link.status).toBe('disabled');

    // The list with an active, a used and a disabled link, at both widths; axe on both.
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, '-desktop');
    const phone = await openPage(PHONE);
    await signIn(phone, 'cso.admin@demo-water.test');
    await phone.goto('/app/links');
    const card = phone.locator(`[data-link-card="${link.id}"]`);
    await card.waitFor();
    expect(await card.locator('[data-status="disabled"]').count()).toBe(1);
    await phone.locator('[data-link-card] [data-status="used"]').waitFor();
    expect(await seriousAxeViolations(phone)).toEqual([]);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      PHONE_VIEWPORT.width,
    );
    await shot(phone, '-phone');
  }, 60_000);
});
