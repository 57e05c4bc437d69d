import jsQRModule from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfImages } from '../../src/documents/pdf-inspect.ts';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { type Credentials, login } from '../helpers.ts';
import {
  type BrowserTestServer,
  DESKTOP_VIEWPORT,
  launchChromium,
  PHONE_VIEWPORT,
  shot as picture,
  seriousAxeViolations,
  startBrowserTestServer,
} from './chromium.ts';

/**
 * Issue 5 in Chromium, on the embedded demo (sandbox gateway): quick pay by reference id, the
 * public verification page, a payment link created over the API and paid (then shown as used),
 * and the challan's QR code read from the PDF and followed to pay. Axe on every page; desktop and
 * phone screenshots go to docs/screenshots/.
 */
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQr = (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr);

let server: BrowserTestServer;
let browser: Browser;
let admin: Credentials;
let refs: Record<string, { id: string; reference_id: string; reference_display: string }>;

beforeAll(async () => {
  server = await startBrowserTestServer({ PUBLIC_RATE_LIMIT_PER_MINUTE: '10000' });
  browser = await launchChromium();
  admin = await login(server.app, DEMO_TENANT_SLUG, 'admin@demo-water.test', DEMO_PASSWORD);
  const bills = await server.app.inject({ method: 'GET', url: '/v1/bills?limit=50', headers: admin.headers });
  refs = Object.fromEntries(bills.json().data.map((b: { bill_number: string }) => [b.bill_number, b]));
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Every picture is of a page checked with axe. */
async function shot(page: Page, name: string) {
  expect(await seriousAxeViolations(page), name).toEqual([]);
  await picture(page, name);
}

/** From the summary: Pay, then on the sandbox's hosted page press `button`. */
async function payAtSandbox(page: Page, button = 'Pay successfully') {
  await page.getByRole('button', { name: /^Pay / }).click();
  await page.getByRole('heading', { name: /Pay Demo Water Utility/ }).waitFor();
  await page.getByRole('button', { name: button }).click();
}

describe('quick pay by reference id (Chromium)', { timeout: 120_000 }, () => {
  for (const [name, viewport, bill] of [
    ['desktop', DESKTOP_VIEWPORT, 'BILL7890'],
    ['phone', PHONE_VIEWPORT, 'BILL7891'],
  ] as const) {
    it(`finds a bill by its reference, pays it through the sandbox and shows success (${name})`, async () => {
      const page = await browser.newPage({ viewport });
      await page.goto(`${server.url}/pay`);
      await page.getByRole('heading', { name: 'Pay a bill' }).waitFor();
      await shot(page, `quickpay-form-${name}`);
      // A mistyped digit is caught by the check digits.
      const ref = refs[bill]!.reference_display;
      const typo = ref.slice(0, -1) + String((Number(ref.slice(-1)) + 1) % 10);
      await page.getByLabel('Reference ID').fill(typo);
      await page.getByRole('button', { name: 'Find my bill' }).click();
      await page.getByText('This reference ID has a mistyped digit').waitFor();
      if (name === 'desktop') await shot(page, 'quickpay-typo-desktop');
      await page.getByLabel('Reference ID').fill(ref);
      await page.getByRole('button', { name: 'Find my bill' }).click();
      await page.getByTestId('public-bill').waitFor();
      expect(await page.getByTestId('bill-number').textContent()).toBe(bill);
      expect(await page.getByTestId('biller-name').textContent()).toBe('Demo Water Utility');
      expect(await page.getByText('I***** G*****').count()).toBe(1);
      await shot(page, `quickpay-bill-${name}`);
      await page.getByLabel('Email for the receipt (optional)').fill('payer@example.com');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByTestId('pay-summary').waitFor();
      await shot(page, `quickpay-summary-${name}`);
      await payAtSandbox(page);
      await page.getByTestId('result-success').waitFor();
      expect(new URL(page.url()).pathname).toBe('/pay/result');
      await page.getByRole('heading', { name: 'Payment Successful' }).waitFor();
      await shot(page, `quickpay-success-${name}`);
      await page.close();
    });
  }

  it('verifies a paid challan and refuses an unknown reference (desktop and phone)', async () => {
    for (const [name, viewport] of [
      ['desktop', DESKTOP_VIEWPORT],
      ['phone', PHONE_VIEWPORT],
    ] as const) {
      const page = await browser.newPage({ viewport });
      await page.goto(`${server.url}/verify/${refs.BILL7890!.reference_id}`);
      await page.getByTestId('verify-result').waitFor();
      await page.getByRole('heading', { name: 'Genuine e-challan' }).waitFor();
      expect(await page.locator('[data-status="paid"]').count()).toBe(1);
      await shot(page, `verify-paid-${name}`);
      if (name === 'desktop') {
        await page.goto(`${server.url}/verify`);
        await page.getByLabel('Reference ID').fill('1000 0999 9999 9902');
        await page.getByRole('button', { name: 'Verify', exact: true }).click();
        await page.getByTestId('verify-unknown').waitFor();
        await shot(page, 'verify-unknown-desktop');
      }
      await page.close();
    }
  });
});

describe('payment links (Chromium)', { timeout: 120_000 }, () => {
  it('opens a link created over the API, pays it, and then shows it as used', async () => {
    const created = await server.app.inject({
      method: 'POST',
      url: '/v1/payment-links',
      headers: admin.write,
      payload: { bill_id: refs.BILL7920!.id },
    });
    expect(created.statusCode, created.body).toBe(201);
    const link = created.json();
    for (const [name, viewport] of [
      ['desktop', DESKTOP_VIEWPORT],
      ['phone', PHONE_VIEWPORT],
    ] as const) {
      const page = await browser.newPage({ viewport });
      await page.goto(link.url);
      await page.getByTestId('link-summary').waitFor();
      expect(await page.getByTestId('amount-due').textContent()).toBe('$89.25');
      await shot(page, `link-pay-${name}`);
      await page.close();
    }
    const page = await browser.newPage({ viewport: DESKTOP_VIEWPORT });
    await page.goto(link.url);
    await page.getByRole('button', { name: 'Continue' }).click();
    await payAtSandbox(page);
    await page.getByTestId('result-success').waitFor();
    for (const [name, viewport] of [
      ['desktop', DESKTOP_VIEWPORT],
      ['phone', PHONE_VIEWPORT],
    ] as const) {
      await page.setViewportSize(viewport);
      await page.goto(link.url);
      await page.getByTestId('link-state').waitFor();
      expect(await page.getByTestId('link-state').getAttribute('data-state')).toBe('used');
      await page.getByText('This link has already been paid').waitFor();
      await shot(page, `link-used-${name}`);
    }
    await page.close();
    const after = await server.app.inject({
      method: 'GET',
      url: `/v1/payment-links/${link.id}`,
      headers: admin.headers,
    });
    expect(after.json()).toMatchObject({ status: 'used', uses: 1 });
  });
});

describe('the challan’s QR code (Chromium)', { timeout: 120_000 }, () => {
  it('reads the QR from the challan PDF, opens it, survives a decline and pays on retry', async () => {
    const res = await fetch(`${server.url}/v1/public/bills/${refs.SRV1001!.reference_id}/challan.pdf`);
    expect(res.status).toBe(200);
    const pdf = Buffer.from(await res.arrayBuffer());
    const images = pdfImages(pdf);
    const masks = new Set(images.flatMap((i) => (i.smask ? [i.smask] : [])));
    const decoded = images
      .filter((i) => !masks.has(i.id))
      .map((img) => {
        const ch = img.colorSpace === 'DeviceRGB' ? 3 : 1;
        const rgba = new Uint8ClampedArray(img.width * img.height * 4);
        for (let p = 0; p < img.width * img.height; p++) {
          rgba[p * 4] = img.samples[p * ch]!;
          rgba[p * 4 + 1] = img.samples[p * ch + (ch === 3 ? 1 : 0)]!;
          rgba[p * 4 + 2] = img.samples[p * ch + (ch === 3 ? 2 : 0)]!;
          rgba[p * 4 + 3] = 255;
        }
        return jsQR(rgba, img.width, img.height)?.data;
      })
      .filter(Boolean);
    expect(decoded).toEqual([`${server.url}/pay?ref=${refs.SRV1001!.reference_id}`]);

    const page = await browser.newPage({ viewport: PHONE_VIEWPORT });
    await page.goto(decoded[0]!);
    await page.getByTestId('public-bill').waitFor();
    expect(await page.getByTestId('bill-number').textContent()).toBe('SRV1001');
    await page.getByRole('button', { name: 'Continue' }).click();
    await payAtSandbox(page, 'Decline: insufficient funds');
    await page.getByTestId('result-failed').waitFor();
    expect(await page.getByTestId('gateway-message').textContent()).toBe('Your card has insufficient funds.');
    await shot(page, 'quickpay-failed-phone');
    await page.setViewportSize(DESKTOP_VIEWPORT);
    await shot(page, 'quickpay-failed-desktop');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('heading', { name: /Pay Demo Water Utility/ }).waitFor();
    await page.getByRole('button', { name: 'Pay successfully' }).click();
    await page.getByTestId('result-success').waitFor();
    await page.close();
    const verify = await server.app.inject({
      method: 'GET',
      url: `/v1/public/verify/${refs.SRV1001!.reference_id}`,
    });
    expect(verify.json().bill.status).toBe('paid');
  });
});
