import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { toSettlement } from './doku-settlement.ts';
import { chunked } from './fixtures.ts';
import { readStatement } from './index.ts';

const HEADER =
  'Settlement ID,Settlement Date,Transaction Date,Invoice Number,Transaction ID,Payment Channel,Type,Amount,Fee,Tax,Net Amount,Currency,Status';
const REPORT = [
  HEADER, // 1
  'STL-20240301-01,2024-03-01,2024-02-29 10:22:01,INV-40001234,TRX-1,VIRTUAL_ACCOUNT_BCA,PAYMENT,"150,000",4000,440,145560,IDR,SUCCESS', // 2
  'STL-20240301-01,2024-03-01,2024-02-29 11:00:00,INV-40001235,TRX-2,QRIS,PAYMENT,20000.00,140,15.40,19844.60,IDR,SUCCESS', // 3
  'STL-20240301-01,2024-03-01,2024-02-29 12:00:00,INV-40001200,TRX-3,QRIS,REFUND,20000,0,0,20000,IDR,SUCCESS', // 4
  'STL-20240301-01,2024-03-01,2024-02-29 12:30:00,INV-40001236,TRX-4,QRIS,PAYMENT,5000,35,4,4961,IDR,FAILED', // 5
  'STL-20240302-01,02/03/2024,01/03/2024,INV-40001235,TRX-2,QRIS,PAYMENT,20000,140,15.40,19844.60,IDR,SUCCESS', // 6
].join('\r\n');

describe('DOKU settlement reports', () => {
  it('reads settlement lines with fee, tax and net, per settlement batch', async () => {
    const { lines, report } = await readStatement(chunked(REPORT, 13));
    expect(report.format).toBe('doku-settlement');
    expect(report.errors).toEqual([]);
    expect(report.skipped).toEqual({ FAILED: 1 });
    expect(
      lines.map((l) => [l.line, l.statementId, l.ownerReference, l.amount, l.direction, l.settlement?.net]),
    ).toEqual([
      [2, 'STL-20240301-01', 'INV-40001234', 15000000n, 'credit', 14556000n],
      [3, 'STL-20240301-01', 'INV-40001235', 2000000n, 'credit', 1984460n],
      [4, 'STL-20240301-01', 'INV-40001200', 2000000n, 'debit', 2000000n],
      // The same invoice in two batches (a resend): both lines are returned.
      [6, 'STL-20240302-01', 'INV-40001235', 2000000n, 'credit', 1984460n],
    ]);
    expect(lines[0]).toMatchObject({
      format: 'doku-settlement',
      account: 'DOKU',
      currency: 'IDR',
      bookingDate: '2024-03-01',
      valueDate: '2024-02-29',
      transactionId: 'TRX-1',
      remittance: 'INV-40001234',
      settlement: {
        kind: 'charge',
        fee: 400000n,
        tax: 44000n,
        net: 14556000n,
        source: 'INV-40001234',
        transactionDate: '2024-02-29',
        channel: 'VIRTUAL_ACCOUNT_BCA',
      },
    });
    expect(lines[3]).toMatchObject({ bookingDate: '2024-03-02', valueDate: '2024-03-01' });
    expect(report.statements.map((s) => [s.statementId, s.entries, s.credits, s.debits])).toEqual([
      ['STL-20240301-01', 3, 16540460n, 2000000n],
      ['STL-20240302-01', 1, 1984460n, 0n],
    ]);
    expect(toSettlement(lines[2]!)).toMatchObject({
      id: 'TRX-3',
      batchId: 'STL-20240301-01',
      type: 'refund',
      source: 'INV-40001200',
      amount: -2000000n,
      fee: 0n,
      net: -2000000n,
      currency: 'IDR',
      status: 'available',
      availableOn: new Date('2024-03-01T00:00:00Z'),
      createdAt: new Date('2024-02-29T00:00:00Z'),
    });
    expect(toSettlement(lines[0]!)).toMatchObject({
      amount: 15000000n,
      fee: 444000n,
      net: 14556000n,
      type: 'charge',
    });
  });

  it('reports rows that do not add up, bad values and dates, each with its line and column', async () => {
    const bad = [
      HEADER,
      'S1,2024-03-01,,INV-1,,QRIS,PAYMENT,10000,100,11,9800,IDR,SUCCESS', // 2: net should be 9889
      'S1,2024-03-31,,INV-2,,QRIS,PAYMENT,10000.005,0,0,10000.005,IDR,SUCCESS', // 3: too many decimals
      'S1,2024-02-30,,INV-3,,QRIS,PAYMENT,100,0,0,100,IDR,SUCCESS', // 4: bad date
      'S1,2024-03-01,,INV-4,,QRIS,PAYMENT,-100,0,0,-100,IDR,SUCCESS', // 5: negative
      'S1,2024-03-01,,INV-5,,QRIS,PAYMENT,100,0,0,100,USD,SUCCESS', // 6: other currency in the batch
      'S1,2024-03-01,,,,QRIS,CHARGEBACK,100,0,0,100,IDR,SUCCESS', // 7: no invoice, unknown type
    ].join('\n');
    const { lines, report } = await readStatement(chunked(bad));
    expect(lines).toEqual([]);
    expect(report.errors.map((e) => [e.code, e.line, e.path, e.message])).toEqual([
      [
        'bad_amount',
        2,
        'net_amount',
        'Line 2: the net_amount 9800.00 IDR should be amount − fee − tax = 9889.00 IDR.',
      ],
      ['bad_amount', 3, 'amount', 'Line 3: the amount "10000.005" has 3 decimals, but IDR has 2.'],
      ['bad_amount', 3, 'net_amount', 'Line 3: the net_amount "10000.005" has 3 decimals, but IDR has 2.'],
      ['bad_date', 4, 'settlement_date', 'Line 4: the settlement_date "2024-02-30" is not a calendar date.'],
      [
        'bad_amount',
        5,
        'amount',
        'Line 5: the amount "-100" is negative; amounts here are unsigned (the direction is given separately).',
      ],
      [
        'bad_amount',
        5,
        'net_amount',
        'Line 5: the net_amount "-100" is negative; amounts here are unsigned (the direction is given separately).',
      ],
      ['currency_mismatch', 6, 'currency', 'Line 6: the row is in USD, but settlement S1 is in IDR.'],
      ['missing_element', 7, 'invoice_number', 'Line 7: the invoice_number is empty.'],
      ['bad_value', 7, 'type', 'Line 7: the type is "CHARGEBACK"; expected PAYMENT or REFUND.'],
    ]);
  });

  it('refuses a header without the required columns', async () => {
    const { report } = await readStatement(chunked('Settlement ID,Invoice Number,Amount\nS,INV,1\n'), {
      format: 'doku-settlement',
    });
    expect(report.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      [
        'missing_element',
        1,
        'The header row (line 1) lacks the columns settlement_date, net_amount; a DOKU settlement report needs settlement_id, settlement_date, invoice_number, amount and net_amount.',
      ],
    ]);
  });

  it('reads the report saved as XLSX', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Settlement');
    ws.addRow(['settlement_id', 'settlement_date', 'invoice_number', 'amount', 'mdr', 'ppn', 'net_amount']);
    ws.addRow(['S9', new Date(Date.UTC(2024, 2, 1)), 'INV-9', 150000, 4000, 440, 145560]);
    ws.getColumn(2).numFmt = 'yyyy-mm-dd';
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const { lines, report } = await readStatement(chunked(xlsx), {
      format: 'doku-settlement',
      doku: { account: 'MCH-0001' },
    });
    expect(report.errors).toEqual([]);
    expect(lines[0]).toMatchObject({
      line: 2,
      statementId: 'S9',
      account: 'MCH-0001',
      bookingDate: '2024-03-01',
      amount: 15000000n,
      settlement: { fee: 400000n, tax: 44000n, net: 14556000n },
    });
  });
});
