import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueSlug } from './helpers.ts';

/** The operator's CLI end to end, on its own embedded database folder (or the test PostgreSQL). */
const BIN = fileURLToPath(new URL('../bin/billrail.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'billrail-cli-'));
const env = { ...process.env, PGLITE_DATA_DIR: dir, LOG_LEVEL: 'silent' };
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('billrail CLI', () => {
  it('migrates, seeds the demo, creates a tenant, a user and an API key', () => {
    const migrate = run('migrate');
    expect(migrate.status, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/migrations applied: (\d+)\/\1/);

    const demo = run('demo');
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('admin@demo-water.test');
    expect(run('demo').status).toBe(0); // idempotent

    const slug = uniqueSlug('cli');
    const tenant = run(
      'tenant',
      'create',
      '--name',
      'CLI Gas',
      '--slug',
      slug,
      '--currency',
      'EUR',
      '--time-zone',
      'Europe/Madrid',
      '--admin-email',
      `a@${slug}.test`,
    );
    expect(tenant.status, tenant.stderr).toBe(0);
    expect(tenant.stdout).toMatch(/created; admin a@.* password \S{12,}/);

    const bad = run(
      'tenant',
      'create',
      '--name',
      'X',
      '--slug',
      uniqueSlug('cli'),
      '--currency',
      'EURO',
      '--time-zone',
      'UTC',
      '--admin-email',
      'x@y.test',
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('currency');

    const user = run(
      'user',
      'create',
      '--tenant',
      slug,
      '--email',
      `cso@${slug}.test`,
      '--name',
      'CSO',
      '--role',
      'cso_admin',
    );
    expect(user.status, user.stderr).toBe(0);

    const key = run('api-key', 'create', '--tenant', slug, '--mode', 'live');
    expect(key.status, key.stderr).toBe(0);
    expect(key.stdout.trim()).toMatch(/^sk_live_[\w-]{43}$/);

    const missing = run('api-key', 'create', '--tenant', 'no-such-tenant');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('Tenant no-such-tenant was not found');
    // Eight CLI processes, each starting Node and opening the database: slow on a busy 2-core machine.
  }, 180_000);
});
