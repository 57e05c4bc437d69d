import { apiKeyCreate, apiKeyCreated, apiKeyView } from '@billrail/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { pageOf, pageQuery } from '../../platform/pagination.ts';
import { apiKeyToView } from './api-keys.service.ts';

export async function apiKeyRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { apiKeys } = app.services;

  app.get(
    '/v1/api-keys',
    {
      config: { action: 'api_keys.list' },
      schema: {
        tags: ['api-keys'],
        summary: 'API keys of both modes (secrets are never shown again)',
        querystring: pageQuery,
        response: { 200: pageOf(apiKeyView) },
      },
    },
    async (request) => {
      const page = await apiKeys.list(tenantOf(request), request.query);
      return { ...page, data: page.data.map(apiKeyToView) };
    },
  );

  app.post(
    '/v1/api-keys',
    {
      config: { action: 'api_keys.create' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the secret is in this response only',
        body: apiKeyCreate,
        response: { 201: apiKeyCreated },
      },
    },
    async (request, reply) => {
      const key = await apiKeys.create(tenantOf(request), request.body, actorOf(request));
      return reply.code(201).send({ ...apiKeyToView(key), secret: key.secret });
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { action: 'api_keys.revoke' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key (immediately and for good)',
        params: z.object({ id: z.string().max(64) }),
        response: { 200: apiKeyView },
      },
    },
    async (request) =>
      apiKeyToView(await apiKeys.revoke(tenantOf(request), request.params.id, actorOf(request))),
  );
}
