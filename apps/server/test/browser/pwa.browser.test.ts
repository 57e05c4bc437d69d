import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserTestServer,
  closeContexts,
  launchChromium,
  openPage,
  shot,
  signIn,
  startBrowserTestServer,
  TMP_SHOTS,
} from './chromium.ts';

/**
 * The web app as an installable PWA: a manifest with PNG icons, and a service worker that keeps
 * the app's own files (so an installed app opens, and says it is offline, without a network)
 * while never caching the API or the gateways' pages.
 */
let server: BrowserTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startBrowserTestServer();
  browser = await launchChromium();
}, 60_000);
afterEach((ctx) => closeContexts(ctx, contexts, 'pwa'));
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('progressive web app', () => {
  it('links a manifest with a start URL, a theme and installable PNG icons', async () => {
    const html = await (await fetch(`${server.url}/signin`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest"');
    const res = await fetch(`${server.url}/manifest.webmanifest`);
    expect(res.status).toBe(200);
    const manifest = JSON.parse(await res.text());
    expect(manifest).toMatchObject({
      name: 'Billrail',
      start_url: '/app',
      scope: '/',
      display: 'standalone',
    });
    const sizes = manifest.icons
      .filter((i: { type: string }) => i.type === 'image/png')
      .map((i: { sizes: string }) => i.sizes);
    expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons as { src: string; type: string }[]) {
      const img = await fetch(`${server.url}${icon.src}`);
      expect(img.status, icon.src).toBe(200);
      expect(img.headers.get('content-type'), icon.src).toContain(icon.type);
    }
  });

  it('installs a service worker that opens the app offline and never caches API answers', async () => {
    const page = await openPage(browser, contexts, { baseURL: server.url });
    const context = page.context();
    // The service worker installs on the first visit, before anyone signs in.
    await page.goto('/signin');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await signIn(page, 'isidro.garcia@example.com');
    await page.goto('/app/dashboard');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);

    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) {
        for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      }
      return urls;
    });
    expect(cached).toContain('/index.html');
    expect(cached.some((u) => u.startsWith('/assets/'))).toBe(true);
    expect(cached.filter((u) => !u.startsWith('/assets/') && u !== '/index.html')).toEqual([]);

    // Offline: the installed app still opens, and says it cannot reach Billrail.
    await context.setOffline(true);
    await page.reload();
    await page.getByText('Billrail could not be reached. Check your connection and try again.').waitFor();
    await shot(page, 'pwa-offline', { dir: TMP_SHOTS, fullPage: false });
    // Back online, "Try again" picks up where it was.
    await context.setOffline(false);
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  }, 60_000);
});
