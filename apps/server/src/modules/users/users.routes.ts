import { roleSchema, userCreate, userUpdate, userView } from '@billrail/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { pageOf, pageQuery } from '../../platform/pagination.ts';
import { userToView } from './users.service.ts';

const idParams = z.object({ id: z.string().max(64) });

export async function userRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { users } = app.services;

  app.get(
    '/v1/users',
    {
      config: { action: 'users.list' },
      schema: {
        tags: ['users'],
        summary: "Your tenant's users",
        querystring: pageQuery.extend({ role: roleSchema.optional() }),
        response: { 200: pageOf(userView) },
      },
    },
    async (request) => {
      const page = await users.list(tenantOf(request), request.query);
      return { ...page, data: page.data.map(userToView) };
    },
  );

  app.post(
    '/v1/users',
    {
      config: { action: 'users.create' },
      schema: {
        tags: ['users'],
        summary: 'Create a user with a role',
        body: userCreate,
        response: { 201: userView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(userToView(await users.create(tenantOf(request), request.body, actorOf(request)))),
  );

  app.get(
    '/v1/users/:id',
    {
      config: { action: 'users.list' },
      schema: { tags: ['users'], summary: 'One user', params: idParams, response: { 200: userView } },
    },
    async (request) => userToView(await users.get(tenantOf(request), request.params.id)),
  );

  app.patch(
    '/v1/users/:id',
    {
      config: { action: 'users.update' },
      schema: {
        tags: ['users'],
        summary: 'Change role, status or name; unlock after failed sign-ins',
        params: idParams,
        body: userUpdate,
        response: { 200: userView },
      },
    },
    async (request) =>
      userToView(await users.update(tenantOf(request), request.params.id, request.body, actorOf(request))),
  );

  app.post(
    '/v1/users/:id/reset-password',
    {
      config: { action: 'users.update' },
      schema: {
        tags: ['users'],
        summary:
          "Reset someone's password: a temporary password in this response only; their sessions end and any lockout is cleared",
        params: idParams,
        response: { 200: z.object({ user: userView, temporary_password: z.string() }) },
      },
    },
    async (request) => {
      const r = await users.resetPassword(tenantOf(request), request.params.id, actorOf(request));
      return { user: userToView(r.user), temporary_password: r.temporaryPassword };
    },
  );
}
