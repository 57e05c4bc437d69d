import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/**
 * Tenant isolation holds even when a query forgets its tenant filter: row-level security
 * confines every transaction opened with withTenant() to one tenant (and, where a table has a
 * mode column, to one of test/live).
 */
let ctx: TestContext;
let a: TenantFixture;
let b: TenantFixture;

beforeAll(async () => {
  ctx = await createTestApp();
  a = await createTenantFixture(ctx);
  b = await createTenantFixture(ctx, 'IDR');
  // Give both tenants rows in every table: audit entries and keys of both modes.
  for (const t of [a, b]) {
    await t.as('api_key', 'test');
    await t.as('api_key', 'live');
  }
});
afterAll(() => ctx.close());

async function tenantTables(): Promise<{ table: string; hasMode: boolean }[]> {
  const rows = await ctx.db.system((tx) =>
    ctx.db.rows<{ table_name: string; has_mode: boolean }>(
      tx,
      sql`select c.table_name, exists (select 1 from information_schema.columns m
            where m.table_schema = 'public' and m.table_name = c.table_name and m.column_name = 'mode') as has_mode
          from information_schema.columns c
          join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
          where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
          order by 1`,
    ),
  );
  return rows.map((r) => ({ table: r.table_name, hasMode: r.has_mode }));
}

describe('row-level security', () => {
  it('is enabled with a tenant policy on every table that has tenant_id', async () => {
    const tables = await tenantTables();
    expect(tables.map((t) => t.table)).toEqual(
      expect.arrayContaining(['api_keys', 'audit_log', 'sessions', 'tenants', 'users']),
    );
    const rls = await ctx.db.system((tx) =>
      ctx.db.rows<{ relname: string; relrowsecurity: boolean; policies: number }>(
        tx,
        sql`select c.relname, c.relrowsecurity,
              (select count(*)::int from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation') as policies
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind = 'r'`,
      ),
    );
    for (const { table } of tables) {
      const r = rls.find((x) => x.relname === table);
      expect(r?.relrowsecurity, table).toBe(true);
      expect(r?.policies, table).toBe(1);
    }
  });

  it('a raw query without a tenant filter sees only the current tenant, in every table', async () => {
    for (const { table, hasMode } of await tenantTables()) {
      const all = await ctx.db.system((tx) =>
        ctx.db.rows<{ tenant_id: string }>(tx, sql`select distinct tenant_id from ${sql.identifier(table)}`),
      );
      const seen = await ctx.db.withTenant({ tenantId: a.tenantId, mode: 'live' }, (tx) =>
        ctx.db.rows<{ tenant_id: string; mode?: string }>(
          tx,
          sql`select tenant_id${hasMode ? sql`, mode` : sql``} from ${sql.identifier(table)}`,
        ),
      );
      // The data of both tenants exists, but only tenant A's live rows are visible.
      if (['users', 'tenants', 'audit_log', 'api_keys'].includes(table)) {
        expect(
          all.map((r) => r.tenant_id),
          table,
        ).toEqual(expect.arrayContaining([a.tenantId, b.tenantId]));
        expect(seen.length, table).toBeGreaterThan(0);
      }
      for (const row of seen) {
        expect(row.tenant_id, table).toBe(a.tenantId);
        if (hasMode) expect(row.mode, table).toBe('live');
      }
    }
  });

  it('refuses to write a row for another tenant', async () => {
    await expect(
      ctx.db.withTenant({ tenantId: a.tenantId, mode: 'live' }, (tx) =>
        tx.execute(sql`update users set name = 'hijacked' where tenant_id = ${b.tenantId}`),
      ),
    ).resolves.toBeDefined();
    const names = await ctx.db.system((tx) =>
      ctx.db.rows<{ name: string }>(tx, sql`select name from users where tenant_id = ${b.tenantId}`),
    );
    expect(names.some((n) => n.name === 'hijacked')).toBe(false);
    await expect(
      ctx.db.withTenant({ tenantId: a.tenantId, mode: 'live' }, (tx) =>
        tx.execute(
          sql`insert into audit_log (tenant_id, id, actor_type, action, target_type) values (${b.tenantId}, 'aud_x', 'system', 'x', 'x')`,
        ),
      ),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/row-level security/) } });
  });

  it('test-mode and live-mode data are kept apart', async () => {
    const live = await ctx.db.withTenant({ tenantId: a.tenantId, mode: 'live' }, (tx) =>
      ctx.db.rows<{ mode: string }>(tx, sql`select mode from api_keys`),
    );
    const test = await ctx.db.withTenant({ tenantId: a.tenantId, mode: 'test' }, (tx) =>
      ctx.db.rows<{ mode: string }>(tx, sql`select mode from api_keys`),
    );
    expect(live.length).toBeGreaterThan(0);
    expect(test.length).toBeGreaterThan(0);
    expect(new Set(live.map((r) => r.mode))).toEqual(new Set(['live']));
    expect(new Set(test.map((r) => r.mode))).toEqual(new Set(['test']));
  });

  it('the audit log is append-only, even for the owner role', async () => {
    const appendOnly = { cause: { message: expect.stringMatching(/append-only/) } };
    await expect(
      ctx.db.system((tx) => tx.execute(sql`update audit_log set action = 'x'`)),
    ).rejects.toMatchObject(appendOnly);
    await expect(ctx.db.system((tx) => tx.execute(sql`delete from audit_log`))).rejects.toMatchObject(
      appendOnly,
    );
  });
});

describe('over HTTP, another tenant is invisible', () => {
  it("another tenant's ids are 404, and nothing changes", async () => {
    const admin = await a.as('tenant_admin');
    const victim = b.users.cso_executive.id;
    expect(
      (await ctx.app.inject({ method: 'GET', url: `/v1/users/${victim}`, headers: admin.headers }))
        .statusCode,
    ).toBe(404);
    const patch = await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/users/${victim}`,
      headers: admin.write,
      payload: { status: 'disabled' },
    });
    expect(patch.statusCode).toBe(404);
    expect(patch.headers['content-type']).toContain('application/problem+json');
    const bAdmin = await b.as('tenant_admin');
    const still = await ctx.app.inject({
      method: 'GET',
      url: `/v1/users/${victim}`,
      headers: bAdmin.headers,
    });
    expect(still.json().status).toBe('active');
  });

  it('lists show only the own tenant', async () => {
    const admin = await a.as('tenant_admin');
    const users = (
      await ctx.app.inject({ method: 'GET', url: '/v1/users?limit=200', headers: admin.headers })
    ).json();
    const emails: string[] = users.data.map((u: { email: string }) => u.email);
    expect(emails.length).toBeGreaterThan(0);
    expect(emails.every((e) => e.endsWith(`@${a.slug}.test`))).toBe(true);
    const audit = (
      await ctx.app.inject({ method: 'GET', url: '/v1/audit-log?limit=200', headers: admin.headers })
    ).json();
    expect(audit.data.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit.data)).not.toContain(b.slug);
  });

  it('an API key sees its own tenant and mode only', async () => {
    const key = await b.as('api_key', 'test');
    const res = await ctx.app.inject({ method: 'GET', url: '/v1/tenant', headers: key.headers });
    expect(res.json().slug).toBe(b.slug);
    expect(res.json().currency).toBe('IDR');
  });
});
