import type { Config } from './config/env.ts';
import type { Database } from './db/client.ts';
import { createAccountService } from './modules/accounts/accounts.service.ts';
import { createApiKeyService } from './modules/api-keys/api-keys.service.ts';
import { createAuthService } from './modules/auth/auth.service.ts';
import { createBankService } from './modules/bank/bank.service.ts';
import { createBillService } from './modules/bills/bills.service.ts';
import { createImportService } from './modules/imports/imports.service.ts';
import { createPaymentService } from './modules/payments/payments.service.ts';
import { createTenantService } from './modules/tenants/tenants.service.ts';
import { createUserService } from './modules/users/users.service.ts';
import { createWebhookService } from './modules/webhooks/webhooks.service.ts';

/** Every domain service, built once from its narrowed dependencies; shared by HTTP, CLI and workers. */
export function createServices(deps: { db: Database; config: Config }) {
  const users = createUserService(deps);
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
  };
}
export type Services = ReturnType<typeof createServices>;
