import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { SESSION_COOKIE, tenantOf } from '../../platform/auth.ts';
import { clientEventCreate, insightsQuery, insightsView } from './analytics.schemas.ts';

/** Client events a person may send per minute (a page view each; far above any real use). */
export const CLIENT_EVENTS_PER_MINUTE = 120;

export async function analyticsRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { analytics } = app.services;
  const tags = ['analytics'];

  app.post(
    '/v1/analytics/events',
    {
      config: {
        action: 'analytics.events.create',
        rateLimit: {
          max: CLIENT_EVENTS_PER_MINUTE,
          timeWindow: '1 minute',
          // Per session (the limiter runs before authentication, so by its cookie), else per address.
          keyGenerator: (req) => {
            const who = req.cookies[SESSION_COOKIE] ?? req.headers.authorization ?? req.ip;
            return `analytics:${createHash('sha256').update(who).digest('base64url')}`;
          },
        },
      },
      schema: {
        tags,
        summary: 'Record a behaviour event the app sees (a page opened); server-recorded events are refused',
        body: clientEventCreate,
        response: { 202: z.object({ id: z.string(), name: z.string() }) },
      },
    },
    async (request, reply) => {
      const recorded = await analytics.recordClient(
        tenantOf(request),
        request.body.name,
        request.body.properties,
        actorOf(request),
      );
      return reply.code(202).send(recorded);
    },
  );

  app.get(
    '/v1/analytics/insights',
    {
      config: { action: 'analytics.insights.read' },
      schema: {
        tags,
        summary:
          'Key insights of the behaviour-tracking plan: gateway set-up funnel and time to first connect, checkout conversion, most used gateways, search and history usage',
        querystring: insightsQuery,
        response: { 200: insightsView },
      },
    },
    async (request) => analytics.insights(tenantOf(request), request.query),
  );
}
