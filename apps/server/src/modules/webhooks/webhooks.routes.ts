import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import { pageOf, pageQuery } from '../../platform/pagination.ts';
import {
  deliveryListQuery,
  idParams,
  notificationView,
  webhookDeliveryDetail,
  webhookDeliveryView,
  webhookEndpointCreate,
  webhookEndpointUpdate,
  webhookEndpointView,
  webhookEndpointWithSecret,
} from './webhooks.schemas.ts';
import { endpointToView } from './webhooks.service.ts';

/**
 * Webhook endpoints of the signed-in mode (test or live), their delivery log and replay, and the
 * tenant's notifications. Signing and delivery: signature.ts and webhooks.worker.ts.
 */
export async function webhookRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { webhooks } = app.services;
  const tags = ['webhooks'];

  app.get(
    '/v1/webhook-endpoints',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags,
        summary: 'Webhook endpoints of the current mode, newest first',
        querystring: pageQuery,
        response: { 200: pageOf(webhookEndpointView) },
      },
    },
    async (request) => {
      const page = await webhooks.list(tenantOf(request), request.query);
      return { ...page, data: page.data.map(endpointToView) };
    },
  );

  app.post(
    '/v1/webhook-endpoints',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags,
        summary: 'Register an endpoint; its signing secret is in this response only',
        body: webhookEndpointCreate,
        response: { 201: webhookEndpointWithSecret },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.create(tenantOf(request), request.body, actorOf(request));
      return reply.code(201).send({ ...endpointToView(endpoint), secret });
    },
  );

  app.get(
    '/v1/webhook-endpoints/:id',
    {
      config: { action: 'webhooks.manage' },
      schema: { tags, summary: 'One endpoint', params: idParams, response: { 200: webhookEndpointView } },
    },
    async (request) => endpointToView(await webhooks.get(tenantOf(request), request.params.id)),
  );

  app.patch(
    '/v1/webhook-endpoints/:id',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags,
        summary: 'Change URL, events or description; disable, or re-enable (clears the failure record)',
        params: idParams,
        body: webhookEndpointUpdate,
        response: { 200: webhookEndpointView },
      },
    },
    async (request) =>
      endpointToView(
        await webhooks.update(tenantOf(request), request.params.id, request.body, actorOf(request)),
      ),
  );

  app.delete(
    '/v1/webhook-endpoints/:id',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags,
        summary: 'Disable an endpoint (kept, with its delivery log; pending deliveries end as failed)',
        params: idParams,
        response: { 200: webhookEndpointView },
      },
    },
    async (request) =>
      endpointToView(await webhooks.disable(tenantOf(request), request.params.id, actorOf(request))),
  );

  app.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags,
        summary: 'Replace the signing secret now; the new one is in this response only',
        params: idParams,
        response: { 200: webhookEndpointWithSecret },
      },
    },
    async (request) => {
      const { endpoint, secret } = await webhooks.rotateSecret(
        tenantOf(request),
        request.params.id,
        actorOf(request),
      );
      return { ...endpointToView(endpoint), secret };
    },
  );

  app.get(
    '/v1/webhook-endpoints/:id/deliveries',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags,
        summary: "An endpoint's deliveries, newest first",
        params: idParams,
        querystring: deliveryListQuery,
        response: { 200: pageOf(webhookDeliveryView) },
      },
    },
    async (request) => webhooks.listDeliveries(tenantOf(request), request.params.id, request.query),
  );

  app.get(
    '/v1/webhook-deliveries/:id',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags,
        summary: 'One delivery with every attempt (status code, error, duration, response) and its body',
        params: idParams,
        response: { 200: webhookDeliveryDetail },
      },
    },
    async (request) => webhooks.getDelivery(tenantOf(request), request.params.id),
  );

  app.post(
    '/v1/webhook-deliveries/:id/replay',
    {
      config: { action: 'webhooks.manage' },
      schema: {
        tags,
        summary: 'Send the same event to the same endpoint again, as a new delivery due now',
        params: idParams,
        response: { 201: webhookDeliveryView },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await webhooks.replay(tenantOf(request), request.params.id, actorOf(request))),
  );

  app.get(
    '/v1/notifications',
    {
      config: { action: 'notifications.read' },
      schema: {
        tags: ['notifications'],
        summary: 'Notifications for your role (e.g. a webhook endpoint was disabled), newest first',
        querystring: pageQuery.extend({
          unread: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
        }),
        response: { 200: pageOf(notificationView) },
      },
    },
    async (request) => {
      const role = request.auth?.role;
      if (!role) throw forbidden('Notifications are addressed to signed-in users.');
      return webhooks.listNotifications(tenantOf(request), role, request.query);
    },
  );
}
