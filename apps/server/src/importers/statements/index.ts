import { type BankCsvMapping, parseBankTable } from './bank-csv.ts';
import { parseCamt053 } from './camt053.ts';
import { type DokuOptions, parseDokuSettlement } from './doku-settlement.ts';
import { type Mt940Options, parseMt940 } from './mt940.ts';
import { type ByteSource, bomEncoding, peek } from './source.ts';
import {
  Collector,
  DEFAULT_MAX_ERRORS,
  type ParseReport,
  type StatementError,
  type StatementFormat,
  type StatementLine,
} from './statement.ts';

/**
 * One entry point for every statement and settlement file:
 *
 * ```ts
 * const parse = parseStatement(fileStream, { format: 'auto' });
 * for await (const line of parse) stage(line);
 * const report = parse.report();
 * if (!report.ok) discardStaged(report.errors); // apply nothing from a file with errors
 * ```
 *
 * Lines stream out as the file is read (memory stays flat for any file size); problems are
 * collected in the report rather than thrown, so a person gets every error with its line at
 * once. Only failures of the source itself (an I/O error) are thrown.
 */

export { type BankCsvMapping, type ColumnRef, checkMapping, dateReader } from './bank-csv.ts';
export { type DokuOptions, toSettlement } from './doku-settlement.ts';
export { type Information, type Mt940Options, parse61, parseInformation } from './mt940.ts';
export type { ByteSource } from './source.ts';
export type {
  Balance,
  Direction,
  ParseReport,
  SettlementPart,
  StatementError,
  StatementErrorCode,
  StatementFormat,
  StatementLine,
  StatementSummary,
  StatementWarning,
} from './statement.ts';
export { findRfReference, isRfReference } from './values.ts';

export interface ParseOptions {
  /** The file's format, or 'auto' (the default) to tell it from the first bytes. */
  format?: StatementFormat | 'auto';
  /** Required for bank-csv and bank-xlsx. */
  mapping?: BankCsvMapping;
  doku?: DokuOptions;
  mt940?: Mt940Options;
  /** Errors kept in the report (all are counted). Default 1000. */
  maxErrors?: number;
}

export interface StatementParse extends AsyncIterable<StatementLine> {
  /** Errors found so far (complete once the iteration has ended). */
  readonly errors: readonly StatementError[];
  /** The report; call it after the iteration has ended. */
  report(): ParseReport;
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];

/**
 * Tells the format from a file's first bytes (a few KiB are plenty): XML is camt.053 (its
 * namespace is checked while parsing), SWIFT blocks or `:20:` lines are MT940, a header with
 * settlement_id and invoice_number is a DOKU settlement report, other text is a bank CSV and a
 * ZIP is an XLSX workbook. Undefined for an empty file.
 */
export function detectFormat(head: Buffer): StatementFormat | undefined {
  if (head.length === 0) return undefined;
  if (ZIP.every((b, i) => head[i] === b)) return 'bank-xlsx';
  const bom = bomEncoding(head);
  const enc = bom === 'utf-16le' ? 'utf16le' : 'latin1';
  let text = head.subarray(0, 16 * 1024).toString(enc);
  if (bom === 'utf-16be') text = Buffer.from(head.subarray(2)).swap16().toString('utf16le');
  text = text.replace(/^(\uFEFF|\u00EF\u00BB\u00BF|\u00FF\u00FE)/, '').trimStart();
  if (text.startsWith('<')) return 'camt053';
  const lines = text.split(/\r\n|\r|\n/).slice(0, 30);
  if (/^\{[1-5]:/.test(text) || lines.some((l) => /^:(20|25|28C?|60[FM]):/.test(l))) return 'mt940';
  const header = (lines.find((l) => l.trim() !== '') ?? '').toLowerCase().replace(/[\s-]+/g, '_');
  if (/(settlement_id|batch_id)/.test(header) && header.includes('invoice_number')) return 'doku-settlement';
  return 'bank-csv';
}

/** Parses a statement or settlement file into lines; see the module comment. */
export function parseStatement(source: ByteSource, opts: ParseOptions = {}): StatementParse {
  const c = new Collector(opts.maxErrors ?? DEFAULT_MAX_ERRORS);
  let started = false;
  async function* run(): AsyncGenerator<StatementLine> {
    const { head, rest } = await peek(source, 16 * 1024);
    const format = !opts.format || opts.format === 'auto' ? detectFormat(head) : opts.format;
    if (!format) {
      c.error({ code: 'unreadable', line: 0, message: 'The file is empty.' });
      return;
    }
    c.format = format;
    switch (format) {
      case 'camt053':
        yield* parseCamt053(rest, c);
        return;
      case 'mt940':
        yield* parseMt940(rest, c, opts.mt940);
        return;
      case 'bank-csv':
      case 'bank-xlsx':
        if (!opts.mapping) {
          await rest.return(undefined);
          c.error({
            code: 'bad_mapping',
            line: 0,
            message: `The file looks like a bank ${format === 'bank-csv' ? 'CSV' : 'XLSX'} export; say which column holds what (a column mapping) to read it.`,
          });
          return;
        }
        yield* parseBankTable(format === 'bank-csv' ? 'csv' : 'xlsx', rest, c, opts.mapping);
        return;
      case 'doku-settlement': {
        const xlsx = ZIP.every((b, i) => head[i] === b);
        yield* parseDokuSettlement(xlsx ? 'xlsx' : 'csv', rest, c, opts.doku);
        return;
      }
    }
  }
  return {
    [Symbol.asyncIterator]() {
      if (started) throw new Error('A statement parse can be iterated once');
      started = true;
      return run();
    },
    get errors() {
      return c.errors;
    },
    report: () => c.report(),
  };
}

/** Reads a whole (small) file into memory: for tests, previews and uploads of a few MB. */
export async function readStatement(
  source: ByteSource,
  opts: ParseOptions = {},
): Promise<{ lines: StatementLine[]; report: ParseReport }> {
  const parse = parseStatement(source, opts);
  const lines: StatementLine[] = [];
  for await (const l of parse) lines.push(l);
  return { lines, report: parse.report() };
}
