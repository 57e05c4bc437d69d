import { describe, expect, it } from 'vitest';
import { chunked } from './fixtures.ts';
import { readStatement } from './index.ts';
import { parse61, parseInformation } from './mt940.ts';

const NOW = new Date('2025-06-01T00:00:00Z');
const read = (text: string | Buffer, size?: number) =>
  readStatement(chunked(text, size), { format: 'mt940', mt940: { now: NOW } });
const file = (lines: string[], eol = '\r\n') => lines.join(eol) + eol;
const codes = (errors: { code: string; line: number }[]) => errors.map((e) => [e.code, e.line]);

/** Two statements in SWIFT envelopes; line numbers in comments. */
const SWIFT = [
  '{1:F01BANKDEFFAXXX0000000000}{2:O9401200240301BANKDEFFAXXX00000000002403011200N}{3:{108:MT940}}{4:', // 1
  ':20:STMT240301', // 2
  ':25:DE89370400440532013000', // 3
  ':28C:00059/001', // 4
  ':60F:C240229EUR1000,00', // 5
  ':61:2403010301CR150,00NTRFINV-40001234//B4C01ABC123', // 6
  'SEPA CREDIT TRANSFER', // 7
  ':86:166?00SEPA-GUTSCHRIFT?109310?20EREF+E2E-4711?21SVWZ+Bill 40001234 RF18 53', // 8
  '90 0754 7034?30COBADEFFXXX?31DE02120300000000202051?32Maria?33 Lopez', // 9
  ':61:240301D40,50NCHGNONREF//B4C01ABC124', // 10
  ':86:Account fee March', // 11
  ':61:240301RD10,00NRTINONREF//B4C01ABC125', // 12
  ':86:/RTRN/AC04/EREF/E2E-RETURN/NAME/Water Co/REMI/USTD//returned debit/', // 13
  ':62F:C240301EUR1119,50', // 14
  '-}{5:{CHK:ABCDEF123456}}', // 15
  '{1:F01BANKDEFFAXXX0000000000}{2:O9401200240302BANKDEFFAXXX00000000002403021200N}{4:', // 16
  ':20:STMT240302', // 17
  ':25:DE89370400440532013000', // 18
  ':28C:00060/001', // 19
  ':60F:C240301EUR1119,50', // 20
  ':61:240302C0,50NTRFNONREF', // 21
  ':61:240302RC119,50NTRFABC//REV1', // 22
  ':86:/EREF/NOTPROVIDED/CNTP/NL91ABNA0417164300/ABNANL2A/J. Jansen/Amsterdam//REMI/STRD/CUR/RF18539007547034/', // 23
  ':62F:C240302EUR1000,50', // 24
  ':64:C240302EUR1000,50', // 25
  '-}', // 26
];

describe('MT940 files', () => {
  it('reads SWIFT-wrapped statements with the :61: grammar and :86: details', async () => {
    const { lines, report } = await read(file(SWIFT));
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(
      lines.map((l) => [
        l.line,
        l.statementId,
        l.amount,
        l.direction,
        l.reversal,
        l.bookingDate,
        l.valueDate,
      ]),
    ).toEqual([
      [6, 'STMT240301', 15000n, 'credit', false, '2024-03-01', '2024-03-01'],
      [10, 'STMT240301', 4050n, 'debit', false, '2024-03-01', '2024-03-01'],
      [12, 'STMT240301', 1000n, 'credit', true, '2024-03-01', '2024-03-01'],
      [21, 'STMT240302', 50n, 'credit', false, '2024-03-02', '2024-03-02'],
      [22, 'STMT240302', 11950n, 'debit', true, '2024-03-02', '2024-03-02'],
    ]);
    expect(lines[0]).toMatchObject({
      format: 'mt940',
      account: 'DE89370400440532013000',
      currency: 'EUR',
      entryIndex: 1,
      ownerReference: 'INV-40001234',
      bankReference: 'B4C01ABC123',
      bankTransactionCode: 'TRF',
      supplementary: 'SEPA CREDIT TRANSFER',
      // :86: lines joined as they are: the wrap split "RF18 5390" and the parser does not mend it in the text.
      remittance:
        '166?00SEPA-GUTSCHRIFT?109310?20EREF+E2E-4711?21SVWZ+Bill 40001234 RF18 5390 0754 7034?30COBADEFFXXX?31DE02120300000000202051?32Maria?33 Lopez',
      endToEndId: 'E2E-4711',
      creditorReference: 'RF18539007547034',
      counterpartyName: 'Maria Lopez',
      counterpartyAccount: 'DE02120300000000202051',
    });
    expect(lines[1]).toMatchObject({ remittance: 'Account fee March', bankTransactionCode: 'CHG' });
    expect(lines[1]!.ownerReference).toBeUndefined(); // NONREF
    expect(lines[2]).toMatchObject({ endToEndId: 'E2E-RETURN', counterpartyName: 'Water Co' });
    expect(lines[3]).toMatchObject({ remittance: '' });
    expect(lines[3]!.bankReference).toBeUndefined();
    expect(lines[4]).toMatchObject({
      ownerReference: 'ABC',
      bankReference: 'REV1',
      counterpartyName: 'J. Jansen',
      counterpartyAccount: 'NL91ABNA0417164300',
      creditorReference: 'RF18539007547034',
    });
    expect(lines[4]!.endToEndId).toBeUndefined();
    expect(
      report.statements.map((s) => [
        s.statementId,
        s.sequence,
        s.opening?.amount,
        s.closing?.amount,
        s.credits,
        s.debits,
        s.lines,
        s.balanceChecked,
      ]),
    ).toEqual([
      ['STMT240301', '00059/001', 100000n, 111950n, 16000n, 4050n, 3, true],
      ['STMT240302', '00060/001', 111950n, 100050n, 50n, 11950n, 2, true],
    ]);
  });

  it('reads the same lines from LF, CR-only, BOM and 1-byte chunks', async () => {
    const base = await read(file(SWIFT));
    for (const variant of [
      await read(file(SWIFT, '\n')),
      await read(file(SWIFT, '\r')),
      await read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(file(SWIFT))]), 1),
    ]) {
      expect(variant.report.errors).toEqual([]);
      expect(variant.lines).toEqual(base.lines);
    }
  });

  it('reads plain files: several statements, "-" separators, banner lines, no trailing newline', async () => {
    const text = [
      'ABNANL2A',
      '940',
      'ABNANL2A',
      ':20:ABN1',
      ':25:417164300',
      ':28:1',
      ':60F:C240301EUR0,',
      ':61:240301C100,NTRFNONREF',
      ':86:/TRTP/SEPA OVERBOEKING/IBAN/NL20INGB0001234567/BIC/INGBNL2A/NAME/P. de Vries/REMI/USTD//Factuur 2024-17 klant 4711/EREF/NOTPROVIDED',
      ':62F:C240301EUR100,',
      '-',
      ':20:ABN2',
      ':25:417164300',
      ':28:2',
      ':60F:C240301EUR100,',
      ':61:240302C100,NTRFNONREF',
      ':86:/TRTP/SEPA OVERBOEKING/IBAN/NL20INGB0001234567/BIC/INGBNL2A/NAME/P. de Vries/REMI/USTD//Factuur 2024-17 klant 4711/EREF/NOTPROVIDED',
      ':61:240302C100,NTRFNONREF',
      ':86:/TRTP/SEPA OVERBOEKING/IBAN/NL20INGB0001234567/BIC/INGBNL2A/NAME/P. de Vries/REMI/USTD//Factuur 2024-17 klant 4711/EREF/NOTPROVIDED',
      ':62F:C240302EUR300,',
      '-',
    ].join('\n');
    const { lines, report } = await read(text);
    expect(report.errors).toEqual([]);
    expect(lines).toHaveLength(3);
    // A duplicate (same amount, date and text) is returned twice; deduplication is the importer's.
    expect(lines[1]!.remittance).toBe(lines[2]!.remittance);
    expect(
      lines.map((l) => [l.line, l.statementId, l.entryIndex, l.counterpartyName, l.counterpartyAccount]),
    ).toEqual([
      [8, 'ABN1', 1, 'P. de Vries', 'NL20INGB0001234567'],
      [16, 'ABN2', 1, 'P. de Vries', 'NL20INGB0001234567'],
      [18, 'ABN2', 2, 'P. de Vries', 'NL20INGB0001234567'],
    ]);
    expect(lines[0]!.endToEndId).toBeUndefined();
    expect(lines[0]!.amount).toBe(10000n);
  });

  it('rolls the entry date over New Year', async () => {
    const text = file([
      ':20:YE',
      ':25:ACC',
      ':60F:C231231EUR0,00',
      ':61:2312310102C5,00NTRFNONREF',
      ':61:2401021231D1,00NTRFNONREF',
      ':62F:C240102EUR4,00',
    ]);
    const { lines, report } = await read(text);
    expect(report.errors).toEqual([]);
    expect(lines.map((l) => [l.valueDate, l.bookingDate])).toEqual([
      ['2023-12-31', '2024-01-02'],
      ['2024-01-02', '2023-12-31'],
    ]);
  });

  it('reads zero-decimal currencies and refuses decimals in them', async () => {
    const ok = await read(
      file([':20:J', ':25:ACC', ':60F:C240301JPY0,', ':61:240301C1500,NTRFNONREF', ':62F:C240301JPY1500,']),
    );
    expect(ok.report.errors).toEqual([]);
    expect(ok.lines[0]).toMatchObject({ amount: 1500n, currency: 'JPY' });
    const bad = await read(
      file([':20:J', ':25:ACC', ':60F:C240301JPY0,', ':61:240301C1500,5NTRFNONREF', ':62F:C240301JPY1500,']),
    );
    expect(codes(bad.report.errors)).toEqual([['bad_amount', 4]]);
    expect(bad.report.errors[0]!.message).toBe(':61: the amount "1500,5" has decimals, but JPY has none.');
  });

  it('warns when a statement does not continue the previous one (62M -> 60M)', async () => {
    const text = file([
      ':20:P1',
      ':25:ACC',
      ':28C:1/1',
      ':60F:C240301EUR10,00',
      ':62M:C240301EUR10,00',
      ':20:P1',
      ':25:ACC',
      ':28C:1/2',
      ':60M:C240301EUR12,00',
      ':62F:C240301EUR12,00',
    ]);
    const { report } = await read(text);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([
      expect.objectContaining({
        line: 9,
        message: expect.stringMatching(/previous statement P1 of the account closed at 10.00 EUR/),
      }),
    ]);
  });
});

describe('MT940 errors', () => {
  const stmt = (body: string[], close = ':62F:C240301EUR100,00') =>
    file([':20:S1', ':25:ACC', ':60F:C240229EUR0,00', ...body, close]);

  it('reports each bad :61: with its line and reason', async () => {
    const cases: [string, string, string][] = [
      [
        ':61:240230C100,00NTRFNONREF',
        'bad_date',
        ':61: the value date "240230" is not a calendar date (YYMMDD).',
      ],
      [
        ':61:2403011332C100,00NTRFNONREF',
        'bad_date',
        ':61: the entry date "1332" (MMDD) is not a calendar date.',
      ],
      [':61:240301X100,00NTRFNONREF', 'syntax', ':61: after the date(s) comes C, D, RC or RD, not "X1".'],
      [
        ':61:240301C100.00NTRFNONREF',
        'bad_amount',
        `:61: the amount "100.00" has a '.'; MT940 amounts use a decimal comma.`,
      ],
      [
        ':61:240301C100NTRFNONREF',
        'bad_amount',
        ':61: the amount "100" has no decimal comma (write "100,").',
      ],
      [
        ':61:240301C100,001NTRFNONREF',
        'bad_amount',
        ':61: the amount "100,001" has 3 decimals, but EUR has 2.',
      ],
      [
        ':61:240301C100,00XTRFNONREF',
        'syntax',
        ':61: the transaction type after the amount must be S, N or F and 3 characters (e.g. NTRF), not "XTRF".',
      ],
      [':61:240301C', 'syntax', ':61: an amount must follow the C mark, not "".'],
    ];
    for (const [line61, code, message] of cases) {
      const { lines, report } = await read(stmt([line61]));
      expect(lines).toEqual([]);
      expect(report.errors.map((e) => [e.code, e.line, e.message])).toEqual([[code, 4, message]]);
    }
  });

  it('reports a balance mismatch at the closing balance', async () => {
    const { report } = await read(stmt([':61:240301C99,00NTRFNONREF']));
    expect(report.errors).toEqual([
      expect.objectContaining({
        code: 'balance_mismatch',
        line: 5,
        statementId: 'S1',
        message:
          'Statement S1: opening balance 0.00 EUR + credits 99.00 EUR − debits 0.00 EUR = 99.00 EUR, but the closing balance is 100.00 EUR (difference 1.00 EUR). Entries are missing or the file was altered.',
      }),
    ]);
  });

  it('reports a closing balance in another currency and bad balances', async () => {
    const mismatch = await read(stmt([':61:240301C100,00NTRFNONREF'], ':62F:C240301USD100,00'));
    expect(codes(mismatch.report.errors)).toEqual([['currency_mismatch', 5]]);
    const badBal = await read(file([':20:S1', ':25:ACC', ':60F:C24022EUR0,00', ':62F:C240301EUR0,00']));
    expect(codes(badBal.report.errors)).toEqual([['syntax', 3]]);
    const badCcy = await read(file([':20:S1', ':25:ACC', ':60F:C240229XXY0,00', ':62F:C240301XXY0,00']));
    expect(codes(badCcy.report.errors)).toEqual([
      ['bad_value', 3],
      ['bad_value', 4],
    ]);
  });

  it('reports missing fields', async () => {
    const noOpening = await read(
      file([':20:S1', ':25:ACC', ':61:240301C1,00NTRFNONREF', ':62F:C240301EUR1,00']),
    );
    expect(noOpening.report.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      [
        'missing_element',
        3,
        'Statement S1 has a :61: before its opening balance (:60F:), so its currency is unknown.',
      ],
    ]);
    const noAccount = await read(file([':20:S1', ':60F:C240229EUR0,00', ':62F:C240301EUR0,00']));
    expect(codes(noAccount.report.errors)).toEqual([['missing_element', 1]]);
    const noClosing = await read(
      file([
        ':20:S1',
        ':25:A',
        ':60F:C240229EUR0,00',
        '-',
        ':20:S2',
        ':25:A',
        ':60F:C240229EUR0,00',
        ':62F:C240229EUR0,00',
      ]),
    );
    expect(noClosing.report.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      [
        'missing_element',
        4,
        'Statement S1 (line 1) has no closing balance (:62F:) before the end of its message (line 4).',
      ],
    ]);
  });

  it('reports a truncated file', async () => {
    const cut = SWIFT.slice(0, 12).join('\r\n');
    const { report } = await read(cut);
    expect(report.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      [
        'truncated',
        12,
        'The file ends before the closing balance (:62F:) of statement STMT240301 (started line 2); it was cut short.',
      ],
    ]);
    const noEnd = SWIFT.slice(0, 14).join('\r\n');
    expect((await read(noEnd)).report.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      [
        'truncated',
        14,
        'The SWIFT text block opened at line 1 ({4:) is never closed with "-}"; the file was cut short.',
      ],
    ]);
  });

  it('refuses a file that is not MT940, and stray lines inside a statement', async () => {
    const { report } = await read('Date,Amount\n2024-03-01,10.00\n');
    expect(report.errors).toEqual([expect.objectContaining({ code: 'unreadable', line: 1 })]);
    const stray = await read(
      file([':20:S1', ':25:A', ':60F:C240229EUR0,00', ':62F:C240229EUR0,00']).replace(
        ':25:A',
        'garbage\r\n:25:A',
      ),
    );
    expect(stray.report.errors.map((e) => [e.code, e.line, e.message])).toEqual([
      [
        'syntax',
        2,
        'Line 2 is not an MT940 field (fields start with a tag such as :61:), and :20: above it is a single line.',
      ],
    ]);
    const outside = await read(
      file([':25:A', ':20:S1', ':25:A', ':60F:C240229EUR0,00', ':62F:C240229EUR0,00']),
    );
    expect(codes(outside.report.errors)).toEqual([['syntax', 1]]);
  });

  it('reports bytes that are not UTF-8 and reads Latin-1 when told', async () => {
    const text = file([
      ':20:S1',
      ':25:A',
      ':60F:C240229EUR0,00',
      ':61:240301C1,00NTRFNONREF',
      ':86:Zahlung Müller',
      ':62F:C240301EUR1,00',
    ]);
    const latin1 = Buffer.from(text, 'latin1');
    const asUtf8 = await read(latin1);
    expect(codes(asUtf8.report.errors)).toEqual([['unreadable', 5]]);
    const { lines, report } = await readStatement(chunked(latin1), {
      format: 'mt940',
      mt940: { encoding: 'latin1', now: NOW },
    });
    expect(report.errors).toEqual([]);
    expect(lines[0]!.remittance).toBe('Zahlung Müller');
  });
});

describe('parse61 and parseInformation', () => {
  it('parses every part of :61:', () => {
    expect(parse61('0912310101RDR1234,56S202CUSTREF123//BANKREF456', 'details here', NOW)).toEqual({
      ok: true,
      value: {
        valueDate: '2009-12-31',
        entryDate: '2010-01-01',
        direction: 'credit',
        reversal: true,
        fundsCode: 'R',
        amount: '1234,56',
        typeCode: 'S202',
        ownerReference: 'CUSTREF123',
        bankReference: 'BANKREF456',
        supplementary: 'details here',
      },
    });
    const cr = parse61('240301CR5,NMSCNONREF', undefined, NOW);
    expect(cr.ok && [cr.value.direction, cr.value.reversal, cr.value.fundsCode]).toEqual([
      'credit',
      false,
      'R',
    ]);
    const rc = parse61('240301RC5,NMSCNONREF', undefined, NOW);
    expect(rc.ok && [rc.value.direction, rc.value.reversal]).toEqual(['debit', true]);
  });

  it('reads German and Dutch structured :86: and finds RF references in free text', () => {
    expect(
      parseInformation(
        '105?00SEPA-LASTSCHRIFT?20EREF+ABC?21MREF+M-77?22CRED+DE98ZZZ09999999999?23SVWZ+Strom März?32Stadtwerke',
      ),
    ).toEqual({
      endToEndId: 'ABC',
      mandateId: 'M-77',
      counterpartyName: 'Stadtwerke',
    });
    expect(
      parseInformation(
        '/EREF/X1//MARF/M1/NAME/Ann/IBAN/NL20INGB0001234567/REMI/USTD//pay RF18 5390 0754 7034/',
      ),
    ).toEqual({
      endToEndId: 'X1',
      mandateId: 'M1',
      counterpartyName: 'Ann',
      counterpartyAccount: 'NL20INGB0001234567',
      creditorReference: 'RF18539007547034',
    });
    expect(parseInformation('Invoice rf18539007547034 paid')).toEqual({
      creditorReference: 'RF18539007547034',
    });
    // A wrong check digit is no reference.
    expect(parseInformation('Invoice RF19539007547034')).toEqual({});
  });
});
