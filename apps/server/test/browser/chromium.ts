import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import type { TestContext } from 'vitest';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG } from '../../src/modules/demo/demo.ts';
import { DEFAULT_WEB_DIST } from '../../src/platform/web.ts';
import { startTestServer } from '../helpers.ts';

/**
 * What every browser test shares: Debian's Chromium (driven by playwright-core), a real test server
 * with the demo seeded that serves the built web app, pages in their own contexts, sign-in through
 * the form, axe and screenshots. The tests themselves say what they check.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Pictures the README shows; the tests that take them keep them current. */
export const DOCS_SHOTS = fileURLToPath(new URL('../../../../docs/screenshots', import.meta.url));
/** Pictures for a person to look at, and those of a failed test's pages. */
export const TMP_SHOTS = '/tmp/billrail-shots';

// A copy of the built app may be named (WEB_DIST_DIR), so that a rebuild of apps/web/dist by
// someone else meanwhile does not swap the page's chunks out from under a running test.
export const WEB_DIST = process.env.WEB_DIST_DIR ?? DEFAULT_WEB_DIST;

export const DESKTOP_VIEWPORT = { width: 1280, height: 900 };
export const PHONE_VIEWPORT = { width: 390, height: 844 };
export const DESKTOP: BrowserContextOptions = { viewport: DESKTOP_VIEWPORT };
/** A phone as Chromium emulates one: touch, the page's viewport meta honoured, a 2x screen. */
export const PHONE: BrowserContextOptions = {
  viewport: PHONE_VIEWPORT,
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};

/** Long enough for a slow shared machine, short enough that a missing element fails the test soon. */
export const PAGE_TIMEOUT_MS = 15_000;

export type BrowserTestServer = Awaited<ReturnType<typeof startTestServer>>;

/**
 * The test server for a browser test: the demo seeded and the built web app served. Sign-ins are
 * not rate limited here (many from one IP within seconds; the limit has its own tests).
 */
export async function startBrowserTestServer(env: Record<string, string> = {}): Promise<BrowserTestServer> {
  if (!existsSync(`${WEB_DIST}/index.html`)) {
    throw new Error(
      `The web app is not built in ${WEB_DIST}: run \`npm run build:web\` first (npm test does).`,
    );
  }
  return startTestServer({ LOGIN_RATE_LIMIT_PER_MINUTE: '1000', WEB_DIST_DIR: WEB_DIST, ...env });
}

/** Headless, and quiet: no background fetches, updates, sync or QUIC that could slow a test or reach out. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/**
 * A page in a context of its own (cookies and storage not shared with the test's other pages), in
 * English at desktop size unless told otherwise. The context is added to `contexts` so that
 * closeContexts can close it after the test.
 */
export async function openPage(
  browser: Browser,
  contexts: BrowserContext[],
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', ...DESKTOP, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  return page;
}

/**
 * For afterEach: a failed test leaves a picture of every page it had open
 * (/tmp/billrail-shots/failed-<file>-<test>-<n>.png), then the test's contexts are closed.
 */
export async function closeContexts(ctx: TestContext, contexts: BrowserContext[], file: string) {
  if (ctx.task.result?.state === 'fail') {
    mkdirSync(TMP_SHOTS, { recursive: true });
    const name = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    const pages = contexts.flatMap((c) => c.pages());
    await Promise.all(
      pages.map((p, i) =>
        p.screenshot({ path: `${TMP_SHOTS}/failed-${file}-${name}-${i}.png` }).catch(() => {}),
      ),
    );
  }
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
}

/** Signs in through the sign-in form (the demo tenant and password unless told) and waits for /app. */
export async function signIn(
  page: Page,
  email: string,
  { tenant = DEMO_TENANT_SLUG, password = DEMO_PASSWORD }: { tenant?: string; password?: string } = {},
) {
  await page.goto('/signin');
  await page.getByRole('textbox', { name: 'Organisation', exact: true }).fill(tenant);
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/app$/);
}

/**
 * Axe on the whole page; only serious and critical violations, each with the nodes and what is wrong
 * with them, so that a failed `toEqual([])` says where to look.
 */
export async function seriousAxeViolations(page: Page) {
  await page.addScriptTag({ content: axe.source });
  const result = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: typeof axe }).axe.run(document);
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Sideways scrolling: the page is wider than the screen. */
export const hasHorizontalOverflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

/** A computed CSS colour's red, green and blue, to tell green from red without naming a shade. */
export function rgb(color: string) {
  const [r, g, b] = color.match(/\d+/g)!.map(Number) as [number, number, number];
  return { r, g, b };
}

export interface ShotOptions {
  /** The folder (docs/screenshots unless named). */
  dir?: string;
  /** The whole page (the default) or what the screen shows. */
  fullPage?: boolean;
  /**
   * Blur the focused element and scroll to the top first: a full-page picture of a scrolled page
   * shows the fixed header mid-way down. Off by default, as a blur closes an open dropdown.
   */
  fromTop?: boolean;
  /** CSS for the picture only, e.g. a sticky footer put back in its place in the page. */
  css?: string;
}

/** Takes `<dir>/<name>.png`. */
export async function shot(page: Page, name: string, options: ShotOptions = {}) {
  const { dir = DOCS_SHOTS, fullPage = true, fromTop = false, css } = options;
  mkdirSync(dir, { recursive: true });
  if (fromTop) {
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      window.scrollTo(0, 0);
    });
  }
  const style = css ? await page.addStyleTag({ content: css }) : undefined;
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage });
  await style?.evaluate((el) => (el as Element).remove());
}

/** A test file's `shot`: its names prefixed, its folder and options fixed once. */
export const screenshots =
  (prefix: string, defaults: ShotOptions = {}) =>
  (page: Page, name: string, options: ShotOptions = {}) =>
    shot(page, `${prefix}${name}`, { ...defaults, ...options });
