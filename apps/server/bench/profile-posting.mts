/**
 * Profiling helper for bank postings (not part of CI): one in-process API instance on a fresh
 * PostgreSQL database, CONCURRENCY concurrent app.inject() postings, no HTTP client in the way.
 *
 *   npx tsx apps/server/bench/profile-posting.mts                      # postings/s
 *   node --cpu-prof --import tsx apps/server/bench/profile-posting.mts # + a .cpuprofile for Node
 *
 * Env: ADMIN_URL (postgres://root@127.0.0.1:5432/postgres), N postings measured (6000),
 * CONCURRENCY (64), BILLS (500), WARMUP postings before measuring (1000; followed by ANALYZE so
 * the planner has statistics, as any database that has been running for a minute does),
 * PGLOG=1 (log every statement with its duration to the server log), AUTOEXPLAIN=1 (log the plans,
 * with trigger and foreign-key check times, of statements slower than 5 ms), KEEP=1 (keep the db).
 */
import postgres from 'postgres';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/env.ts';
import { openDatabase } from '../src/db/client.ts';

const ADMIN_URL = process.env.ADMIN_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const N = Number(process.env.N ?? 6000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const BILLS = Number(process.env.BILLS ?? 500);
const WARMUP = Number(process.env.WARMUP ?? 1000);

const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
const name = `prof_${Date.now()}`;
await admin.unsafe(`create database ${name}`);
// Logging settings apply from the first connection (so the warm-up is logged too).
const logSettings = [
  ...(process.env.PGLOG ? ['log_min_duration_statement = 0'] : []),
  ...(process.env.AUTOEXPLAIN
    ? [
        `session_preload_libraries = 'auto_explain'`,
        'auto_explain.log_min_duration = 5',
        'auto_explain.log_analyze = on',
        'auto_explain.log_triggers = on',
        'auto_explain.log_nested_statements = on',
      ]
    : []),
];
for (const setting of logSettings) await admin.unsafe(`alter database ${name} set ${setting}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
const DATABASE_URL = url.toString();
const config = loadConfig({ DATABASE_URL, LOG_LEVEL: 'silent' });
const db = await openDatabase({ databaseUrl: DATABASE_URL, poolSize: 8 });
await db.migrate();
const app = await buildApp({ config, db });
await app.ready();
const s = app.services;
const actor = { type: 'cli' as const, id: 'profile' };
const { tenant } = await s.tenants.create(
  {
    name: 'P',
    slug: 'p',
    currency: 'USD',
    time_zone: 'UTC',
    locale: 'en',
    admin: { email: 'a@p.test', name: 'A', password: 'password-123456' },
  },
  actor,
);
const ctx = { tenantId: tenant.id, mode: 'live' as const };
const ACCOUNTS = Math.max(1, Math.ceil(BILLS / 10));
for (let a = 0; a < ACCOUNTS; a++)
  await s.accounts.create(ctx, { account_number: `A${a}`, name: `A${a}`, service_types: [] }, actor);
const bills: { reference_id: string }[] = [];
for (let start = 0; start < BILLS; start += 500) {
  const batch = Array.from({ length: Math.min(500, BILLS - start) }, (_, i) => ({
    account_number: `A${(start + i) % ACCOUNTS}`,
    bill_number: `b${start + i}`,
    kind: 'bill' as const,
    service_name: 'W',
    billing_period: 'M',
    amount: 10_000_000_000n,
    late_fee: 0n,
    due_date: '2099-01-01',
    allow_partial: true,
  }));
  bills.push(...(await s.bills.createBatch(ctx, batch, actor)));
}
const p = await s.bank.createPartner(ctx, { name: 'B', mnemonic: 'BB' }, actor);

let k = 0;
async function drive(until: number) {
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (k < until) {
        const i = k++;
        const r = await app.inject({
          method: 'POST',
          url: '/v1/bank/bill-payment',
          headers: { username: p.username, password: p.password },
          payload: {
            reference: bills[i % bills.length]!.reference_id,
            transaction_ref: `T${i}`,
            amount: 100,
            currency: 'USD',
          },
        });
        if (r.statusCode !== 201) throw new Error(r.body);
      }
    }),
  );
}
await drive(WARMUP);
if (WARMUP) {
  const target = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await target.unsafe('analyze');
  await target.end();
}

const t0 = performance.now();
await drive(WARMUP + N);
console.log(
  `postings/s ${(N / ((performance.now() - t0) / 1000)).toFixed(0)}  (${N} postings, ${CONCURRENCY} concurrent, warm-up ${WARMUP})`,
);
await app.close();
await db.close();
if (process.env.KEEP) console.log(`kept database ${name}`);
else await admin.unsafe(`drop database ${name} with (force)`);
await admin.end();
