import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { pageOf } from '../../platform/pagination.ts';
import { idParams, linkCreate, linkListQuery, linkSend, linkView, phoneQuery } from './links.schemas.ts';

/**
 * Payment links for the back office (tenant admin, CSO admin, CSO executive): create for a bill or
 * an amount on an account, list, look at, disable, and share (url, whatsapp_url, email or SMS).
 * The payer's side is in modules/public (GET /v1/public/links/:token and its checkout).
 */
export async function linkRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { links } = app.services;
  const tags = ['payment-links'];

  app.post(
    '/v1/payment-links',
    {
      config: { action: 'payment_links.write' },
      schema: {
        tags,
        summary: 'Create a payment link for a bill, or for an amount on an account',
        body: linkCreate,
        response: { 201: linkView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await links.create(tenantOf(request), request.body, actorOf(request))),
  );

  app.get(
    '/v1/payment-links',
    {
      config: { action: 'payment_links.read' },
      schema: {
        tags,
        summary: 'List payment links, newest first; filter by status, bill, account; search the description',
        querystring: linkListQuery,
        response: { 200: pageOf(linkView) },
      },
    },
    async (request) => links.list(tenantOf(request), request.query),
  );

  app.get(
    '/v1/payment-links/:id',
    {
      config: { action: 'payment_links.read' },
      schema: {
        tags,
        summary: 'One payment link (?phone= makes whatsapp_url open a chat with that number)',
        params: idParams,
        querystring: phoneQuery,
        response: { 200: linkView },
      },
    },
    async (request) => links.get(tenantOf(request), request.params.id, request.query.phone),
  );

  app.post(
    '/v1/payment-links/:id/disable',
    {
      config: { action: 'payment_links.write' },
      schema: {
        tags,
        summary: 'Disable a link: its page says so and it can no longer be paid',
        params: idParams,
        response: { 200: linkView },
      },
    },
    async (request) => links.disable(tenantOf(request), request.params.id, actorOf(request)),
  );

  app.post(
    '/v1/payment-links/:id/send',
    {
      config: { action: 'payment_links.write' },
      schema: {
        tags,
        summary: 'Send the link by email or SMS (queued in the outbox; sent by the worker)',
        params: idParams,
        body: linkSend,
        response: { 202: z.object({ queued: z.literal(true), message_id: z.string(), link: linkView }) },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(await links.send(tenantOf(request), request.params.id, request.body, actorOf(request))),
  );
}
