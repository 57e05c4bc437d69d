import { openDatabase } from '../src/db/client.ts';

/** On PostgreSQL, migrate the shared test database once before the files run in parallel. */
export default async function setup() {
  const url = process.env.DATABASE_URL;
  console.log(
    `[billrail tests] database: ${url ? `PostgreSQL (${url.replace(/:[^:@/]*@/, ':***@')})` : 'embedded PGlite (in memory, one per test file)'}`,
  );
  if (!url) return;
  const db = await openDatabase({ databaseUrl: url, poolSize: 1 });
  await db.migrate();
  await db.close();
}
