import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Config } from './config/env.ts';
import type { Database } from './db/client.ts';
import { accountRoutes } from './modules/accounts/accounts.routes.ts';
import { analyticsRoutes } from './modules/analytics/analytics.routes.ts';
import { apiKeyRoutes } from './modules/api-keys/api-keys.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { bankRoutes } from './modules/bank/bank.routes.ts';
import { billRoutes } from './modules/bills/bills.routes.ts';
import { challanRoutes } from './modules/challans/challans.routes.ts';
import { consumerRoutes } from './modules/consumer/consumer.routes.ts';
import { dashboardRoutes } from './modules/dashboard/dashboard.routes.ts';
import { exportRoutes } from './modules/exports/exports.routes.ts';
import { gatewayRoutes } from './modules/gateways/gateways.routes.ts';
import { hostedPageRoutes } from './modules/gateways/hosted-pages.ts';
import { importRoutes } from './modules/imports/imports.routes.ts';
import { linkRoutes } from './modules/links/links.routes.ts';
import { notificationRoutes } from './modules/notifications/notifications.routes.ts';
import { paymentRoutes } from './modules/payments/payments.routes.ts';
import { publicRoutes } from './modules/public/public.routes.ts';
import { receiptRoutes } from './modules/receipts/receipts.routes.ts';
import { reconciliationRoutes } from './modules/reconciliation/reconciliation.routes.ts';
import { tenantRoutes } from './modules/tenants/tenants.routes.ts';
import { userRoutes } from './modules/users/users.routes.ts';
import { webhookRoutes } from './modules/webhooks/webhooks.routes.ts';
import { registerAuth } from './platform/auth.ts';
import { AppError } from './platform/errors.ts';
import { healthRoutes } from './platform/health.ts';
import { sendProblem, toAppError } from './platform/http.ts';
import { registerIdempotency } from './platform/idempotency.ts';
import { registerMetrics } from './platform/metrics.ts';
import { registerWeb } from './platform/web.ts';
import { createServices, type Services } from './services.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
    services: Services;
  }
}

export interface BuildOptions {
  config: Config;
  db: Database;
  /** pino options or false; main.ts passes the configured level. */
  logger?: boolean | object;
}

export type App = FastifyInstance;

/** Builds the HTTP application without listening, so tests drive it with inject() or a real port. */
export async function buildApp(opts: BuildOptions): Promise<App> {
  const { config, db } = opts;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: true,
    // Honour a caller's request id (up to 64 safe chars) so logs correlate across systems.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    // The sandbox's hosted page carries its signed session token as a path segment.
    routerOptions: { maxParamLength: 2048 },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('config', config);
  app.decorate('db', db);
  const services = createServices({ db, config, log: app.log as never });
  app.decorate('services', services);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((err, request, reply) => {
    const appError = toAppError(err as Error);
    if (appError.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: appError.code, status: appError.status }, 'request rejected');
    return sendProblem(reply, request, appError);
  });

  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => {
      const err = new AppError(
        429,
        'rate_limited',
        `Too many requests; retry in ${Math.ceil(ctx.ttl / 1000)} s.`,
        {
          headers: { 'retry-after': String(Math.ceil(ctx.ttl / 1000)) },
        },
      );
      (err as unknown as { statusCode: number }).statusCode = 429;
      return err;
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Billrail API',
        version: '1.0.0',
        description:
          'Bills, payments and reconciliation for billers. Biller systems authenticate with `Authorization: Bearer sk_test_...` or `sk_live_...`; the web apps use a session cookie plus the `X-CSRF-Token` header on writes. Errors are RFC 9457 problem+json.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'sk_test_... or sk_live_...' },
          session: { type: 'apiKey', in: 'cookie', name: 'billrail_session' },
          bankPartner: {
            type: 'apiKey',
            in: 'header',
            name: 'password',
            description: 'With the `username` header',
          },
        },
      },
      tags: [
        { name: 'system', description: 'Health, readiness, metrics' },
        { name: 'auth', description: 'Sign-in, sessions, profile' },
        { name: 'tenant', description: 'The tenant: settings and branding' },
        { name: 'users', description: 'Users and roles' },
        { name: 'api-keys', description: 'API keys for biller systems' },
        { name: 'audit', description: 'Audit log of administrative changes' },
        { name: 'platform', description: 'Platform operator: tenants' },
        { name: 'accounts', description: 'Consumer accounts' },
        { name: 'bills', description: 'Bills and services, reference ids, verification' },
        { name: 'imports', description: 'Bulk import of accounts and bills from CSV and XLSX files' },
        { name: 'payments', description: 'Payments, cash counter, refunds, reversals' },
        { name: 'ledger', description: 'Double-entry ledger' },
        { name: 'bank-api', description: 'Banks and aggregators: bill inquiry and payment by reference id' },
        { name: 'webhooks', description: 'Signed webhooks to biller systems: endpoints, deliveries' },
        { name: 'notifications', description: 'Notices for tenant admins' },
        { name: 'gateways', description: 'Payment gateways: configuration, connect test, notifications' },
        { name: 'checkouts', description: 'Paying bills at a gateway: payment methods, checkout attempts' },
        { name: 'reconciliation', description: 'Statement imports, matching, exceptions' },
        { name: 'reports', description: 'Daily settlement report, compensation file' },
        { name: 'consumer', description: 'The signed-in consumer: their bills, payments and dashboard' },
        { name: 'analytics', description: 'Behaviour tracking: client events and key insights' },
        { name: 'payment-links', description: 'Payment links to share by WhatsApp, email or SMS' },
        {
          name: 'public',
          description: 'Without an account: quick pay by reference id, verification, payment links',
        },
      ],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerAuth(app, services.auth);
  registerIdempotency(app);
  registerMetrics(app);
  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(tenantRoutes);
  await app.register(userRoutes);
  await app.register(apiKeyRoutes);
  await app.register(auditRoutes);
  await app.register(accountRoutes);
  await app.register(billRoutes);
  await app.register(importRoutes);
  await app.register(paymentRoutes);
  await app.register(bankRoutes);
  await app.register(webhookRoutes);
  await app.register(gatewayRoutes);
  await app.register(hostedPageRoutes);
  await app.register(reconciliationRoutes);
  await app.register(consumerRoutes);
  await app.register(analyticsRoutes);
  await app.register(linkRoutes);
  await app.register(publicRoutes);
  await app.register(challanRoutes);
  await app.register(dashboardRoutes);
  await app.register(exportRoutes);
  await app.register(receiptRoutes);
  await app.register(notificationRoutes);
  const webFallback = await registerWeb(app);
  app.setNotFoundHandler((request, reply) => {
    if (webFallback?.(request, reply)) return reply;
    return sendProblem(
      reply,
      request,
      new AppError(404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    );
  });
  return app;
}
