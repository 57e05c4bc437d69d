import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  type CamtStmt,
  type CamtVersion,
  type camtEntry,
  camtHead,
  camtNamespace,
  camtXml,
  chunked,
  generateCamt,
} from './fixtures.ts';
import { parseStatement, readStatement } from './index.ts';
import type { StatementError } from './statement.ts';

const read = (xml: string | Buffer, size?: number) =>
  readStatement(chunked(xml, size), { format: 'camt053' });

/** 1-based line of the nth (1-based) occurrence of `needle`. */
function lineOf(text: string, needle: string, nth = 1): number {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" #${nth} not in text`);
  }
  return text.slice(0, at).split(/\r\n|\r|\n/).length;
}

const only = (errors: StatementError[]) => errors.map((e) => ({ code: e.code, line: e.line }));

const batch: CamtStmt = {
  id: 'STMT-2024-03-01',
  opening: '1000.00',
  closing: '1259.50',
  entries: [
    {
      ref: 'N1',
      amount: '300.00',
      cdtDbt: 'CRDT',
      acctSvcrRef: 'BANK-BATCH-1',
      txs: [
        {
          amount: '100.00',
          endToEndId: 'E2E-1',
          txId: 'TX-1',
          name: 'Maria Lopez',
          iban: 'ES9121000418450200051332',
          ustrd: ['Bill 40001234', 'March'],
        },
        {
          amount: '150.00',
          endToEndId: 'NOTPROVIDED',
          acctSvcrRef: 'BANK-TX-2',
          creditorRef: 'RF18539007547034',
        },
        { amount: '50.00', ustrd: ['Payment ref RF18 5390 0754 7034 thanks'] },
      ],
    },
    { ref: 'N2', amount: '40.50', cdtDbt: 'DBIT', txs: [{ name: 'Water Co', instrId: 'INSTR-9' }] },
    { ref: 'N3', amount: '12.34', cdtDbt: 'CRDT', status: 'PDNG' },
    { ref: 'N4', amount: '99.00', cdtDbt: 'CRDT', status: 'INFO' },
  ],
};

describe('camt.053 batch bookings', () => {
  for (const v of ['02', '04', '08', '13'] as CamtVersion[]) {
    it(`splits a batch entry into one line per TxDtls (.001.${v})`, async () => {
      const xml = camtXml(v, [batch]);
      const { lines, report } = await read(xml);
      expect(report.errors).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.skipped).toEqual({ PDNG: 1, INFO: 1 });
      expect(lines.map((l) => [l.amount, l.direction, l.batchIndex, l.batchSize, l.entryAmount])).toEqual([
        [10000n, 'credit', 1, 3, 30000n],
        [15000n, 'credit', 2, 3, 30000n],
        [5000n, 'credit', 3, 3, 30000n],
        [4050n, 'debit', 1, 1, 4050n],
      ]);
      const [a, b, c, d] = lines;
      expect(a).toMatchObject({
        format: 'camt053',
        line: lineOf(xml, '<TxDtls>', 1),
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/NtryDtls[1]/TxDtls[1]',
        statementId: 'STMT-2024-03-01',
        account: 'DE89370400440532013000',
        currency: 'EUR',
        entryIndex: 1,
        entryReference: 'N1',
        bookingDate: '2024-03-01',
        valueDate: '2024-03-01',
        reversal: false,
        bankReference: 'BANK-BATCH-1',
        endToEndId: 'E2E-1',
        transactionId: 'TX-1',
        remittance: 'Bill 40001234 March',
        counterpartyName: 'Maria Lopez',
        counterpartyAccount: 'ES9121000418450200051332',
        bankTransactionCode: 'PMNT/RCDT/ESCT',
      });
      expect(a!.creditorReference).toBeUndefined();
      // NOTPROVIDED is no end-to-end id; the transaction's own AcctSvcrRef wins over the entry's.
      expect(b).toMatchObject({
        bankReference: 'BANK-TX-2',
        creditorReference: 'RF18539007547034',
        line: lineOf(xml, '<TxDtls>', 2),
      });
      expect(b!.endToEndId).toBeUndefined();
      // A reference buried in free text, typed with spaces, is found and checked (ISO 11649).
      expect(c).toMatchObject({
        remittance: 'Payment ref RF18 5390 0754 7034 thanks',
        creditorReference: 'RF18539007547034',
      });
      // A single TxDtls without an amount takes the entry's amount; a debit's counterparty is the creditor.
      expect(d).toMatchObject({
        entryIndex: 2,
        counterpartyName: 'Water Co',
        ownerReference: 'INSTR-9',
        remittance: '',
      });
      expect(report.statements).toEqual([
        expect.objectContaining({
          statementId: 'STMT-2024-03-01',
          variant: `camt.053.001.${v}`,
          messageId: 'MSG-1',
          sequence: '1',
          entries: 2,
          lines: 4,
          credits: 30000n,
          debits: 4050n,
          opening: expect.objectContaining({ type: 'OPBD', amount: 100000n, line: lineOf(xml, 'OPBD') }),
          closing: expect.objectContaining({ type: 'CLBD', amount: 125950n }),
          balanceChecked: true,
        }),
      ]);
    });
  }

  it('reads a large batch (2000 TxDtls in one entry)', async () => {
    const txs = Array.from({ length: 2000 }, (_, i) => ({ amount: '1.25', endToEndId: `E${i}` }));
    const xml = camtXml('08', [
      { id: 'S', opening: '0.00', closing: '2500.00', entries: [{ amount: '2500.00', cdtDbt: 'CRDT', txs }] },
    ]);
    const { lines, report } = await read(xml, 4096);
    expect(report.ok).toBe(true);
    expect(lines).toHaveLength(2000);
    expect(lines[1999]).toMatchObject({
      batchIndex: 2000,
      batchSize: 2000,
      endToEndId: 'E1999',
      amount: 125n,
    });
  });

  it('reports a batch whose transactions do not add up to the entry, at the entry', async () => {
    const xml = camtXml('08', [
      {
        id: 'S',
        opening: '0.00',
        closing: '300.00',
        entries: [{ amount: '300.00', cdtDbt: 'CRDT', txs: [{ amount: '100.00' }, { amount: '150.00' }] }],
      },
    ]);
    const { lines, report } = await read(xml);
    expect(lines).toEqual([]);
    expect(only(report.errors)).toEqual([{ code: 'batch_mismatch', line: lineOf(xml, '<Ntry>') }]);
    expect(report.errors[0]!.message).toBe(
      'Entry 1: its 2 transactions add up to 250.00 EUR, but the entry is 300.00 EUR.',
    );
    expect(report.errors[0]!.path).toBe('/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]');
  });

  it('nets a batch that mixes directions (a return inside a credit batch)', async () => {
    const xml = camtXml('08', [
      {
        id: 'S',
        opening: '0.00',
        closing: '80.00',
        entries: [
          {
            amount: '80.00',
            cdtDbt: 'CRDT',
            txs: [{ amount: '100.00' }, { amount: '20.00', cdtDbt: 'DBIT' }],
          },
        ],
      },
    ]);
    const { lines, report } = await read(xml);
    expect(report.ok).toBe(true);
    expect(lines.map((l) => [l.amount, l.direction])).toEqual([
      [10000n, 'credit'],
      [2000n, 'debit'],
    ]);
  });

  it('cannot split a batch whose TxDtls have no amounts', async () => {
    const xml = camtXml('02', [
      {
        id: 'S',
        opening: '0.00',
        closing: '30.00',
        entries: [{ amount: '30.00', cdtDbt: 'CRDT', txs: [{}, {}] }],
      },
    ]);
    const { report } = await read(xml);
    expect(only(report.errors)).toEqual([
      { code: 'batch_mismatch', line: lineOf(xml, '<TxDtls>', 1) },
      { code: 'batch_mismatch', line: lineOf(xml, '<TxDtls>', 2) },
    ]);
    expect(report.errors[0]!.path).toBe('/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/NtryDtls[1]/TxDtls[1]');
  });
});

describe('camt.053 real-world files', () => {
  it('marks reversals (RvslInd) and keeps the booked direction', async () => {
    const xml = camtXml('08', [
      {
        id: 'S',
        opening: '100.00',
        closing: '75.00',
        entries: [{ amount: '25.00', cdtDbt: 'DBIT', reversal: true, txs: [{ endToEndId: 'E2E-RETURNED' }] }],
      },
    ]);
    const { lines, report } = await read(xml);
    expect(report.ok).toBe(true);
    expect(lines[0]).toMatchObject({
      reversal: true,
      direction: 'debit',
      amount: 2500n,
      endToEndId: 'E2E-RETURNED',
    });
  });

  it('returns duplicate entries twice (deduplication is the importer’s job)', async () => {
    const e = { amount: '10.00', cdtDbt: 'CRDT' as const, acctSvcrRef: 'SAME', txs: [{ endToEndId: 'DUP' }] };
    const xml = camtXml('08', [{ id: 'S', opening: '0.00', closing: '20.00', entries: [e, e] }]);
    const { lines, report } = await read(xml);
    expect(report.ok).toBe(true);
    expect(lines.map((l) => [l.bankReference, l.endToEndId, l.entryIndex])).toEqual([
      ['SAME', 'DUP', 1],
      ['SAME', 'DUP', 2],
    ]);
  });

  it('reads several statements and checks each one’s balances', async () => {
    const xml = camtXml('08', [
      { id: 'A', opening: '0.00', closing: '10.00', entries: [{ amount: '10.00', cdtDbt: 'CRDT' }] },
      {
        id: 'B',
        iban: 'NL91ABNA0417164300',
        opening: '10.00',
        closing: '5.00',
        closingDir: 'DBIT',
        entries: [{ amount: '15.00', cdtDbt: 'DBIT', addtl: 'Fee RF18539007547034' }],
      },
    ]);
    const { lines, report } = await read(xml);
    expect(report.ok).toBe(true);
    expect(lines.map((l) => [l.statementId, l.account, l.path, l.remittance])).toEqual([
      ['A', 'DE89370400440532013000', '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]', ''],
      ['B', 'NL91ABNA0417164300', '/Document/BkToCstmrStmt/Stmt[2]/Ntry[1]', 'Fee RF18539007547034'],
    ]);
    expect(lines[1]!.creditorReference).toBe('RF18539007547034');
    expect(report.statements.map((s) => [s.statementId, s.closing?.amount, s.balanceChecked])).toEqual([
      ['A', 1000n, true],
      ['B', -500n, true],
    ]);
  });

  it('reads CRLF, LF, a BOM and any chunking (1-byte chunks split UTF-8 characters) the same', async () => {
    const stmt: CamtStmt = {
      id: 'S',
      opening: '0.00',
      closing: '10.00',
      entries: [
        { amount: '10.00', cdtDbt: 'CRDT', txs: [{ name: 'Zoë Müller-Łukasz', ustrd: ['Überweisung €'] }] },
      ],
    };
    const lf = camtXml('08', [stmt]);
    const crlf = camtXml('08', [stmt], '\r\n');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf)]);
    const results = await Promise.all([read(lf), read(crlf), read(bom, 1), read(lf, 7)]);
    for (const { lines, report } of results) {
      expect(report.errors).toEqual([]);
      expect(lines[0]).toMatchObject({
        counterpartyName: 'Zoë Müller-Łukasz',
        remittance: 'Überweisung €',
        line: lineOf(lf, '<TxDtls>'),
      });
    }
  });

  it('honours an ISO-8859-1 declaration', async () => {
    const xml = camtXml('02', [
      {
        id: 'S',
        opening: '0.00',
        closing: '1.00',
        entries: [{ amount: '1.00', cdtDbt: 'CRDT', txs: [{ name: 'Jürgen' }] }],
      },
    ]).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const { lines, report } = await read(Buffer.from(xml, 'latin1'));
    expect(report.errors).toEqual([]);
    expect(lines[0]!.counterpartyName).toBe('Jürgen');
  });

  it('accepts a prefixed namespace and DtTm dates', async () => {
    let xml = camtXml('08', [
      { id: 'S', opening: '0.00', closing: '1.00', entries: [{ amount: '1.00', cdtDbt: 'CRDT' }] },
    ]);
    xml = xml
      .replace(/<(\/?)([A-Za-z])/g, '<$1ns2:$2')
      .replace('xmlns=', 'xmlns:ns2=')
      .replace(
        '<ns2:BookgDt><ns2:Dt>2024-03-01</ns2:Dt>',
        '<ns2:BookgDt><ns2:DtTm>2024-03-02T23:30:00+01:00</ns2:DtTm>',
      )
      .replace('</ns2:Dt></ns2:BookgDt>', '</ns2:DtTm></ns2:BookgDt>');
    const { lines, report } = await read(xml);
    expect(report.errors).toEqual([]);
    expect(lines[0]!.bookingDate).toBe('2024-03-02');
  });

  it('reads zero-decimal currencies (JPY, KRW) and refuses decimals in them; IDR has two', async () => {
    const ok = camtXml('08', [
      { id: 'S', ccy: 'JPY', opening: '0', closing: '1500', entries: [{ amount: '1500', cdtDbt: 'CRDT' }] },
    ]);
    expect((await read(ok)).lines[0]).toMatchObject({ amount: 1500n, currency: 'JPY' });
    const krw = camtXml('08', [
      {
        id: 'S',
        ccy: 'KRW',
        opening: '0',
        closing: '150000',
        entries: [{ amount: '150000.00', cdtDbt: 'CRDT' }],
      },
    ]);
    expect((await read(krw)).lines[0]).toMatchObject({ amount: 150000n, currency: 'KRW' });
    // IDR has 2 decimals in ISO 4217 and in platform/money.ts: 150000 rupiah are 15000000 minor units.
    const idr = camtXml('08', [
      {
        id: 'S',
        ccy: 'IDR',
        opening: '0',
        closing: '150000',
        entries: [{ amount: '150000', cdtDbt: 'CRDT' }],
      },
    ]);
    expect((await read(idr)).lines[0]).toMatchObject({ amount: 15000000n, currency: 'IDR' });
    const bad = camtXml('08', [
      { id: 'S', ccy: 'JPY', opening: '0', closing: '1500', entries: [{ amount: '1500.5', cdtDbt: 'CRDT' }] },
    ]);
    const { report } = await read(bad);
    expect(only(report.errors)).toEqual([{ code: 'bad_amount', line: lineOf(bad, '<Amt Ccy="JPY">1500.5') }]);
    expect(report.errors[0]!.message).toBe('Entry 1: the amount "1500.5" has decimals, but JPY has none.');
  });
});

describe('camt.053 errors', () => {
  const one = (entry: Parameters<typeof camtEntry>[1], closing = '10.00') =>
    camtXml('08', [{ id: 'S', opening: '0.00', closing, entries: [entry] }]);

  it('refuses a file that is not XML', async () => {
    const { report } = await read('Booking date;Amount\n01.03.2024;10,00\n');
    expect(report.errors).toEqual([expect.objectContaining({ code: 'unreadable', line: 1 })]);
    expect(report.errors[0]!.message).toMatch(/not XML/);
  });

  it('refuses another namespace and names what the document is', async () => {
    const camt052 = camtXml('08', []).replace(
      camtNamespace('08'),
      'urn:iso:std:iso:20022:tech:xsd:camt.052.001.08',
    );
    const r1 = (await read(camt052)).report;
    expect(only(r1.errors)).toEqual([{ code: 'wrong_namespace', line: 2 }]);
    expect(r1.errors[0]!.message).toMatch(/account report \(camt\.052\)/);
    const pain =
      '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>';
    expect((await read(pain)).report.errors[0]!.message).toMatch(/payment order \(pain\.001\)/);
    const v01 = camtXml('08', []).replace(camtNamespace('08'), camtNamespace('01'));
    expect((await read(v01)).report.errors[0]!.message).toMatch(
      /camt\.053\.001\.01 is not a supported version/,
    );
    const none = '<Document><BkToCstmrStmt/></Document>';
    expect((await read(none)).report.errors[0]).toMatchObject({ code: 'wrong_namespace' });
  });

  it('reports missing elements with their parent’s line and path', async () => {
    const noAmt = one({
      amount: '10.00',
      cdtDbt: 'CRDT',
      raw: '<Ntry><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-03-01</Dt></BookgDt></Ntry>',
    });
    const r = (await read(noAmt)).report;
    expect(r.errors).toEqual([
      expect.objectContaining({
        code: 'missing_element',
        line: lineOf(noAmt, '<Ntry>'),
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt',
        message: 'Entry 1 has no amount (<Amt>).',
      }),
    ]);
    const noSts = one({
      amount: '1.00',
      cdtDbt: 'CRDT',
      raw: '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>',
    });
    expect(only((await read(noSts)).report.errors)).toEqual([
      { code: 'missing_element', line: lineOf(noSts, '<Ntry>') },
    ]);
    const noDate = one({ amount: '10.00', cdtDbt: 'CRDT', bookingDate: '' });
    const r3 = (await read(noDate)).report;
    expect(r3.errors.map((e) => [e.code, e.message])).toEqual([
      ['missing_element', 'Entry 1: the booking date (<BookgDt>) is missing.'],
    ]);
    const noId = camtXml('08', [{ id: '', opening: '0.00', closing: '0.00', entries: [] }]);
    expect((await read(noId)).report.errors).toEqual([
      expect.objectContaining({
        code: 'missing_element',
        path: '/Document/BkToCstmrStmt/Stmt[1]/Id',
        line: 4,
      }),
    ]);
    const noStmt = `${camtHead('08')}</BkToCstmrStmt></Document>`;
    expect((await read(noStmt)).report.errors[0]).toMatchObject({
      code: 'missing_element',
      message: 'The document has no statement (<Stmt>).',
    });
  });

  it('reports bad amounts: negative, too many decimals, not a number, no currency', async () => {
    const cases: [string, string][] = [
      ['-10.00', 'the amount "-10.00" is negative'],
      ['10.001', 'the amount "10.001" has 3 decimals, but EUR has 2'],
      ['ten', 'the amount "ten" is not a number'],
      ['1,50', 'the amount "1,50" is not a number with decimal separator "."'],
    ];
    for (const [amount, reason] of cases) {
      const xml = one({ amount, cdtDbt: 'CRDT' });
      const { report } = await read(xml);
      expect(report.errors).toHaveLength(1);
      expect(report.errors[0]).toMatchObject({
        code: 'bad_amount',
        line: lineOf(xml, `>${amount}</Amt>`),
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt',
      });
      expect(report.errors[0]!.message).toContain(reason);
    }
    const noCcy = one({
      amount: '1.00',
      cdtDbt: 'CRDT',
      raw: '<Ntry><Amt>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>',
    });
    expect((await read(noCcy)).report.errors[0]).toMatchObject({
      code: 'missing_element',
      message: 'Entry 1: the amount has no currency (the Ccy attribute).',
    });
  });

  it('reports bad dates and a bad credit/debit indicator', async () => {
    const xml = one({ amount: '10.00', cdtDbt: 'CRDT', bookingDate: '2024-02-30', valueDate: '2024-03-01' });
    const { report } = await read(xml);
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'bad_date',
        line: lineOf(xml, '2024-02-30'),
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt/Dt',
        message: 'Entry 1: the booking date (<BookgDt>): "2024-02-30" is not a calendar date.',
      }),
    ]);
    const ind = one({ amount: '10.00', cdtDbt: 'CRDT' }).replace(
      '<CdtDbtInd>CRDT</CdtDbtInd>\n<Sts>',
      '<CdtDbtInd>CREDIT</CdtDbtInd>\n<Sts>',
    );
    expect((await read(ind)).report.errors.map((e) => e.code)).toEqual(['bad_value']);
  });

  it('reports an entry in another currency than the account', async () => {
    const xml = one({ amount: '10.00', ccy: 'USD', cdtDbt: 'CRDT' });
    const { lines, report } = await read(xml);
    expect(lines).toEqual([]);
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'currency_mismatch',
        line: lineOf(xml, 'Ccy="USD"'),
        message: 'Entry 1 is in USD, but the statement is in EUR.',
      }),
    ]);
    const tx = one({ amount: '10.00', cdtDbt: 'CRDT', txs: [{ amount: '10.00', ccy: 'CHF' }] });
    expect((await read(tx)).report.errors.map((e) => [e.code, e.message])).toEqual([
      ['currency_mismatch', 'Entry 1, transaction 1 of 1 is in CHF, but the entry is in EUR.'],
    ]);
  });

  it('reports a balance mismatch at the closing balance', async () => {
    const xml = one({ amount: '10.00', cdtDbt: 'CRDT' }, '11.00');
    const { report } = await read(xml);
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'balance_mismatch',
        line: lineOf(xml, 'CLBD'),
        statementId: 'S',
        message:
          'Statement S: opening balance 0.00 EUR + credits 10.00 EUR − debits 0.00 EUR = 10.00 EUR, but the closing balance is 11.00 EUR (difference 1.00 EUR). Entries are missing or the file was altered.',
      }),
    ]);
  });

  it('warns (no error) when a statement has no closing balance', async () => {
    const xml = camtXml('08', [{ id: 'S', opening: '0.00', entries: [{ amount: '1.00', cdtDbt: 'CRDT' }] }]);
    const { report } = await read(xml);
    expect(report.ok).toBe(true);
    expect(report.warnings[0]!.message).toMatch(/no closing balance/);
    expect(report.statements[0]!.balanceChecked).toBe(false);
  });

  it('reports a truncated file with the element it ends in', async () => {
    const xml = camtXml('08', [
      {
        id: 'S',
        opening: '0.00',
        closing: '20.00',
        entries: [
          { amount: '10.00', cdtDbt: 'CRDT' },
          { amount: '10.00', cdtDbt: 'CRDT' },
        ],
      },
    ]);
    const cut = xml.slice(0, xml.indexOf('<Ntry>', xml.indexOf('<Ntry>') + 1) + 30);
    const { lines, report } = await read(cut);
    expect(lines).toHaveLength(1); // the caller applies nothing: the report is not ok
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'truncated',
        line: cut.split('\n').length,
        path: '/Document/BkToCstmrStmt/Stmt/Ntry/Amt',
      }),
    ]);
    expect(report.errors[0]!.message).toMatch(/cut short/);
  });

  it('reports XML that is not well-formed with line and column', async () => {
    const xml = one({ amount: '10.00', cdtDbt: 'CRDT' }).replace('</BookgDt>', '</BookDt>');
    const { report } = await read(xml);
    expect(report.errors).toEqual([
      expect.objectContaining({ code: 'unreadable', line: lineOf(xml, '</BookDt>') }),
    ]);
    expect(report.errors[0]!.message).toMatch(
      /not well-formed at line \d+, column \d+: unexpected close tag/,
    );
  });

  it('reports bytes that are not UTF-8 on their line', async () => {
    const xml = one({ amount: '10.00', cdtDbt: 'CRDT', txs: [{ name: 'JXrgen' }] });
    const buf = Buffer.from(xml);
    buf[buf.indexOf('JXrgen') + 1] = 0xfc; // Latin-1 ü in a file declared UTF-8
    const { report } = await read(buf);
    expect(report.errors[0]).toMatchObject({ code: 'unreadable', line: lineOf(xml, 'JXrgen') });
  });

  it('keeps at most maxErrors errors but counts them all', async () => {
    const entries = Array.from({ length: 30 }, () => ({ amount: 'x', cdtDbt: 'CRDT' as const }));
    const xml = camtXml('08', [{ id: 'S', opening: '0.00', closing: '0.00', entries }]);
    const parse = parseStatement(chunked(xml), { maxErrors: 5 });
    for await (const _ of parse) {
      // drain
    }
    const report = parse.report();
    expect(report.errors).toHaveLength(5);
    expect(report.errorCount).toBe(30);
  });
});

describe('camt.053 memory', () => {
  it('streams a 200k-entry statement with flat retained memory', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const retained: number[] = [];
    let bytes = 0;
    async function* counted() {
      for await (const b of generateCamt(200_000, { compact: true, chunkEntries: 500 })) {
        bytes += b.length;
        yield b;
      }
    }
    const parse = parseStatement(counted(), { format: 'auto' });
    let n = 0;
    for await (const _ of parse) {
      if (++n % 50_000 === 0) {
        gc();
        retained.push(process.memoryUsage().heapUsed);
      }
    }
    const report = parse.report();
    expect(report.errors).toEqual([]);
    expect(report.lines).toBe(200_000);
    expect(report.statements[0]!.balanceChecked).toBe(true);
    expect(bytes).toBeGreaterThan(20e6);
    // What stays alive after 50k lines and after 200k lines is the same (give or take 4 MB),
    // while the document is over 20 MB: nothing grows with the file.
    const growth = retained[retained.length - 1]! - retained[0]!;
    expect(growth).toBeLessThan(4e6);
  }, 20_000);
});
