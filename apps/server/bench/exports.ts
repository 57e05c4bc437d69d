/**
 * bench:exports — the payments list exported as CSV and XLSX through the HTTP endpoint, on
 * PostgreSQL: 100,000 payments (account, bills and services allocated, like a month of a small
 * utility), then GET /v1/exports/payments?format=csv|xlsx&include_attempts=true (what the CSO page
 * sends) as a signed-in CSO admin, timed to the
 * last byte. Prints seconds and MB. Goal: < 10 s each.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:exports
 * (creates and drops its own database; PAYMENTS=… to change the count; KEEP=1 keeps the database)
 */
import postgres from 'postgres';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/env.ts';
import { openDatabase } from '../src/db/client.ts';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const N = Number(process.env.PAYMENTS ?? 100_000);
const KEEP = process.env.KEEP === '1';
const dbName = `billrail_bench_exports_${Date.now()}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const DATABASE_URL = url.toString();
const PASSWORD = 'bench-password-123';

try {
  const config = loadConfig({ DATABASE_URL, LOG_LEVEL: 'silent', PORT: '0' });
  const db = await openDatabase({ databaseUrl: DATABASE_URL, poolSize: 4 });
  await db.migrate();
  const app = await buildApp({ config, db });
  const actor = { type: 'cli' as const, id: 'bench' };
  const { tenant } = await app.services.tenants.create(
    {
      name: 'Bench Water',
      slug: 'bench-exports',
      currency: 'USD',
      time_zone: 'Asia/Jakarta',
      locale: 'en',
      admin: { email: 'admin@bench.test', name: 'Admin', password: PASSWORD },
    },
    actor,
  );
  await app.services.users.create(
    { tenantId: tenant.id, mode: 'live' },
    { email: 'cso@bench.test', name: 'CSO Admin', role: 'cso_admin', password: PASSWORD, phone: null },
    actor,
  );
  const raw = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  const t0 = performance.now();
  // 10,000 accounts with one bill each; 100,000 payments over 30 days, every one allocated to its
  // account's bill (the list shows the account, its name and the bill's kind).
  const accounts = Math.min(10_000, N);
  await raw.unsafe(
    `insert into accounts (tenant_id, mode, id, account_number, name)
     select $1, 'live', 'acc_bench' || lpad(i::text, 20, '0'), 'CRN' || (100000 + i), 'Consumer ' || i
       from generate_series(0, $2::int - 1) as i`,
    [tenant.id, accounts],
  );
  await raw.unsafe(
    `insert into bills (tenant_id, mode, id, account_id, bill_number, reference_id, kind, service_name, billing_period,
                        currency, amount, due_date)
     select $1, 'live', 'bill_bench' || lpad(i::text, 20, '0'), 'acc_bench' || lpad(i::text, 20, '0'), 'B' || i,
            '9' || lpad(i::text, 15, '0'), case when i % 3 = 0 then 'service' else 'bill' end, 'Water Supply',
            'March 2025', 'USD', 100000000, current_date + 30
       from generate_series(0, $2::int - 1) as i`,
    [tenant.id, accounts],
  );
  await raw.unsafe(
    `insert into payments (tenant_id, mode, id, account_id, currency, amount, allocated_amount, status, channel,
                           channel_source, channel_ref, request_hash, received_at)
     select $1, 'live', 'pay_bench' || lpad(i::text, 21, '0'), 'acc_bench' || lpad((i % $3)::text, 20, '0'), 'USD',
            ((i::bigint * 7919) % 999900) + 100, ((i::bigint * 7919) % 999900) + 100,
            case when i % 10 = 0 then 'completed' else 'successful' end,
            case when i % 2 = 0 then 'gateway' else 'cash' end, case when i % 2 = 0 then 'sandbox' else 'usr_bench' end,
            'REF' || i, 'bench', now() - (i % 30) * interval '1 day'
       from generate_series(0, $2::int - 1) as i`,
    [tenant.id, N, accounts],
  );
  await raw.unsafe(
    `insert into allocations (tenant_id, mode, id, payment_id, bill_id, amount)
     select $1, 'live', 'alc_bench' || lpad(i::text, 21, '0'), 'pay_bench' || lpad(i::text, 21, '0'),
            'bill_bench' || lpad((i % $3)::text, 20, '0'), ((i::bigint * 7919) % 999900) + 100
       from generate_series(0, $2::int - 1) as i`,
    [tenant.id, N, accounts],
  );
  await raw.unsafe('analyze');
  await raw.end();
  console.log(
    `seeded ${N.toLocaleString('en')} payments in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const login = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'bench-exports', email: 'cso@bench.test', password: PASSWORD }),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  for (const format of ['csv', 'xlsx']) {
    const s = performance.now();
    const res = await fetch(`${base}/v1/exports/payments?format=${format}&include_attempts=true`, {
      headers: { cookie },
    });
    if (!res.ok) throw new Error(`${format}: ${res.status} ${await res.text()}`);
    let bytes = 0;
    for await (const chunk of res.body!) bytes += (chunk as Uint8Array).length;
    const secs = (performance.now() - s) / 1000;
    console.log(
      `${format.toUpperCase().padEnd(4)} ${N.toLocaleString('en')} rows: ${secs.toFixed(2)} s, ${(bytes / 1e6).toFixed(1)} MB`,
    );
  }
  await app.close();
  await db.close();
} finally {
  if (!KEEP) await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
