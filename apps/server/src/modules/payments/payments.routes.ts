import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { pageOf } from '../../platform/pagination.ts';
import { findAccountByNumber } from '../accounts/accounts.service.ts';
import { trackPaymentSearched, trackPaymentViewed } from '../analytics/analytics.requests.ts';
import {
  allocateCreate,
  cashPaymentCreate,
  paymentListItem,
  paymentSearch,
  paymentView,
  refundCreate,
  reversalCreate,
} from './payments.schemas.ts';
import { recordPayment, paymentView as toView } from './payments.service.ts';

const idParams = z.object({ id: z.string().max(64) });

export async function paymentRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { payments } = app.services;

  app.get(
    '/v1/payments',
    {
      config: { action: 'payments.read' },
      schema: {
        tags: ['payments'],
        summary:
          'List and search payments (by status, channel, account, reference id, free text, date range)',
        querystring: paymentSearch,
        response: { 200: pageOf(paymentListItem) },
      },
    },
    async (request) => {
      const page = await payments.list(tenantOf(request), request.query);
      await trackPaymentSearched(request, request.query, page.data.length);
      return page;
    },
  );

  app.get(
    '/v1/payments/:id',
    {
      config: { action: 'payments.read' },
      schema: {
        tags: ['payments'],
        summary: 'One payment with its allocations',
        params: idParams,
        response: { 200: paymentView },
      },
    },
    async (request) => {
      const payment = await payments.get(tenantOf(request), request.params.id);
      await trackPaymentViewed(request, payment);
      return payment;
    },
  );

  app.post(
    '/v1/payments/cash',
    {
      config: { action: 'payments.cash' },
      schema: {
        tags: ['payments'],
        summary:
          'Cash counter: record a payment taken in person (partial payments allowed; excess becomes account credit)',
        body: cashPaymentCreate,
        response: { 201: paymentView, 200: paymentView },
      },
    },
    async (request, reply) => {
      const ctx = tenantOf(request);
      const body = request.body;
      const cashier = request.auth!.userId!;
      // The counter's receipt number is the channel reference; without one, the Idempotency-Key
      // (if sent) keeps a retried submission from recording the money twice.
      const idem = request.headers['idempotency-key'];
      const channelRef = body.receipt_number ?? (typeof idem === 'string' ? `idem:${idem}` : newId('pay'));
      const result = await app.db.withTenant(ctx, async (tx) => {
        const account = await findAccountByNumber(tx, ctx, body.account_number);
        if (!account) {
          throw new AppError(404, 'account_not_found', `Account ${body.account_number} was not found.`, {
            errors: [{ field: 'account_number', reason: 'no such account' }],
          });
        }
        const r = await recordPayment(tx, ctx, {
          channel: 'cash',
          channelSource: cashier,
          channelRef,
          amount: body.amount,
          currency: body.currency,
          accountId: account.id,
          ...(body.bill_ids ? { billIds: body.bill_ids } : {}),
          policy: 'flexible',
          method: 'cash',
          ...(body.received_at ? { receivedAt: new Date(body.received_at) } : {}),
          createdBy: cashier,
          metadata: body.note ? { note: body.note } : {},
        });
        return { ...r, view: await toView(tx, ctx, r.payment) };
      });
      return reply.code(result.replayed ? 200 : 201).send(result.view);
    },
  );

  app.post(
    '/v1/payments/:id/refund',
    {
      config: { action: 'payments.refund' },
      schema: {
        tags: ['payments'],
        summary:
          'Refund a payment in full or in part, with a reason; the bills it paid reopen. A gateway payment is refunded at the gateway first (202 while the gateway has it pending; the ledger follows its confirmation)',
        params: idParams,
        body: refundCreate,
        response: { 200: paymentView, 202: paymentView },
      },
    },
    async (request, reply) => {
      const ctx = tenantOf(request);
      const r = await app.services.checkouts.refund(
        ctx,
        request.params.id,
        request.body.amount,
        request.body.reason,
        actorOf(request),
      );
      const view = await app.db.withTenant(ctx, (tx) => toView(tx, ctx, r.payment));
      return reply.code(r.pending ? 202 : 200).send(view);
    },
  );

  app.post(
    '/v1/payments/:id/allocate',
    {
      config: { action: 'payments.allocate' },
      schema: {
        tags: ['payments'],
        summary:
          "Allocate a payment's unidentified money (suspense) to an account: its bills (given, or oldest due first), the rest as account credit. Repeating it answers the payment unchanged (200)",
        params: idParams,
        body: allocateCreate,
        response: { 200: paymentView, 201: paymentView },
      },
    },
    async (request, reply) => {
      const r = await payments.allocate(tenantOf(request), request.params.id, request.body, actorOf(request));
      return reply.code(r.replayed ? 200 : 201).send(r.view);
    },
  );

  app.post(
    '/v1/payments/:id/reverse',
    {
      config: { action: 'payments.reverse' },
      schema: {
        tags: ['payments'],
        summary: 'Reverse a payment recorded in error; the bills it paid reopen',
        params: idParams,
        body: reversalCreate,
        response: { 200: paymentView },
      },
    },
    async (request) =>
      payments.reverse(tenantOf(request), request.params.id, request.body.reason, actorOf(request)),
  );
}
