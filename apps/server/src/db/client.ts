import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { type AnyColumn, getTableColumns, getTableName, type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTable, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Mode } from './schema.ts';
import * as schema from './schema.ts';

/**
 * One code path for both databases: Drizzle over PGlite (embedded, Postgres in WASM) when there
 * is no DATABASE_URL, Drizzle over postgres.js otherwise. Same schema, same migrations.
 */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = PgTransaction<PgQueryResultHKT, typeof schema>;

export interface TenantContext {
  tenantId: string;
  mode: Mode;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in a transaction as billrail_app, confined by row-level security to one tenant and mode. */
  withTenant<T>(ctx: TenantContext, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs fn in a transaction as the owner role, outside row-level security. Only for look-ups that
   * happen before a tenant is known (session by token hash, API key by hash, tenant by slug),
   * platform-admin work across tenants, and workers that claim rows of every tenant.
   */
  system<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Raw rows of a SQL statement, the same shape on both drivers. */
  rows<R = Record<string, unknown>>(runner: Db | Tx, query: SQL): Promise<R[]>;
  migrate(): Promise<void>;
  migrationStatus(): Promise<{ applied: number; expected: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));
const MIGRATION_LOCK = 7_031_998; // pg_advisory_lock key: one migrator at a time per database

function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_DIR}/meta/_journal.json`, 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  pgliteDataDir?: string;
  poolSize?: number;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 20);
  return openPglite(opts.pgliteDataDir ?? './data');
}

function rowsOf<R>(result: unknown): R[] {
  // postgres.js returns an array of rows; PGlite returns { rows }.
  return (Array.isArray(result) ? result : (result as { rows: R[] }).rows) as R[];
}

const commitHooks = new WeakMap<object, (() => void)[]>();

/** Runs `hook` once the transaction `tx` has committed (never if it rolls back). */
export function afterCommit(tx: Tx, hook: () => void) {
  const hooks = commitHooks.get(tx);
  if (!hooks) throw new Error('afterCommit needs a transaction opened by withTenant() or system()');
  hooks.push(hook);
}

async function transaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const hooks: (() => void)[] = [];
  const result = await db.transaction(async (tx) => {
    commitHooks.set(tx, hooks);
    return fn(tx as Tx);
  });
  for (const hook of hooks) hook();
  return result;
}

function tenantScoped(db: Db) {
  return <T>(ctx: TenantContext, fn: (tx: Tx) => Promise<T>) =>
    transaction(db, async (tx) => {
      // One round trip: switch to the RLS-bound role and pin tenant and mode for this transaction only.
      await execPrepared(
        tx as Tx,
        `select set_config('role', 'billrail_app', true), set_config('app.tenant_id', $1, true), set_config('app.mode', $2, true)`,
        [ctx.tenantId, ctx.mode],
      );
      return fn(tx);
    });
}

async function countApplied(db: Db): Promise<number> {
  try {
    const r = rowsOf<{ n: number | string }>(
      await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
    );
    return Number(r[0]?.n ?? 0);
  } catch {
    return 0; // never migrated
  }
}

async function openPglite(dataDir: string): Promise<Database> {
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    withTenant: tenantScoped(db),
    system: (fn) => transaction(db, fn),
    rows: async (runner, query) => rowsOf(await runner.execute(query)),
    async migrate() {
      await migratePglite(drizzlePglite(client), { migrationsFolder: MIGRATIONS_DIR });
      await client.query('select billrail_secure_tenant_tables()');
    },
    async migrationStatus() {
      return { applied: await countApplied(db), expected: expectedMigrations() };
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      await client.close();
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const client = postgres(url, { max: poolSize, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    kind: 'postgres',
    withTenant: tenantScoped(db),
    system: (fn) => transaction(db, fn),
    rows: async (runner, query) => rowsOf(await runner.execute(query)),
    async migrate() {
      // A dedicated single connection, so the session-level advisory lock covers the whole run
      // when several instances start at once.
      const one = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await one`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migratePostgres(drizzlePostgres(one), { migrationsFolder: MIGRATIONS_DIR });
        await one`select billrail_secure_tenant_tables()`;
        await one`select pg_advisory_unlock(${MIGRATION_LOCK})`;
      } finally {
        await one.end();
      }
    },
    async migrationStatus() {
      return { applied: await countApplied(db), expected: expectedMigrations() };
    },
    async ping() {
      await client`select 1`;
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/** `.then(first)` on a select: the first row or undefined. */
export const first = <T>(rows: T[]): T | undefined => rows[0];

/**
 * `values` as a Postgres array literal (`{"a","b"}`), to bind as ONE text parameter cast with
 * `::text[]`. A string travels the same way on PGlite and postgres.js, where a JS array would be
 * serialised by each driver its own way. Every element is double-quoted with `\` and `"`
 * backslash-escaped (the array input syntax), so commas, braces, spaces and the word NULL stay
 * part of the value and nothing can end the literal early.
 */
export function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/**
 * `column = any('{...}'::text[])`: membership in a large list as one bound parameter (a Postgres
 * array literal, see textArray) instead of Drizzle's `in ($1, …, $n)`, whose thousands of
 * parameters cost time to bind and plan. For text columns.
 */
export function anyText(column: AnyColumn | SQL, values: readonly string[]): SQL {
  return sql`${column} = any(${textArray(values)}::text[])`;
}

const columnNames = new WeakMap<PgTable, Map<string, string>>();

/** Rows for one table, as one JSON text: see jsonRecordset and insertSql. */
export interface JsonRows {
  /** The quoted table name. */
  table: string;
  /** The quoted column names, comma-separated. */
  columns: string;
  json: string;
}

/**
 * Rows of `table` as one JSON text, for `json_populate_recordset(null::table, $n::json)`. A
 * multi-row VALUES costs a bound parameter per value on both sides (Drizzle builds and types each
 * one, the server parses and binds each one); this costs one, however many rows there are, and the
 * statement text does not change with the row count, so it can be prepared. Keys are Drizzle
 * property names; every row must have the same keys (a missing value is NULL, not the column
 * default). Bigints travel as strings, dates as ISO strings, objects for json/jsonb columns as
 * nested JSON.
 */
export function jsonRows<T extends PgTable>(table: T, rows: Partial<T['$inferInsert']>[]): JsonRows {
  let names = columnNames.get(table);
  if (!names) {
    names = new Map(Object.entries(getTableColumns(table)).map(([key, c]) => [key, c.name]));
    columnNames.set(table, names);
  }
  const first = (rows[0] ?? {}) as Record<string, unknown>;
  const keys = Object.keys(first).filter((k) => first[k] !== undefined);
  const cols = keys.map((k) => {
    const name = names.get(k);
    if (!name) throw new Error(`jsonRows: ${k} is not a column`);
    return name;
  });
  const out = rows.map((row) => {
    const o: Record<string, unknown> = {};
    for (const [i, k] of keys.entries()) {
      const v = (row as Record<string, unknown>)[k];
      o[cols[i]!] = typeof v === 'bigint' ? v.toString() : v === undefined ? null : v;
    }
    return o;
  });
  return {
    table: `"${getTableName(table)}"`,
    columns: cols.map((c) => `"${c}"`).join(', '),
    json: JSON.stringify(out),
  };
}

/** `(select columns from json_populate_recordset(null::table, $n::json))`. */
export const recordsetSql = (r: JsonRows, n: number) =>
  `(select ${r.columns} from json_populate_recordset(null::${r.table}, $${n}::json))`;

/** `insert into table (columns) select … from json_populate_recordset(null::table, $n::json)`. */
export const insertSql = (r: JsonRows, n: number) =>
  `insert into ${r.table} (${r.columns}) ${recordsetSql(r, n)}`;

type RawClient =
  | { unsafe(text: string, params: unknown[], opts: { prepare: boolean }): Promise<unknown[]> }
  | { query(text: string, params: unknown[]): Promise<{ rows: unknown[] }> };

/**
 * Runs a statement with a constant text in the transaction `tx`, for the hot paths. On postgres.js
 * it is prepared once per connection and then costs one round trip (Bind, Execute), where a
 * Drizzle query costs two (postgres.js sends every unnamed parameterized statement to be described
 * first) plus a parse and plan on the server. Only for texts drawn from a small fixed set (each
 * distinct text stays prepared on its connection). Rows come back as the driver returns them
 * (column names, driver types): for simple columns only.
 */
export async function execPrepared<R = Record<string, unknown>>(
  tx: Tx,
  text: string,
  params: unknown[],
): Promise<R[]> {
  const client = (tx as unknown as { session: { client: RawClient } }).session.client;
  if ('unsafe' in client) return (await client.unsafe(text, params, { prepare: true })) as R[];
  return (await client.query(text, params)).rows as R[];
}
