import { branding, tenantCreate, tenantUpdate, tenantView, userView } from '@billrail/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { pageOf, pageQuery } from '../../platform/pagination.ts';
import { userToView } from '../users/users.service.ts';
import { platformDashboard, platformDashboardQuery, platformDashboardView } from './platform-dashboard.ts';
import { brandingOf, tenantToView } from './tenants.service.ts';

export async function tenantRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { tenants } = app.services;

  app.get(
    '/v1/public/tenants/:slug',
    {
      config: { public: true },
      schema: {
        tags: ['tenant'],
        summary: "A tenant's public branding (sign-in and pay pages)",
        params: z.object({ slug: z.string().max(40) }),
        response: { 200: branding },
      },
    },
    async (request) => brandingOf(await tenants.getBySlug(request.params.slug)),
  );

  app.get(
    '/v1/tenant',
    {
      config: { action: 'tenant.read' },
      schema: { tags: ['tenant'], summary: 'Your tenant', response: { 200: tenantView } },
    },
    async (request) => tenantToView(await tenants.get(tenantOf(request))),
  );

  app.patch(
    '/v1/tenant',
    {
      config: { action: 'tenant.update' },
      schema: {
        tags: ['tenant'],
        summary: 'Update settings and branding (currency is fixed at onboarding)',
        body: tenantUpdate,
        response: { 200: tenantView },
      },
    },
    async (request) => tenantToView(await tenants.update(tenantOf(request), request.body, actorOf(request))),
  );

  app.get(
    '/v1/platform/tenants',
    {
      config: { action: 'platform.tenants.list' },
      schema: {
        tags: ['platform'],
        summary: 'All tenants',
        querystring: pageQuery,
        response: { 200: pageOf(tenantView) },
      },
    },
    async (request) => {
      const page = await tenants.listAll(request.query);
      return { ...page, data: page.data.map(tenantToView) };
    },
  );

  app.get(
    '/v1/platform/dashboard',
    {
      config: { action: 'platform.dashboard.read' },
      schema: {
        tags: ['platform'],
        summary:
          'Across tenants: collected today and this month, outstanding receivables, payments by status (aggregates only)',
        querystring: platformDashboardQuery,
        response: { 200: platformDashboardView },
      },
    },
    async (request) => platformDashboard(app.db, request.query.mode),
  );

  app.post(
    '/v1/platform/tenants',
    {
      config: { action: 'platform.tenants.create' },
      schema: {
        tags: ['platform'],
        summary: 'Onboard a tenant with its first admin',
        body: tenantCreate,
        response: { 201: z.object({ tenant: tenantView, admin: userView }) },
      },
    },
    async (request, reply) => {
      const { tenant, admin } = await tenants.create(request.body, actorOf(request));
      return reply.code(201).send({ tenant: tenantToView(tenant), admin: userToView(admin) });
    },
  );
}
