import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import type { ReceiptFile } from './receipts.service.ts';

const idParams = z.object({ id: z.string().max(64) });
const pdfResponse = {
  200: z.any().describe('application/pdf: the numbered receipt'),
};

function sendPdf(reply: FastifyReply, r: ReceiptFile) {
  return (
    reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${r.filename}"`)
      .header('receipt-number', r.number)
      // A receipt never changes once issued, but it is personal: the browser may keep it, proxies not.
      .header('cache-control', 'private, max-age=3600')
      .send(r.pdf)
  );
}

/**
 * Receipt downloads (issue 5): the consumer's own (History) and any of the tenant's (back office).
 * Completed payments have receipts, and so do cash payments taken at the counter from the moment
 * they are recorded (409 receipt_not_available otherwise, seed 002; see receipts.service.ts).
 */
export async function receiptRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { receipts } = app.services;

  app.get(
    '/v1/me/payments/:id/receipt.pdf',
    {
      config: { action: 'me.receipts.read' },
      schema: {
        tags: ['consumer'],
        summary:
          'The numbered receipt of your completed payment (or cash paid at the counter), as PDF (409 receipt_not_available until Completed)',
        params: idParams,
        response: pdfResponse,
      },
    },
    async (request, reply) => {
      const userId = request.auth?.userId;
      if (request.auth?.principal !== 'consumer' || !userId)
        throw forbidden('Only a consumer has these pages.');
      return sendPdf(reply, await receipts.forConsumer({ ...tenantOf(request), userId }, request.params.id));
    },
  );

  app.get(
    '/v1/payments/:id/receipt.pdf',
    {
      config: { action: 'payments.receipt' },
      schema: {
        tags: ['payments'],
        summary:
          'The numbered receipt of a completed payment, or of cash taken at the counter (at once), as PDF (409 receipt_not_available otherwise)',
        params: idParams,
        response: pdfResponse,
      },
    },
    async (request, reply) => sendPdf(reply, await receipts.forStaff(tenantOf(request), request.params.id)),
  );
}
