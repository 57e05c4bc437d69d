/**
 * npm run bench:recon — reconciliation at scale on PostgreSQL (issue 7).
 *
 * In a fresh database: PAYMENTS successful bank payments awaiting settlement (inserted set-wise),
 * then a statement of the same number of lines naming them (camt.053.001.08 and a bank CSV,
 * written to a temporary folder as streams, never whole in memory). For each format it prints
 * the parse rate alone, then imports and matches the file (`importStatement`, the same code as
 * POST /v1/reconciliation/imports) and prints lines/s end to end, the match counts and peak RSS.
 * The CSV pass runs against a second set of payments, so both imports match everything.
 *
 * Env: BENCH_DATABASE_URL (admin URL, default postgres://root@127.0.0.1:5432/postgres),
 * PAYMENTS (1000000), FORMATS (camt053,csv), KEEP=1 keeps the database and files.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { loadConfig } from '../src/config/env.ts';
import { openDatabase } from '../src/db/client.ts';
import { parseStatement } from '../src/importers/statements/index.ts';
import { createServices } from '../src/services.ts';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const N = Number(process.env.PAYMENTS ?? 1_000_000);
const FORMATS = (process.env.FORMATS ?? 'camt053,csv').split(',');
const KEEP = process.env.KEEP === '1';

const dbName = `billrail_bench_recon_${Date.now()}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${dbName}`);
const url = new URL(ADMIN_URL);
url.pathname = `/${dbName}`;
const DATABASE_URL = url.toString();
const dir = mkdtempSync(join(tmpdir(), 'billrail-recon-'));
const today = new Date().toISOString().slice(0, 10);
const amountOf = (i: number) => BigInt(((i * 7919) % 999_900) + 100);
const major = (m: bigint) => `${m / 100n}.${String(m % 100n).padStart(2, '0')}`;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

async function write(file: string, gen: () => Generator<string>) {
  const out = createWriteStream(file);
  let buf = '';
  for (const s of gen()) {
    buf += s;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

function* camt(prefix: string) {
  let total = 0n;
  for (let i = 0; i < N; i++) total += amountOf(i);
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>BENCH</MsgId><CreDtTm>${today}T00:00:00Z</CreDtTm></GrpHdr>\n`;
  yield `<Stmt><Id>BENCH-${prefix}</Id><CreDtTm>${today}T00:00:00Z</CreDtTm><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>USD</Ccy></Acct>`;
  yield `<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${today}</Dt></Dt></Bal>`;
  yield `<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">${major(total)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${today}</Dt></Dt></Bal>\n`;
  for (let i = 0; i < N; i++) {
    const a = major(amountOf(i));
    yield `<Ntry><Amt Ccy="USD">${a}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${today}</Dt></BookgDt><ValDt><Dt>${today}</Dt></ValDt><AcctSvcrRef>${prefix}B${i}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>${prefix}${i}</EndToEndId></Refs><RmtInf><Ustrd>WATER BILL ${prefix}${i}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`;
  }
  yield '</Stmt></BkToCstmrStmt></Document>\n';
}

function* csv(prefix: string) {
  yield 'Date,Amount,Details,Bank Ref\n';
  for (let i = 0; i < N; i++) yield `${today},${major(amountOf(i))},PAYMENT ${prefix}${i},${prefix}B${i}\n`;
}

const csvMapping = {
  columns: { date: 'Date', amount: 'Amount', description: 'Details', reference: 'Bank Ref' },
  dateFormat: 'YYYY-MM-DD',
  decimalSeparator: '.' as const,
  currency: 'USD',
  account: 'BENCH-CSV',
  statementId: 'bench-csv',
};

try {
  const config = loadConfig({ DATABASE_URL, LOG_LEVEL: 'silent' });
  const db = await openDatabase({ databaseUrl: DATABASE_URL, poolSize: 4 });
  await db.migrate();
  const services = createServices({ db, config });
  const actor = { type: 'cli' as const, id: 'bench' };
  const { tenant } = await services.tenants.create(
    {
      name: 'Bench Water',
      slug: 'bench-recon',
      currency: 'USD',
      time_zone: 'UTC',
      locale: 'en',
      platform_fee_bps: 300,
      admin: { email: 'admin@bench.test', name: 'Admin', password: 'bench-password-123' },
    },
    actor,
  );
  const ctx = { tenantId: tenant.id, mode: 'live' as const };
  const raw = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });

  for (const format of FORMATS) {
    const prefix = format === 'csv' ? 'CSV' : 'CMT';
    // Payments awaiting settlement (bank postings): inserted set-wise, like a day of traffic.
    const seedStart = performance.now();
    await raw.unsafe(
      `insert into payments (tenant_id, mode, id, currency, amount, suspense_amount, status, channel, channel_source,
                             channel_ref, request_hash, received_at)
       select $1, 'live', 'pay_' || lower($2) || lpad(i::text, 23, '0'), 'USD', ((i::bigint * 7919) % 999900) + 100,
              ((i::bigint * 7919) % 999900) + 100, 'successful', 'bank_api', 'bnk_bench', $2 || i, 'bench', now()
         from generate_series(0, $3::int - 1) as i`,
      [tenant.id, prefix, N],
    );
    await raw.unsafe('analyze payments');
    const seedS = (performance.now() - seedStart) / 1000;

    const file = join(dir, `statement-${prefix}.${format === 'csv' ? 'csv' : 'xml'}`);
    await write(file, () => (format === 'csv' ? csv(prefix) : camt(prefix)));
    const size = statSync(file).size;
    const parseOpts = format === 'csv' ? { format: 'bank-csv' as const, mapping: csvMapping } : {};

    const p0 = performance.now();
    const parse = parseStatement(createReadStream(file, { highWaterMark: 1 << 20 }), parseOpts);
    let parsed = 0;
    for await (const _ of parse) parsed++;
    const parseS = (performance.now() - p0) / 1000;
    if (!parse.report().ok) throw new Error(`parse errors: ${JSON.stringify(parse.errors.slice(0, 3))}`);

    const rssBefore = process.resourceUsage().maxRSS * 1024;
    const t0 = performance.now();
    const r = await services.reconciliation.importStatement(
      ctx,
      createReadStream(file, { highWaterMark: 1 << 20 }),
      { source: `bench-${format}`, filename: file, parse: parseOpts },
      actor,
    );
    const importS = (performance.now() - t0) / 1000;
    if (!r.ok) throw new Error(`import refused: ${JSON.stringify(r.errors.slice(0, 3))}`);
    const [counts] = await raw.unsafe(
      `select count(*) filter (where status = 'matched')::int as matched,
              count(*) filter (where status <> 'matched')::int as other
         from statement_lines where import_id = $1`,
      [r.import.id],
    );
    const [completed] = await raw.unsafe(
      `select count(*)::int as n from payments where status = 'completed' and channel_ref like $1`,
      [`${prefix}%`],
    );
    process.stdout.write(
      `${[
        `\n${format}: ${N.toLocaleString('en')} payments seeded in ${seedS.toFixed(1)} s; statement ${(size / 1e6).toFixed(0)} MB`,
        `  parse alone:      ${Math.round(parsed / parseS).toLocaleString('en')} lines/s (${parsed.toLocaleString('en')} lines, ${parseS.toFixed(1)} s, ${(size / 1e6 / parseS).toFixed(0)} MB/s)`,
        `  import + match:   ${Math.round(r.import.lineCount / importS).toLocaleString('en')} lines/s end to end (${importS.toFixed(1)} s)`,
        `  matched:          ${counts!.matched.toLocaleString('en')} lines, other ${counts!.other}; payments completed ${completed!.n.toLocaleString('en')}; exceptions ${r.import.exceptionCount}`,
        `  platform fee:     ${major(r.import.platformFee)} USD on ${major(r.import.matchedAmount)} USD settled`,
        `  peak RSS:         ${mib(Math.max(rssBefore, process.resourceUsage().maxRSS * 1024))} (process peak, parse and import)`,
      ].join('\n')}\n`,
    );
  }
  await raw.end();
  await db.close();
} finally {
  if (!KEEP) {
    rmSync(dir, { recursive: true, force: true });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  } else process.stdout.write(`kept database ${dbName} and files in ${dir}\n`);
  await admin.end();
}
