/**
 * Statement parsing throughput and memory: writes a LINES-entry camt.053 (.001.08, one TxDtls
 * per entry), a LINES-row bank CSV and a LINES-entry MT940 file into a temporary directory, then
 * parses each in a fresh child process (so peak RSS is the parse's own) and prints lines/s, MB/s
 * and peak RSS.
 *
 *   npx tsx apps/server/bench/parse-statements.ts
 *
 * Env: LINES (1000000), FORMATS (camt053,bank-csv,mt940), KEEP=1 (keep the files; their
 * directory is printed), HEAP_MIB (run the parses with --max-old-space-size=HEAP_MIB, to show
 * that what RSS holds beyond the baseline is uncollected garbage, not retained lines).
 *
 * The baseline printed first is the peak RSS of a child that parses a 10-line file: Node, tsx
 * and the loaded modules, which every figure includes.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBankCsv, generateCamt } from '../src/importers/statements/fixtures.ts';
import { type ParseOptions, parseStatement } from '../src/importers/statements/index.ts';

const LINES = Number(process.env.LINES ?? 1_000_000);
const FORMATS = (process.env.FORMATS ?? 'camt053,bank-csv,mt940').split(',');

const CSV_OPTIONS: ParseOptions = {
  format: 'bank-csv',
  mapping: {
    columns: { date: 'Booking date', amount: 'Amount', description: 'Description', reference: 'Reference' },
    dateFormat: 'DD.MM.YYYY',
    decimalSeparator: ',',
    currency: 'EUR',
    account: 'DE89370400440532013000',
    statementId: 'bench',
  },
};

/** Child: parse one file and print the figures as JSON. */
async function child(file: string, format: string): Promise<void> {
  const opts: ParseOptions =
    format === 'bank-csv' ? CSV_OPTIONS : { format: format as ParseOptions['format'] };
  const started = performance.now();
  const parse = parseStatement(createReadStream(file, { highWaterMark: 256 * 1024 }), opts);
  let lines = 0;
  let amount = 0n;
  for await (const line of parse) {
    lines++;
    amount += line.amount;
  }
  const seconds = (performance.now() - started) / 1000;
  const report = parse.report();
  process.stdout.write(
    JSON.stringify({
      lines,
      seconds,
      errors: report.errorCount,
      firstError: report.errors[0]?.message,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      amount: amount.toString(),
    }),
  );
}

async function write(path: string, chunks: AsyncIterable<Buffer>): Promise<void> {
  const out = createWriteStream(path);
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** MT940 with LINES `:61:`/`:86:` pairs in one statement whose balances match. */
async function* generateMt940(entries: number): AsyncGenerator<Buffer> {
  const amount = (i: number) => BigInt(((i * 7919) % 999_900) + 100);
  const debit = (i: number) => i % 7 === 3;
  const fmt = (m: bigint) => `${m / 100n},${String(m % 100n).padStart(2, '0')}`;
  let net = 0n;
  for (let i = 0; i < entries; i++) net += debit(i) ? -amount(i) : amount(i);
  const opening = 10n ** 12n;
  yield Buffer.from(
    `{1:F01BANKDEFFAXXX0000000000}{2:O940}{4:\r\n:20:BENCH\r\n:25:DE89370400440532013000\r\n:28C:1/1\r\n:60F:C240301EUR${fmt(opening)}\r\n`,
  );
  let buf = '';
  for (let i = 0; i < entries; i++) {
    buf += `:61:2403010301${debit(i) ? 'D' : 'C'}${fmt(amount(i))}NTRFREF${i}//B${i}\r\n:86:166?00GUTSCHRIFT?20EREF+E2E-${i}?21SVWZ+Bill 4000${i}?32Payer ${i}\r\n`;
    if ((i + 1) % 500 === 0) {
      yield Buffer.from(buf);
      buf = '';
    }
  }
  const closing = opening + net;
  yield Buffer.from(
    `${buf}:62F:${closing < 0n ? 'D' : 'C'}240301EUR${fmt(closing < 0n ? -closing : closing)}\r\n-}\r\n`,
  );
}

interface ChildResult {
  lines: number;
  seconds: number;
  errors: number;
  firstError?: string;
  maxRssMiB: number;
}

/** Parses a file in a fresh Node process (same loader flags) and returns its figures. */
function parseIn(file: string, format: string): ChildResult {
  const heap = process.env.HEAP_MIB ? [`--max-old-space-size=${process.env.HEAP_MIB}`] : [];
  const run = spawnSync(
    process.execPath,
    [...heap, ...process.execArgv, fileURLToPath(import.meta.url), '--child', file, format],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (run.status !== 0) throw new Error(`${format} parse failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as ChildResult;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'billrail-statements-'));
  const files: Record<string, string> = {
    camt053: join(dir, 'statement.camt053.xml'),
    'bank-csv': join(dir, 'statement.csv'),
    mt940: join(dir, 'statement.sta'),
  };
  console.log(`Node ${process.version}; ${LINES.toLocaleString('en')} lines per file in ${dir}`);
  try {
    for (const format of FORMATS) {
      const file = files[format];
      if (!file) throw new Error(`Unknown format ${format}`);
      const t = performance.now();
      await write(
        file,
        format === 'camt053'
          ? generateCamt(LINES, { chunkEntries: 500 })
          : format === 'bank-csv'
            ? generateBankCsv(LINES)
            : generateMt940(LINES),
      );
      const mb = statSync(file).size / 1e6;
      console.log(`${format}: wrote ${mb.toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const r = parseIn(file, format);
      const small = join(dir, `small-${format}`);
      await write(
        small,
        format === 'camt053'
          ? generateCamt(10)
          : format === 'bank-csv'
            ? generateBankCsv(10)
            : generateMt940(10),
      );
      console.log(
        `${format}: baseline peak RSS (10-line file) ${parseIn(small, format).maxRssMiB.toFixed(0)} MiB`,
      );
      console.log(
        `${format}: ${r.lines.toLocaleString('en')} lines in ${r.seconds.toFixed(1)} s = ` +
          `${Math.round(r.lines / r.seconds).toLocaleString('en')} lines/s, ${(mb / r.seconds).toFixed(1)} MB/s, ` +
          `peak RSS ${r.maxRssMiB.toFixed(0)} MiB, errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`,
      );
    }
  } finally {
    if (process.env.KEEP) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await main();
