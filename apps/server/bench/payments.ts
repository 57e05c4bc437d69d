/**
 * npm run bench:payments — bank payment postings over HTTP against PostgreSQL.
 *
 * Seeds a tenant with BILLS partially payable bills and a bank partner in a fresh database,
 * starts API processes (`billrail serve`, API_PROCESSES of them behind SO_REUSEPORT-free
 * round-robin: each listens on its own port and the load is spread across them), drives
 * POST /v1/bank/bill-payment with CONNECTIONS concurrent clients for DURATION seconds (every
 * request a new transaction_ref against a random bill), then runs `pgbench -N` on the same
 * server for the same time and prints postings/s, p50/p99 latency, pgbench TPS and the ratio.
 *
 * Env: BENCH_DATABASE_URL (admin URL of the server, default postgres://root@127.0.0.1:5432/postgres),
 * DURATION (s, 20), CONNECTIONS (64), BILLS (5000), API_PROCESSES (2), PGBENCH_CLIENTS (16),
 * WARMUP (payments posted in-process before the run, then ANALYZE; 2000), API_NODE_ARGS (extra node
 * flags for the API processes, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof').
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { loadConfig } from '../src/config/env.ts';
import { openDatabase } from '../src/db/client.ts';
import { createServices } from '../src/services.ts';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const DURATION = Number(process.env.DURATION ?? 20);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 64);
const BILLS = Number(process.env.BILLS ?? 5000);
const API_PROCESSES = Number(process.env.API_PROCESSES ?? 2);
const PGBENCH_CLIENTS = Number(process.env.PGBENCH_CLIENTS ?? 16);
const WARMUP = Number(process.env.WARMUP ?? 2000);
const API_NODE_ARGS = (process.env.API_NODE_ARGS ?? '').split(' ').filter(Boolean);
const BIN = fileURLToPath(new URL('../bin/billrail.js', import.meta.url));

const dbName = `billrail_bench_${Date.now()}`;
const url = new URL(ADMIN_URL);
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
url.pathname = `/${dbName}`;
const DATABASE_URL = url.toString();
const children: ReturnType<typeof spawn>[] = [];

try {
  // --- seed ---------------------------------------------------------------------------------
  const config = loadConfig({ DATABASE_URL, LOG_LEVEL: 'silent' });
  const db = await openDatabase({ databaseUrl: DATABASE_URL, poolSize: 8 });
  await db.migrate();
  const services = createServices({ db, config });
  const actor = { type: 'cli' as const, id: 'bench' };
  const { tenant } = await services.tenants.create(
    {
      name: 'Bench Water',
      slug: 'bench-water',
      currency: 'USD',
      time_zone: 'UTC',
      locale: 'en',
      admin: { email: 'admin@bench.test', name: 'Admin', password: 'bench-password-123' },
    },
    actor,
  );
  const ctx = { tenantId: tenant.id, mode: 'live' as const };
  const seedStart = performance.now();
  const ACCOUNTS = Math.max(1, Math.ceil(BILLS / 10));
  for (let a = 0; a < ACCOUNTS; a++)
    await services.accounts.create(
      ctx,
      { account_number: `B${a}`, name: `Consumer ${a}`, service_types: ['water'] },
      actor,
    );
  const references: string[] = [];
  for (let start = 0; start < BILLS; start += 500) {
    const batch = Array.from({ length: Math.min(500, BILLS - start) }, (_, i) => ({
      account_number: `B${(start + i) % ACCOUNTS}`,
      bill_number: `BB-${start + i}`,
      kind: 'bill' as const,
      service_name: 'Water',
      billing_period: 'March 2025',
      amount: 10_000_000_000n,
      late_fee: 0n,
      due_date: '2099-12-31',
      allow_partial: true,
    }));
    for (const b of await services.bills.createBatch(ctx, batch, actor)) references.push(b.reference_id);
  }
  const partner = await services.bank.createPartner(ctx, { name: 'Bench Bank', mnemonic: 'BENCH' }, actor);
  // History, then statistics: a fresh database has no payments and no planner statistics, and
  // until autovacuum first analyzes the new tables (up to a minute) the planner may pick a
  // tenant-wide index scan for the foreign-key check of every allocation row (payments_account_idx
  // instead of the primary key: without statistics `tenant_id = $1` looks selective), which makes
  // each posting cost O(payments so far). Any database that has been running for a minute has
  // statistics, so the bench measures that state.
  const partnerCtx = { ...ctx, partnerId: partner.id };
  let w = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (w < WARMUP) {
        const n = w++;
        await services.bank.pay(partnerCtx, {
          reference: references[n % references.length]!,
          transactionRef: `WARM-${n}`,
          amount: 100n,
          currency: 'USD',
        });
      }
    }),
  );
  await db.close();
  const analyze = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await analyze`analyze`;
  await analyze.end();
  console.log(
    `seeded ${BILLS} bills and ${WARMUP} payments in ${((performance.now() - seedStart) / 1000).toFixed(1)} s, then analyzed`,
  );

  // --- API processes ------------------------------------------------------------------------
  const ports: number[] = [];
  for (let i = 0; i < API_PROCESSES; i++) {
    const port = 3900 + i;
    const child = spawn(process.execPath, [...API_NODE_ARGS, BIN, 'serve'], {
      env: {
        ...process.env,
        DATABASE_URL,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_POOL_SIZE: '16',
        WORKER_IN_PROCESS: 'false',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    ports.push(port);
  }
  for (const port of ports) {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) break;
      } catch {}
      if (i > 200) throw new Error(`API on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // --- load -----------------------------------------------------------------------------------
  let seq = 0;
  const headers = {
    'content-type': 'application/json',
    username: partner.username,
    password: partner.password,
  };
  const runOne = (port: number, connections: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: DURATION,
      requests: [
        {
          method: 'POST',
          path: '/v1/bank/bill-payment',
          headers,
          setupRequest: (req) => {
            const n = seq++;
            return {
              ...req,
              body: JSON.stringify({
                reference: references[n % references.length],
                transaction_ref: `BENCH-${n}`,
                amount: 100,
                currency: 'USD',
              }),
            };
          },
        },
      ],
    });
  const per = Math.max(1, Math.floor(CONNECTIONS / ports.length));
  const results = await Promise.all(ports.map((p) => runOne(p, per)));
  const ok = results.reduce((s, r) => s + (r['2xx'] ?? 0), 0);
  const non2xx = results.reduce((s, r) => s + r.non2xx + r.errors + r.timeouts, 0);
  const postingsPerSec = ok / DURATION;
  // Latencies: the processes share the load evenly, so averaging their percentiles is fair.
  const p50 = results.reduce((s, r) => s + r.latency.p50, 0) / results.length;
  const p99 = Math.max(...results.map((r) => r.latency.p99));
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => once(c, 'exit')));
  children.length = 0;

  const check = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  const [counts] = await check<{ n: number; unbalanced: number }[]>`
    select (select count(*)::int from payments where status = 'successful') as n,
           (select count(*)::int from (select entry_id from journal_lines group by entry_id, currency having sum(amount) <> 0) x) as unbalanced`;
  const { n, unbalanced } = counts!;
  await check.end();

  // --- pgbench -N on the same server ----------------------------------------------------------
  const pgArgs = [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username) || 'postgres',
  ];
  execFileSync('pgbench', [...pgArgs, '-i', '-q', '-s', '10', dbName], { stdio: 'ignore' });
  const out = execFileSync(
    'pgbench',
    [...pgArgs, '-N', '-c', String(PGBENCH_CLIENTS), '-j', '2', '-T', String(DURATION), dbName],
    {
      encoding: 'utf8',
    },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? Number.NaN);

  console.log('\nbench:payments (bank postings over HTTP, PostgreSQL, durability on)');
  console.log(
    `  API processes            ${API_PROCESSES}, ${CONNECTIONS} concurrent clients, ${DURATION} s`,
  );
  console.log(
    `  postings/s               ${postingsPerSec.toFixed(0)}   (${ok} ok, ${non2xx} not ok; ${n - WARMUP} payments in the database)`,
  );
  console.log(`  latency p50 / p99        ${p50.toFixed(1)} ms / ${p99.toFixed(1)} ms`);
  console.log(`  unbalanced entries       ${unbalanced}`);
  console.log(`  pgbench -N TPS           ${tps.toFixed(0)}   (${PGBENCH_CLIENTS} clients, scale 10)`);
  console.log(`  ratio postings/pgbench   ${(postingsPerSec / tps).toFixed(2)}`);
} finally {
  for (const c of children) c.kill('SIGKILL');
  await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
  await admin.end();
}
