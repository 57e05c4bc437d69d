import { and, eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database, TenantContext, Tx } from '../../db/client.ts';
import { accounts, bills, users } from '../../db/schema.ts';
import {
  asBoolean,
  asDate,
  asDecimal,
  asText,
  type ByteSource,
  type Cell,
  type ColumnSpec,
  type DataRow,
  type Read,
  readRecords,
  readRows,
  TabularError,
  type TabularFormat,
} from '../../importers/tabular.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { AppError, conflict } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { currencyExponent, parseMajor } from '../../platform/money.ts';
import { type AccountCreate, accountCreate } from '../accounts/accounts.schemas.ts';
import { type AccountService, createAccountService } from '../accounts/accounts.service.ts';
import { type BillCreate, billCreate } from '../bills/bills.schemas.ts';
import { type BillService, createBillService } from '../bills/bills.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import { ACCOUNT_COLUMNS, BILL_COLUMNS, type ImportReport, type ImportRowError } from './imports.schemas.ts';

/**
 * Bulk import of consumer accounts and bills from CSV or XLSX files.
 *
 * The file is read row by row; each row is mapped to the JSON API's input and checked with the
 * same zod schema (accountCreate / billCreate), then against the file itself (duplicates) and
 * the database (existing numbers, unknown or closed accounts, consumer users). The valid rows are
 * written in ONE transaction with the same insert functions the API uses, so a failure part-way
 * writes nothing. With on_error=reject_all any bad row refuses the whole file (400
 * import_invalid, nothing written); with skip_invalid the valid rows are applied and the bad ones
 * reported. A dry run answers exactly what the real run would, and writes nothing.
 */

export const IMPORT_MAX_ROWS = 50_000;
const MAX_REPORTED_ERRORS = 1000;
/** Rows per insertBills call and per IN (...) look-up: well inside PostgreSQL's 65535 bind parameters. */
const CHUNK = 500;

export type OnError = 'reject_all' | 'skip_invalid';
export interface ImportOptions {
  format: TabularFormat;
  onError: OnError;
  dryRun: boolean;
}

interface Candidate<T> {
  line: number;
  input: T;
}

/** Errors of one import, and which rows they make invalid. */
class RowErrors {
  readonly list: ImportRowError[] = [];
  readonly rows = new Set<number>();
  /** The file's header order, so that a row's errors are listed left to right. */
  columns: readonly (string | null)[] = [];
  add(row: number, field: string, reason: string) {
    this.list.push({ row, field, reason });
    this.rows.add(row);
  }
  has(row: number) {
    return this.rows.has(row);
  }
  sorted() {
    const rank = (field: string) => {
      const column = /^column (\d+)$/.exec(field);
      if (column) return Number(column[1]) - 1;
      const i = this.columns.indexOf(field.split('.')[0]!);
      return i >= 0 ? i : field === 'file' || field === 'row' ? -1 : this.columns.length;
    };
    return [...this.list].sort((a, b) => a.row - b.row || rank(a.field) - rank(b.field));
  }
}

const FILE_ERRORS: Record<TabularError['code'], { status: number; code: string }> = {
  empty_file: { status: 400, code: 'import_empty' },
  no_rows: { status: 400, code: 'import_no_rows' },
  not_text: { status: 400, code: 'import_malformed_csv' },
  malformed_csv: { status: 400, code: 'import_malformed_csv' },
  malformed_xlsx: { status: 400, code: 'import_malformed_xlsx' },
  header_invalid: { status: 400, code: 'import_columns_invalid' },
  too_many_rows: { status: 400, code: 'import_too_many_rows' },
};

function fileError(err: TabularError): AppError {
  const { status, code } = FILE_ERRORS[err.code];
  return new AppError(status, code, err.message, err.problems.length ? { errors: err.problems } : {});
}

const chunks = <T>(items: T[], size = CHUNK): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === '23505') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Reads one row's cells as the JSON API's input, collecting a reason for each cell that does not fit. */
class RowReader {
  readonly failed = new Set<string>();
  constructor(
    private readonly row: DataRow,
    private readonly errors: RowErrors,
    private readonly spec: ColumnSpec,
  ) {}
  read<T>(name: string, as: (c: Cell) => Read<T>): T | undefined {
    const r = as(this.row.values[name] ?? { kind: 'empty' });
    if (!r.ok) return this.fail(name, r.reason);
    if (r.value === undefined && this.spec.required.includes(name)) return this.fail(name, 'is required');
    return r.value;
  }
  fail(name: string, reason: string): undefined {
    this.errors.add(this.row.line, name, reason);
    this.failed.add(name);
    return undefined;
  }
  /** Validates with the API's schema; issues on cells already reported are not repeated. */
  validate<S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> | undefined {
    const input = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
    const result = schema.safeParse(input);
    for (const p of this.row.problems) this.errors.add(p.row, p.field, p.reason);
    if (result.success) return this.failed.size || this.row.problems.length ? undefined : result.data;
    for (const issue of result.error.issues) {
      const top = String(issue.path[0] ?? '');
      if (this.failed.has(top)) continue;
      this.errors.add(this.row.line, issue.path.map(String).join('.') || 'row', issue.message);
    }
    return undefined;
  }
}

/** A decimal in major units ("120.50") to minor units for the API schema, exactly (no floats). */
function minorUnits(r: RowReader, name: string, currency: string, cell: Read<string>): number | undefined {
  if (!cell.ok) return r.fail(name, cell.reason);
  if (cell.value === undefined) return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(cell.value))
    return r.fail(name, 'must be a decimal amount in major units, such as 120.50');
  let minor: bigint;
  try {
    minor = parseMajor(cell.value, currency);
  } catch {
    const exp = currencyExponent(currency);
    return r.fail(name, `has more decimals than ${currency} allows (${exp})`);
  }
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < -BigInt(Number.MAX_SAFE_INTEGER))
    return r.fail(name, 'is too large');
  return Number(minor); // exact: within the safe integer range; the schema turns it into a bigint
}

export type ImportService = ReturnType<typeof createImportService>;

export function createImportService(deps: {
  db: Database;
  accounts?: Pick<AccountService, 'insertAccount'>;
  bills?: Pick<BillService, 'insertBills'>;
}) {
  const { db } = deps;
  // The insert functions are stateless closures over the database; share the app's when given.
  const accountService = deps.accounts ?? createAccountService({ db });
  const billService = deps.bills ?? createBillService({ db });

  /** Reads the whole file into API inputs (validated) and row errors. File-level problems throw. */
  async function collect<T>(
    source: ByteSource,
    format: TabularFormat,
    spec: ColumnSpec,
    errors: RowErrors,
    map: (r: RowReader, row: DataRow) => T | undefined,
  ) {
    const candidates: Candidate<T>[] = [];
    let total = 0;
    try {
      for await (const row of readRecords(readRows(format, source), spec, { maxRows: IMPORT_MAX_ROWS })) {
        total++;
        if (total === 1) errors.columns = row.columns;
        const input = map(new RowReader(row, errors, spec), row);
        if (input !== undefined) candidates.push({ line: row.line, input });
      }
    } catch (err) {
      throw err instanceof TabularError ? fileError(err) : err;
    }
    return { total, candidates };
  }

  /**
   * Later rows repeating a key of an earlier row are errors naming the first. Every row with a
   * readable key counts, valid or not: a repeated number is suspect either way.
   */
  function duplicatesInFile<T>(
    rows: { line: number; key: T | undefined }[],
    field: string,
    errors: RowErrors,
  ) {
    const first = new Map<T, number>();
    for (const { line, key } of rows) {
      if (key === undefined) continue;
      const seen = first.get(key);
      if (seen !== undefined) errors.add(line, field, `appears twice in this file (first on line ${seen})`);
      else first.set(key, line);
    }
  }

  function report(total: number, errors: RowErrors, applied: number, dryRun: boolean): ImportReport {
    const all = errors.sorted();
    return {
      rows_total: total,
      rows_valid: total - errors.rows.size,
      rows_invalid: errors.rows.size,
      applied,
      dry_run: dryRun,
      errors: all.slice(0, MAX_REPORTED_ERRORS),
      errors_omitted: Math.max(0, all.length - MAX_REPORTED_ERRORS),
    };
  }

  function rejected(r: ImportReport): AppError {
    const { errors, ...counts } = r;
    return new AppError(
      400,
      'import_invalid',
      `${r.rows_invalid} of ${r.rows_total} rows have errors; nothing was imported. Fix them, or import with on_error=skip_invalid to apply only the valid rows.`,
      { errors, extensions: counts },
    );
  }

  /** Runs the database phase in one transaction; a unique-key race with another writer becomes a 409. */
  async function inTransaction<T>(ctx: TenantContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await db.withTenant(ctx, fn);
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw conflict(
          'import_conflict',
          'Some of these records were created by another request while the import ran; nothing was imported. Run it again.',
        );
      }
      throw err;
    }
  }

  /** An error thrown by a shared insert function (only on a race with another writer): named by row. */
  function insertFailed(err: unknown, rowOf: (field: string) => { row: number; field: string }): unknown {
    if (!(err instanceof AppError) || !err.errors) return err;
    return conflict(
      'import_conflict',
      'Some rows conflicted with records created while the import ran; nothing was imported. Run it again.',
      err.errors.map((e) => ({ ...rowOf(e.field), reason: e.reason })),
    );
  }

  async function importAccounts(ctx: TenantContext, source: ByteSource, opts: ImportOptions, actor: Actor) {
    const errors = new RowErrors();
    const keys: { line: number; key: string | undefined }[] = [];
    const { total, candidates } = await collect<AccountCreate>(
      source,
      opts.format,
      ACCOUNT_COLUMNS,
      errors,
      (r, row) => {
        const accountNumber = r.read('account_number', asText);
        const serviceTypes = r.read('service_types', asText);
        keys.push({ line: row.line, key: accountNumber });
        return r.validate(accountCreate, {
          account_number: accountNumber,
          name: r.read('name', asText),
          mobile: r.read('mobile', asText),
          email: r.read('email', asText),
          service_types: serviceTypes
            ?.split(/[;|]/)
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean),
          consumer_email: r.read('consumer_email', asText),
        });
      },
    );
    duplicatesInFile(keys, 'account_number', errors);

    return inTransaction(ctx, async (tx) => {
      const numbers = [...new Set(candidates.map((c) => c.input.account_number))];
      const existing = new Set<string>();
      for (const part of chunks(numbers)) {
        const rows = await tx
          .select({ accountNumber: accounts.accountNumber })
          .from(accounts)
          .where(
            and(
              eq(accounts.tenantId, ctx.tenantId),
              eq(accounts.mode, ctx.mode),
              inArray(accounts.accountNumber, part),
            ),
          );
        for (const row of rows) existing.add(row.accountNumber);
      }
      const emails = [
        ...new Set(
          candidates.flatMap((c) => (c.input.consumer_email ? [c.input.consumer_email.toLowerCase()] : [])),
        ),
      ];
      const consumers = new Set<string>();
      for (const part of chunks(emails)) {
        const rows = await tx
          .select({ email: users.email, role: users.role })
          .from(users)
          .where(and(eq(users.tenantId, ctx.tenantId), inArray(users.email, part)));
        for (const row of rows) if (row.role === 'consumer') consumers.add(row.email);
      }
      for (const { line, input } of candidates) {
        if (existing.has(input.account_number)) errors.add(line, 'account_number', 'already exists');
        if (input.consumer_email && !consumers.has(input.consumer_email.toLowerCase())) {
          errors.add(line, 'consumer_email', 'is not a consumer user of this tenant');
        }
      }
      const valid = candidates.filter((c) => !errors.has(c.line));
      if (errors.rows.size && opts.onError === 'reject_all')
        throw rejected(report(total, errors, 0, opts.dryRun));
      if (opts.dryRun) return report(total, errors, 0, true);

      for (const { line, input } of valid) {
        try {
          await accountService.insertAccount(tx, ctx, input, actor);
        } catch (err) {
          throw insertFailed(err, (field) => ({ row: line, field }));
        }
      }
      const result = report(total, errors, valid.length, false);
      await recordImport(tx, ctx, actor, 'accounts.imported', opts, result);
      return result;
    });
  }

  async function importBills(ctx: TenantContext, source: ByteSource, opts: ImportOptions, actor: Actor) {
    const { currency } = await db.withTenant(ctx, (tx) => tenantSettings(tx, ctx.tenantId));
    const errors = new RowErrors();
    const keys: { line: number; key: string | undefined }[] = [];
    const { total, candidates } = await collect<BillCreate>(
      source,
      opts.format,
      BILL_COLUMNS,
      errors,
      (r, row) => {
        const raw = {
          account_number: r.read('account_number', asText),
          bill_number: r.read('bill_number', asText),
          kind: r.read('kind', asText)?.toLowerCase(),
          service_name: r.read('service_name', asText),
          billing_period: r.read('billing_period', asText),
          period_start: r.read('period_start', asDate),
          period_end: r.read('period_end', asDate),
          amount: minorUnits(r, 'amount', currency, asDecimal(row.values.amount ?? { kind: 'empty' })),
          late_fee: minorUnits(r, 'late_fee', currency, asDecimal(row.values.late_fee ?? { kind: 'empty' })),
          due_date: r.read('due_date', asDate),
          expires_on: r.read('expires_on', asDate),
          allow_partial: r.read('allow_partial', asBoolean),
        };
        if (raw.amount === undefined && !r.failed.has('amount')) r.fail('amount', 'is required');
        keys.push({ line: row.line, key: raw.bill_number });
        return r.validate(billCreate, raw);
      },
    );
    duplicatesInFile(keys, 'bill_number', errors);

    return inTransaction(ctx, async (tx) => {
      const accountByNumber = new Map<string, { status: string }>();
      for (const part of chunks([...new Set(candidates.map((c) => c.input.account_number))])) {
        const rows = await tx
          .select({ accountNumber: accounts.accountNumber, status: accounts.status })
          .from(accounts)
          .where(
            and(
              eq(accounts.tenantId, ctx.tenantId),
              eq(accounts.mode, ctx.mode),
              inArray(accounts.accountNumber, part),
            ),
          );
        for (const row of rows) accountByNumber.set(row.accountNumber, row);
      }
      const taken = new Set<string>();
      for (const part of chunks([...new Set(candidates.map((c) => c.input.bill_number))])) {
        const rows = await tx
          .select({ billNumber: bills.billNumber })
          .from(bills)
          .where(
            and(eq(bills.tenantId, ctx.tenantId), eq(bills.mode, ctx.mode), inArray(bills.billNumber, part)),
          );
        for (const row of rows) taken.add(row.billNumber);
      }
      for (const { line, input } of candidates) {
        const account = accountByNumber.get(input.account_number);
        if (!account) errors.add(line, 'account_number', 'no such account');
        else if (account.status !== 'active') errors.add(line, 'account_number', 'the account is closed');
        if (taken.has(input.bill_number)) errors.add(line, 'bill_number', 'already exists');
      }
      const valid = candidates.filter((c) => !errors.has(c.line));
      if (errors.rows.size && opts.onError === 'reject_all')
        throw rejected(report(total, errors, 0, opts.dryRun));
      if (opts.dryRun) return report(total, errors, 0, true);

      for (const part of chunks(valid)) {
        try {
          await billService.insertBills(
            tx,
            ctx,
            part.map((c) => c.input),
            actor,
            (i) => `#${part[i]!.line}`,
          );
        } catch (err) {
          throw insertFailed(err, (field) => {
            const m = /^#(\d+)\.(.+)$/.exec(field);
            return m ? { row: Number(m[1]), field: m[2]! } : { row: part[0]!.line, field };
          });
        }
      }
      const result = report(total, errors, valid.length, false);
      await recordImport(tx, ctx, actor, 'bills.imported', opts, result);
      return result;
    });
  }

  /** One audit record per import, with its counts (the rows themselves are audited by the insert functions). */
  async function recordImport(
    tx: Tx,
    ctx: TenantContext,
    actor: Actor,
    action: string,
    opts: ImportOptions,
    r: ImportReport,
  ) {
    await recordAudit(tx, actor, {
      tenantId: ctx.tenantId,
      action,
      targetType: 'import',
      targetId: newId('imp'),
      after: {
        format: opts.format,
        on_error: opts.onError,
        rows_total: r.rows_total,
        rows_valid: r.rows_valid,
        rows_invalid: r.rows_invalid,
        applied: r.applied,
      },
    });
  }

  return { importAccounts, importBills };
}
