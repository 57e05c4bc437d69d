import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { login } from '../helpers.ts';
import {
  type BrowserTestServer,
  launchChromium,
  screenshots,
  seriousAxeViolations,
  startBrowserTestServer,
  TMP_SHOTS,
} from './chromium.ts';

/**
 * Issue 4 done-when: the embedded demo pays a bill end to end through the sandbox gateway. The
 * demo consumer's checkout is opened in Debian's Chromium; the payer presses a button on the
 * sandbox's hosted page and lands on the result page; the payment is recorded once. Screenshots
 * go to /tmp/billrail-shots.
 */
const shot = screenshots('', { dir: TMP_SHOTS });

let server: BrowserTestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startBrowserTestServer();
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The demo consumer (Isidro, account CRN29391) starts a checkout for bills by number. */
async function consumerCheckout(billNumbers: string[]) {
  const consumer = await login(server.app, DEMO_TENANT_SLUG, 'isidro.garcia@example.com', DEMO_PASSWORD);
  const bills = await server.app.inject({
    method: 'GET',
    url: '/v1/bills?limit=50',
    headers: (await login(server.app, DEMO_TENANT_SLUG, 'admin@demo-water.test', DEMO_PASSWORD)).headers,
  });
  const ids = bills
    .json()
    .data.filter((b: { bill_number: string }) => billNumbers.includes(b.bill_number))
    .map((b: { id: string }) => b.id);
  expect(ids).toHaveLength(billNumbers.length);
  const methods = await server.app.inject({
    method: 'GET',
    url: '/v1/payment-methods',
    headers: consumer.headers,
  });
  expect(methods.json().data.map((m: { gateway: string }) => m.gateway)).toContain('sandbox');
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/checkouts',
    headers: consumer.write,
    payload: { gateway: 'sandbox', bill_ids: ids },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { checkout: res.json(), consumer };
}

describe('sandbox checkout in Chromium (embedded demo)', () => {
  for (const viewport of [
    { name: 'desktop', width: 1280, height: 900 },
    { name: 'phone', width: 390, height: 844 },
  ]) {
    it(`pays a demo bill through the sandbox's hosted page (${viewport.name})`, async () => {
      const bill = viewport.name === 'desktop' ? 'BILL7890' : 'SRV1001';
      const { checkout, consumer } = await consumerCheckout([bill]);
      const page = await browser.newPage({ viewport });
      await page.goto(checkout.redirect_url);
      await page.getByRole('heading', { name: /Pay Demo Water Utility/ }).waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
      await shot(page, `sandbox-checkout-${viewport.name}`);
      await page.getByRole('button', { name: 'Pay successfully' }).click();
      await page.getByRole('heading', { name: 'Payment Successful' }).waitFor();
      expect(page.url()).toBe(`${server.url}/checkout/${checkout.id}`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await shot(page, `checkout-success-${viewport.name}`);
      const after = await server.app.inject({
        method: 'GET',
        url: `/v1/checkouts/${checkout.id}`,
        headers: consumer.headers,
      });
      expect(after.json()).toMatchObject({ status: 'succeeded' });
      await page.close();
    });
  }

  it('shows a declined payment in red with the gateway’s words, and the retry pays', async () => {
    const { checkout, consumer } = await consumerCheckout(['BILL7891']);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(checkout.redirect_url);
    await page.getByRole('button', { name: 'Decline: insufficient funds' }).click();
    await page.getByRole('heading', { name: 'Payment failed' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('Your card has insufficient funds.');
    const color = await page
      .getByRole('heading', { name: 'Payment failed' })
      .evaluate((h) => getComputedStyle(h).color);
    expect(color).toBe('rgb(179, 38, 30)');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'checkout-failed-desktop');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('button', { name: 'Pay successfully' }).click();
    await page.getByRole('heading', { name: 'Payment Successful' }).waitFor();
    const first = await server.app.inject({
      method: 'GET',
      url: `/v1/checkouts/${checkout.id}`,
      headers: consumer.headers,
    });
    expect(first.json().status).toBe('failed');
    await page.close();
  });
});
