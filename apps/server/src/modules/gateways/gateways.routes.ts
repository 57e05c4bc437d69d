import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { checkoutToView } from './checkouts.service.ts';
import {
  activeBody,
  checkoutCreate,
  checkoutParams,
  checkoutView,
  connectBody,
  credentialsBody,
  gatewayParams,
  gatewayView,
  healthView,
  paymentMethodsView,
} from './gateways.schemas.ts';

/**
 * Payment gateways (issue 4): the tenant admin's configuration API, checkout attempts for payers,
 * and back-office refunds of gateway payments. The gateways' own traffic (notifications, the
 * sandbox's hosted page, the payer's return) is in hosted-pages.ts; refunds of gateway payments
 * go through the payments route (POST /v1/payments/:id/refund), which asks the gateway first.
 */
export async function gatewayRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { gateways, checkouts } = app.services;
  const tags = ['gateways'];

  app.get(
    '/v1/gateways',
    {
      config: { action: 'gateways.read' },
      schema: {
        tags,
        summary: 'Every gateway with this tenant’s configuration, status and webhook URL (no secrets)',
        response: { 200: z.object({ data: z.array(gatewayView) }) },
      },
    },
    async (request) => ({ data: await gateways.list(tenantOf(request)) }),
  );

  app.get(
    '/v1/gateways/:gateway',
    {
      config: { action: 'gateways.read' },
      schema: { tags, summary: 'One gateway', params: gatewayParams, response: { 200: gatewayView } },
    },
    async (request) => gateways.get(tenantOf(request), request.params.gateway),
  );

  app.put(
    '/v1/gateways/:gateway/credentials',
    {
      config: { action: 'gateways.manage' },
      schema: {
        tags,
        summary:
          'Save credentials: checked field by field, then live against the gateway, before saving (secrets sealed)',
        params: gatewayParams,
        body: credentialsBody,
        response: { 200: gatewayView },
      },
    },
    async (request) => {
      const r = await gateways.saveCredentials(
        tenantOf(request),
        request.params.gateway,
        request.body.credentials,
        actorOf(request),
      );
      return r.view;
    },
  );

  app.patch(
    '/v1/gateways/:gateway',
    {
      config: { action: 'gateways.manage' },
      schema: {
        tags,
        summary: 'Switch a gateway on or off (the toggle on its card)',
        params: gatewayParams,
        body: activeBody,
        response: { 200: gatewayView },
      },
    },
    async (request) =>
      gateways.setActive(tenantOf(request), request.params.gateway, request.body.active, actorOf(request)),
  );

  app.delete(
    '/v1/gateways/:gateway',
    {
      config: { action: 'gateways.manage' },
      schema: {
        tags,
        summary: 'Disconnect: erase the credentials and switch the gateway off',
        params: gatewayParams,
        response: { 200: gatewayView },
      },
    },
    async (request) => gateways.disconnect(tenantOf(request), request.params.gateway, actorOf(request)),
  );

  app.post(
    '/v1/gateways/:gateway/connect',
    {
      config: { action: 'gateways.manage' },
      schema: {
        tags,
        summary:
          'Connect: a payment of one unit of the tenant currency through the gateway, refunded on success; open redirect_url',
        params: gatewayParams,
        body: connectBody,
        response: { 201: checkoutView },
      },
    },
    async (request, reply) => {
      const c = await checkouts.connect(
        tenantOf(request),
        request.params.gateway,
        request.body.return_to,
        actorOf(request),
      );
      if (c.status === 'failed') {
        throw new AppError(
          502,
          'gateway_checkout_failed',
          c.failureMessage ?? 'The gateway refused the payment.',
          {
            extensions: { checkout: checkoutToView(c) },
          },
        );
      }
      return reply.code(201).send(checkoutToView(c));
    },
  );

  app.post(
    '/v1/gateways/:gateway/check',
    {
      config: { action: 'gateways.manage' },
      schema: {
        tags,
        summary: 'Run the handshake now (it also runs daily): a cheap authenticated call to the gateway',
        params: gatewayParams,
        response: { 200: healthView },
      },
    },
    async (request) => {
      const r = await gateways.healthCheck(tenantOf(request), request.params.gateway);
      return { ok: r.ok, latency_ms: r.latencyMs, detail: r.detail };
    },
  );

  app.get(
    '/v1/payment-methods',
    {
      config: { action: 'payment_methods.read' },
      schema: {
        tags: ['checkouts'],
        summary: 'Gateways a payer can choose (active and connected); none means no Bill Pay',
        response: { 200: paymentMethodsView },
      },
    },
    async (request) => ({ data: await gateways.available(tenantOf(request)) }),
  );

  app.post(
    '/v1/checkouts',
    {
      config: { action: 'checkouts.create' },
      schema: {
        tags: ['checkouts'],
        summary:
          'Pay selected bills at a gateway: one attempt for their outstanding total; send the payer to redirect_url',
        body: checkoutCreate,
        response: { 201: checkoutView },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const c = await checkouts.create(tenantOf(request), request.body, {
        userId: auth.userId,
        consumer: auth.principal === 'consumer',
      });
      if (c.status === 'failed') {
        throw new AppError(
          502,
          'gateway_checkout_failed',
          c.failureMessage ?? 'The gateway refused the payment.',
          {
            extensions: { checkout: checkoutToView(c) },
          },
        );
      }
      return reply.code(201).send(checkoutToView(c));
    },
  );

  app.get(
    '/v1/checkouts/:id',
    {
      config: { action: 'checkouts.read' },
      schema: {
        tags: ['checkouts'],
        summary: 'One checkout attempt with its status and the gateway’s failure message',
        params: checkoutParams,
        response: { 200: checkoutView },
      },
    },
    async (request) => {
      const auth = request.auth!;
      const c = await checkouts.get(tenantOf(request), request.params.id, {
        userId: auth.userId,
        consumer: auth.principal === 'consumer',
      });
      return checkoutToView(c);
    },
  );
}
