import { auditEntryView } from '@billrail/contracts';
import { and, desc, eq, gte, lt } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditLog } from '../../db/schema.ts';
import { tenantOf } from '../../platform/auth.ts';
import { pageOf, pageQuery, toPage } from '../../platform/pagination.ts';

export async function auditRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/v1/audit-log',
    {
      config: { action: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Administrative changes in your tenant, newest first',
        querystring: pageQuery.extend({
          action: z.string().max(64).optional(),
          target_id: z.string().max(64).optional(),
          actor_id: z.string().max(64).optional().describe('Changes made by this user or API key'),
          created_gte: z.iso.datetime({ offset: true }).optional().describe('From this time on'),
          created_lt: z.iso.datetime({ offset: true }).optional().describe('Before this time'),
        }),
        response: { 200: pageOf(auditEntryView) },
      },
    },
    async (request) => {
      const ctx = tenantOf(request);
      const q = request.query;
      const rows = await app.db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(auditLog)
          .where(
            and(
              eq(auditLog.tenantId, ctx.tenantId),
              q.action ? eq(auditLog.action, q.action) : undefined,
              q.target_id ? eq(auditLog.targetId, q.target_id) : undefined,
              q.actor_id ? eq(auditLog.actorId, q.actor_id) : undefined,
              q.created_gte ? gte(auditLog.createdAt, new Date(q.created_gte)) : undefined,
              q.created_lt ? lt(auditLog.createdAt, new Date(q.created_lt)) : undefined,
              q.starting_after ? lt(auditLog.id, q.starting_after) : undefined,
            ),
          )
          .orderBy(desc(auditLog.id))
          .limit(q.limit + 1),
      );
      const page = toPage(rows, q.limit);
      return {
        ...page,
        data: page.data.map((r) => ({
          id: r.id,
          actor_type: r.actorType,
          actor_id: r.actorId,
          action: r.action,
          target_type: r.targetType,
          target_id: r.targetId,
          before: r.before,
          after: r.after,
          request_id: r.requestId,
          ip: r.ip,
          created_at: r.createdAt.toISOString(),
        })),
      };
    },
  );
}
