import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import { sendPdf } from '../public/public.routes.ts';

/**
 * Printable e-challans: the back office's and the consumer's copy of a bill (the public copy,
 * by reference id, is in modules/public). See challans.service.ts for what is printed.
 */
export async function challanRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { challans } = app.services;
  const params = z.object({ id: z.string().max(64) });

  app.get(
    '/v1/bills/:id/challan.pdf',
    {
      config: { action: 'challans.read' },
      schema: {
        tags: ['bills'],
        summary: "A bill's printable e-challan (PDF): reference id, QR of its pay link, QRIS when configured",
        params,
      },
    },
    async (request, reply) => sendPdf(reply, await challans.render(tenantOf(request), request.params.id)),
  );

  app.get(
    '/v1/me/bills/:id/challan.pdf',
    {
      config: { action: 'me.challans.read' },
      schema: {
        tags: ['consumer'],
        summary: 'The e-challan (PDF) of one of your bills',
        params,
      },
    },
    async (request, reply) => {
      const userId = request.auth?.userId;
      if (request.auth?.principal !== 'consumer' || !userId)
        throw forbidden('Only a consumer has these pages.');
      return sendPdf(
        reply,
        await challans.render(tenantOf(request), request.params.id, { ownerUserId: userId }),
      );
    },
  );
}
