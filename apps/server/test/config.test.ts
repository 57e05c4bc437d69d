import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/env.ts';

const BIN = fileURLToPath(new URL('../bin/billrail.js', import.meta.url));

describe('configuration', () => {
  it('has working defaults for the embedded mode', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      PGLITE_DATA_DIR: './data',
      BILLRAIL_ENV: 'development',
    });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.masterKey.length).toBe(32);
  });

  it('names every bad variable and why', () => {
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' })).toThrowError(
      ConfigError,
    );
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
      expect(msg).toContain('LOG_LEVEL');
    }
  });

  it('has no secret defaults in production', () => {
    expect(() => loadConfig({ BILLRAIL_ENV: 'production', PUBLIC_URL: 'https://pay.example.com' })).toThrow(
      /SECRETS_MASTER_KEY: is required when BILLRAIL_ENV=production/,
    );
    expect(() => loadConfig({ SECRETS_MASTER_KEY: 'c2hvcnQ=' })).toThrow(
      /SECRETS_MASTER_KEY: must be 32 bytes/,
    );
    const key = Buffer.alloc(32, 7).toString('base64');
    const c = loadConfig({
      BILLRAIL_ENV: 'production',
      PUBLIC_URL: 'https://pay.example.com/',
      SECRETS_MASTER_KEY: key,
    });
    expect(c.masterKey.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(c.publicUrl).toBe('https://pay.example.com');
  });

  it('the CLI exits with a clear message on a bad value', () => {
    const res = spawnSync(process.execPath, [BIN, 'migrate'], {
      env: { ...process.env, PORT: 'not-a-port', DATABASE_URL: '' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain('Invalid configuration');
    expect(res.stderr).toContain('PORT');
  });

  it('the CLI has help for every command', () => {
    const res = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    for (const cmd of ['serve', 'start', 'worker', 'migrate', 'demo', 'tenant', 'user', 'api-key'])
      expect(res.stdout).toContain(cmd);
    const sub = spawnSync(process.execPath, [BIN, 'api-key', 'create', '--help'], { encoding: 'utf8' });
    expect(sub.stdout).toContain('--tenant <slug>');
    expect(sub.stdout).toContain('--mode <mode>');
    // Two cold starts of the CLI (tsx compiles the sources): allow for a loaded CI machine.
  }, 120_000);
});
