import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { pageOf, pageQuery } from '../../platform/pagination.ts';
import { amountOut } from '../../platform/wire.ts';
import { BILL_VIEW_STATUSES, billBatchCreate, billCreate, billView } from './bills.schemas.ts';

const idParams = z.object({ id: z.string().max(64) });

export const verificationView = z.object({
  bill: billView,
  payments: z.array(
    z.object({
      payment_id: z.string(),
      status: z.string(),
      channel: z.string(),
      channel_ref: z.string(),
      amount: amountOut.describe('The part of the payment allocated to this bill'),
      received_at: z.string(),
    }),
  ),
});

export async function billRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { bills } = app.services;

  app.post(
    '/v1/bills',
    {
      config: { action: 'bills.write' },
      schema: {
        tags: ['bills'],
        summary: 'Create a bill or service charge; it gets a reference id at once',
        body: billCreate,
        response: { 201: billView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await bills.create(tenantOf(request), request.body, actorOf(request))),
  );

  app.post(
    '/v1/bills/batch',
    {
      config: { action: 'bills.write' },
      schema: {
        tags: ['bills'],
        summary: 'Create up to 500 bills at once: all or nothing; errors name bills[i].field',
        body: billBatchCreate,
        response: { 201: z.object({ data: z.array(billView) }) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send({ data: await bills.createBatch(tenantOf(request), request.body.bills, actorOf(request)) }),
  );

  app.get(
    '/v1/bills',
    {
      config: { action: 'bills.read' },
      schema: {
        tags: ['bills'],
        summary:
          'List bills; filter by account, status, kind; search by bill number, reference id or service',
        querystring: pageQuery.extend({
          account_id: z.string().max(64).optional(),
          status: z.enum(BILL_VIEW_STATUSES).optional(),
          kind: z.enum(['bill', 'service']).optional(),
          search: z.string().trim().min(1).max(80).optional(),
        }),
        response: { 200: pageOf(billView) },
      },
    },
    async (request) => bills.list(tenantOf(request), request.query),
  );

  app.get(
    '/v1/bills/:id',
    {
      config: { action: 'bills.read' },
      schema: { tags: ['bills'], summary: 'One bill', params: idParams, response: { 200: billView } },
    },
    async (request) => bills.get(tenantOf(request), request.params.id),
  );

  app.post(
    '/v1/bills/:id/cancel',
    {
      config: { action: 'bills.write' },
      schema: {
        tags: ['bills'],
        summary: 'Cancel an unpaid bill (its receivable is reversed in the ledger)',
        params: idParams,
        body: z.strictObject({ reason: z.string().trim().min(1).max(300).optional() }).optional(),
        response: { 200: billView },
      },
    },
    async (request) =>
      bills.cancel(tenantOf(request), request.params.id, request.body?.reason, actorOf(request)),
  );

  app.get(
    '/v1/verify/:reference',
    {
      config: { action: 'bills.verify' },
      schema: {
        tags: ['bills'],
        summary: "Verification: a reference id's bill, status and payments (mistyped references are refused)",
        params: z.object({ reference: z.string().max(40) }),
        response: { 200: verificationView },
      },
    },
    async (request) => bills.verify(tenantOf(request), request.params.reference),
  );
}
