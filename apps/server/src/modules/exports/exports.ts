import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { currencyExponent, formatMajor } from '../../platform/money.ts';

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

export type CellValue = string | number | bigint | Date | null;

export interface ExportColumn<R> {
  header: string;
  /** money: bigint minor units; datetime: an instant; date: YYYY-MM-DD; integer: a count. */
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

/** Reads keyset pages until one comes back short: `page(after)` returns rows after that cursor. */
export async function* keysetChunks<R>(
  page: (after: string | undefined) => Promise<R[]>,
  cursor: (row: R) => string,
  size: number,
): AsyncIterable<R[]> {
  let after: string | undefined;
  for (;;) {
    const rows = await page(after);
    if (rows.length) yield rows;
    if (rows.length < size) return;
    after = cursor(rows[rows.length - 1]!);
  }
}

/**
 * The wall-clock time of an instant in a time zone, as a Date whose UTC fields are that wall
 * clock (what Excel stores). Offsets are cached per zone and hour: Intl is slow for 100k rows.
 */
export function wallClock(timeZone: string) {
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
  return (at: Date): Date => {
    const hour = Math.floor(at.getTime() / 3_600_000);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const probe = new Date(hour * 3_600_000);
      const p = Object.fromEntries(fmt.formatToParts(probe).map((x) => [x.type, x.value]));
      const local = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
      offset = local - probe.getTime();
      offsets.set(hour, offset);
    }
    return new Date(at.getTime() + offset);
  };
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
const isoWall = (d: Date) =>
  `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

function csvCell(v: string) {
  // Quote when needed; a leading = + - @ is prefixed so a spreadsheet never runs it as a formula.
  const safe = /^[=+\-@\t\r]/.test(v) && !/^-?\d/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const moneyFormat = (currency: string) => {
  const exp = currencyExponent(currency);
  return exp ? `#,##0.${'0'.repeat(exp)}` : '#,##0';
};

async function* csvLines<R>(spec: ExportSpec<R>): AsyncIterable<string> {
  const toWall = wallClock(spec.timeZone);
  // The BOM lets Excel read the file as UTF-8 (names with accents).
  yield `\ufeff${spec.columns.map((c) => csvCell(c.header)).join(',')}\r\n`;
  for await (const chunk of spec.rows) {
    let out = '';
    for (const row of chunk) {
      const cells: string[] = [];
      for (const c of spec.columns) {
        const v = c.value(row);
        if (v === null) cells.push('');
        else if (c.type === 'money') cells.push(formatMajor(v as bigint, spec.currency));
        else if (c.type === 'datetime') cells.push(isoWall(toWall(v as Date)));
        else cells.push(csvCell(String(v)));
      }
      out += `${cells.join(',')}\r\n`;
    }
    yield out;
  }
}

function xlsxStream<R>(spec: ExportSpec<R>): Readable {
  const out = new PassThrough();
  const toWall = wallClock(spec.timeZone);
  const money = moneyFormat(spec.currency);
  (async () => {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useStyles: true,
      useSharedStrings: false,
    });
    wb.creator = 'Billrail';
    const ws = wb.addWorksheet(spec.name.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = spec.columns.map((c) => ({
      header: c.header,
      key: c.header,
      width: c.width ?? (c.type === 'datetime' ? 19 : c.type === 'money' ? 14 : 16),
      style:
        c.type === 'money'
          ? { numFmt: money }
          : c.type === 'datetime'
            ? { numFmt: 'yyyy-mm-dd hh:mm:ss' }
            : c.type === 'date'
              ? { numFmt: 'yyyy-mm-dd' }
              : {},
    }));
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).commit();
    for await (const chunk of spec.rows) {
      for (const row of chunk) {
        const values: (string | number | Date | null)[] = [];
        for (const c of spec.columns) {
          const v = c.value(row);
          if (v === null) values.push(null);
          else if (c.type === 'money')
            // A spreadsheet number is a double: exact for any amount a bill can hold (< 2^53 minor units).
            values.push(Number(formatMajor(v as bigint, spec.currency)));
          else if (c.type === 'datetime') values.push(toWall(v as Date));
          else if (c.type === 'date') values.push(new Date(`${v as string}T00:00:00Z`));
          else if (c.type === 'integer') values.push(Number(v));
          else values.push(String(v));
        }
        ws.addRow(values).commit();
      }
    }
    ws.commit();
    await wb.commit();
  })().catch((err) => out.destroy(err as Error));
  return out;
}

/** Sends the export as a download, streaming; the caller has already checked the query. */
export function sendExport<R>(reply: FastifyReply, format: ExportFormat, spec: ExportSpec<R>) {
  const stream = format === 'csv' ? Readable.from(csvLines(spec)) : xlsxStream(spec);
  return reply
    .type(MIME[format])
    .header('content-disposition', `attachment; filename="${spec.name}.${format}"`)
    .header('cache-control', 'no-store')
    .send(stream);
}
