import { eq } from 'drizzle-orm';
import { type Database, first } from '../../db/client.ts';
import { type Role, tenants, users } from '../../db/schema.ts';
import type { Actor } from '../../platform/audit.ts';
import type { Services } from '../../services.ts';
import { PLATFORM_TENANT_ID } from '../users/users.service.ts';

/**
 * The demo tenant from the sample data of seeds/002: "Demo Water Utility" with a user of every
 * role. Idempotent: running it again creates only what is missing.
 */
export const DEMO_TENANT_SLUG = 'demo-water';
export const DEMO_PASSWORD = 'billrail-demo-2025';

export const DEMO_USERS: {
  tenant: 'platform' | 'demo';
  role: Role;
  email: string;
  name: string;
  phone?: string;
}[] = [
  { tenant: 'platform', role: 'platform_admin', email: 'operator@billrail.test', name: 'Platform Operator' },
  { tenant: 'demo', role: 'tenant_admin', email: 'admin@demo-water.test', name: 'Utility Admin' },
  { tenant: 'demo', role: 'cso_admin', email: 'cso.admin@demo-water.test', name: 'CSO Admin' },
  { tenant: 'demo', role: 'cso_executive', email: 'cso@demo-water.test', name: 'CSO Executive' },
  {
    tenant: 'demo',
    role: 'consumer',
    email: 'isidro.garcia@example.com',
    name: 'Isidro Garcia',
    phone: '+1 555 0100',
  },
  {
    tenant: 'demo',
    role: 'consumer',
    email: 'maria.lopez@example.com',
    name: 'Maria Lopez',
    phone: '+1 555 0101',
  },
];

/** Creates unless present; a concurrent seeder winning the race is fine (the unique key decides). */
async function ensure<T>(find: () => Promise<T | undefined>, create: () => Promise<unknown>): Promise<T> {
  const found = await find();
  if (found) return found;
  try {
    await create();
  } catch (err) {
    if (!(await find())) throw err;
  }
  return (await find())!;
}

export async function seedDemo(db: Database, services: Services) {
  const actor: Actor = { type: 'cli', id: 'demo' };
  const admin = DEMO_USERS.find((u) => u.role === 'tenant_admin')!;
  const tenant = await ensure(
    () =>
      db.system((tx) =>
        tx.select().from(tenants).where(eq(tenants.slug, DEMO_TENANT_SLUG)).limit(1).then(first),
      ),
    () =>
      services.tenants.create(
        {
          name: 'Demo Water Utility',
          slug: DEMO_TENANT_SLUG,
          currency: 'USD',
          time_zone: 'America/New_York',
          locale: 'en',
          display_name: 'Demo Water Utility',
          logo_url: '/demo-water-logo.svg',
          primary_color: '#1c7ed6',
          admin: { email: admin.email, name: admin.name, password: DEMO_PASSWORD },
        },
        actor,
      ),
  );
  for (const u of DEMO_USERS) {
    const ctx = { tenantId: u.tenant === 'platform' ? PLATFORM_TENANT_ID : tenant.id, mode: 'live' as const };
    await ensure(
      () =>
        db.withTenant(ctx, (tx) =>
          tx.select({ id: users.id }).from(users).where(eq(users.email, u.email)).limit(1).then(first),
        ),
      () =>
        services.users.create(
          ctx,
          { email: u.email, name: u.name, role: u.role, password: DEMO_PASSWORD, phone: u.phone ?? null },
          actor,
        ),
    );
  }
  return { tenant };
}

export function demoLoginsText(url: string, running = true) {
  const lines = DEMO_USERS.map(
    (u) =>
      `  ${u.role.padEnd(15)} tenant ${(u.tenant === 'platform' ? 'platform' : DEMO_TENANT_SLUG).padEnd(11)} ${u.email}`,
  );
  return [
    running
      ? `Billrail is running at ${url}`
      : `Demo tenant ready; when Billrail runs (npm start) it is at ${url}`,
    `Sign in at ${url}/signin with password "${DEMO_PASSWORD}" and one of:`,
    ...lines,
    `API docs: ${url}/docs   OpenAPI: ${url}/openapi.json`,
  ].join('\n');
}
