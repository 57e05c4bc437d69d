import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import {
  asBoolean,
  asDate,
  asDecimal,
  asText,
  type Cell,
  detectDelimiter,
  normaliseHeader,
  numberToDecimal,
  type RawRow,
  readCsv,
  readRecords,
  readXlsx,
  TabularError,
  xlsxCell,
} from './tabular.ts';

async function* chunked(data: string | Buffer, size = 1 << 16): AsyncGenerator<Buffer> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const texts = (rows: RawRow[]) =>
  rows.map((r) => [
    r.line,
    r.cells.map((c) => (c.kind === 'text' ? c.text : c.kind === 'empty' ? '' : `<${c.kind}>`)),
  ]);

async function failure(p: Promise<unknown>): Promise<TabularError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TabularError) return err;
    throw err;
  }
  throw new Error('expected a TabularError');
}

describe('readCsv', () => {
  const messy =
    '\uFEFFAccount Number , Name,amount\r\n' +
    'A-1,"Lopez, Maria",120.50\r\n' +
    '\r\n' +
    'A-2,"Two\r\nlines ""quoted""",  7 \r\n' +
    ',,\r\n' +
    'A-3,Trailing   ,1\n' +
    'A-4,Mac,2\r' +
    'A-5,last,3';

  it('handles BOM, CRLF/LF/CR, quotes, blank lines and reports the starting line of each row', async () => {
    for (const size of [1, 3, 1 << 16]) {
      const rows = await all(readCsv(chunked(messy, size)));
      expect(texts(rows), `chunk size ${size}`).toEqual([
        [1, ['Account Number', 'Name', 'amount']],
        [2, ['A-1', 'Lopez, Maria', '120.50']],
        [4, ['A-2', 'Two\r\nlines "quoted"', '7']],
        [7, ['A-3', 'Trailing', '1']],
        [8, ['A-4', 'Mac', '2']],
        [9, ['A-5', 'last', '3']],
      ]);
    }
  });

  it('detects semicolon and tab delimiters from the header line', async () => {
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('a,b;c,d')).toBe(',');
    expect(detectDelimiter('"x;y",b')).toBe(',');
    const rows = await all(readCsv(chunked('account_number;service_types\nA1;"water;power"\n')));
    expect(texts(rows)).toEqual([
      [1, ['account_number', 'service_types']],
      [2, ['A1', 'water;power']],
    ]);
  });

  it('refuses empty, binary, UTF-16, XLSX and broken quoting with a reason and a line', async () => {
    expect((await failure(all(readCsv(chunked(''))))).code).toBe('empty_file');
    expect(
      (await failure(all(readCsv(chunked(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x00, 0x01])))))).code,
    ).toBe('not_text');
    expect((await failure(all(readCsv(chunked(Buffer.from([0x61, 0xff, 0xfe, 0x0a])))))).code).toBe(
      'not_text',
    );
    expect((await failure(all(readCsv(chunked(Buffer.from('\uFEFFa,b', 'utf16le')))))).message).toMatch(
      /UTF-16/,
    );
    expect((await failure(all(readCsv(chunked(Buffer.from('PK\u0003\u0004rest')))))).message).toMatch(/XLSX/);
    const unclosed = await failure(all(readCsv(chunked('a,b\n1,2\n3,"open\n4,5\n'))));
    expect(unclosed.code).toBe('malformed_csv');
    expect(unclosed.problems[0]).toMatchObject({ row: 3 });
    const stray = await failure(all(readCsv(chunked('a,b\n1,2\n3,x"y\n'))));
    expect(stray.problems[0]).toMatchObject({ row: 3, field: 'file' });
  });
});

describe('readRecords', () => {
  const spec = { required: ['account_number', 'name'], optional: ['email'] };
  const rows = (csv: string) => readRecords(readCsv(chunked(csv)), spec, { maxRows: 3 });

  it('normalises header names and keys the values by column', async () => {
    expect(normaliseHeader(' Account  Number ')).toBe('account_number');
    expect(normaliseHeader('\uFEFFE-Mail')).toBe('e_mail');
    const recs = await all(rows('NAME,account number,\nMaria,A1,\n'));
    expect(recs).toHaveLength(1);
    expect(recs[0]!.line).toBe(2);
    expect(recs[0]!.values.name).toEqual({ kind: 'text', text: 'Maria' });
    expect(recs[0]!.values.account_number).toEqual({ kind: 'text', text: 'A1' });
    expect(recs[0]!.values.email).toEqual({ kind: 'empty' });
    expect(recs[0]!.problems).toEqual([]);
  });

  it('names unknown, duplicate and missing columns', async () => {
    const err = await failure(all(rows('account_number,colour,Account Number\nA1,red,A1\n')));
    expect(err.code).toBe('header_invalid');
    expect(err.problems).toEqual([
      { row: 1, field: 'colour', reason: 'is not a known column (column 2)' },
      { row: 1, field: 'account_number', reason: 'appears twice in the header (column 3)' },
      { row: 1, field: 'name', reason: 'is a required column and is missing' },
    ]);
    expect(err.message).toMatch(/unknown column colour; missing column name/);
  });

  it('flags values in columns without a header, refuses header-only files and too many rows', async () => {
    const recs = await all(rows('account_number,name\nA1,Maria,extra\n'));
    expect(recs[0]!.problems).toEqual([
      { row: 2, field: 'column 3', reason: expect.stringMatching(/no header/) },
    ]);
    expect((await failure(all(rows('account_number,name\r\n\r\n')))).code).toBe('no_rows');
    expect((await failure(all(rows('\n\n')))).code).toBe('empty_file');
    expect((await failure(all(rows('account_number,name\n1,a\n2,b\n3,c\n4,d\n')))).code).toBe(
      'too_many_rows',
    );
  });
});

describe('readXlsx', () => {
  async function workbook(build: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    build(wb.addWorksheet('Data'), wb);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('reads typed cells with Excel row numbers, skipping empty rows', async () => {
    const buf = await workbook((ws) => {
      ws.addRow(['account_number', 'amount', 'due_date', 'allow_partial', 'note']);
      ws.addRow([
        1001,
        120.5,
        new Date(Date.UTC(2025, 2, 31)),
        true,
        { richText: [{ text: 'rich ' }, { text: 'text' }] },
      ]);
      ws.getCell('C2').numFmt = 'yyyy-mm-dd';
      ws.addRow([]);
      ws.addRow([
        'A-2',
        { formula: 'B2*2', result: 241 },
        { formula: 'C2+1', result: 45748 },
        'no',
        { error: '#N/A' },
      ]);
      ws.getCell('C4').numFmt = 'dd/mm/yyyy';
    });
    const rows = await all(readXlsx(chunked(buf, 1000)));
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(rows[1]!.cells).toEqual<Cell[]>([
      { kind: 'number', value: 1001 },
      { kind: 'number', value: 120.5 },
      { kind: 'date', date: '2025-03-31', time: false },
      { kind: 'boolean', value: true },
      { kind: 'text', text: 'rich text' },
    ]);
    expect(rows[2]!.cells).toEqual<Cell[]>([
      { kind: 'text', text: 'A-2' },
      { kind: 'number', value: 241 },
      { kind: 'date', date: '2025-04-01', time: false },
      { kind: 'text', text: 'no' },
      { kind: 'error', code: '#N/A' },
    ]);
  });

  it('reads the first visible worksheet only', async () => {
    const buf = await workbook((ws, wb) => {
      ws.state = 'hidden';
      ws.addRow(['hidden']);
      wb.addWorksheet('Second').addRow(['visible']);
      wb.addWorksheet('Third').addRow(['ignored']);
    });
    expect(texts(await all(readXlsx(chunked(buf))))).toEqual([[1, ['visible']]]);
  });

  it('refuses empty, non-ZIP, legacy .xls, truncated and damaged files', async () => {
    const good = await workbook((ws) => {
      for (let i = 0; i < 50; i++) ws.addRow([`row ${i}`, i]);
    });
    expect((await failure(all(readXlsx(chunked(Buffer.alloc(0)))))).code).toBe('empty_file');
    expect((await failure(all(readXlsx(chunked('account_number\nA1\n'))))).code).toBe('malformed_xlsx');
    expect(
      (await failure(all(readXlsx(chunked(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2])))))).message,
    ).toMatch(/\.xls/);
    expect((await failure(all(readXlsx(chunked(good.subarray(0, good.length / 2)))))).code).toBe(
      'malformed_xlsx',
    );
    expect((await failure(all(readXlsx(chunked(good.subarray(0, good.length - 10)))))).code).toBe(
      'malformed_xlsx',
    );
    // Without the end-of-central-directory record every entry is intact, but the file is incomplete.
    expect((await failure(all(readXlsx(chunked(good.subarray(0, good.length - 22)))))).message).toMatch(
      /incomplete/,
    );
    const damaged = Buffer.from(good);
    damaged.fill(0x41, 200, 600);
    expect((await failure(all(readXlsx(chunked(damaged))))).code).toBe('malformed_xlsx');
    expect((await failure(all(readXlsx(chunked(Buffer.from('PK\u0003\u0004')))))).code).toBe(
      'malformed_xlsx',
    );
  });

  it('maps exceljs values, including formula date results and the 1904 date system', () => {
    expect(xlsxCell(null, undefined, false)).toEqual({ kind: 'empty' });
    expect(xlsxCell('', undefined, false)).toEqual({ kind: 'empty' });
    expect(xlsxCell(45747, 'd-mmm-yy', false)).toEqual({ kind: 'date', date: '2025-03-31', time: false });
    expect(xlsxCell(45747 - 1462, 'yyyy-mm-dd', true)).toEqual({
      kind: 'date',
      date: '2025-03-31',
      time: false,
    });
    expect(xlsxCell(45747.5, 'yyyy-mm-dd hh:mm', false)).toEqual({
      kind: 'date',
      date: '2025-03-31',
      time: true,
    });
    expect(xlsxCell(45747, '#,##0.00 "d"', false)).toEqual({ kind: 'number', value: 45747 });
    expect(xlsxCell({ text: 'site', hyperlink: 'https://x' }, undefined, false)).toEqual({
      kind: 'text',
      text: 'site',
    });
    expect(xlsxCell({ sharedFormula: 'A1', result: 'x' }, undefined, false)).toEqual({
      kind: 'text',
      text: 'x',
    });
  });
});

describe('reading cells as column types', () => {
  it('turns spreadsheet numbers into the decimal Excel shows, never inventing digits', () => {
    expect(numberToDecimal(120.5)).toBe('120.5');
    expect(numberToDecimal(0.1 + 0.2)).toBe('0.3');
    expect(numberToDecimal(132.00000000000003)).toBe('132');
    expect(numberToDecimal(120.499999999999)).toBe('120.499999999999');
    expect(numberToDecimal(1e-7)).toBe('0.0000001');
    expect(numberToDecimal(-0.5)).toBe('-0.5');
    expect(numberToDecimal(-0)).toBe('0');
    expect(numberToDecimal(9007199254740991)).toBe('9007199254740991');
    expect(numberToDecimal(9007199254740992)).toBeUndefined();
    expect(numberToDecimal(1234567890123456.5)).toBeUndefined();
    expect(numberToDecimal(Number.NaN)).toBeUndefined();
  });

  it('reads text, decimals, dates and booleans with a reason when a cell does not fit', () => {
    expect(asText({ kind: 'text', text: '  x  ' })).toEqual({ ok: true, value: 'x' });
    expect(asText({ kind: 'text', text: '   ' })).toEqual({ ok: true, value: undefined });
    expect(asText({ kind: 'number', value: 628123456789 })).toEqual({ ok: true, value: '628123456789' });
    expect(asText({ kind: 'error', code: '#N/A' })).toEqual({
      ok: false,
      reason: 'is a spreadsheet error (#N/A)',
    });
    expect(asDecimal({ kind: 'number', value: 120.5 })).toEqual({ ok: true, value: '120.5' });
    expect(asDecimal({ kind: 'text', text: ' 120.50 ' })).toEqual({ ok: true, value: '120.50' });
    expect(asDecimal({ kind: 'date', date: '2025-01-01', time: false }).ok).toBe(false);
    expect(asDate({ kind: 'date', date: '2025-03-31', time: false })).toEqual({
      ok: true,
      value: '2025-03-31',
    });
    expect(asDate({ kind: 'date', date: '2025-03-31', time: true }).ok).toBe(false);
    expect(asDate({ kind: 'number', value: 45747 }).ok).toBe(false);
    expect(asDate({ kind: 'text', text: '31/03/2025' })).toEqual({ ok: true, value: '31/03/2025' }); // the schema refuses it
    for (const [v, want] of [
      ['TRUE', true],
      ['yes', true],
      ['1', true],
      ['No', false],
      ['0', false],
      ['false', false],
    ] as const) {
      expect(asBoolean({ kind: 'text', text: v })).toEqual({ ok: true, value: want });
    }
    expect(asBoolean({ kind: 'boolean', value: false })).toEqual({ ok: true, value: false });
    expect(asBoolean({ kind: 'number', value: 1 })).toEqual({ ok: true, value: true });
    expect(asBoolean({ kind: 'empty' })).toEqual({ ok: true, value: undefined });
    expect(asBoolean({ kind: 'text', text: 'maybe' }).ok).toBe(false);
  });
});
