import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { type BankCsvMapping, dateReader } from './bank-csv.ts';
import { chunked } from './fixtures.ts';
import { readStatement } from './index.ts';

const read = (data: string | Buffer, mapping: BankCsvMapping, size?: number) =>
  readStatement(chunked(data, size), { format: 'auto', mapping });
const codes = (errors: { code: string; line: number }[]) => errors.map((e) => [e.code, e.line]);

/** A German online-banking export: preamble, semicolons, decimal comma, Soll/Haben columns, footer. */
const GERMAN = [
  '\uFEFFKontoauszug;;;;;;', // 1
  'Konto;DE89370400440532013000;;;;;', // 2
  'Zeitraum;01.03.2024 - 31.03.2024;;;;;', // 3
  '', // 4
  'Buchungstag;Valuta;Auftraggeber / Empfänger;Verwendungszweck;Referenz;Soll;Haben', // 5
  '01.03.2024;01.03.2024;Maria Lopez;"Rechnung 40001234";REF-1;;1.250,00', // 6
  '02.03.2024;04.03.2024;Stadtwerke;"Abschlag März', // 7
  'Zähler 77";REF-2;-75,50;', // 8
  '05.03.2024;05.03.2024;"Lopez; Maria";RF18 5390 0754 7034;REF-3;;0,99', // 9
  '05.03.2024;05.03.2024;"Lopez; Maria";RF18 5390 0754 7034;REF-3;;0,99', // 10
  ';;;Kontostand;;;1.176,48', // 11
].join('\r\n');

const germanMapping: BankCsvMapping = {
  headerRow: 5,
  columns: {
    date: 'Buchungstag',
    valueDate: 'valuta',
    counterpartyName: 'Auftraggeber / Empfänger',
    description: ['Verwendungszweck'],
    reference: 'Referenz',
    debit: 'Soll',
    credit: 'Haben',
  },
  dateFormat: 'DD.MM.YYYY',
  decimalSeparator: ',',
  thousandsSeparator: '.',
  currency: 'EUR',
  account: 'DE89370400440532013000',
  statementId: '2024-03',
  openingBalance: '0,00',
  closingBalance: '1.176,48',
  skipRowsWithoutDate: true,
};

describe('bank CSV', () => {
  it('reads a German export: preamble, BOM, CRLF, debit/credit columns, multi-line quoted text, footer', async () => {
    for (const size of [1, 5, 1 << 16]) {
      const { lines, report } = await read(GERMAN, germanMapping, size);
      expect(report.errors).toEqual([]);
      expect(report.format).toBe('bank-csv');
      expect(report.skipped).toEqual({ 'no date': 1 });
      expect(
        lines.map((l) => [
          l.line,
          l.bookingDate,
          l.valueDate,
          l.amount,
          l.direction,
          l.remittance,
          l.bankReference,
        ]),
      ).toEqual([
        [6, '2024-03-01', '2024-03-01', 125000n, 'credit', 'Rechnung 40001234', 'REF-1'],
        [7, '2024-03-02', '2024-03-04', 7550n, 'debit', 'Abschlag März\r\nZähler 77', 'REF-2'],
        [9, '2024-03-05', '2024-03-05', 99n, 'credit', 'RF18 5390 0754 7034', 'REF-3'],
        [10, '2024-03-05', '2024-03-05', 99n, 'credit', 'RF18 5390 0754 7034', 'REF-3'], // a duplicate, returned
      ]);
      expect(lines[2]).toMatchObject({
        format: 'bank-csv',
        statementId: '2024-03',
        account: 'DE89370400440532013000',
        currency: 'EUR',
        entryIndex: 3,
        counterpartyName: 'Lopez; Maria',
        creditorReference: 'RF18539007547034',
      });
      expect(report.statements[0]).toMatchObject({
        credits: 125198n,
        debits: 7550n,
        entries: 4,
        lines: 4,
        balanceChecked: true,
        line: 5,
      });
    }
  });

  it('reads a signed amount column, parentheses and trailing minus, MM/DD/YYYY, and a newest-first running balance', async () => {
    const csv = [
      'Date,Description,Amount,Balance',
      '03/05/2024,Card refund,(12.50),"1,987.50"',
      '03/04/2024,ACH CREDIT BILL 40001234,"2,000.00","2,000.00"',
      '03/01/2024,Opening,0.00-,0.00',
    ].join('\n');
    const mapping: BankCsvMapping = {
      columns: { date: 'date', amount: 'amount', description: 'description', balance: 'balance' },
      dateFormat: 'MM/DD/YYYY',
      decimalSeparator: '.',
      thousandsSeparator: ',',
      currency: 'USD',
      account: '123456789',
      statementId: 'march',
    };
    const { lines, report } = await read(csv, mapping);
    expect(report.errors).toEqual([]);
    expect(lines.map((l) => [l.bookingDate, l.amount, l.direction])).toEqual([
      ['2024-03-05', 1250n, 'debit'],
      ['2024-03-04', 200000n, 'credit'],
      ['2024-03-01', 0n, 'credit'],
    ]);
    // A wrong balance breaks the chain on both sides of its row.
    const broken = csv.replace('"2,000.00","2,000.00"', '"2,000.00","2,100.00"');
    const r = await read(broken, mapping);
    expect(codes(r.report.errors)).toEqual([
      ['balance_mismatch', 3],
      ['balance_mismatch', 4],
    ]);
    expect(r.report.errors[0]!.message).toBe(
      "Line 3: the balance of line 2 (1987.50 USD) plus this amount (2000.00 USD) is 3987.50 USD, but this row's balance is 2100.00 USD.",
    );
  });

  it('reads an unsigned amount with a direction column', async () => {
    const csv = 'Date;Amount;DC;Text\n2024-03-01;10,00;CR;in\n2024-03-02;4,00;dr;out\n2024-03-03;1,00;X;?\n';
    const mapping: BankCsvMapping = {
      columns: { date: 1, amount: 2, direction: 'dc', description: 4 },
      dateFormat: 'YYYY-MM-DD',
      decimalSeparator: ',',
      currency: 'EUR',
      account: 'A',
      statementId: 'S',
    };
    const { lines, report } = await read(csv, mapping);
    expect(lines.map((l) => [l.amount, l.direction, l.remittance])).toEqual([
      [1000n, 'credit', 'in'],
      [400n, 'debit', 'out'],
    ]);
    expect(report.errors.map((e) => [e.code, e.line, e.path])).toEqual([['bad_value', 4, 'dc']]);
  });

  it('reads a file without a header by column numbers, and zero-decimal currencies', async () => {
    const csv = '20240301,"1,500",Bill 1\n20240302,-300,Bill 2\n20240303,12.5,Bill 3\n';
    const mapping: BankCsvMapping = {
      headerRow: 0,
      columns: { date: 1, amount: 2, description: 3 },
      dateFormat: 'YYYYMMDD',
      decimalSeparator: '.',
      thousandsSeparator: ',',
      currency: 'JPY',
      account: 'A',
      statementId: 'S',
    };
    const { lines, report } = await read(csv, mapping);
    expect(lines.map((l) => [l.line, l.amount, l.direction])).toEqual([
      [1, 1500n, 'credit'],
      [2, 300n, 'debit'],
    ]);
    expect(report.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      ['bad_amount', 3, 'Line 3: the amount "12.5" has decimals, but JPY has none.'],
    ]);
  });

  it('reports each bad row with its line', async () => {
    const csv = [
      'Date;Amount;Currency;Text',
      '31.02.2024;1,00;EUR;bad date', // 2
      '01.03.2024;1,0,0;EUR;bad amount', // 3
      '01.03.2024;1,001;EUR;too many decimals', // 4
      '01.03.2024;abc;EUR;not a number', // 5
      '01.03.2024;1,00;USD;other currency', // 6
      '01.03.2024;;EUR;no amount', // 7
      '01.03.2024;1.000,00;EUR;group separator not allowed', // 8
      '2024-03-01;1,00;EUR;wrong date layout', // 9
      '01.03.2024;5,00;EUR;fine', // 10
    ].join('\n');
    const mapping: BankCsvMapping = {
      columns: { date: 'date', amount: 'amount', currency: 'currency', description: 'text' },
      dateFormat: 'DD.MM.YYYY',
      decimalSeparator: ',',
      currency: 'EUR',
      account: 'A',
      statementId: 'S',
    };
    const { lines, report } = await read(csv, mapping);
    expect(lines.map((l) => l.line)).toEqual([10]);
    expect(report.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      ['bad_date', 2, 'Line 2: the date "31.02.2024" is not a calendar date (DD.MM.YYYY).'],
      ['bad_amount', 3, 'Line 3: the amount "1,0,0" is not a number.'],
      ['bad_amount', 4, 'Line 4: the amount "1,001" has 3 decimals, but EUR has 2.'],
      ['bad_amount', 5, 'Line 5: the amount "abc" is not a number.'],
      ['currency_mismatch', 6, 'Line 6: the row is in USD, but the statement is in EUR.'],
      ['missing_element', 7, 'Line 7: the amount is empty.'],
      [
        'bad_amount',
        8,
        'Line 8: the amount "1.000,00" is not a number with decimal separator ","'.concat('.'),
      ],
      ['bad_date', 9, 'Line 9: the date "2024-03-01" is not a date in the layout DD.MM.YYYY.'],
    ]);
  });

  it('reports a balance mismatch against the balances the caller gives', async () => {
    const csv = GERMAN.replace('1.250,00', '1.249,00');
    const { report } = await read(csv, germanMapping);
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'balance_mismatch',
        message: expect.stringMatching(
          /^Statement 2024-03: opening balance 0.00 EUR \+ credits 1250.98 EUR − debits 75.50 EUR = 1175.48 EUR, but the closing balance is 1176.48 EUR/,
        ),
      }),
    ]);
  });

  it('reports a mapping that does not fit the file, and a missing mapping', async () => {
    const { report } = await read(GERMAN, {
      ...germanMapping,
      columns: { ...germanMapping.columns, date: 'Datum', reference: 'Ref' },
    });
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'bad_mapping',
        line: 5,
        message:
          'The header row (line 5) has no column "Datum", "Ref"; it has "Buchungstag", "Valuta", "Auftraggeber / Empfänger", "Verwendungszweck", "Referenz", "Soll", "Haben".',
      }),
    ]);
    const none = await readStatement(chunked(GERMAN));
    expect(none.report.errors[0]).toMatchObject({
      code: 'bad_mapping',
      message: expect.stringMatching(/column mapping/),
    });
    const both = await read(GERMAN, {
      ...germanMapping,
      columns: { ...germanMapping.columns, amount: 'Haben' },
    });
    expect(both.report.errors[0]!.message).toBe(
      'The mapping needs either an amount column or debit and credit columns (not both).',
    );
    const fmt = await read(GERMAN, { ...germanMapping, dateFormat: 'MM.YYYY' });
    expect(fmt.report.errors[0]!.message).toMatch(/needs a day/);
  });

  it('reports a file cut short: an unclosed quote, or a last row missing its columns', async () => {
    const quote = await read(GERMAN.slice(0, GERMAN.indexOf('Zähler')), germanMapping);
    expect(codes(quote.report.errors)).toEqual([['truncated', 7]]);
    const short = await read(
      GERMAN.split('\r\n')
        .slice(0, 7)
        .join('\r\n')
        .replace(/;"Abschlag März$/, ''),
      germanMapping,
    );
    expect(short.report.errors.map((e) => e.code)).toEqual(['truncated']);
    expect(short.report.errors[0]!.line).toBe(7);
    expect(short.report.errors[0]!.message).toMatch(/cut short/);
  });

  it('refuses both a debit and a credit on one row', async () => {
    const csv = GERMAN.replace(';;1.250,00', ';1,00;1.250,00');
    const { report } = await read(csv, { ...germanMapping, closingBalance: undefined });
    expect(report.errors.map((e) => [e.code, e.line])).toEqual([['bad_amount', 6]]);
  });
});

describe('bank XLSX', () => {
  it('reads date and number cells, and text cells with the mapping', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Statement');
    ws.addRow(['Account DE89370400440532013000']);
    ws.addRow(['Date', 'Value date', 'Details', 'Amount']);
    ws.addRow([new Date(Date.UTC(2024, 2, 1)), '02/03/2024', 'Bill 40001234', 1250.5]);
    ws.addRow([new Date(Date.UTC(2024, 2, 2)), '03/03/2024', 'Fee', -0.3]);
    ws.addRow([new Date(Date.UTC(2024, 2, 3)), '03/03/2024', 'Text amount', '1.234,5']);
    ws.getColumn(1).numFmt = 'dd/mm/yyyy';
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const mapping: BankCsvMapping = {
      headerRow: 2,
      columns: { date: 'Date', valueDate: 'Value date', description: 'Details', amount: 'Amount' },
      dateFormat: 'DD/MM/YYYY',
      decimalSeparator: ',',
      thousandsSeparator: '.',
      currency: 'EUR',
      account: 'DE89370400440532013000',
      statementId: 'X',
    };
    const { lines, report } = await read(xlsx, mapping);
    expect(report.errors).toEqual([]);
    expect(report.format).toBe('bank-xlsx');
    expect(lines.map((l) => [l.line, l.bookingDate, l.valueDate, l.amount, l.direction])).toEqual([
      [3, '2024-03-01', '2024-03-02', 125050n, 'credit'],
      [4, '2024-03-02', '2024-03-03', 30n, 'debit'],
      [5, '2024-03-03', '2024-03-03', 123450n, 'credit'],
    ]);
  });
});

describe('dateReader', () => {
  it('reads layouts with tokens and separators, ignoring a time', () => {
    expect(dateReader('D/M/YY')('5/3/24')).toEqual({ ok: true, value: '2024-03-05' });
    expect(dateReader('DD-MMM-YYYY')('05-Mar-2024 13:45')).toEqual({ ok: true, value: '2024-03-05' });
    expect(dateReader('YYYY.MM.DD')('2024.02.29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(dateReader('YYYY.MM.DD')('2023.02.29').ok).toBe(false);
    expect(() => dateReader('YYYY')).toThrow(/needs a day/);
  });
});
