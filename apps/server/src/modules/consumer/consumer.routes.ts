import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { tenantOf } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import { trackHistoryViewed } from '../analytics/analytics.requests.ts';
import {
  myBillsQuery,
  myBillsView,
  myDashboardView,
  myPaymentsQuery,
  myPaymentsView,
} from './consumer.schemas.ts';
import type { Consumer } from './consumer.service.ts';

/** The signed-in consumer: their tenant, mode and user id (the actions are the consumer's alone). */
function consumerOf(request: FastifyRequest): Consumer {
  const ctx = tenantOf(request);
  const userId = request.auth?.userId;
  if (request.auth?.principal !== 'consumer' || !userId) throw forbidden('Only a consumer has these pages.');
  return { ...ctx, userId };
}

/**
 * The consumer web app's data (issue 5): GET /v1/me/bills, /v1/me/payments and /v1/me/dashboard.
 * Paying goes through the checkouts API (POST /v1/checkouts, GET /v1/payment-methods).
 */
export async function consumerRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { consumer } = app.services;
  const tags = ['consumer'];

  app.get(
    '/v1/me/bills',
    {
      config: { action: 'me.bills.read' },
      schema: {
        tags,
        summary: 'Your bills and services across the accounts linked to you, with what is due now',
        querystring: myBillsQuery,
        response: { 200: myBillsView },
      },
    },
    async (request) => consumer.bills(consumerOf(request), request.query),
  );

  app.get(
    '/v1/me/payments',
    {
      config: { action: 'me.payments.read' },
      schema: {
        tags,
        summary:
          'Your payments (Successful, Completed, Refund) and failed attempts with the gateway’s message, newest first',
        querystring: myPaymentsQuery,
        response: { 200: myPaymentsView },
      },
    },
    async (request) => {
      const page = await consumer.payments(consumerOf(request), request.query);
      await trackHistoryViewed(request, request.query);
      return page;
    },
  );

  app.get(
    '/v1/me/dashboard',
    {
      config: { action: 'me.dashboard.read' },
      schema: {
        tags,
        summary: 'What you owe now, and what you paid by day (30 days), month (12) and year',
        response: { 200: myDashboardView },
      },
    },
    async (request) => consumer.dashboard(consumerOf(request)),
  );
}
