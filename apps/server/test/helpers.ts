import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config/env.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import type { Mode, Role } from '../src/db/schema.ts';
import { ROLES } from '../src/db/schema.ts';
import { seedDemo } from '../src/modules/demo/demo.ts';
import { PLATFORM_TENANT_ID } from '../src/modules/users/users.service.ts';
import { CSRF_HEADER, SESSION_COOKIE } from '../src/platform/auth.ts';
import { createServices } from '../src/services.ts';
import { testFileDatabaseUrl } from './pg-databases.ts';

export const TEST_PASSWORD = 'correct-horse-battery';
const CLI = { type: 'cli' as const, id: 'test' };

export const onPostgres = !!process.env.DATABASE_URL;

/**
 * PGlite in memory (migrated here) or, on PostgreSQL, this test file's own clone of the database
 * global-setup migrated (test/pg-databases.ts).
 */
export async function openTestDatabase(): Promise<Database> {
  const db = await openDatabase({
    databaseUrl: process.env.DATABASE_URL ? await testFileDatabaseUrl(process.env.DATABASE_URL) : undefined,
    pgliteDataDir: 'memory://',
    poolSize: 10,
  });
  if (!onPostgres) await db.migrate();
  return db;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    PGLITE_DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    PORT: '0',
    MAIL_FOLDER_DIR: join(tmpdir(), 'billrail-test-mail'),
    ...env,
  });
}

export interface TestContext {
  app: App;
  db: Database;
  config: Config;
  close(): Promise<void>;
}

export async function createTestApp(env: Record<string, string> = {}): Promise<TestContext> {
  const config = testConfig(env);
  const db = await openTestDatabase();
  // TEST_LOG_LEVEL=error (or info, debug) prints the server's log, e.g. the error behind a 500.
  const level = process.env.TEST_LOG_LEVEL;
  const app = await buildApp({ config, db, ...(level ? { logger: { level } } : {}) });
  await app.ready();
  return {
    app,
    db,
    config,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** A real HTTP listener on 127.0.0.1 with the demo tenant seeded: for browser tests and HTTP clients. */
/** A free loopback port (so PUBLIC_URL, which gateways redirect to, can be known before listening). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function startTestServer(env: Record<string, string> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ctx = await createTestApp({ HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url, ...env });
  await seedDemo(ctx.db, ctx.app.services);
  await ctx.app.listen({ host: '127.0.0.1', port });
  return { ...ctx, url };
}

export interface Credentials {
  headers: Record<string, string>;
  /** Headers for a write: the cookie plus the CSRF token (sessions) or the bearer key. */
  write: Record<string, string>;
}

export interface TenantFixture {
  tenantId: string;
  slug: string;
  users: Record<Role, { id: string; email: string }>;
  as(principal: Role | 'api_key' | 'bank_partner', mode?: Mode): Promise<Credentials>;
}

export const uniqueSlug = (prefix = 't') => `${prefix}-${randomBytes(5).toString('hex')}`;

/**
 * A fresh tenant with one user of every role (the platform admin goes to the platform tenant),
 * and a way to get signed-in credentials for any of them or an API key.
 */
export async function createTenantFixture(ctx: TestContext, currency = 'USD'): Promise<TenantFixture> {
  const services = createServices({ db: ctx.db, config: ctx.config });
  const slug = uniqueSlug();
  const { tenant, admin } = await services.tenants.create(
    {
      name: `Tenant ${slug}`,
      slug,
      currency,
      time_zone: 'Asia/Jakarta',
      locale: 'en',
      admin: { email: `admin@${slug}.test`, name: 'Admin', password: TEST_PASSWORD },
    },
    CLI,
  );
  const users = { tenant_admin: { id: admin.id, email: admin.email } } as TenantFixture['users'];
  for (const role of ROLES) {
    if (role === 'tenant_admin') continue;
    const tenantId = role === 'platform_admin' ? PLATFORM_TENANT_ID : tenant.id;
    const email = `${role.replace('_', '.')}@${slug}.test`;
    const u = await services.users.create(
      { tenantId, mode: 'live' },
      { email, name: role, role, password: TEST_PASSWORD, phone: null },
      CLI,
    );
    users[role] = { id: u.id, email };
  }
  // Promises are cached, so concurrent callers share one sign-in or one key.
  const cache = new Map<string, Promise<Credentials>>();
  const make = async (principal: Role | 'api_key' | 'bank_partner', mode: Mode): Promise<Credentials> => {
    let creds: Credentials;
    if (principal === 'bank_partner') {
      const p = await services.bank.createPartner(
        { tenantId: tenant.id, mode },
        { name: 'Test Bank', mnemonic: `TB${mode === 'live' ? 'L' : 'T'}` },
        CLI,
      );
      const headers = { username: p.username, password: p.password };
      creds = { headers, write: headers };
    } else if (principal === 'api_key') {
      const k = await services.apiKeys.create({ tenantId: tenant.id }, { name: 'test', mode }, CLI);
      const headers = { authorization: `Bearer ${k.secret}` };
      creds = { headers, write: headers };
    } else {
      creds = await login(
        ctx.app,
        principal === 'platform_admin' ? 'platform' : slug,
        users[principal].email,
      );
      if (mode !== 'live') {
        await ctx.app.inject({
          method: 'PATCH',
          url: '/v1/auth/session',
          headers: creds.write,
          payload: { mode },
        });
      }
    }
    return creds;
  };
  return {
    tenantId: tenant.id,
    slug,
    users,
    as(principal, mode = 'live') {
      const key = `${principal}:${mode}`;
      if (!cache.has(key)) cache.set(key, make(principal, mode));
      return cache.get(key)!;
    },
  };
}

export async function login(
  app: App,
  tenant: string,
  email: string,
  password = TEST_PASSWORD,
): Promise<Credentials> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { tenant, email, password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed for ${email}: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)!;
  const headers = { cookie: `${SESSION_COOKIE}=${cookie.value}` };
  return { headers, write: { ...headers, [CSRF_HEADER]: res.json().csrf_token } };
}
