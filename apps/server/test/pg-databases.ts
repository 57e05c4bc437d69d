import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** Names of the per-run template and per-file clones of the PostgreSQL test database. */
export const templateDatabaseName = (base: string) => `${base}_t_template`;

let clone: Promise<string> | undefined;

/**
 * This test file's own database (one per file, made on first use): a clone of the migrated
 * template that global-setup made. Returns its URL.
 */
export function testFileDatabaseUrl(url: string): Promise<string> {
  clone ??= (async () => {
    const base = new URL(url).pathname.slice(1);
    const name = `${base}_t_${randomBytes(5).toString('hex')}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      // Clones of one template are made one at a time (PostgreSQL refuses a template in use).
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.unsafe(`create database "${name}" template "${templateDatabaseName(base)}"`);
          break;
        } catch (err) {
          if (attempt > 50 || !/being accessed by other users/.test(String(err))) throw err;
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        }
      }
    } finally {
      await admin.end();
    }
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  })();
  return clone;
}
