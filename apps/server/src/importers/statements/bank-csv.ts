import {
  asDecimal,
  asText,
  type Cell,
  EMPTY,
  normaliseHeader,
  type RawRow,
  readRows,
  TabularError,
  type TabularFormat,
} from '../tabular.ts';
import type { ByteSource } from './source.ts';
import {
  type Collector,
  checkBalance,
  type Direction,
  type StatementError,
  type StatementLine,
  type StatementSummary,
} from './statement.ts';
import {
  checkCurrency,
  findRfReference,
  isoDate,
  isRealDate,
  money,
  type Parsed,
  parseAmount,
} from './values.ts';

/**
 * Bank statements exported as CSV or XLSX, which every bank lays out its own way: a mapping
 * object says which column holds what. Rows are read with the shared tabular reader
 * (importers/tabular.ts), so CSV quoting, BOMs, CRLF/LF/CR, delimiters and XLSX cell types are
 * handled once, and line numbers are what an editor or Excel shows.
 *
 * A file is one statement of one account in one currency. The amount is either one signed
 * column (negative = debit; "-12,50", "12,50-" and "(12,50)" are all negative), two columns
 * (debit and credit, one filled per row) or an unsigned column plus a column that says which
 * (C/D, CR/DR, H/S, ...). Where the file has a running balance column, each row must move it
 * by its amount (newest-first files are recognised); where the caller knows the opening and
 * closing balances, they are checked too.
 */

/** A column by its header text (matched like the bulk imports: case, spaces and dashes ignored) or 1-based number. */
export type ColumnRef = string | number;

export interface BankCsvMapping {
  /** 1-based line (Excel row) of the header. Default: the first non-blank row. 0: no header, columns by number. */
  headerRow?: number;
  columns: {
    /** Booking date. */
    date: ColumnRef;
    valueDate?: ColumnRef;
    /** One amount column, signed unless `direction` is mapped. */
    amount?: ColumnRef;
    /** Or two unsigned columns; a row fills one of them. */
    debit?: ColumnRef;
    credit?: ColumnRef;
    /** With `amount`: the column that says credit or debit (values in `directionValues`). */
    direction?: ColumnRef;
    /** Free text; several columns are joined with a space. */
    description?: ColumnRef | ColumnRef[];
    /** The bank's reference of the transaction. */
    reference?: ColumnRef;
    endToEndId?: ColumnRef;
    counterpartyName?: ColumnRef;
    counterpartyAccount?: ColumnRef;
    /** Per-row currency; each row must be in the statement currency. */
    currency?: ColumnRef;
    /** The balance after the row. */
    balance?: ColumnRef;
  };
  /** Values of the direction column, compared case-insensitively. Default C/CR/CRDT/CREDIT/H and D/DR/DBIT/DEBIT/S. */
  directionValues?: { credit: string[]; debit: string[] };
  /**
   * Date layout of text cells: YYYY, YY, MM, M, DD, D, MMM (Jan..Dec) and literal separators,
   * e.g. 'DD.MM.YYYY', 'MM/DD/YYYY', 'YYYYMMDD'. A time after the date is ignored. XLSX date
   * cells are read as dates whatever this says.
   */
  dateFormat: string;
  /** Decimal separator of text amounts. */
  decimalSeparator: '.' | ',';
  /** Digit-group separator allowed in text amounts ("1.234,56"); none by default. */
  thousandsSeparator?: '.' | ',' | ' ' | "'";
  /** The statement's currency (ISO 4217). */
  currency: string;
  account: string;
  statementId: string;
  /** Balances the caller knows (decimal strings with the file's decimal separator), to check the sum. */
  openingBalance?: string;
  closingBalance?: string;
  /** Pass over rows whose date cell is empty (totals and notes at the end of many exports). */
  skipRowsWithoutDate?: boolean;
}

const DEFAULT_CREDIT = ['c', 'cr', 'crdt', 'credit', 'h', '+'];
const DEFAULT_DEBIT = ['d', 'dr', 'dbit', 'debit', 's', '-'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Compiles a date layout such as 'DD.MM.YYYY' into a reader of text dates. */
export function dateReader(format: string): (text: string) => Parsed<string> {
  const parts: ('Y' | 'y' | 'M' | 'D' | 'MMM')[] = [];
  let src = '';
  for (let i = 0; i < format.length; ) {
    const rest = format.slice(i);
    const token = /^(YYYY|YY|MMM|MM|M|DD|D)/.exec(rest)?.[1];
    if (token) {
      const kind =
        token === 'YYYY'
          ? 'Y'
          : token === 'YY'
            ? 'y'
            : token === 'MMM'
              ? 'MMM'
              : token[0] === 'M'
                ? 'M'
                : 'D';
      parts.push(kind);
      src +=
        token === 'YYYY'
          ? '(\\d{4})'
          : token === 'YY'
            ? '(\\d{2})'
            : token === 'MMM'
              ? '([A-Za-z]{3})'
              : token.length === 2
                ? '(\\d{2})'
                : '(\\d{1,2})';
      i += token.length;
    } else {
      src += rest[0]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i++;
    }
  }
  if (
    !parts.includes('D') ||
    !(parts.includes('M') || parts.includes('MMM')) ||
    !parts.some((p) => p === 'Y' || p === 'y')
  ) {
    throw new Error(
      `The date format "${format}" needs a day (DD), a month (MM or MMM) and a year (YYYY or YY).`,
    );
  }
  const re = new RegExp(`^${src}(?:[ T]\\d{1,2}:\\d{2}(?::\\d{2})?(?:\\.\\d+)?)?$`);
  return (text) => {
    const m = re.exec(text.trim());
    if (!m) return { ok: false, reason: `"${text.trim()}" is not a date in the layout ${format}` };
    let y = 0;
    let mo = 0;
    let d = 0;
    parts.forEach((p, i) => {
      const v = m[i + 1]!;
      if (p === 'Y') y = Number(v);
      else if (p === 'y') y = 2000 + Number(v);
      else if (p === 'MMM') mo = MONTHS.indexOf(v.toLowerCase()) + 1;
      else if (p === 'M') mo = Number(v);
      else d = Number(v);
    });
    if (!isRealDate(y, mo, d))
      return { ok: false, reason: `"${text.trim()}" is not a calendar date (${format})` };
    return { ok: true, value: isoDate(y, mo, d) };
  };
}

/** Where each mapped column is in the file: 0-based indexes. */
export type ColumnIndex<K extends string> = Partial<Record<K, number>>;

/**
 * Resolves column references against a header row (or plain numbers without one). Reports every
 * name that is not in the header at once.
 */
export function resolveColumns<K extends string>(
  refs: Partial<Record<K, ColumnRef | undefined>>,
  header: RawRow | undefined,
): { index: ColumnIndex<K>; missing: string[] } {
  const names = header?.cells.map((c) => {
    const t = asText(c);
    return t.ok && t.value ? normaliseHeader(t.value) : '';
  });
  const index: ColumnIndex<K> = {};
  const missing: string[] = [];
  for (const [key, ref] of Object.entries(refs) as [K, ColumnRef | undefined][]) {
    if (ref === undefined) continue;
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 1) missing.push(`column number ${ref}`);
      else index[key] = ref - 1;
      continue;
    }
    const at = names ? names.indexOf(normaliseHeader(ref)) : -1;
    if (at < 0) missing.push(`"${ref}"`);
    else index[key] = at;
  }
  return { index, missing };
}

export const cellAt = (row: RawRow, i: number | undefined): Cell =>
  i === undefined ? EMPTY : (row.cells[i] ?? EMPTY);

/** Reads rows, turning the reader's own errors into report errors; returns undefined rows at the end. */
export async function* tabularRows(
  format: TabularFormat,
  source: ByteSource,
  c: Collector,
): AsyncGenerator<RawRow> {
  try {
    yield* readRows(format, source);
  } catch (err) {
    if (!(err instanceof TabularError)) throw err;
    const line = err.problems[0]?.row ?? 0;
    c.error({
      code: /never closed/.test(err.message) ? 'truncated' : 'unreadable',
      line,
      message: /never closed/.test(err.message) ? `${err.message} The file may be cut short.` : err.message,
    });
  }
}

const stripCurrency = (s: string, currency: string) =>
  s.replace(new RegExp(`^\\s*(${currency}|[€$£¥]|Rp\\.?)\\s*|\\s*(${currency}|[€$£¥])\\s*$`, 'g'), '').trim();

/** An amount cell: XLSX numbers exactly as Excel shows them, text with the mapping's separators. */
export function cellAmount(
  cell: Cell,
  currency: string,
  opts: { decimal: '.' | ','; group?: string | undefined; signed: boolean },
): Parsed<bigint> | undefined {
  if (cell.kind === 'number') {
    const d = asDecimal(cell);
    if (!d.ok) return { ok: false, reason: d.reason };
    return parseAmount(d.value!, currency, { decimal: '.', signed: opts.signed });
  }
  const t = asText(cell);
  if (!t.ok) return { ok: false, reason: t.reason };
  if (t.value === undefined) return undefined;
  return parseAmount(stripCurrency(t.value, currency), currency, {
    decimal: opts.decimal,
    group: opts.group ? [opts.group] : [],
    signed: opts.signed,
  });
}

/** A date cell: an XLSX date, or text in the mapping's layout. */
export function cellDate(cell: Cell, read: (text: string) => Parsed<string>): Parsed<string> | undefined {
  if (cell.kind === 'date') return { ok: true, value: cell.date };
  if (cell.kind === 'number') return { ok: false, reason: 'is a number, not a date' };
  const t = asText(cell);
  if (!t.ok) return { ok: false, reason: t.reason };
  if (t.value === undefined) return undefined;
  return read(t.value);
}

type Key =
  | 'date'
  | 'valueDate'
  | 'amount'
  | 'debit'
  | 'credit'
  | 'direction'
  | 'reference'
  | 'endToEndId'
  | 'counterpartyName'
  | 'counterpartyAccount'
  | 'currency'
  | 'balance';

/** Reads a bank CSV or XLSX statement with a column mapping; see the module comment. */
export async function* parseBankTable(
  format: TabularFormat,
  source: ByteSource,
  c: Collector,
  mapping: BankCsvMapping,
): AsyncGenerator<StatementLine> {
  const fmt = format === 'csv' ? 'bank-csv' : 'bank-xlsx';
  c.format = fmt;
  const m = mapping;
  const problem = checkMapping(m);
  if (problem) {
    c.error({ code: 'bad_mapping', line: 0, message: problem });
    return;
  }
  const readDate = dateReader(m.dateFormat);
  const currency = m.currency;
  const group = m.thousandsSeparator;
  const descRefs = m.columns.description === undefined ? [] : [m.columns.description].flat();
  const credits = new Set((m.directionValues?.credit ?? DEFAULT_CREDIT).map((v) => v.toLowerCase()));
  const debits = new Set((m.directionValues?.debit ?? DEFAULT_DEBIT).map((v) => v.toLowerCase()));
  const fmtMoney = (v: bigint) => money(v, currency);

  const summary: StatementSummary = {
    format: fmt,
    statementId: m.statementId,
    account: m.account,
    currency,
    line: 0,
    entries: 0,
    credits: 0n,
    debits: 0n,
    lines: 0,
    balanceChecked: false,
  };
  let hadEntryErrors = false;
  for (const [which, raw] of [
    ['opening', m.openingBalance],
    ['closing', m.closingBalance],
  ] as const) {
    if (raw === undefined) continue;
    const r = parseAmount(raw, currency, {
      decimal: m.decimalSeparator,
      group: group ? [group] : [],
      signed: true,
    });
    if (!r.ok) {
      c.error({ code: 'bad_mapping', line: 0, message: `The ${which} balance ${r.reason}.` });
      hadEntryErrors = true;
    } else summary[which] = { type: which, amount: r.value, date: '', line: 0 };
  }

  let header: RawRow | undefined;
  let index: ColumnIndex<Key> | undefined;
  let descIndex: number[] = [];
  let rowNo = 0;
  /** The previous data row's errors wait one row: on the last row, missing cells mean a cut file. */
  let held: { errors: StatementError[]; short: boolean } | undefined;
  let prevBalance: { balance: bigint; signed: bigint; line: number } | undefined;
  let order: 'asc' | 'desc' | undefined;

  const release = (last: boolean) => {
    if (!held) return;
    for (const e of held.errors) {
      c.error(
        last && held.short
          ? { ...e, code: 'truncated', message: `${e.message} The file may be cut short.` }
          : e,
      );
    }
    held = undefined;
  };

  for await (const row of tabularRows(format, source, c)) {
    if (!index) {
      const wantHeader = m.headerRow !== 0;
      if (wantHeader && m.headerRow !== undefined && row.line < m.headerRow) continue;
      if (wantHeader) header = row;
      const refs: Partial<Record<Key, ColumnRef>> = { ...m.columns } as Partial<Record<Key, ColumnRef>>;
      delete (refs as Record<string, unknown>).description;
      const resolved = resolveColumns<Key>(refs, header);
      const desc = resolveColumns<string>(Object.fromEntries(descRefs.map((r, i) => [`d${i}`, r])), header);
      const missing = [...resolved.missing, ...desc.missing];
      if (missing.length) {
        c.error({
          code: 'bad_mapping',
          line: row.line,
          message: `The header row (line ${row.line}) has no column ${missing.join(', ')}; it has ${
            header?.cells
              .map((x) => asText(x))
              .map((t) => (t.ok && t.value ? `"${t.value}"` : ''))
              .filter(Boolean)
              .join(', ') ?? 'no names'
          }.`,
        });
        return;
      }
      index = resolved.index;
      descIndex = Object.values(desc.index) as number[];
      summary.line = row.line;
      if (wantHeader) continue;
    }
    release(false);
    const errors: StatementError[] = [];
    let short = false;
    const bad = (code: StatementError['code'], column: ColumnRef | undefined, message: string) =>
      errors.push({
        code,
        line: row.line,
        path: column === undefined ? undefined : String(column),
        statementId: m.statementId,
        message,
      });
    const cell = (k: Key) => {
      const i = index![k];
      if (i !== undefined && i >= row.cells.length) short = true;
      return cellAt(row, i);
    };

    const dateCell = cell('date');
    const date = cellDate(dateCell, readDate);
    if (date === undefined && m.skipRowsWithoutDate) {
      c.skip('no date');
      continue;
    }
    rowNo++;
    summary.entries++;
    if (!date) bad('missing_element', m.columns.date, `Line ${row.line}: the date is empty.`);
    else if (!date.ok) bad('bad_date', m.columns.date, `Line ${row.line}: the date ${date.reason}.`);
    let valueDate: string | undefined;
    if (m.columns.valueDate !== undefined) {
      const v = cellDate(cell('valueDate'), readDate);
      if (v && !v.ok) bad('bad_date', m.columns.valueDate, `Line ${row.line}: the value date ${v.reason}.`);
      else valueDate = v?.value;
    }
    const rowCurrency = m.columns.currency !== undefined ? asText(cell('currency')) : undefined;
    if (rowCurrency?.ok && rowCurrency.value && rowCurrency.value.toUpperCase() !== currency) {
      const known = checkCurrency(rowCurrency.value.toUpperCase());
      bad(
        known.ok ? 'currency_mismatch' : 'bad_value',
        m.columns.currency,
        known.ok
          ? `Line ${row.line}: the row is in ${rowCurrency.value}, but the statement is in ${currency}.`
          : `Line ${row.line}: the currency "${rowCurrency.value}" is not an ISO 4217 code.`,
      );
    }

    // Amount and direction.
    let signed: bigint | undefined;
    const amountOf = (k: Key, isSigned: boolean) => {
      const r = cellAmount(cell(k), currency, { decimal: m.decimalSeparator, group, signed: isSigned });
      if (r && !r.ok) {
        bad('bad_amount', m.columns[k], `Line ${row.line}: the ${label(k)} ${r.reason}.`);
        return null;
      }
      return r?.value;
    };
    if (m.columns.debit !== undefined) {
      const d = amountOf('debit', true);
      const cr = amountOf('credit', true);
      if (d !== null && cr !== null) {
        const hasD = d !== undefined && d !== 0n;
        const hasC = cr !== undefined && cr !== 0n;
        if (hasD && hasC) {
          bad(
            'bad_amount',
            m.columns.debit,
            `Line ${row.line}: both the debit and the credit column have an amount.`,
          );
        } else if (cr !== undefined && cr < 0n) {
          bad('bad_amount', m.columns.credit, `Line ${row.line}: the credit amount is negative.`);
        } else if (hasD) signed = d < 0n ? d : -d;
        else if (hasC || cr === 0n || d === 0n) signed = cr ?? 0n;
        else
          bad(
            'missing_element',
            m.columns.debit,
            `Line ${row.line}: neither the debit nor the credit column has an amount.`,
          );
      } else hadEntryErrors = true;
    } else if (m.columns.direction !== undefined) {
      const a = amountOf('amount', false);
      const dir = asText(cell('direction'));
      const v = dir.ok ? dir.value?.toLowerCase() : undefined;
      if (a === undefined) bad('missing_element', m.columns.amount, `Line ${row.line}: the amount is empty.`);
      if (v === undefined || (!credits.has(v) && !debits.has(v))) {
        bad(
          v === undefined ? 'missing_element' : 'bad_value',
          m.columns.direction,
          `Line ${row.line}: the credit/debit column is ${v === undefined ? 'empty' : `"${dir.ok ? dir.value : ''}"`}; expected one of ${[...credits, ...debits].join(', ')}.`,
        );
      } else if (a !== undefined && a !== null) signed = credits.has(v) ? a : -a;
      if (a === null || a === undefined) hadEntryErrors = true;
    } else {
      const a = amountOf('amount', true);
      if (a === undefined) bad('missing_element', m.columns.amount, `Line ${row.line}: the amount is empty.`);
      if (a === undefined || a === null) hadEntryErrors = true;
      else signed = a;
    }

    if (signed !== undefined) {
      if (signed >= 0n) summary.credits += signed;
      else summary.debits -= signed;
    } else hadEntryErrors = true;

    // Running balance: each row moves it by its amount, in file order or newest first.
    if (m.columns.balance !== undefined) {
      const b = amountOf('balance', true);
      if (b === undefined || b === null || signed === undefined) {
        prevBalance = undefined;
      } else {
        if (prevBalance) {
          const asc = prevBalance.balance + signed === b;
          const desc = b + prevBalance.signed === prevBalance.balance;
          if (order === undefined && asc !== desc) order = asc ? 'asc' : 'desc';
          const fine = order === 'asc' ? asc : order === 'desc' ? desc : asc || desc;
          if (!fine) {
            bad(
              'balance_mismatch',
              m.columns.balance,
              order === 'desc'
                ? `Line ${row.line}: the balance ${fmtMoney(b)} plus the amount of line ${prevBalance.line} (${fmtMoney(prevBalance.signed)}) should be the balance of line ${prevBalance.line} (${fmtMoney(prevBalance.balance)}).`
                : `Line ${row.line}: the balance of line ${prevBalance.line} (${fmtMoney(prevBalance.balance)}) plus this amount (${fmtMoney(signed)}) is ${fmtMoney(prevBalance.balance + signed)}, but this row's balance is ${fmtMoney(b)}.`,
            );
          }
        }
        prevBalance = { balance: b, signed, line: row.line };
      }
    }

    held = { errors, short };
    if (errors.length) {
      if (errors.some((e) => e.code !== 'balance_mismatch')) continue;
    }
    if (signed === undefined || !date?.ok) continue;
    const text = (i: number) => {
      const t = asText(cellAt(row, i));
      return t.ok ? t.value : undefined;
    };
    const opt = (k: Key) => (index![k] === undefined ? undefined : text(index![k]!));
    const remittance = descIndex
      .map(text)
      .filter((s): s is string => !!s)
      .join(' ');
    const amount = signed < 0n ? -signed : signed;
    const direction: Direction = signed < 0n ? 'debit' : 'credit';
    summary.lines++;
    c.lines++;
    yield {
      format: fmt,
      line: row.line,
      statementId: m.statementId,
      account: m.account,
      currency,
      entryIndex: rowNo,
      batchIndex: 1,
      batchSize: 1,
      entryAmount: amount,
      bookingDate: date.value,
      valueDate,
      amount,
      direction,
      reversal: false,
      bankReference: opt('reference'),
      endToEndId: opt('endToEndId'),
      counterpartyName: opt('counterpartyName'),
      counterpartyAccount: opt('counterpartyAccount'),
      remittance,
      creditorReference: findRfReference(remittance),
    };
  }
  release(true);
  if (!index) {
    if (c.errorCount === 0) {
      c.error({
        code: 'unreadable',
        line: 0,
        message: m.headerRow ? `The file has no header row at line ${m.headerRow}.` : 'The file has no rows.',
      });
    }
    return;
  }
  if (rowNo === 0 && c.errorCount === 0) {
    c.error({
      code: 'missing_element',
      line: summary.line,
      message: 'The file has a header but no transactions.',
    });
  }
  if (summary.opening && summary.closing) {
    checkBalance(c, summary, hadEntryErrors, (v) => fmtMoney(v));
  }
  c.statements.push(summary);
}

function label(k: Key): string {
  return k === 'amount' ? 'amount' : k === 'balance' ? 'balance' : `${k} amount`;
}

/** A mapping that cannot work, in a sentence; undefined when it is fine. */
export function checkMapping(m: BankCsvMapping): string | undefined {
  const cols = m.columns;
  if (!cols || cols.date === undefined) return 'The mapping has no date column.';
  const hasAmount = cols.amount !== undefined;
  const hasPair = cols.debit !== undefined || cols.credit !== undefined;
  if (hasAmount === hasPair)
    return 'The mapping needs either an amount column or debit and credit columns (not both).';
  if (hasPair && (cols.debit === undefined || cols.credit === undefined))
    return 'The mapping needs both the debit and the credit column.';
  if (cols.direction !== undefined && !hasAmount)
    return 'A credit/debit column goes with a single amount column.';
  if (!checkCurrency(m.currency).ok) return `The mapping's currency "${m.currency}" is not an ISO 4217 code.`;
  if (m.decimalSeparator !== '.' && m.decimalSeparator !== ',')
    return 'The decimal separator must be "." or ",".';
  if (m.thousandsSeparator === m.decimalSeparator)
    return 'The thousands separator cannot be the decimal separator.';
  if (!m.statementId) return 'The mapping needs a statement id.';
  try {
    dateReader(m.dateFormat ?? '');
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}
