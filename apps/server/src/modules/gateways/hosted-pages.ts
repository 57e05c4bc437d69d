import { and, desc, eq, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { gatewayEvents } from '../../db/schema.ts';
import type { PaymentSnapshot } from '../../gateways/gateway.ts';
import {
  isSandboxOutcome,
  SANDBOX_OUTCOME_LABELS,
  SANDBOX_OUTCOMES,
} from '../../gateways/sandbox/sandbox.wire.ts';
import { AppError } from '../../platform/errors.ts';
import { displayMoney } from '../../platform/money.ts';
import { type CheckoutRow, safeReturnPath } from './checkouts.service.ts';

/**
 * What the gateways and the payer's browser reach without a Billrail session:
 *  - POST /hooks/gateways/:token   a gateway's signed notification (raw body, verified, inboxed)
 *  - /sandbox/checkout/:token      the built-in sandbox gateway's hosted page
 *  - /checkout/:id/return|cancel   where a gateway sends the payer back; then the result page
 *  - /checkout/:id                 the result page (success in green, failure in red, retry)
 * The pages are small server-rendered HTML: they must work whatever the web app's state.
 */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
 body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f5f6f8;color:#1a1b1e;margin:0}
 main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
 h1{font-size:1.4rem;margin:0 0 1rem} .amount{font-size:2rem;font-weight:700;margin:.5rem 0}
 .ok{color:#1b7a34} .bad{color:#b3261e} .muted{color:#495057;font-size:.9rem}
 .banner{border-radius:8px;padding:1rem;margin:1rem 0} .banner.ok{background:#e6f4ea} .banner.bad{background:#fdecea}
 button,a.button{display:block;width:100%;box-sizing:border-box;margin:.5rem 0;padding:.8rem;border-radius:8px;border:1px solid #ced4da;background:#fff;font-size:1rem;cursor:pointer;text-align:center;color:#1a1b1e;text-decoration:none}
 button.primary,a.primary{background:#1864ab;color:#fff;border-color:#1864ab}
 .tag{display:inline-block;background:#fff3bf;color:#5c3c00;border-radius:4px;padding:.1rem .5rem;font-size:.8rem}
</style></head><body><main>${body}</main></body></html>`;
}

const sendHtml = (reply: FastifyReply, status: number, html: string) =>
  reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(html);

/**
 * The sandbox's status look-up (it has no server of its own): the latest notification its hosted
 * page sent for a session, as the gateway's answer.
 */
export function sandboxOutcomeFrom(db: Database) {
  return async (sessionId: string): Promise<PaymentSnapshot | undefined> => {
    const [row] = await db.system((tx) =>
      tx
        .select({ event: gatewayEvents.event, type: gatewayEvents.type })
        .from(gatewayEvents)
        .where(
          and(
            eq(gatewayEvents.gateway, 'sandbox'),
            sql`${gatewayEvents.event}->>'gatewayReference' = ${sessionId}`,
            sql`${gatewayEvents.type} like 'payment.%'`,
          ),
        )
        .orderBy(desc(gatewayEvents.receivedAt))
        .limit(1),
    );
    if (!row) return undefined;
    const e = row.event as { amount?: string; currency?: string; failure?: PaymentSnapshot['failure'] };
    const status =
      row.type === 'payment.succeeded' ? 'succeeded' : row.type === 'payment.failed' ? 'failed' : 'pending';
    return {
      gatewayReference: sessionId,
      status,
      amount: e.amount ? BigInt(e.amount) : undefined,
      currency: e.currency,
      failure: e.failure,
      rawStatus: row.type,
      raw: row.event,
    };
  };
}

function resultPage(c: CheckoutRow, tenantName: string) {
  const amount = displayMoney(c.amount, c.currency);
  const retry = `<form method="post" action="/checkout/${c.id}/retry"><button class="primary" type="submit">Try again</button></form>`;
  if (c.status === 'succeeded') {
    return page(
      'Payment Successful',
      `<h1 class="ok">Payment Successful</h1><div class="banner ok"><div class="amount">${escapeHtml(amount)}</div>
       <div>${escapeHtml(c.description)}</div></div>
       <p class="muted">Paid to ${escapeHtml(tenantName)}. Status: paid, awaiting settlement. Reference ${escapeHtml(c.paymentId ?? c.id)}.</p>`,
    );
  }
  if (c.status === 'open' || c.status === 'processing' || c.status === 'creating') {
    return page(
      'Payment processing',
      `<meta http-equiv="refresh" content="3"><h1>Payment processing…</h1><div class="amount">${escapeHtml(amount)}</div>
       <p class="muted">We are waiting for the gateway's confirmation. This page refreshes by itself.</p>`,
    );
  }
  const title = c.status === 'expired' ? 'Payment session expired' : 'Payment failed';
  return page(
    title,
    `<h1 class="bad">${title}</h1><div class="banner bad"><div class="amount">${escapeHtml(amount)}</div>
     <div role="alert">${escapeHtml(c.failureMessage ?? 'The payment did not go through.')}</div></div>
     <p class="muted">${c.status === 'expired' ? 'Please start again.' : 'No money was taken for this attempt.'}</p>
     ${c.purpose === 'payment' ? retry : ''}`,
  );
}

export async function hostedPageRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { checkouts, tenants } = app.services;
  // Signatures are over the exact bytes received, and the sandbox page posts a plain form.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post(
    '/hooks/gateways/:token',
    {
      config: { public: true },
      schema: {
        tags: ['gateways'],
        summary: "A gateway's signed notification: verified on the raw body, stored, acknowledged (2xx)",
        params: z.object({ token: z.string().max(64) }),
      },
    },
    async (request) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return checkouts.receiveWebhook({
        token: request.params.token,
        rawBody: raw,
        headers: request.headers as Record<string, string | string[] | undefined>,
        path: request.url.split('?')[0]!,
      });
    },
  );

  const tokenParams = z.object({ token: z.string().max(4096) });

  app.get(
    '/sandbox/checkout/:token',
    { config: { public: true }, schema: { hide: true, params: tokenParams } },
    async (request, reply) => {
      const { c, decoded } = await checkouts.sandboxSession(request.params.token);
      const tenant = await tenants.publicProfileById(c.tenantId);
      if (!decoded.ok) {
        return sendHtml(
          reply,
          decoded.reason === 'expired' ? 410 : 400,
          page(
            'Checkout unavailable',
            `<h1 class="bad">${decoded.reason === 'expired' ? 'This checkout session expired' : 'This checkout link is not valid'}</h1>
             <a class="button" href="/checkout/${c.id}/cancel">Back to ${escapeHtml(tenant.name)}</a>`,
          ),
        );
      }
      const s = decoded.session;
      const buttons = SANDBOX_OUTCOMES.map(
        (o) =>
          `<button type="submit" name="outcome" value="${o}"${o === 'success' ? ' class="primary"' : ''}>${escapeHtml(SANDBOX_OUTCOME_LABELS[o])}</button>`,
      ).join('');
      return sendHtml(
        reply,
        200,
        page(
          'Sandbox checkout',
          `<span class="tag">Sandbox: no real money moves</span><h1>Pay ${escapeHtml(tenant.name)}</h1>
           <div class="amount">${escapeHtml(displayMoney(BigInt(s.amount), s.currency))}</div>
           <p class="muted">${escapeHtml(s.description)}</p>
           <form method="post">${buttons}</form>`,
        ),
      );
    },
  );

  app.post(
    '/sandbox/checkout/:token',
    { config: { public: true }, schema: { hide: true, params: tokenParams } },
    async (request, reply) => {
      const form = new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
      const outcome = form.get('outcome');
      if (!isSandboxOutcome(outcome)) {
        throw new AppError(400, 'validation_failed', 'Choose an outcome.', {
          errors: [{ field: 'outcome', reason: `must be one of ${SANDBOX_OUTCOMES.join(', ')}` }],
        });
      }
      const s = await checkouts.sandboxChoose(request.params.token, outcome);
      if (outcome === 'abandoned') return reply.redirect(s.cancelUrl, 303);
      return reply.redirect(s.returnUrl, 303);
    },
  );

  const idParams = z.object({ id: z.string().max(64) });

  /** After the payer is back: the admin's or the app's own page when it asked for one, else ours. */
  const afterReturn = (reply: FastifyReply, c: CheckoutRow) => {
    const to = safeReturnPath(c.returnTo);
    if (to) return reply.redirect(`${to}${to.includes('?') ? '&' : '?'}checkout=${c.id}`, 303);
    return reply.redirect(`/checkout/${c.id}`, 303);
  };

  const locate = async (id: string) => {
    const c = await checkouts.locate(id);
    if (!c) throw new AppError(404, 'not_found', 'No such payment attempt.');
    return c;
  };

  app.get(
    '/checkout/:id/return',
    { config: { public: true }, schema: { hide: true, params: idParams } },
    async (request, reply) => afterReturn(reply, await checkouts.returned(await locate(request.params.id))),
  );

  app.get(
    '/checkout/:id/cancel',
    { config: { public: true }, schema: { hide: true, params: idParams } },
    async (request, reply) => afterReturn(reply, await checkouts.canceled(await locate(request.params.id))),
  );

  app.get(
    '/checkout/:id',
    { config: { public: true }, schema: { hide: true, params: idParams } },
    async (request, reply) => {
      const c = await locate(request.params.id);
      const tenant = await tenants.publicProfileById(c.tenantId);
      return sendHtml(reply, 200, resultPage(c, tenant.name));
    },
  );

  app.post(
    '/checkout/:id/retry',
    { config: { public: true }, schema: { hide: true, params: idParams } },
    async (request, reply) => {
      const c = await locate(request.params.id);
      const next = await checkouts.retry({ tenantId: c.tenantId, mode: c.mode }, c.id);
      if (next.status === 'open' && next.redirectUrl) return reply.redirect(next.redirectUrl, 303);
      return reply.redirect(`/checkout/${next.id}`, 303);
    },
  );
}
