import { describe, expect, it } from 'vitest';
import { camtXml, chunked } from './fixtures.ts';
import { detectFormat, parseStatement, readStatement } from './index.ts';

const camt = camtXml('08', [
  { id: 'S', opening: '0.00', closing: '1.00', entries: [{ amount: '1.00', cdtDbt: 'CRDT' }] },
]);

describe('detectFormat', () => {
  it('tells the formats apart from the first bytes', () => {
    const b = (s: string) => Buffer.from(s);
    expect(detectFormat(b(camt))).toBe('camt053');
    expect(detectFormat(b(`\uFEFF\r\n  ${camt}`))).toBe('camt053');
    expect(detectFormat(Buffer.from(`\uFEFF${camt}`, 'utf16le'))).toBe('camt053');
    expect(detectFormat(b('{1:F01BANKBEBBAXXX0000000000}{2:O940}{4:\r\n:20:X\r\n'))).toBe('mt940');
    expect(detectFormat(b('ABNANL2A\n940\nABNANL2A\n:20:ABN\n:25:1\n'))).toBe('mt940');
    expect(detectFormat(b('Settlement ID;Invoice Number;Amount\n'))).toBe('doku-settlement');
    expect(detectFormat(b('Date;Amount;Text\n'))).toBe('bank-csv');
    expect(detectFormat(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toBe('bank-xlsx');
    expect(detectFormat(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('parseStatement', () => {
  it('streams lines and gives the report after the iteration', async () => {
    const parse = parseStatement(chunked(camt, 100));
    const seen: number[] = [];
    for await (const line of parse) seen.push(line.line);
    expect(seen).toHaveLength(1);
    expect(parse.errors).toEqual([]);
    expect(parse.report()).toMatchObject({ format: 'camt053', ok: true, lines: 1, errorCount: 0 });
    expect(() => parse[Symbol.asyncIterator]()).toThrow(/once/);
  });

  it('reports an empty file', async () => {
    const { lines, report } = await readStatement([]);
    expect(lines).toEqual([]);
    expect(report).toMatchObject({ ok: false, format: undefined, errors: [{ code: 'unreadable', line: 0 }] });
  });

  it('stops reading the source when the file cannot be parsed', async () => {
    let pulled = 0;
    let closed = false;
    async function* source() {
      try {
        yield Buffer.from('<?xml version="1.0"?>\n<Document xmlns="urn:example">');
        for (;;) {
          pulled++;
          yield Buffer.alloc(1024, 0x20);
        }
      } finally {
        closed = true;
      }
    }
    const { report } = await readStatement(source(), { format: 'camt053' });
    expect(report.errors[0]!.code).toBe('wrong_namespace');
    expect(pulled).toBeLessThan(100);
    expect(closed).toBe(true);
  });

  it('accepts a forced format over detection', async () => {
    const { report } = await readStatement(chunked(camt), { format: 'mt940' });
    expect(report.format).toBe('mt940');
    expect(report.errors[0]).toMatchObject({
      code: 'unreadable',
      message: expect.stringMatching(/no MT940 statement/),
    });
  });
});

describe('encodings', () => {
  it('reads a UTF-16 camt.053 (byte-order mark)', async () => {
    const utf16 = Buffer.from(`\uFEFF${camt.replace('encoding="UTF-8"', 'encoding="UTF-16"')}`, 'utf16le');
    const { lines, report } = await readStatement(chunked(utf16, 3));
    expect(report.errors).toEqual([]);
    expect(lines.map((l) => l.amount)).toEqual([100n]);
  });
});
