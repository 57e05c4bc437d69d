import type { Role } from '../db/schema.ts';

/**
 * The permission matrix: every action a route can perform and the principals allowed to do it.
 * This is the only place access is decided; every authenticated route names one action here
 * (app.ts refuses to start otherwise), and test/rbac.test.ts walks every route with every role.
 *
 * `api_key` is a biller system calling /v1 with `Authorization: Bearer sk_...`.
 */
export type Principal = Role | 'api_key';
export const PRINCIPALS: readonly Principal[] = [
  'platform_admin',
  'tenant_admin',
  'cso_admin',
  'cso_executive',
  'consumer',
  'api_key',
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
  // platform operator
  'platform.tenants.list': ['platform_admin'],
  'platform.tenants.create': ['platform_admin'],
} as const satisfies Record<string, readonly Principal[]>;

export type Action = keyof typeof PERMISSIONS;

export function isAllowed(principal: Principal, action: Action): boolean {
  return (PERMISSIONS[action] as readonly Principal[]).includes(principal);
}
