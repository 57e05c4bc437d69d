import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantOf } from '../../platform/auth.ts';
import { pageOf, pageQuery } from '../../platform/pagination.ts';

const messageView = z.object({
  id: z.string(),
  object: z.literal('outbound_message'),
  channel: z.enum(['email', 'sms']),
  recipient: z.string(),
  template: z
    .string()
    .describe('payment.successful, payment.receipt, payment.completed.sms, payment.refunded, payment.failed'),
  subject: z.string().nullable(),
  payment_id: z.string().nullable(),
  status: z.enum(['queued', 'sent', 'failed']),
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable().describe('When a queued message is tried (again)'),
  last_error: z.string().nullable(),
  provider_ref: z.string().nullable().describe('Message-ID and server reply, or the SMS provider’s id'),
  sent_at: z.string().nullable(),
  created_at: z.string(),
});

const messageQuery = pageQuery.extend({
  payment_id: z.string().max(64).optional(),
  status: z.enum(['queued', 'sent', 'failed']).optional(),
});

/** The outbox of e-mails and SMS to payers, for troubleshooting (tenant admins). */
export async function notificationRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { notifications } = app.services;

  app.get(
    '/v1/messages',
    {
      config: { action: 'messages.read' },
      schema: {
        tags: ['notifications'],
        summary:
          'E-mails and SMS sent to payers (receipts, payment status), with delivery status; newest first',
        querystring: messageQuery,
        response: { 200: pageOf(messageView) },
      },
    },
    async (request) => notifications.list(tenantOf(request), request.query),
  );
}
