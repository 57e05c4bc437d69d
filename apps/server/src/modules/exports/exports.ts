import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { currencyExponent } from '../../platform/money.ts';

/**
 * The one export mechanism of the back office: every list (payments, bills, the audit log …)
 * describes its columns once and hands over its rows chunk by chunk (keyset pages, each read in
 * its own tenant-scoped transaction); this writes them as CSV or XLSX while they are read, so an
 * export of a million rows never holds more than one chunk in memory.
 *
 * Types survive the trip: in XLSX, amounts are numbers with the currency's minor-unit format
 * (`#,##0.00` for USD, `#,##0` for JPY, `#,##0.000` for KWD) and instants are real Excel dates
 * in the tenant's time zone (Excel dates have no zone, so the wall clock there is written). In
 * CSV, amounts are exact decimal strings ("120.50") and instants are "YYYY-MM-DD HH:MM:SS" in the
 * tenant's time zone, which spreadsheets read as numbers and dates.
 */
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const exportQuery = z.object({
  format: z.enum(EXPORT_FORMATS).default('csv').describe('csv or xlsx'),
});

/**
 * A cell as a column hands it over. money: integer minor units, as a bigint or a string of digits
 * (as the database returns `amount::text`); datetime: an instant, as a Date or epoch milliseconds;
 * date: YYYY-MM-DD; integer: a count.
 */
export type CellValue = string | number | bigint | Date | null;

export interface ExportColumn<R> {
  header: string;
  type: 'text' | 'money' | 'datetime' | 'date' | 'integer';
  width?: number;
  value(row: R): CellValue;
}

export interface ExportSpec<R> {
  /** File name without extension, and the sheet's name. */
  name: string;
  columns: ExportColumn<R>[];
  currency: string;
  timeZone: string;
  rows: AsyncIterable<R[]>;
}

const MIME: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * Reads keyset pages until one comes back short: `page(after)` returns rows after that cursor.
 * The next page is already being read while the caller writes this one, so the database and the
 * formatting overlap instead of taking turns.
 */
export async function* keysetChunks<R>(
  page: (after: string | undefined) => Promise<R[]>,
  cursor: (row: R) => string,
  size: number,
): AsyncIterable<R[]> {
  let next: Promise<R[]> | undefined = page(undefined);
  while (next) {
    const rows: R[] = await next;
    next = rows.length < size ? undefined : page(cursor(rows[rows.length - 1]!));
    // A prefetched page whose consumer stopped early (client gone) must not reject unhandled.
    next?.catch(() => {});
    if (rows.length) yield rows;
  }
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The tenant's wall clock as epoch-like milliseconds (UTC fields = wall clock), offsets cached per hour. */
function wallClockMs(timeZone: string) {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsets = new Map<number, number>();
  return (at: number): number => {
    const hour = Math.floor(at / HOUR);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const probe = new Date(hour * HOUR);
      const p = Object.fromEntries(fmt.formatToParts(probe).map((x) => [x.type, x.value]));
      const local = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
      offset = local - probe.getTime();
      offsets.set(hour, offset);
    }
    return at + offset;
  };
}

/**
 * The wall-clock time of an instant in a time zone, as a Date whose UTC fields are that wall
 * clock (what Excel stores). Offsets are cached per zone and hour: Intl is slow for 100k rows.
 */
export function wallClock(timeZone: string) {
  const ms = wallClockMs(timeZone);
  return (at: Date): Date => new Date(ms(at.getTime()));
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** "YYYY-MM-DD HH:MM:SS" of wall-clock milliseconds; the date part is computed once per day. */
function isoWallFormatter() {
  const days = new Map<number, string>();
  return (wall: number) => {
    const day = Math.floor(wall / DAY);
    let date = days.get(day);
    if (date === undefined) {
      const d = new Date(day * DAY);
      date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} `;
      days.set(day, date);
    }
    const s = Math.floor((wall - day * DAY) / 1000);
    return `${date}${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  };
}

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER_START = /^-?\d/;

function csvCell(v: string) {
  // Quote when needed; a leading = + - @ is prefixed so a spreadsheet never runs it as a formula.
  const safe = FORMULA_START.test(v) && !NUMBER_START.test(v) ? `'${v}` : v;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const moneyFormat = (currency: string) => {
  const exp = currencyExponent(currency);
  return exp ? `#,##0.${'0'.repeat(exp)}` : '#,##0';
};

/**
 * Minor units → exact decimal string ("12050" → "120.50" for USD), by string arithmetic on the
 * digits: no float ever touches an amount.
 */
export function majorOf(minor: bigint | string, exp: number): string {
  let digits = typeof minor === 'bigint' ? minor.toString() : minor;
  const neg = digits.charCodeAt(0) === 45; // '-'
  if (neg) digits = digits.slice(1);
  if (!exp) return neg ? `-${digits}` : digits;
  if (digits.length <= exp) digits = digits.padStart(exp + 1, '0');
  const cut = digits.length - exp;
  return `${neg ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

const msOf = (v: CellValue) => (typeof v === 'number' ? v : (v as Date).getTime());

/** One function per column turning its value into CSV text, chosen once per export. */
function csvFormatters<R>(spec: ExportSpec<R>): ((row: R) => string)[] {
  const exp = currencyExponent(spec.currency);
  const toWall = wallClockMs(spec.timeZone);
  const iso = isoWallFormatter();
  return spec.columns.map((c) => {
    const value = c.value;
    switch (c.type) {
      case 'money':
        return (row) => {
          const v = value(row);
          return v === null ? '' : majorOf(v as bigint | string, exp);
        };
      case 'datetime':
        return (row) => {
          const v = value(row);
          return v === null ? '' : iso(toWall(msOf(v)));
        };
      default:
        return (row) => {
          const v = value(row);
          return v === null ? '' : csvCell(String(v));
        };
    }
  });
}

/** Rows per string handed to the stream: large enough to be cheap, small enough to flow. */
const CSV_BATCH = 1000;

async function* csvLines<R>(spec: ExportSpec<R>): AsyncIterable<string> {
  const cells = csvFormatters(spec);
  const n = cells.length;
  // The BOM lets Excel read the file as UTF-8 (names with accents).
  yield `\ufeff${spec.columns.map((c) => csvCell(c.header)).join(',')}\r\n`;
  for await (const chunk of spec.rows) {
    for (let start = 0; start < chunk.length; start += CSV_BATCH) {
      const end = Math.min(chunk.length, start + CSV_BATCH);
      let out = '';
      for (let r = start; r < end; r++) {
        const row = chunk[r]!;
        out += cells[0]!(row);
        for (let i = 1; i < n; i++) out += `,${cells[i]!(row)}`;
        out += '\r\n';
      }
      yield out;
    }
  }
}

/** What exceljs 4's WorkbookWriter has beyond its typings that the row writer below uses. */
interface WorkbookWriterInternals {
  /** The workbook's style table: the id (`s`) of a style, registered at first use. */
  styles: { addStyleModel(style: Partial<ExcelJS.Style>, cellType?: number): number };
}
interface WorksheetWriterInternals {
  /** The sheet's XML part, between `<sheetData>` and `</sheetData>` once the first row is committed. */
  stream: { write(xml: string): unknown };
}

// What XML text cannot hold as is: markup characters, and control characters XML 1.0 forbids
// (exceljs drops those; so does this). Built from a string so the source holds no control escapes.
const XML_UNSAFE = '<>&\'"\\x7F\\x00-\\x08\\x0B-\\x0C\\x0E-\\x1F';
const XML_SPECIAL = new RegExp(`[${XML_UNSAFE}]`);
const XML_SPECIAL_ALL = new RegExp(`[${XML_UNSAFE}]`, 'g');
const XML_ESCAPES: Record<string, string> = {
  '"': '&quot;',
  '&': '&amp;',
  "'": '&apos;',
  '<': '&lt;',
  '>': '&gt;',
};
/** Text as XML character data, as exceljs encodes it (characters XML cannot hold are dropped). */
const xmlText = (v: string) =>
  XML_SPECIAL.test(v) ? v.replace(XML_SPECIAL_ALL, (ch) => XML_ESCAPES[ch] ?? '') : v;

const columnLetters = (n: number) => {
  let s = '';
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
};

/** Excel's serial day number of wall-clock milliseconds (1900 date system), as exceljs writes it. */
const excelSerial = (wall: number) => 25569 + wall / DAY;

/**
 * One function per column writing its cell of row `r` as SpreadsheetML (`<c …>`), or '' for no
 * value. Numbers and dates are `<v>` numbers with the column's style (number format), text is an
 * inline string: the XML exceljs writes for the same values, without its per-cell objects.
 */
function xlsxCells<R>(spec: ExportSpec<R>, styleIds: number[]): ((row: R, r: number) => string)[] {
  const exp = currencyExponent(spec.currency);
  const toWall = wallClockMs(spec.timeZone);
  return spec.columns.map((c, i) => {
    const value = c.value;
    const col = columnLetters(i + 1);
    const s = styleIds[i] ? ` s="${styleIds[i]}"` : '';
    const num = (r: number, n: number) => `<c r="${col}${r}"${s}><v>${n}</v></c>`;
    switch (c.type) {
      case 'money':
        // A spreadsheet number is a double: the nearest to the exact decimal, and exact for any
        // amount a bill can hold (< 2^53 minor units); the column's format shows the minor units.
        return (row, r) => {
          const v = value(row);
          return v === null ? '' : num(r, Number(majorOf(v as bigint | string, exp)));
        };
      case 'datetime':
        return (row, r) => {
          const v = value(row);
          return v === null ? '' : num(r, excelSerial(toWall(msOf(v))));
        };
      case 'date':
        return (row, r) => {
          const v = value(row);
          return v === null ? '' : num(r, excelSerial(Date.parse(`${v as string}T00:00:00Z`)));
        };
      case 'integer':
        return (row, r) => {
          const v = value(row);
          return v === null ? '' : num(r, Number(v));
        };
      default:
        return (row, r) => {
          const v = value(row);
          return v === null ? '' : `<c r="${col}${r}"${s} t="str"><v>${xmlText(String(v))}</v></c>`;
        };
    }
  });
}

/** Resolves once `s` has room again, or is closed (a client that went away). */
const drained = (s: PassThrough) =>
  new Promise<void>((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });

/** exceljs value types (ExcelJS.ValueType) of the cells a column holds, for the style table. */
const VALUE_TYPE = { text: 3, money: 2, integer: 2, datetime: 4, date: 4 } as const;

function xlsxStream<R>(spec: ExportSpec<R>): Readable {
  const out = new PassThrough();
  const money = moneyFormat(spec.currency);
  const n = spec.columns.length;
  // The number format lives on the column: one style object per column, registered once.
  const styles: Partial<ExcelJS.Style>[] = spec.columns.map((c) =>
    c.type === 'money'
      ? { numFmt: money }
      : c.type === 'datetime'
        ? { numFmt: 'yyyy-mm-dd hh:mm:ss' }
        : c.type === 'date'
          ? { numFmt: 'yyyy-mm-dd' }
          : {},
  );
  (async () => {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useStyles: true,
      useSharedStrings: false,
    });
    wb.creator = 'Billrail';
    const ws = wb.addWorksheet(spec.name.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = spec.columns.map((c, i) => ({
      header: c.header,
      key: c.header,
      width: c.width ?? (c.type === 'datetime' ? 19 : c.type === 'money' ? 14 : 16),
      style: styles[i]!,
    }));
    ws.getRow(1).font = { bold: true };
    // The header row goes through exceljs, which also writes the columns and opens <sheetData>.
    ws.getRow(1).commit();
    const styleIds = spec.columns.map((c, i) =>
      (wb as unknown as WorkbookWriterInternals).styles.addStyleModel(styles[i]!, VALUE_TYPE[c.type]),
    );
    // Data rows: exceljs builds a Row, a Cell per value and an XML tree per row, which is most of
    // an export's time at 100k rows; the same XML is written here directly, a batch at a time.
    const sheet = (ws as unknown as WorksheetWriterInternals).stream;
    const cells = xlsxCells(spec, styleIds);
    let r = 1;
    for await (const chunk of spec.rows) {
      let xml = '';
      for (const row of chunk) {
        r++;
        let first = 0;
        let last = 0;
        let body = '';
        for (let i = 0; i < n; i++) {
          const cell = cells[i]!(row, r);
          if (cell) {
            if (!first) first = i + 1;
            last = i + 1;
            body += cell;
          }
        }
        // A row without values is left out, as exceljs does.
        if (first) xml += `<row r="${r}" spans="${first}:${last}" x14ac:dyDescent="0.25">${body}</row>`;
      }
      sheet.write(xml);
      // Backpressure: let the client take what is written before producing more.
      if (out.writableNeedDrain) await drained(out);
      if (out.destroyed) return;
    }
    ws.commit();
    await wb.commit();
  })().catch((err) => out.destroy(err as Error));
  return out;
}

/** Sends the export as a download, streaming; the caller has already checked the query. */
export function sendExport<R>(reply: FastifyReply, format: ExportFormat, spec: ExportSpec<R>) {
  const stream =
    format === 'csv'
      ? Readable.from(csvLines(spec), { objectMode: false, highWaterMark: 1 << 20 })
      : xlsxStream(spec);
  return reply
    .type(MIME[format])
    .header('content-disposition', `attachment; filename="${spec.name}.${format}"`)
    .header('cache-control', 'no-store')
    .send(stream);
}
