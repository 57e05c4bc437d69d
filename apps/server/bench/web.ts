/**
 * npm run bench:web — what the consumer app costs to load (issue 5).
 *
 * 1. Sizes: builds apps/web if apps/web/dist is missing (BUILD=1 forces it), then prints the
 *    gzipped size of every asset index.html loads up front (entry script, module preloads,
 *    stylesheets) and of every JS/CSS file Chromium actually fetched to show Bill Pay (the
 *    initial assets plus the page's lazily loaded chunks). Budget: initial JS ≤ 250 KB gzipped.
 * 2. Time to interactive of Bill Pay in Debian's Chromium against a started server with the demo
 *    seeded: from navigation start until the bill list is rendered and its checkboxes are
 *    enabled (Pay Now itself stays disabled until a gateway is chosen, by design, seed 002).
 *    Each run is a fresh browser context (cold cache) signed in as the demo consumer; RUNS (5)
 *    runs, median printed.
 *
 * Env: RUNS (5), BUILD=1, CHROMIUM_PATH (/usr/bin/chromium).
 */

import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../src/modules/demo/demo.ts';
import { DEFAULT_WEB_DIST } from '../src/platform/web.ts';
import { startTestServer } from '../test/helpers.ts';

const RUNS = Number(process.env.RUNS ?? 5);
const BUDGET_KB = 250;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = new URL('../../../', import.meta.url).pathname;

if (process.env.BUILD === '1' || !existsSync(join(DEFAULT_WEB_DIST, 'index.html'))) {
  console.log('building apps/web …');
  execSync('npm run build:web', { cwd: ROOT, stdio: 'inherit' });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const gzSize = (path: string) => gzipSync(readFileSync(join(DEFAULT_WEB_DIST, path))).length;

// 1a. What index.html loads before anything else.
const html = readFileSync(join(DEFAULT_WEB_DIST, 'index.html'), 'utf8');
const initial = [
  ...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g),
  ...html.matchAll(/<link[^>]+rel="(?:modulepreload|stylesheet)"[^>]+href="([^"]+)"/g),
].map((m) => m[1]!.replace(/^\//, ''));
console.log('\nInitial assets (index.html), gzipped:');
let initialJs = 0;
for (const a of initial) {
  const size = gzSize(a);
  if (a.endsWith('.js')) initialJs += size;
  console.log(`  ${a.padEnd(44)} ${kb(size).padStart(10)}`);
}
console.log(`  ${'total initial JS'.padEnd(44)} ${kb(initialJs).padStart(10)}  (budget ${BUDGET_KB} KB)`);

// 2. A server with the demo, and Chromium.
const server = await startTestServer({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000', WORKER_IN_PROCESS: 'false' });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
let exitCode = 0;
try {
  const signIn = await browser.newContext({ baseURL: server.url });
  const res = await signIn.request.post('/v1/auth/login', {
    data: { tenant: DEMO_TENANT_SLUG, email: 'isidro.garcia@example.com', password: DEMO_PASSWORD },
  });
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()} ${await res.text()}`);
  const storageState = await signIn.storageState();
  await signIn.close();

  const times: number[] = [];
  let billPayAssets = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ baseURL: server.url, storageState, locale: 'en-US' });
    const page = await context.newPage();
    const fetched = new Set<string>();
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (/^\/assets\/.+\.(js|css)$/.test(path)) fetched.add(path.slice(1));
    });
    await page.goto('/app/pay', { waitUntil: 'commit' });
    // performance.now() counts from the navigation start; poll every frame.
    const ms = await page
      .waitForFunction(
        () => {
          // A bill's row with its checkbox usable: the list has data and React has hydrated it.
          // (Checkbox.Card: a button with role checkbox.)
          const item = document.querySelector<HTMLButtonElement>('.bill-item[role=checkbox]');
          return item && !item.disabled ? performance.now() : false;
        },
        undefined,
        { polling: 'raf', timeout: 30_000 },
      )
      .then((h) => h.jsonValue() as Promise<number>);
    times.push(ms);
    billPayAssets = fetched;
    await context.close();
  }

  // 1b. What Bill Pay needed, as fetched by the browser.
  console.log('\nJS/CSS fetched to show Bill Pay, gzipped:');
  let billPayJs = 0;
  for (const a of [...billPayAssets].sort()) {
    const size = gzSize(a);
    if (a.endsWith('.js')) billPayJs += size;
    console.log(`  ${a.padEnd(44)} ${kb(size).padStart(10)}`);
  }
  console.log(`  ${'total Bill Pay JS'.padEnd(44)} ${kb(billPayJs).padStart(10)}  (budget ${BUDGET_KB} KB)`);

  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `\nBill Pay time to interactive (${RUNS} runs): ${times.map((t) => `${Math.round(t)}`).join(', ')} ms`,
  );
  console.log(`median ${Math.round(median)} ms`);
  const overBudget = Math.max(initialJs, billPayJs) > BUDGET_KB * 1024;
  console.log(overBudget ? `\nOVER BUDGET: initial JS above ${BUDGET_KB} KB gzipped` : '\nwithin budget');
  if (overBudget) exitCode = 1;
} finally {
  await browser.close();
  await server.close();
}
process.exit(exitCode);
