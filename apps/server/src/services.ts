import type { Logger } from 'pino';
import type { Config } from './config/env.ts';
import type { Database } from './db/client.ts';
import { gatewaysFromConfig } from './gateways/index.ts';
import { createAccountService } from './modules/accounts/accounts.service.ts';
import { createAnalyticsService } from './modules/analytics/analytics.service.ts';
import { createApiKeyService } from './modules/api-keys/api-keys.service.ts';
import { createAuthService } from './modules/auth/auth.service.ts';
import { createBankService } from './modules/bank/bank.service.ts';
import { createBillService } from './modules/bills/bills.service.ts';
import { createChallanService } from './modules/challans/challans.service.ts';
import { createConsumerService } from './modules/consumer/consumer.service.ts';
import { createDashboardService } from './modules/dashboard/dashboard.service.ts';
import { createCheckoutService } from './modules/gateways/checkouts.service.ts';
import { createGatewayService } from './modules/gateways/gateways.service.ts';
import { sandboxOutcomeFrom } from './modules/gateways/hosted-pages.ts';
import { createImportService } from './modules/imports/imports.service.ts';
import { createLinkService } from './modules/links/links.service.ts';
import { createNotificationService } from './modules/notifications/notifications.service.ts';
import { createPaymentService } from './modules/payments/payments.service.ts';
import { createPublicService } from './modules/public/public.service.ts';
import { createReceiptService } from './modules/receipts/receipts.service.ts';
import { createReconciliationService } from './modules/reconciliation/reconciliation.service.ts';
import { createReportService } from './modules/reports/reports.service.ts';
import { createTenantService } from './modules/tenants/tenants.service.ts';
import { createUserService } from './modules/users/users.service.ts';
import { createWebhookService } from './modules/webhooks/webhooks.service.ts';
import { createMailer, mailerOptionsFrom } from './platform/mailer.ts';
import { createSmsProvider } from './platform/sms.ts';

/** Every domain service, built once from its narrowed dependencies; shared by HTTP, CLI and workers. */
export function createServices(deps: { db: Database; config: Config; log?: Logger }) {
  const users = createUserService(deps);
  const gateways = gatewaysFromConfig(deps.config, sandboxOutcomeFrom(deps.db));
  const mailer = createMailer(mailerOptionsFrom(deps.config));
  const receipts = createReceiptService({ db: deps.db, gateways });
  // Quick pay and payment links (issue 5) start checkouts and list gateways too.
  const gatewayService = createGatewayService({ ...deps, gateways, mailer });
  const checkouts = createCheckoutService({ ...deps, gateways });
  const links = createLinkService(deps);
  return {
    auth: createAuthService(deps),
    tenants: createTenantService({ ...deps, users }),
    users,
    apiKeys: createApiKeyService(deps),
    accounts: createAccountService(deps),
    bills: createBillService(deps),
    imports: createImportService(deps),
    payments: createPaymentService(deps),
    bank: createBankService(deps),
    webhooks: createWebhookService(deps),
    gatewayRegistry: gateways,
    mailer,
    gateways: gatewayService,
    checkouts,
    reconciliation: createReconciliationService({ ...deps, payouts: checkouts }),
    reports: createReportService({ ...deps, mailer }),
    consumer: createConsumerService({ ...deps, gateways }),
    dashboard: createDashboardService(deps),
    analytics: createAnalyticsService(deps),
    receipts,
    notifications: createNotificationService({
      ...deps,
      mailer,
      sms: createSmsProvider(deps.config),
      receipts,
    }),
    links,
    publicPay: createPublicService({ db: deps.db, checkouts, gateways: gatewayService, links }),
    challans: createChallanService(deps),
  };
}
export type Services = ReturnType<typeof createServices>;
