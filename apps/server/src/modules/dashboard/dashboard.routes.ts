import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../platform/auth.ts';
import { amountOut, isoDate } from '../../platform/wire.ts';
import { renderCollectionsPdf } from './collections-pdf.ts';

const split = z.array(z.object({ key: z.string(), amount: amountOut, count: z.number().int() }));

export const dashboardView = z.object({
  currency: z.string(),
  time_zone: z.string(),
  granularity: z.enum(['day', 'month', 'year']),
  from: z.string(),
  to: z.string(),
  collected: z
    .object({ amount: amountOut, count: z.number().int(), refunded: amountOut })
    .describe('Money received and kept (successful, completed; net of refunds) in the range'),
  series: z.array(z.object({ period: z.string(), amount: amountOut, count: z.number().int() })),
  by_channel: split,
  by_gateway: split,
  by_status: split.describe('Every payment in the range by status, gross amounts'),
  outstanding: z
    .object({
      amount: amountOut.describe('Receivables: the balance of the receivable ledger accounts'),
      bills: z.number().int(),
      overdue_amount: amountOut,
      overdue_bills: z.number().int(),
    })
    .describe('Now, whatever the range'),
  unallocated: z.object({ amount: amountOut.describe('Money in suspense, awaiting allocation') }),
});

export async function dashboardRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/dashboard',
    {
      config: { action: 'dashboard.read' },
      schema: {
        tags: ['reports'],
        summary:
          'Collections by day, month or year (tenant time zone), by channel, gateway and status; outstanding receivables',
        querystring: z.object({
          granularity: z.enum(['day', 'month', 'year']).default('day'),
          from: isoDate.optional(),
          to: isoDate.optional(),
        }),
        response: { 200: dashboardView },
      },
    },
    async (request) => app.services.dashboard.collections(tenantOf(request), request.query),
  );

  app.get(
    '/v1/reports/collections.pdf',
    {
      config: { action: 'reports.read' },
      schema: {
        tags: ['reports'],
        summary: "A day's collections as a PDF: totals, by channel, gateway and status, and each payment",
        querystring: z.object({ date: isoDate }),
        produces: ['application/pdf'],
      },
    },
    async (request, reply) => {
      const ctx = tenantOf(request);
      const pdf = await app.db.withTenant(ctx, (tx) => renderCollectionsPdf(tx, ctx, request.query.date));
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="collections-${request.query.date}.pdf"`)
        .send(pdf);
    },
  );
}
