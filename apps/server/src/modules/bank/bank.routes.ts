import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { partnerOf, tenantOf } from '../../platform/auth.ts';
import { sendProblem, toAppError } from '../../platform/http.ts';
import { paymentView } from '../payments/payments.schemas.ts';
import { oneLinkRoutes } from './bank.1link.ts';
import {
  inquiryRequest,
  inquiryResponse,
  partnerCreate,
  partnerCreated,
  partnerView,
  paymentRequest,
  paymentResponse,
  RESPONSE_CODES,
  reversalRequest,
} from './bank.schemas.ts';

/** Maps Billrail error codes to the bank response codes of bank.schemas.ts. */
export function responseCodeOf(code: string, status: number): string {
  if (code in RESPONSE_CODES) return RESPONSE_CODES[code as keyof typeof RESPONSE_CODES];
  if (code === 'bill_not_found') return RESPONSE_CODES.reference_not_found;
  if (code === 'payment_not_reversible' || code === 'payment_partly_refunded')
    return RESPONSE_CODES.not_reversible;
  if (status >= 500) return RESPONSE_CODES.unknown_error;
  return RESPONSE_CODES.invalid_data;
}

export async function bankRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { bank } = app.services;

  // Partner management by the tenant admin (cookie session; not part of the bank-facing API).
  app.post(
    '/v1/bank-partners',
    {
      config: { action: 'bank_partners.manage' },
      schema: {
        tags: ['bank-api'],
        summary: 'Register a bank or aggregator; its password is in this response only',
        body: partnerCreate,
        response: { 201: partnerCreated },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await bank.createPartner(tenantOf(request), request.body, actorOf(request))),
  );
  app.get(
    '/v1/bank-partners',
    {
      config: { action: 'bank_partners.manage' },
      schema: {
        tags: ['bank-api'],
        summary: 'Bank partners',
        response: { 200: z.object({ data: z.array(partnerView) }) },
      },
    },
    async (request) => ({ data: await bank.listPartners(tenantOf(request)) }),
  );
  app.patch(
    '/v1/bank-partners/:id',
    {
      config: { action: 'bank_partners.manage' },
      schema: {
        tags: ['bank-api'],
        summary: 'Enable or disable a bank partner',
        params: z.object({ id: z.string().max(64) }),
        body: z.strictObject({ status: z.enum(['active', 'disabled']) }),
        response: { 200: partnerView },
      },
    },
    async (request) =>
      bank.setPartnerStatus(tenantOf(request), request.params.id, request.body.status, actorOf(request)),
  );

  await app.register(oneLinkRoutes);

  // The bank-facing API: errors carry a response_code as well as the problem+json fields.
  await app.register(async (scope) => {
    const bankApi = scope.withTypeProvider<ZodTypeProvider>();
    scope.setErrorHandler((err, request, reply) => {
      const appError = toAppError(err as Error);
      if (appError.status >= 500) request.log.error({ err }, 'bank request failed');
      appError.extensions.response_code = responseCodeOf(appError.code, appError.status);
      return sendProblem(reply, request, appError);
    });
    const security = [{ bankPartner: [] }];

    bankApi.post(
      '/v1/bank/bill-inquiry',
      {
        config: { action: 'bank.inquiry' },
        schema: {
          tags: ['bank-api'],
          summary: 'Bill inquiry by reference id',
          security,
          body: inquiryRequest,
          response: { 200: inquiryResponse },
        },
      },
      async (request) => bank.inquiry(partnerOf(request), request.body.reference),
    );

    bankApi.post(
      '/v1/bank/bill-payment',
      {
        config: { action: 'bank.payment' },
        schema: {
          tags: ['bank-api'],
          summary: "Post a payment against a reference id; idempotent on the bank's transaction_ref",
          security,
          body: paymentRequest,
          response: { 200: paymentResponse, 201: paymentResponse },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const result = await bank.pay(partnerOf(request), {
          reference: b.reference,
          transactionRef: b.transaction_ref,
          amount: b.amount,
          currency: b.currency,
          ...(b.paid_at ? { paidAt: new Date(b.paid_at) } : {}),
          ...(b.branch ? { branch: b.branch } : {}),
        });
        return reply.code(result.duplicate ? 200 : 201).send(result);
      },
    );

    bankApi.post(
      '/v1/bank/reversal',
      {
        config: { action: 'bank.reversal' },
        schema: {
          tags: ['bank-api'],
          summary: 'Reverse a posted payment (idempotent)',
          security,
          body: reversalRequest,
          response: {
            200: z.object({
              response_code: z.string(),
              response_message: z.string(),
              payment_id: z.string(),
              transaction_ref: z.string(),
              status: z.string(),
              duplicate: z.boolean(),
            }),
          },
        },
      },
      async (request) => bank.reverse(partnerOf(request), request.body.transaction_ref, request.body.reason),
    );

    bankApi.get(
      '/v1/bank/payments/:transaction_ref',
      {
        config: { action: 'bank.status' },
        schema: {
          tags: ['bank-api'],
          summary: 'Status of a posted payment by transaction_ref',
          security,
          params: z.object({ transaction_ref: z.string().max(64) }),
          response: { 200: paymentView.extend({ response_code: z.string(), response_message: z.string() }) },
        },
      },
      async (request) => bank.findByTransactionRef(partnerOf(request), request.params.transaction_ref),
    );
  });
}
