import { pipeline, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import ExcelJS from 'exceljs';

/**
 * Row readers for tabular files (CSV and XLSX) used by the bulk imports. Both read an async
 * stream of bytes and yield one row at a time, so a caller can validate while reading; both
 * report the 1-based line number a person sees in a text editor (CSV) or in Excel's row headers
 * (XLSX), which is what import reports quote back.
 *
 * Cells keep their type (a number or a date cell in XLSX stays one) so that each column decides
 * how to read it: an amount must never go through a float, a due date may be a real date cell.
 */

export type Cell =
  | { kind: 'empty' }
  | { kind: 'text'; text: string }
  /** An XLSX numeric cell (CSV has only text). */
  | { kind: 'number'; value: number }
  /** An XLSX date cell: its calendar date (YYYY-MM-DD) and whether it also carries a time of day. */
  | { kind: 'date'; date: string; time: boolean }
  | { kind: 'boolean'; value: boolean }
  /** An XLSX error value such as #N/A or #REF!. */
  | { kind: 'error'; code: string };

export const EMPTY: Cell = { kind: 'empty' };
export const text = (s: string): Cell => (s === '' ? EMPTY : { kind: 'text', text: s });

/** A non-blank row of the file: `cells[0]` is the first column. */
export interface RawRow {
  line: number;
  cells: Cell[];
}

export type TabularFormat = 'csv' | 'xlsx';

export type TabularErrorCode =
  | 'empty_file'
  | 'no_rows'
  | 'not_text'
  | 'malformed_csv'
  | 'malformed_xlsx'
  | 'header_invalid'
  | 'too_many_rows';

export interface RowProblem {
  row: number;
  field: string;
  reason: string;
}

/** The file as a whole cannot be read (as opposed to a bad row, which is reported per row). */
export class TabularError extends Error {
  readonly code: TabularErrorCode;
  readonly problems: RowProblem[];
  constructor(code: TabularErrorCode, message: string, problems: RowProblem[] = []) {
    super(message);
    this.name = 'TabularError';
    this.code = code;
    this.problems = problems;
  }
}

// --- byte-level helpers ------------------------------------------------------------------------

/** The file's bytes: a stream, an async generator, or simply `[buffer]`. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Reads at least `min` bytes (or everything, if shorter) and gives back a stream that replays them. */
async function peek(source: ByteSource, min: number) {
  const it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const seen: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < min) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    seen.push(chunk);
    size += chunk.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* seen;
    if (done) return;
    for (let next = await it.next(); !next.done; next = await it.next()) {
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  }
  return { head: Buffer.concat(seen), rest: rest() };
}

const startsWith = (buf: Buffer, bytes: number[]) => bytes.every((b, i) => buf[i] === b);
const ZIP = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4: XLSX is a ZIP archive
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0]; // legacy .xls (and other Office 97-2003 files)

/** Decodes UTF-8 strictly (a BOM is dropped), refusing binary data and other encodings. */
async function* utf8(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  for await (const chunk of chunks) {
    let s: string;
    try {
      s = decoder.decode(chunk, { stream: true });
    } catch {
      throw new TabularError(
        'not_text',
        'The file is not UTF-8 text. Save it as "CSV UTF-8" (Excel) or with UTF-8 encoding.',
      );
    }
    if (s.includes('\u0000')) {
      throw new TabularError('not_text', 'The file contains binary data; it is not CSV text.');
    }
    offset += chunk.length;
    yield s;
  }
  try {
    const tail = decoder.decode();
    if (tail) yield tail;
  } catch {
    throw new TabularError('not_text', `The file ends in the middle of a UTF-8 character (byte ${offset}).`);
  }
}

/**
 * The field delimiter, from the header line: a comma unless the header clearly uses semicolons
 * (what spreadsheet programs write in locales with a decimal comma) or tabs.
 */
export function detectDelimiter(firstLine: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch as keyof typeof counts]++;
  }
  if (counts[';'] > counts[','] && counts[';'] >= counts['\t']) return ';';
  if (counts['\t'] > counts[',']) return '\t';
  return ',';
}

/** Line breaks inside a record's raw text, without the record delimiter that ends it. */
function breaksIn(raw: string): number {
  const body = raw.replace(/(\r\n|\r|\n)$/, '');
  return body.match(/\r\n|\r|\n/g)?.length ?? 0;
}

// --- CSV ---------------------------------------------------------------------------------------

/**
 * Reads CSV (RFC 4180 quoting, any of CRLF/LF/CR line ends, UTF-8 with or without BOM). Blank
 * lines and lines of empty fields are skipped but still counted, so line numbers match an editor.
 * A row's number is the line it starts on (a quoted field may span lines).
 */
export async function* readCsv(source: ByteSource): AsyncGenerator<RawRow> {
  const { head, rest } = await peek(source, 64 * 1024);
  if (head.length === 0) throw new TabularError('empty_file', 'The file is empty.');
  if (startsWith(head, ZIP)) {
    throw new TabularError(
      'not_text',
      'The file is an XLSX workbook (a ZIP archive), not CSV text; send it as XLSX.',
    );
  }
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    throw new TabularError('not_text', 'The file is UTF-16 text; save it as "CSV UTF-8".');
  }
  const firstLine =
    new TextDecoder('utf-8')
      .decode(head)
      .replace(/^\uFEFF/, '')
      .split(/\r\n|\r|\n/, 1)[0] ?? '';
  let line = 1; // the line the next record starts on
  const parser = parse({
    delimiter: detectDelimiter(firstLine),
    bom: true,
    raw: true,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: 1 << 20,
    // Runs as each record is parsed (before it is buffered), so `line` is exact even when a
    // later error discards buffered records.
    on_record: (({ record, raw }: { record: string[]; raw: string }): RawRow | null => {
      const start = line;
      line += 1 + breaksIn(raw);
      if (record.every((f) => f.trim() === '')) return null;
      return { line: start, cells: record.map(text) };
    }) as never,
  });
  pipeline(Readable.from(utf8(rest)), parser, () => {
    // Errors surface through the iteration below.
  });
  try {
    yield* parser as AsyncIterable<RawRow>;
  } catch (err) {
    if (err instanceof TabularError) throw err;
    if (err instanceof CsvError) {
      const reason = csvReason(err);
      throw new TabularError('malformed_csv', `The CSV file cannot be read at line ${line}: ${reason}.`, [
        { row: line, field: 'file', reason },
      ]);
    }
    throw err;
  } finally {
    parser.destroy();
  }
}

function csvReason(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote appears inside an unquoted field (quote the whole field and double the inner quotes)';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote is followed by other characters (double a quote inside a quoted field)';
    case 'CSV_MAX_RECORD_SIZE':
      return 'a row is longer than 1 MiB';
    default:
      return err.message.replace(/\.$/, '');
  }
}

// --- XLSX --------------------------------------------------------------------------------------

/** The same test as Excel and exceljs: a number format with date or time parts outside quotes and brackets. */
function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  return /[ymdhMsb]/.test(fmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** An Excel serial day number to a UTC instant (1900 or 1904 date system), as exceljs does. */
function excelSerialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

function dateCell(d: Date): Cell {
  if (Number.isNaN(d.getTime())) return { kind: 'error', code: '#VALUE!' };
  const iso = d.toISOString(); // exceljs gives dates as UTC midnight of the cell's calendar date
  return { kind: 'date', date: iso.slice(0, 10), time: iso.slice(11, 23) !== '00:00:00.000' };
}

/** One exceljs cell value (as the streaming reader produces it) to a typed Cell. */
export function xlsxCell(value: unknown, numFmt: string | undefined, date1904: boolean): Cell {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'string') return text(value);
  if (typeof value === 'number') {
    return isDateFormat(numFmt) ? dateCell(excelSerialToDate(value, date1904)) : { kind: 'number', value };
  }
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (value instanceof Date) return dateCell(value);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText))
      return text(v.richText.map((r: { text?: string }) => r.text ?? '').join(''));
    if ('error' in v) return { kind: 'error', code: String(v.error) };
    // A formula: its cached result (the reader leaves date results as serial numbers).
    if ('formula' in v || 'sharedFormula' in v) return xlsxCell(v.result, numFmt, date1904);
    if ('hyperlink' in v) return text(String(v.text ?? ''));
    if ('text' in v) return text(String(v.text));
  }
  return { kind: 'error', code: 'unreadable cell' };
}

interface XlsxRow {
  number: number;
  cellCount: number;
  getCell(col: number): { value: unknown; numFmt?: string };
}

/**
 * Reads the first visible worksheet of an XLSX workbook with exceljs' streaming reader. Empty
 * rows are skipped; a row's number is Excel's own row number.
 */
export async function* readXlsx(source: ByteSource): AsyncGenerator<RawRow> {
  const { head, rest } = await peek(source, 4);
  if (head.length === 0) throw new TabularError('empty_file', 'The file is empty.');
  if (startsWith(head, OLE2)) {
    throw new TabularError(
      'malformed_xlsx',
      'The file is a legacy Excel 97-2003 (.xls) workbook; save it as .xlsx or CSV.',
    );
  }
  if (!startsWith(head, ZIP)) {
    throw new TabularError('malformed_xlsx', 'The file is not an XLSX workbook (it is not a ZIP archive).');
  }
  // The streaming reader reads ZIP entries in order and never needs the central directory at the
  // end, so a file cut short after its last entry would read "fine": keep the tail and check it.
  let tail = Buffer.alloc(0);
  async function* tapped(): AsyncGenerator<Buffer> {
    for await (const chunk of rest) {
      tail = Buffer.concat([tail, chunk]).subarray(-ZIP_TAIL);
      yield chunk;
    }
  }
  const input = Readable.from(tapped());
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell date cells from numbers
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let sheets = 0;
  try {
    for await (const sheet of reader) {
      const state = (sheet as unknown as { state?: string }).state;
      // Only the first visible worksheet is read; the others are passed over (the reader drains them).
      if (sheets > 0 || state === 'hidden' || state === 'veryHidden') continue;
      sheets++;
      const props = (reader as unknown as { properties?: { model?: { date1904?: boolean } } }).properties;
      const date1904 = !!props?.model?.date1904;
      let previous = 0;
      for await (const row of sheet as AsyncIterable<XlsxRow>) {
        // Some writers omit the row's `r` attribute; rows are then consecutive.
        const line = Number.isFinite(row.number) ? row.number : previous + 1;
        previous = line;
        const cells: Cell[] = [];
        for (let col = 1; col <= row.cellCount; col++) {
          const cell = row.getCell(col);
          cells.push(xlsxCell(cell.value, cell.numFmt, date1904));
        }
        if (cells.every((c) => c.kind === 'empty' || (c.kind === 'text' && c.text.trim() === ''))) continue;
        yield { line, cells };
      }
    }
  } catch (err) {
    if (err instanceof TabularError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new TabularError('malformed_xlsx', `The XLSX file is damaged or not a workbook (${reason}).`);
  } finally {
    input.destroy();
  }
  if (!hasEndOfCentralDirectory(tail)) {
    throw new TabularError('malformed_xlsx', 'The XLSX file is incomplete (cut short?); upload it again.');
  }
  if (sheets === 0) throw new TabularError('malformed_xlsx', 'The XLSX file has no worksheet.');
}

/** A ZIP ends with the end-of-central-directory record (PK\5\6, 22 bytes plus a comment of up to 64 KiB). */
const ZIP_TAIL = 22 + 0xffff;
function hasEndOfCentralDirectory(tail: Buffer): boolean {
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
      return i + 22 + tail.readUInt16LE(i + 20) === tail.length;
    }
  }
  return false;
}

export function readRows(format: TabularFormat, source: ByteSource): AsyncGenerator<RawRow> {
  return format === 'csv' ? readCsv(source) : readXlsx(source);
}

// --- header and records ------------------------------------------------------------------------

/** "Account Number", " account-number " and "ACCOUNT_NUMBER" all name the column account_number. */
export function normaliseHeader(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export interface ColumnSpec {
  required: readonly string[];
  optional: readonly string[];
}

/** A data row keyed by column name; `problems` are structural (values in columns without a header). */
export interface DataRow {
  line: number;
  values: Record<string, Cell>;
  problems: RowProblem[];
  /** The file's columns in header order (null: a column without a header). */
  columns: readonly (string | null)[];
}

export interface RecordOptions {
  /** Refuse files with more data rows than this (the reading stops there). */
  maxRows?: number;
}

/**
 * The first non-blank row is the header: column names are matched case- and space-insensitively,
 * in any order. Unknown, duplicate and missing required columns are refused by name before any
 * data row is read. A file with a header and no data rows is refused too.
 */
export async function* readRecords(
  rows: AsyncIterable<RawRow>,
  spec: ColumnSpec,
  opts: RecordOptions = {},
): AsyncGenerator<DataRow> {
  const known = new Set([...spec.required, ...spec.optional]);
  let columns: (string | null)[] | null = null;
  let count = 0;
  for await (const row of rows) {
    if (!columns) {
      columns = headerOf(row, spec, known);
      continue;
    }
    count++;
    if (opts.maxRows !== undefined && count > opts.maxRows) {
      throw new TabularError(
        'too_many_rows',
        `The file has more than ${opts.maxRows} data rows; split it into smaller files.`,
      );
    }
    const values: Record<string, Cell> = {};
    const problems: RowProblem[] = [];
    for (const name of known) values[name] = EMPTY;
    row.cells.forEach((cell, i) => {
      const name = columns![i];
      if (name) values[name] = cell;
      else if (!(cell.kind === 'empty' || (cell.kind === 'text' && cell.text.trim() === ''))) {
        problems.push({
          row: row.line,
          field: `column ${i + 1}`,
          reason: 'has a value but no header (an unquoted comma in a value?)',
        });
      }
    });
    yield { line: row.line, values, problems, columns };
  }
  if (!columns) throw new TabularError('empty_file', 'The file has no rows.');
  if (count === 0) throw new TabularError('no_rows', 'The file has a header row but no data rows.');
}

function headerOf(row: RawRow, spec: ColumnSpec, known: Set<string>): (string | null)[] {
  const problems: RowProblem[] = [];
  const seen = new Set<string>();
  const columns = row.cells.map((cell, i) => {
    const read = asText(cell);
    const label = cell.kind === 'text' ? cell.text : read.ok ? (read.value ?? '') : '';
    const name = normaliseHeader(label);
    if (!name) return null; // an unnamed column (e.g. a trailing delimiter): its values must be empty
    if (!known.has(name)) {
      problems.push({
        row: row.line,
        field: label.trim(),
        reason: `is not a known column (column ${i + 1})`,
      });
      return null;
    }
    if (seen.has(name))
      problems.push({ row: row.line, field: name, reason: `appears twice in the header (column ${i + 1})` });
    seen.add(name);
    return name;
  });
  for (const name of spec.required) {
    if (!seen.has(name))
      problems.push({ row: row.line, field: name, reason: 'is a required column and is missing' });
  }
  if (problems.length) {
    const unknown = problems.filter((p) => p.reason.startsWith('is not a known')).map((p) => p.field);
    const missing = problems.filter((p) => p.reason.startsWith('is a required')).map((p) => p.field);
    const parts = [
      unknown.length ? `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` : '',
      missing.length ? `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : '',
    ].filter(Boolean);
    throw new TabularError(
      'header_invalid',
      `The header row (line ${row.line}) is not valid${parts.length ? `: ${parts.join('; ')}` : ''}. Columns: ${[...spec.required, ...spec.optional].join(', ')}.`,
      problems,
    );
  }
  return columns;
}

// --- reading one cell as a column's type ---------------------------------------------------------

export type Read<T> = { ok: true; value: T | undefined } | { ok: false; reason: string };
const ok = <T>(value: T | undefined): Read<T> => ({ ok: true, value });
const bad = <T>(reason: string): Read<T> => ({ ok: false, reason });

/**
 * A spreadsheet number as the decimal a person typed. XLSX stores numbers as binary doubles;
 * Excel shows and keeps at most 15 significant digits, so a value stored as 120.49999999999999
 * (a formula's binary artefact) is read as Excel displays it: 120.5. Integers are exact up to
 * 2^53; anything that a double cannot hold exactly (and is not a 15-digit decimal) is refused.
 */
export function numberToDecimal(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? BigInt(n).toString() : undefined;
  if (Math.abs(n) >= 1e15) return undefined;
  const [mantissa = '', exp = '0'] = n.toPrecision(15).split('e');
  const negative = mantissa.startsWith('-');
  const [int = '', frac = ''] = mantissa.replace('-', '').split('.');
  let digits = int + frac;
  let point = int.length + Number(exp);
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  }
  if (point > digits.length) digits = digits.padEnd(point, '0');
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(point).replace(/0+$/, '');
  const out = fraction ? `${whole}.${fraction}` : whole;
  return negative && out !== '0' ? `-${out}` : out;
}

/** A text value: trimmed, empty means absent; a numeric cell gives its digits (e.g. an account number). */
export function asText(cell: Cell): Read<string> {
  switch (cell.kind) {
    case 'empty':
      return ok(undefined);
    case 'text': {
      const s = cell.text.trim();
      return ok(s === '' ? undefined : s);
    }
    case 'number': {
      const s = numberToDecimal(cell.value);
      return s === undefined ? bad('is a number too large to be exact; format the column as Text') : ok(s);
    }
    case 'date':
      return ok(cell.date);
    case 'boolean':
      return ok(String(cell.value));
    case 'error':
      return bad(`is a spreadsheet error (${cell.code})`);
  }
}

/** A decimal amount in major units as a string ("120.50"), exactly as written; never through a float. */
export function asDecimal(cell: Cell): Read<string> {
  switch (cell.kind) {
    case 'number': {
      const s = numberToDecimal(cell.value);
      return s === undefined ? bad('is not an exact decimal amount') : ok(s);
    }
    case 'date':
      return bad('must be a decimal amount such as 120.50, not a date');
    case 'boolean':
      return bad('must be a decimal amount such as 120.50');
    default:
      return asText(cell);
  }
}

/** A calendar date as YYYY-MM-DD: a date cell, or text that the caller validates as a date. */
export function asDate(cell: Cell): Read<string> {
  switch (cell.kind) {
    case 'date':
      return cell.time ? bad('has a time of day; give a date only, like 2025-03-31') : ok(cell.date);
    case 'number':
    case 'boolean':
      return bad('must be a date like 2025-03-31');
    default:
      return asText(cell);
  }
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/** true/false, yes/no, 1/0 in any case, or a boolean cell. */
export function asBoolean(cell: Cell): Read<boolean> {
  if (cell.kind === 'boolean') return ok(cell.value);
  if (cell.kind === 'number' && (cell.value === 0 || cell.value === 1)) return ok(cell.value === 1);
  const t = asText(cell);
  if (!t.ok || t.value === undefined) return t.ok ? ok(undefined) : t;
  const v = t.value.toLowerCase();
  if (TRUE.has(v)) return ok(true);
  if (FALSE.has(v)) return ok(false);
  return bad('must be true or false (or yes/no, 1/0)');
}
