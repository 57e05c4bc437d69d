import { branding } from '@billrail/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHECKOUT_STATUSES } from '../../db/schema.ts';
import { amountOut } from '../../platform/wire.ts';
import { LINK_STATES } from '../links/links.schemas.ts';

/**
 * Public pay and verification API (issue 5): no session, rate-limited per IP and route.
 *   GET  /v1/public/bills/:reference            quick pay: the bill behind a reference id
 *   POST /v1/public/bills/:reference/checkout   quick pay: start paying it at a gateway
 *   GET  /v1/public/bills/:reference/challan.pdf  its printable challan (holder's name masked)
 *   GET  /v1/public/verify/:reference           is this e-challan genuine, paid or unpaid
 *   GET  /v1/public/links/:token                a payment link's page
 *   POST /v1/public/links/:token/checkout       pay it
 *   GET  /v1/public/checkouts/:id               how an attempt ended (the result page)
 *   POST /v1/public/checkouts/:id/retry         a new attempt after a failure
 */

const billView = z.object({
  reference_id: z.string(),
  reference_display: z.string(),
  bill_number: z.string(),
  kind: z.enum(['bill', 'service']),
  service_name: z.string(),
  billing_period: z.string(),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
  due_date: z.string(),
  currency: z.string(),
  amount: amountOut,
  late_fee: amountOut,
  late_fee_applies: z.boolean(),
  amount_paid: amountOut,
  amount_due: amountOut,
  status: z.string(),
  payable: z.boolean(),
  paid_at: z.string().nullable(),
  account_holder: z.string().describe("The account holder's name, masked (I***** G*****)"),
  account_number: z.string().describe('Masked but for the last four characters'),
  livemode: z.boolean(),
});
const methods = z.array(
  z.object({ gateway: z.string(), display_name: z.string(), methods: z.array(z.string()) }),
);
const billPage = z.object({ biller: branding, bill: billView, payment_methods: methods });
const verifyView = z.object({ genuine: z.literal(true), biller: branding, bill: billView });
const linkPage = z.object({
  biller: branding,
  link: z.object({
    status: z.enum(LINK_STATES),
    description: z.string(),
    currency: z.string(),
    amount_due: amountOut.nullable(),
    reusable: z.boolean(),
    expires_at: z.string().nullable(),
    account_number: z.string().nullable(),
    bill: billView.nullable(),
  }),
  payment_methods: methods,
});
const publicCheckout = z.object({
  id: z.string(),
  status: z.enum(CHECKOUT_STATUSES),
  gateway: z.string(),
  gateway_name: z.string(),
  amount: amountOut,
  currency: z.string(),
  bill_numbers: z.array(z.string()),
  reference_id: z.string().nullable(),
  link_token: z.string().nullable(),
  failure: z
    .object({ reason: z.string().nullable(), code: z.string().nullable(), message: z.string() })
    .nullable(),
  payment_id: z.string().nullable(),
  biller: branding,
  created_at: z.string(),
});
const started = z.object({
  id: z.string(),
  status: z.enum(CHECKOUT_STATUSES),
  redirect_url: z.string().nullable(),
});
const payBody = z.strictObject({
  gateway: z.string().max(32),
  payer_email: z.email().max(254).optional().describe('Where the receipt goes'),
});

const referenceParams = z.object({ reference: z.string().max(40) });
const tokenParams = z.object({ token: z.string().max(64) });
const idParams = z.object({ id: z.string().max(64) });

export const sendPdf = (reply: FastifyReply, pdf: { pdf: Buffer; filename: string }) =>
  reply
    .type('application/pdf')
    .header('content-disposition', `attachment; filename="${pdf.filename}"`)
    .header('cache-control', 'no-store')
    .send(pdf.pdf);

export async function publicRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { publicPay, challans } = app.services;
  const tags = ['public'];
  const limited = (name: string) => ({
    public: true,
    rateLimit: {
      max: app.config.PUBLIC_RATE_LIMIT_PER_MINUTE,
      timeWindow: '1 minute',
      keyGenerator: (req: { ip: string }) => `public:${name}:${req.ip}`,
    },
  });
  const toStarted = (c: {
    id: string;
    status: (typeof CHECKOUT_STATUSES)[number];
    redirectUrl: string | null;
  }) => ({
    id: c.id,
    status: c.status,
    redirect_url: c.status === 'open' ? c.redirectUrl : null,
  });

  app.get(
    '/v1/public/bills/:reference',
    {
      config: limited('bill'),
      schema: {
        tags,
        summary: 'Quick pay: the bill behind a 16-digit reference id, its biller and payment methods',
        params: referenceParams,
        response: { 200: billPage },
      },
    },
    async (request) => publicPay.billPage(request.params.reference),
  );

  app.post(
    '/v1/public/bills/:reference/checkout',
    {
      config: limited('pay'),
      schema: {
        tags,
        summary: 'Quick pay: start paying the bill at a gateway; send the payer to redirect_url',
        params: referenceParams,
        body: payBody,
        response: { 201: started },
      },
    },
    async (request, reply) =>
      reply.code(201).send(toStarted(await publicPay.payBill(request.params.reference, request.body))),
  );

  app.get(
    '/v1/public/bills/:reference/challan.pdf',
    {
      config: limited('challan'),
      schema: {
        tags,
        summary: "The bill's printable e-challan (PDF, the account holder's name masked)",
        params: referenceParams,
      },
    },
    async (request, reply) => {
      const { ctx, billId } = await publicPay.billRef(request.params.reference);
      return sendPdf(reply, await challans.render(ctx, billId, { maskHolder: true }));
    },
  );

  app.get(
    '/v1/public/verify/:reference',
    {
      config: limited('verify'),
      schema: {
        tags,
        summary: 'Verify an e-challan: genuine or not, the biller, amount, due date, paid or unpaid',
        params: referenceParams,
        response: { 200: verifyView },
      },
    },
    async (request) => publicPay.verify(request.params.reference),
  );

  app.get(
    '/v1/public/links/:token',
    {
      config: limited('link'),
      schema: {
        tags,
        summary: "A payment link's page: what it pays, its status (active, used, disabled, expired)",
        params: tokenParams,
        response: { 200: linkPage },
      },
    },
    async (request) => publicPay.linkPage(request.params.token),
  );

  app.post(
    '/v1/public/links/:token/checkout',
    {
      config: limited('pay'),
      schema: {
        tags,
        summary: 'Pay a payment link at a gateway (410 when used, disabled or expired)',
        params: tokenParams,
        body: payBody,
        response: { 201: started },
      },
    },
    async (request, reply) =>
      reply.code(201).send(toStarted(await publicPay.payLink(request.params.token, request.body))),
  );

  app.get(
    '/v1/public/checkouts/:id',
    {
      config: limited('checkout'),
      schema: {
        tags,
        summary: 'How a payment attempt ended, for the public result page',
        params: idParams,
        response: { 200: publicCheckout },
      },
    },
    async (request) => publicPay.checkout(request.params.id),
  );

  app.post(
    '/v1/public/checkouts/:id/retry',
    {
      config: limited('pay'),
      schema: {
        tags,
        summary: 'A new attempt for the same bill or link after a failure (optionally at another gateway)',
        params: idParams,
        body: z.strictObject({ gateway: z.string().max(32).optional() }).optional(),
        response: { 201: started },
      },
    },
    async (request, reply) =>
      reply.code(201).send(toStarted(await publicPay.retry(request.params.id, request.body?.gateway))),
  );
}
