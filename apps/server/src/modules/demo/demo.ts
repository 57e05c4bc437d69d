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
          // Seed 003: a 3% collection fee; the daily settlement report goes to the tenant admin.
          platform_fee_bps: 300,
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
  await seedDemoBilling(services, tenant.id, actor);
  await seedDemoSandbox(services, tenant.id, actor);
  if (!tenant.reportEmails.length) {
    await services.tenants.update(
      { tenantId: tenant.id, mode: 'live' },
      { report_emails: [admin.email] },
      actor,
    );
  }
  const bills = (await services.bills.list({ tenantId: tenant.id, mode: 'live' }, { limit: 20 })).data;
  return { tenant, bills };
}

/**
 * The embedded demo pays through the built-in sandbox gateway: configured (its signing secret is
 * generated), switched on, and connected by the real connect flow (a one-unit payment that the
 * sandbox's hosted page approves, refunded afterwards), exactly as an admin would do it.
 */
async function seedDemoSandbox(services: Services, tenantId: string, actor: Actor) {
  const ctx = { tenantId, mode: 'live' as const };
  const current = await services.gateways.get(ctx, 'sandbox');
  if (current.connected && current.active) return;
  if (!current.configured) await services.gateways.saveCredentials(ctx, 'sandbox', {}, actor);
  if (!current.active) await services.gateways.setActive(ctx, 'sandbox', true, actor);
  if (current.connected) return;
  const attempt = await services.checkouts.connect(ctx, 'sandbox', undefined, actor);
  const token = new URL(attempt.redirectUrl!).pathname.split('/').pop()!;
  await services.checkouts.sandboxChoose(token, 'success');
  // The notification is applied right after its commit; wait for the refund and "Connected".
  for (let i = 0; i < 100 && !(await services.gateways.get(ctx, 'sandbox')).connected; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Consumer accounts and open bills from the sample data of seeds/002 (due dates kept in the future). */
export const DEMO_ACCOUNTS = [
  {
    account_number: 'CRN29391',
    name: 'Isidro Garcia',
    consumer: 'isidro.garcia@example.com',
    service_types: ['water', 'wastewater'],
    mobile: '+1 555 0100',
  },
  {
    account_number: 'CRN29392',
    name: 'Maria Lopez',
    consumer: 'maria.lopez@example.com',
    service_types: ['water'],
    mobile: '+1 555 0101',
  },
];

function demoBills(today: Date) {
  const inDays = (n: number) => new Date(today.getTime() + n * 86_400_000).toISOString().slice(0, 10);
  return [
    {
      account_number: 'CRN29391',
      bill_number: 'BILL7890',
      kind: 'bill' as const,
      service_name: 'Water Supply',
      billing_period: 'March 2025',
      amount: 12050n,
      late_fee: 500n,
      due: 15,
    },
    {
      account_number: 'CRN29391',
      bill_number: 'BILL7891',
      kind: 'bill' as const,
      service_name: 'Wastewater',
      billing_period: 'March 2025',
      amount: 4575n,
      late_fee: 250n,
      due: 15,
    },
    {
      account_number: 'CRN29391',
      bill_number: 'SRV1001',
      kind: 'service' as const,
      service_name: 'Meter Replacement (one visit)',
      billing_period: 'April 2025',
      amount: 3500n,
      late_fee: 0n,
      due: 30,
    },
    {
      account_number: 'CRN29392',
      bill_number: 'BILL7920',
      kind: 'bill' as const,
      service_name: 'Water Supply',
      billing_period: 'March 2025',
      amount: 8925n,
      late_fee: 500n,
      due: 10,
    },
  ].map(({ due, ...b }) => ({ ...b, due_date: inDays(due), allow_partial: false }));
}

async function seedDemoBilling(services: Services, tenantId: string, actor: Actor) {
  const ctx = { tenantId, mode: 'live' as const };
  for (const a of DEMO_ACCOUNTS) {
    await ensure(
      async () => (await services.accounts.list(ctx, { limit: 1, search: a.account_number })).data[0],
      () =>
        services.accounts.create(
          ctx,
          {
            account_number: a.account_number,
            name: a.name,
            mobile: a.mobile,
            service_types: a.service_types,
            consumer_email: a.consumer,
          },
          actor,
        ),
    );
  }
  const existing = new Set((await services.bills.list(ctx, { limit: 200 })).data.map((b) => b.bill_number));
  const missing = demoBills(new Date()).filter((b) => !existing.has(b.bill_number));
  if (missing.length)
    await services.bills.createBatch(ctx, missing, actor).catch(async (err) => {
      // Another seeder (a second `billrail start`) created them first.
      if ((await services.bills.list(ctx, { limit: 200 })).data.length < existing.size + missing.length)
        throw err;
    });
}

export function demoLoginsText(
  url: string,
  running = true,
  bills: { bill_number: string; reference_display: string; account_number: string; status: string }[] = [],
) {
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
    ...(bills.length ? ['Demo bills (reference ids for the bank API and verification):'] : []),
    ...bills.map(
      (b) => `  ${b.bill_number.padEnd(9)} ${b.account_number}  ${b.reference_display}  ${b.status}`,
    ),
    `API docs: ${url}/docs   OpenAPI: ${url}/openapi.json`,
  ].join('\n');
}
