import type { TestContext } from './helpers.ts';

/** Helpers for the public pay tests (quick pay, payment links): a connected sandbox and its page. */

const CLI = { type: 'cli' as const, id: 'test' };

export const until = async (what: string, check: () => Promise<boolean>, ms = 8000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Configures, switches on and connects the tenant's sandbox gateway, as an admin would. */
export async function connectSandbox(ctx: TestContext, tenantId: string) {
  const s = ctx.app.services;
  const t = { tenantId, mode: 'live' as const };
  await s.gateways.saveCredentials(t, 'sandbox', {}, CLI);
  await s.gateways.setActive(t, 'sandbox', true, CLI);
  const attempt = await s.checkouts.connect(t, 'sandbox', undefined, CLI);
  await s.checkouts.sandboxChoose(new URL(attempt.redirectUrl!).pathname.split('/').pop()!, 'success');
  await until('sandbox connected', async () => (await s.gateways.get(t, 'sandbox')).connected);
}

/**
 * The payer on the sandbox's hosted page: press a button, follow the gateway back to Billrail.
 * Returns where Billrail sends the browser next (the result page).
 */
export async function sandboxPay(ctx: TestContext, redirectUrl: string, outcome: string) {
  const path = new URL(redirectUrl).pathname;
  const res = await ctx.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `outcome=${outcome}`,
  });
  if (res.statusCode !== 303) throw new Error(`sandbox: ${res.statusCode} ${res.body}`);
  const back = await ctx.app.inject({ method: 'GET', url: new URL(res.headers.location as string).pathname });
  return back.headers.location as string;
}

/** Waits until the public view of a checkout reaches `status`. */
export async function checkoutReaches(ctx: TestContext, id: string, status: string) {
  await until(`checkout ${status}`, async () => {
    const r = await ctx.app.inject({ method: 'GET', url: `/v1/public/checkouts/${id}` });
    return r.json().status === status;
  });
  return (await ctx.app.inject({ method: 'GET', url: `/v1/public/checkouts/${id}` })).json();
}
