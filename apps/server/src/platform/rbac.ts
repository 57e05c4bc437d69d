import type { Role } from '../db/schema.ts';

/**
 * The permission matrix: every action a route can perform and the principals allowed to do it.
 * This is the only place access is decided; every authenticated route names one action here
 * (app.ts refuses to start otherwise), and test/rbac.test.ts walks every route with every role.
 *
 * `api_key` is a biller system calling /v1 with `Authorization: Bearer sk_...`; `bank_partner` is a
 * bank or aggregator calling /v1/bank with its `username` and `password` headers.
 */
export type Principal = Role | 'api_key' | 'bank_partner';
export const PRINCIPALS: readonly Principal[] = [
  'platform_admin',
  'tenant_admin',
  'cso_admin',
  'cso_executive',
  'consumer',
  'api_key',
  'bank_partner',
];

const EVERY_USER: Principal[] = ['platform_admin', 'tenant_admin', 'cso_admin', 'cso_executive', 'consumer'];

export const PERMISSIONS = {
  // own session and profile
  'session.read': EVERY_USER,
  'session.logout': EVERY_USER,
  'profile.read': EVERY_USER,
  'profile.update': EVERY_USER,
  'password.change': EVERY_USER,
  // the signed-in tenant's settings and branding
  'tenant.read': [...EVERY_USER, 'api_key'],
  'tenant.update': ['tenant_admin'],
  // tenant administration
  'users.list': ['tenant_admin', 'cso_admin'],
  'users.create': ['tenant_admin'],
  'users.update': ['tenant_admin'],
  'api_keys.list': ['tenant_admin'],
  'api_keys.create': ['tenant_admin'],
  'api_keys.revoke': ['tenant_admin'],
  'audit.read': ['tenant_admin'],
  // consumer accounts, bills and their reference ids
  'accounts.read': ['tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  'accounts.write': ['tenant_admin', 'cso_admin', 'api_key'],
  'bills.read': ['tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  'bills.write': ['tenant_admin', 'cso_admin', 'api_key'],
  'bills.verify': ['tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  'imports.run': ['tenant_admin', 'cso_admin', 'api_key'],
  // payments and the ledger
  'payments.read': ['tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  'payments.cash': ['cso_admin', 'cso_executive'],
  'payments.refund': ['tenant_admin', 'cso_admin'],
  'payments.reverse': ['tenant_admin', 'cso_admin'],
  'payments.allocate': ['tenant_admin', 'cso_admin'],
  'payments.receipt': ['tenant_admin', 'cso_admin', 'cso_executive'],
  'ledger.read': ['tenant_admin', 'cso_admin', 'cso_executive'],
  // integrations
  'webhooks.manage': ['tenant_admin'],
  'bank_partners.manage': ['tenant_admin'],
  'notifications.read': ['tenant_admin'],
  'messages.read': ['tenant_admin'],
  'gateways.read': ['tenant_admin', 'cso_admin'],
  'gateways.manage': ['tenant_admin'],
  // paying bills at a gateway (a consumer pays only bills of accounts linked to them)
  'payment_methods.read': [...EVERY_USER, 'api_key'],
  'checkouts.create': ['consumer', 'tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  'checkouts.read': ['consumer', 'tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  // payment links and printable challans (issue 5)
  'payment_links.read': ['tenant_admin', 'cso_admin', 'cso_executive'],
  'payment_links.write': ['tenant_admin', 'cso_admin', 'cso_executive'],
  'challans.read': ['tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  'me.challans.read': ['consumer'],
  // reconciliation and settlement reports
  'reconciliation.import': ['tenant_admin', 'cso_admin', 'api_key'],
  'reconciliation.read': ['tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  'reconciliation.resolve': ['tenant_admin', 'cso_admin'],
  'reports.read': ['tenant_admin', 'cso_admin', 'cso_executive', 'api_key'],
  // back-office dashboards: collections and receivables (tenant admin and CSO roles)
  'dashboard.read': ['tenant_admin', 'cso_admin', 'cso_executive'],
  // the consumer's own bills, payments and dashboard (accounts linked to them only)
  'me.bills.read': ['consumer'],
  'me.payments.read': ['consumer'],
  'me.receipts.read': ['consumer'],
  'me.dashboard.read': ['consumer'],
  // banks and aggregators
  'bank.inquiry': ['bank_partner'],
  'bank.payment': ['bank_partner'],
  'bank.reversal': ['bank_partner'],
  'bank.status': ['bank_partner'],
  // behaviour tracking (seed 002 section 12): events the apps send; the insights page
  'analytics.events.create': EVERY_USER,
  'analytics.insights.read': ['tenant_admin'],
  // platform operator
  'platform.tenants.list': ['platform_admin'],
  'platform.tenants.create': ['platform_admin'],
  'platform.dashboard.read': ['platform_admin'],
} as const satisfies Record<string, readonly Principal[]>;

export type Action = keyof typeof PERMISSIONS;

export function isAllowed(principal: Principal, action: Action): boolean {
  return (PERMISSIONS[action] as readonly Principal[]).includes(principal);
}

/** Every action a principal may perform (the session carries it so the web app shows only usable pages). */
export function actionsOf(principal: Principal): Action[] {
  return (Object.keys(PERMISSIONS) as Action[]).filter((action) => isAllowed(principal, action));
}
