import postgres from 'postgres';
import { openDatabase } from '../src/db/client.ts';
import { templateDatabaseName } from './pg-databases.ts';

/**
 * On PostgreSQL, migrate the test database once, then copy it as a template: each test file
 * gets its own database cloned from it (helpers.ts), so files that share fixed demo data (the
 * demo tenant's bills) cannot see each other's payments. Teardown drops the clones.
 */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  console.log(
    `[billrail tests] database: ${url ? `PostgreSQL (${url.replace(/:[^:@/]*@/, ':***@')}), one clone per test file` : 'embedded PGlite (in memory, one per test file)'}`,
  );
  if (!url) return;
  const db = await openDatabase({ databaseUrl: url, poolSize: 1 });
  await db.migrate();
  await db.close();
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const base = new URL(url).pathname.slice(1);
  const template = templateDatabaseName(base);
  await dropClones(admin, base);
  await admin.unsafe(`create database "${template}" template "${base}"`);
  await admin.end();
  return async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await dropClones(sql, base);
    await sql.end();
  };
}

async function dropClones(sql: postgres.Sql, base: string) {
  const clones = await sql<{ datname: string }[]>`
    select datname from pg_database where datname like ${`${base}\\_t\\_%`}`;
  for (const { datname } of clones) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
}
