import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_TENANT_SLUG, DEMO_USERS } from '../../src/modules/demo/demo.ts';
import { SESSION_COOKIE } from '../../src/platform/auth.ts';
import {
  type BrowserTestServer,
  closeContexts,
  hasHorizontalOverflow,
  launchChromium,
  openPage as openContextPage,
  PHONE,
  screenshots,
  seriousAxeViolations,
  signIn,
  startBrowserTestServer,
  TMP_SHOTS,
} from './chromium.ts';

/**
 * The web app's sign-in and shell, driven in Debian's Chromium against a real server and database.
 * Needs the built app (`npm run build -w @billrail/web`; `npm test` builds it first).
 * Screenshots land in /tmp/billrail-shots for a person to look at.
 */

const ROLE_LABELS: Record<string, string> = {
  platform_admin: 'Platform administrator',
  tenant_admin: 'Tenant administrator',
  cso_admin: 'CSO administrator',
  cso_executive: 'CSO executive',
  consumer: 'Consumer',
};
const EXPIRED = 'Your session has expired. Please sign in again.';

let server: BrowserTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  mkdirSync(TMP_SHOTS, { recursive: true });
  // Pictures of this file's earlier failures would be mistaken for this run's.
  for (const f of readdirSync(TMP_SHOTS)) if (f.startsWith('failed-signin-')) rmSync(`${TMP_SHOTS}/${f}`);
  // The session cookie is Secure; Chromium counts http://127.0.0.1 (like localhost) as a
  // potentially trustworthy origin and keeps Secure cookies on it, so no TLS is needed here.
  server = await startBrowserTestServer();
  browser = await launchChromium();
});

afterEach((ctx) => closeContexts(ctx, contexts, 'signin'));

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const openPage = (options: BrowserContextOptions = {}) =>
  openContextPage(browser, contexts, {
    baseURL: server.url,
    viewport: { width: 1280, height: 800 },
    ...options,
  });

/** A text or password input by its accessible name (labels carry a decorative " *" when required). */
const field = (page: Page, name: string) => page.getByRole('textbox', { name, exact: true });

const shot = screenshots('', { dir: TMP_SHOTS });

async function fillSignIn(page: Page, tenant: string, email: string, password: string) {
  await field(page, 'Organisation').fill(tenant);
  await field(page, 'Email').fill(email);
  await field(page, 'Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const pathOf = (page: Page) => new URL(page.url()).pathname;

/** A consumer of the demo tenant of its own, for tests that change a password or fail sign-ins. */
async function freshUser(name: string) {
  const tenant = await server.app.services.tenants.getBySlug(DEMO_TENANT_SLUG);
  const email = `browser-${randomBytes(5).toString('hex')}@example.com`;
  await server.app.services.users.create(
    { tenantId: tenant.id, mode: 'live' },
    { email, name, role: 'consumer', password: DEMO_PASSWORD, phone: null },
    { type: 'cli', id: 'browser-test' },
  );
  return { email, name };
}

/** Expires exactly this browser's session in the database (other tests' sessions are untouched). */
async function expireSession(page: Page) {
  const cookie = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie, 'session cookie').toBeDefined();
  const hash = createHash('sha256').update(cookie!.value).digest('hex');
  await server.db.system((tx) =>
    tx.execute(sql`update sessions set expires_at = now() - interval '1 minute' where token_hash = ${hash}`),
  );
}

describe('web app: sign-in and shell (browser)', () => {
  it('signs in every demo role and lands on /app with their name and role', async () => {
    for (const user of DEMO_USERS) {
      const page = await openPage();
      await signIn(page, user.email, { tenant: user.tenant === 'platform' ? 'platform' : DEMO_TENANT_SLUG });
      await page.getByRole('heading', { name: `Welcome, ${user.name}` }).waitFor();
      expect(await page.getByTestId('role').textContent()).toBe(ROLE_LABELS[user.role]);
      const header = page.getByTestId('header-user');
      expect(await header.textContent()).toContain(user.name);
      expect(await header.textContent()).toContain(ROLE_LABELS[user.role]);
      if (user.role === 'tenant_admin' || user.role === 'platform_admin')
        await shot(page, `app-home-${user.role}`);
      await page.context().close();
    }
  });

  it('shows the default organisation, a branded page per tenant, and a notice for an unknown one', async () => {
    const page = await openPage();
    await page.goto('/signin');
    await page.getByRole('heading', { name: 'Sign in to Billrail' }).waitFor();
    expect(await field(page, 'Organisation').inputValue()).toBe('demo-water');
    await shot(page, 'signin');

    await page.goto('/t/demo-water/signin');
    await page.getByRole('heading', { name: 'Sign in to Demo Water Utility' }).waitFor();
    const logoLoaded = await page
      .locator('img[src="/demo-water-logo.svg"]')
      .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
    expect(logoLoaded).toBe(true);
    // The tenant's colour (#1c7ed6, darkened a little for contrast) is on the submit button.
    const buttonColour = await page
      .getByRole('button', { name: 'Sign in' })
      .evaluate((b) => getComputedStyle(b).backgroundColor);
    expect(buttonColour).not.toBe('rgb(11, 114, 133)');
    await shot(page, 'signin-tenant');

    await page.goto('/t/no-such-utility/signin');
    await page.getByText('We could not find an organisation called “no-such-utility”').waitFor();
    expect(await field(page, 'Organisation').inputValue()).toBe('no-such-utility');
  });

  it('checks the form in the browser and shows the server’s refusal in red', async () => {
    const user = await freshUser('Wrong Password');
    const page = await openPage();
    await page.goto('/signin');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your email address.').waitFor();
    await page.getByText('Enter your password.').waitFor();

    await fillSignIn(page, DEMO_TENANT_SLUG, user.email, 'not-the-password');
    const alert = page.getByTestId('signin-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The organisation, email or password is not correct.');
    expect(await alert.getAttribute('role')).toBe('alert');
    // Red: a pale red background, and the icon in Mantine's red 9.
    const [bg, icon] = await alert.evaluate((el) => [
      getComputedStyle(el).backgroundColor,
      getComputedStyle(el.querySelector('svg')!).color,
    ]);
    const [r, g, b] = bg.match(/\d+/g)!.map(Number) as [number, number, number];
    expect(r).toBeGreaterThan(g + 20);
    expect(r).toBeGreaterThan(b + 20);
    expect(icon).toBe('rgb(201, 42, 42)');
    expect(pathOf(page)).toBe('/signin');
    await shot(page, 'signin-error');

    // The fifth failure locks the account (LOGIN_MAX_FAILURES=5); the next try is refused with a
    // 423 whose Retry-After the page turns into minutes.
    for (let i = 0; i < 5; i++) {
      const answered = page.waitForResponse((r) => r.url().endsWith('/v1/auth/login'));
      await page.getByRole('button', { name: 'Sign in' }).click();
      expect((await answered).status()).toBe(i < 4 ? 401 : 423);
    }
    await page.getByText('Too many failed sign-ins. This account is locked for 15 more minutes.').waitFor();
  });

  it('signs out back to /signin, and /app then needs a new sign-in', async () => {
    const page = await openPage();
    await signIn(page, 'cso@demo-water.test');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin$/);
    await page.getByText('You have signed out.').waitFor();
    // The organisation last used on this browser is filled in for the next sign-in.
    expect(await field(page, 'Organisation').inputValue()).toBe(DEMO_TENANT_SLUG);
    await page.goto('/app');
    await page.waitForURL(/\/signin$/);
    expect(await page.getByText(EXPIRED).count()).toBe(0);
  });

  it('AC: an expired session prompts the user to start again: /signin with the expired message, then back where it was', async () => {
    const page = await openPage();
    await signIn(page, 'cso.admin@demo-water.test');
    await expireSession(page);
    // A click inside the app (no reload) is enough to find out.
    await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
    await page.waitForURL(/\/signin$/);
    await page.getByText(EXPIRED).waitFor();
    await shot(page, 'signin-expired');

    await fillSignIn(page, DEMO_TENANT_SLUG, 'cso.admin@demo-water.test', DEMO_PASSWORD);
    await page.waitForURL(/\/app\/profile$/);
    await page.getByRole('heading', { name: 'Profile' }).waitFor();

    // And on a reload.
    await expireSession(page);
    await page.reload();
    await page.waitForURL(/\/signin$/);
    await page.getByText(EXPIRED).waitFor();
  });

  it('changes the password with validation as you type', async () => {
    const user = await freshUser('Pat Password');
    const next = 'a-much-longer-secret-42';
    const page = await openPage();
    await signIn(page, user.email);
    await page.getByRole('navigation').getByRole('link', { name: 'Password' }).click();
    await page.waitForURL(/\/app\/password$/);
    const submit = page.getByRole('button', { name: 'Change password' });
    const current = field(page, 'Current password');
    const fresh = field(page, 'New password');
    const confirm = field(page, 'Confirm new password');
    expect(await submit.isDisabled()).toBe(true);

    await current.fill('not-my-password');
    await fresh.fill('short');
    await page.getByText('Use at least 10 characters.').waitFor();
    expect(await submit.isDisabled()).toBe(true);

    await fresh.fill(next);
    expect(await page.getByText('Use at least 10 characters.').count()).toBe(0);
    await confirm.fill(`${next}x`);
    await page.getByText('The passwords do not match.').waitFor();
    expect(await submit.isDisabled()).toBe(true);
    await shot(page, 'password-validation');

    await confirm.fill(next);
    expect(await page.getByText('The passwords do not match.').count()).toBe(0);
    expect(await submit.isEnabled()).toBe(true);
    await submit.click();
    // The server's field error, under the field it belongs to.
    await page.getByText('This password is not correct.').waitFor();
    expect(await current.getAttribute('aria-invalid')).toBe('true');

    await current.fill(DEMO_PASSWORD);
    await submit.click();
    await page.getByTestId('password-changed').waitFor();
    expect(await fresh.inputValue()).toBe('');
    await shot(page, 'password-changed');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin$/);
    await fillSignIn(page, DEMO_TENANT_SLUG, user.email, DEMO_PASSWORD);
    await page.getByTestId('signin-error').waitFor();
    await field(page, 'Password').fill(next);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/app$/);
  });

  it('edits the profile and switches language', async () => {
    const user = await freshUser('Paula Profile');
    const page = await openPage();
    await signIn(page, user.email);
    await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
    await field(page, 'Name').fill('Paula P. Profile');
    await field(page, 'Phone').fill('not a phone');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Enter a phone number, for example +1 555 0100.').waitFor();

    await field(page, 'Phone').fill('+1 555 0199');
    await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('es');
    await page.getByRole('button', { name: 'Save changes' }).click();
    // Saved, and the app now speaks Spanish.
    await page.getByText('Tu perfil se ha guardado.').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('es');
    expect(await page.getByTestId('header-user').textContent()).toContain('Paula P. Profile');
    await shot(page, 'profile-saved-es');

    const me = await page.evaluate(() => fetch('/v1/me').then((r) => r.json()));
    expect(me).toMatchObject({ name: 'Paula P. Profile', phone: '+1 555 0199', locale: 'es' });
  });

  it('switches the sign-in page language', async () => {
    const page = await openPage();
    await page.goto('/signin');
    await page.getByRole('combobox', { name: 'Language', exact: true }).selectOption('id');
    await page.getByRole('heading', { name: 'Masuk ke Billrail' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('id');
    await page.getByRole('combobox', { name: 'Bahasa', exact: true }).selectOption('es');
    await page.getByRole('heading', { name: 'Inicia sesión en Billrail' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Inicia sesión en Billrail' }).waitFor();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await openPage({ ...PHONE, viewport: { width: 375, height: 812 } });
    await page.goto('/signin');
    await page.getByRole('heading', { name: 'Sign in to Billrail' }).waitFor();
    expect(await hasHorizontalOverflow(page)).toBe(false);
    await shot(page, 'phone-signin');

    await fillSignIn(page, DEMO_TENANT_SLUG, 'admin@demo-water.test', DEMO_PASSWORD);
    await page.waitForURL(/\/app$/);
    await page.getByRole('heading', { name: 'Welcome, Utility Admin' }).waitFor();
    expect(await hasHorizontalOverflow(page)).toBe(false);
    await shot(page, 'phone-app');
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.waitForFunction(() => document.getElementById('app-nav')!.getBoundingClientRect().left >= 0);
    await shot(page, 'phone-nav-open');
    await page.getByRole('navigation').getByRole('link', { name: 'Password' }).click();
    await page.waitForURL(/\/app\/password$/);
    // Following a link closes the drawer (it slides out to the left).
    await page.waitForFunction(() => {
      const nav = document.getElementById('app-nav')!.getBoundingClientRect();
      return nav.right <= 0;
    });
    expect(await hasHorizontalOverflow(page)).toBe(false);
    await shot(page, 'phone-password');
  });

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    const page = await openPage();
    await page.goto('/signin');
    await page.getByRole('heading', { name: 'Sign in to Billrail' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Enter your email address.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.goto('/t/demo-water/signin');
    await page.getByRole('heading', { name: 'Sign in to Demo Water Utility' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    await fillSignIn(page, DEMO_TENANT_SLUG, 'maria.lopez@example.com', DEMO_PASSWORD);
    await page.waitForURL(/\/app$/);
    await page.getByRole('heading', { name: 'Welcome, Maria Lopez' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    for (const [link, heading] of [
      ['Profile', 'Profile'],
      ['Password', 'Change password'],
    ] as const) {
      await page.getByRole('navigation').getByRole('link', { name: link }).click();
      await page.getByRole('heading', { name: heading }).waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);
    }
  });

  it('answers unknown addresses with the not-found page, inside the shell when signed in', async () => {
    const page = await openPage();
    await page.goto('/');
    await page.waitForURL(/\/signin$/);
    const res = await page.goto('/no/such/page');
    expect(res?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, 'not-found');

    await signIn(page, 'isidro.garcia@example.com');
    await page.goto('/');
    await page.waitForURL(/\/app$/);
    await page.goto('/app/no-such-page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});
