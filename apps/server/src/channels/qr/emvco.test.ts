import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCurrency } from '../../platform/money.ts';
import {
  buildMpm,
  buildQris,
  crc16,
  currencyAlpha,
  currencyNumeric,
  decodeTlv,
  encodeTlv,
  formatQrAmount,
  type MpmPayload,
  parseMpm,
  parseQrAmount,
  parseQris,
  type QrisMerchant,
  QrPayloadError,
  qrisPayload,
  validateMpm,
} from './emvco.ts';

/** specs/wire-formats.md §3: synthetic dynamic QRIS vector with a valid CRC. */
const QRIS_VECTOR =
  '00020101021226690017ID.CO.EXAMPLE.WWW011893600000000000000102150000000000000010303UMI51440014ID.CO.QRIS.WWW0215ID10000000000010303UMI52044900530336054061500005802ID5916PT CONTOH BILLER6007JAKARTA61051011062290108INV-00010506REF1230703T0163044A90';

const merchant: QrisMerchant = {
  acquirer: {
    guid: 'ID.CO.EXAMPLE.WWW',
    mpan: '936000000000000001',
    merchantId: '000000000000001',
    criteria: 'UMI',
  },
  nmid: 'ID1000000000001',
  criteria: 'UMI',
  mcc: '4900',
  name: 'PT CONTOH BILLER',
  city: 'JAKARTA',
  postalCode: '10110',
};

const base: MpmPayload = {
  initiation: 'static',
  merchantAccounts: [
    { kind: 'template', id: '26', guid: 'COM.EXAMPLE', fields: [{ id: '01', value: '12345' }] },
  ],
  mcc: '4900',
  currency: 'USD',
  countryCode: 'US',
  merchantName: 'Springfield Water',
  merchantCity: 'Springfield',
};

const issuesOf = (p: MpmPayload) => validateMpm(p).map((i) => `${i.field} (${i.tag}) ${i.reason}`);

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogue check value and the empty-input init', () => {
    expect(crc16('123456789')).toBe('29B1');
    expect(crc16('')).toBe('FFFF');
  });

  it("matches the spec vector's CRC over everything up to and including 6304", () => {
    expect(crc16(QRIS_VECTOR.slice(0, -4))).toBe('4A90');
  });
});

describe('TLV', () => {
  it('encodes ID + 2-digit length + value and decodes in order', () => {
    expect(encodeTlv('59', 'ACME')).toBe('5904ACME');
    expect(decodeTlv('0002015904ACME')).toEqual({
      ok: true,
      fields: [
        { id: '00', value: '01' },
        { id: '59', value: 'ACME' },
      ],
    });
    expect(() => encodeTlv('5', 'x')).toThrow(/two digits/);
    expect(() => encodeTlv('99', 'x'.repeat(100))).toThrow(/at most 99/);
  });

  it('says where a truncated or garbled payload breaks', () => {
    const cut = decodeTlv('00020159');
    expect(cut.ok).toBe(false);
    expect(!cut.ok && cut.reason).toMatch(/header at character 7 \("59"\)/);
    const short = decodeTlv('5910ACME');
    expect(!short.ok && short.reason).toMatch(/claims 10 characters/);
  });
});

describe('the synthetic QRIS vector', () => {
  it('parses into its fields', () => {
    const r = parseMpm(QRIS_VECTOR);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.payload).toEqual({
      initiation: 'dynamic',
      merchantAccounts: [
        {
          kind: 'template',
          id: '26',
          guid: 'ID.CO.EXAMPLE.WWW',
          fields: [
            { id: '01', value: '936000000000000001' },
            { id: '02', value: '000000000000001' },
            { id: '03', value: 'UMI' },
          ],
        },
        {
          kind: 'template',
          id: '51',
          guid: 'ID.CO.QRIS.WWW',
          fields: [
            { id: '02', value: 'ID1000000000001' },
            { id: '03', value: 'UMI' },
          ],
        },
      ],
      mcc: '4900',
      currency: 'IDR',
      amount: 15_000_000n, // Rp 150.000,00 in minor units
      countryCode: 'ID',
      merchantName: 'PT CONTOH BILLER',
      merchantCity: 'JAKARTA',
      postalCode: '10110',
      additionalData: { billNumber: 'INV-0001', referenceLabel: 'REF123', terminalLabel: 'T01' },
    });
  });

  it('rebuilds byte-identical with a valid CRC, generically and through the QRIS layer', () => {
    const r = parseMpm(QRIS_VECTOR);
    if (!r.ok) throw new Error('vector did not parse');
    const rebuilt = buildMpm(r.payload);
    expect(rebuilt).toBe(QRIS_VECTOR);
    expect(rebuilt.slice(-8, -4)).toBe('6304');
    expect(crc16(rebuilt.slice(0, -4))).toBe(rebuilt.slice(-4));

    const q = parseQris(QRIS_VECTOR);
    if (!q.ok) throw new Error(JSON.stringify(q.issues));
    expect(q.merchant).toEqual(merchant);
    expect(q.transaction).toEqual({
      amount: 15_000_000n,
      billNumber: 'INV-0001',
      referenceLabel: 'REF123',
      terminalLabel: 'T01',
    });
    expect(buildQris(merchant, q.transaction)).toBe(QRIS_VECTOR);
  });

  it('fails the CRC when any character is altered', () => {
    const tampered = QRIS_VECTOR.replace('5406150000', '5406950000');
    expect(tampered).not.toBe(QRIS_VECTOR);
    const r = parseMpm(tampered);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues[0]).toMatchObject({ tag: '63', field: 'crc' });
    expect(!r.ok && r.issues[0]!.reason).toMatch(/is 4A90, but the payload's CRC is [0-9A-F]{4}/);

    const badCrc = `${QRIS_VECTOR.slice(0, -4)}4A91`;
    expect(parseMpm(badCrc).ok).toBe(false);
    expect(parseMpm(QRIS_VECTOR.slice(0, -8)).ok).toBe(false); // CRC cut off
  });

  it('detects every single-character substitution', () => {
    // CRC-16 catches all single-symbol errors within its length; try each position.
    for (let i = 0; i < QRIS_VECTOR.length - 4; i++) {
      const c = QRIS_VECTOR[i] === '1' ? '2' : '1';
      expect(parseMpm(QRIS_VECTOR.slice(0, i) + c + QRIS_VECTOR.slice(i + 1)).ok).toBe(false);
    }
  });
});

describe('QRIS', () => {
  it('builds a static QR without an amount and a dynamic one with the bill data', () => {
    const staticQr = buildQris(merchant);
    expect(staticQr).toContain('010211');
    expect(staticQr).not.toContain('5406');
    const parsed = parseQris(staticQr);
    expect(parsed.ok && parsed.transaction).toBe(undefined);
    expect(parsed.ok && parsed.merchant).toEqual(merchant);

    const dynamic = buildQris(merchant, {
      amount: 12_345_000n,
      billNumber: 'B-2025-03-0042',
      referenceLabel: '1000100000000422',
    });
    expect(dynamic).toContain('010212');
    expect(dynamic).toContain('5406123450'); // Rp 123.450: whole amounts without decimals
    expect(dynamic).toContain('05161000100000000422');
    const back = parseQris(dynamic);
    expect(back.ok && back.transaction).toEqual({
      amount: 12_345_000n,
      billNumber: 'B-2025-03-0042',
      referenceLabel: '1000100000000422',
    });
  });

  it('refuses bad merchant configuration with the field and the reason', () => {
    const bad = {
      ...merchant,
      acquirer: { ...merchant.acquirer, guid: 'example', mpan: '1234', criteria: 'XXX' as 'UMI' },
      nmid: 'ID1',
      postalCode: 'JKT',
    };
    try {
      qrisPayload(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QrPayloadError);
      expect((e as QrPayloadError).issues.map((i) => i.field)).toEqual([
        'acquirer.guid',
        'acquirer.mpan',
        'acquirer.criteria',
        'nmid',
        'postalCode',
      ]);
    }
  });

  it('rejects EMVCo payloads that are not QRIS', () => {
    const r = parseQris(buildMpm(base));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map((i) => i.tag)).toEqual(['53', '58', '51', '61']);
  });
});

describe('amounts', () => {
  it('writes minor units as an EMVCo decimal string', () => {
    expect(formatQrAmount(15_000_000n, 'IDR')).toBe('150000');
    expect(formatQrAmount(12050n, 'USD')).toBe('120.50');
    expect(formatQrAmount(5n, 'USD')).toBe('0.05');
    expect(formatQrAmount(12345n, 'JPY')).toBe('12345');
    expect(formatQrAmount(1_234_567n, 'KWD')).toBe('1234.567');
    expect(formatQrAmount(123_456_789_012_345n, 'IDR')).toBe('1234567890123.45'); // no separators
    expect(() => formatQrAmount(0n, 'USD')).toThrow(/positive/);
  });

  it('reads them back exactly, refusing what EMVCo does not allow', () => {
    expect(parseQrAmount('98.73', 'USD')).toEqual({ ok: true, minor: 9873n });
    expect(parseQrAmount('98.7', 'USD')).toEqual({ ok: true, minor: 9870n });
    expect(parseQrAmount('98.', 'USD')).toEqual({ ok: true, minor: 9800n });
    expect(parseQrAmount('150000', 'IDR')).toEqual({ ok: true, minor: 15_000_000n });
    expect(parseQrAmount('1.005', 'USD')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/3 decimals; USD has 2/),
    });
    expect(parseQrAmount('1,000', 'USD').ok).toBe(false);
    expect(parseQrAmount('-5', 'USD').ok).toBe(false);
    expect(parseQrAmount('0.00', 'USD').ok).toBe(false);
  });

  it('is only on dynamic QRs, and at most 13 characters', () => {
    expect(issuesOf({ ...base, amount: 100n })).toEqual([
      'amount (54) is only allowed on a dynamic QR; a static QR lets the payer key the amount',
    ]);
    expect(issuesOf({ ...base, initiation: 'dynamic' })).toEqual(['amount (54) is required on a dynamic QR']);
    const jpy = { ...base, initiation: 'dynamic' as const, currency: 'JPY' };
    expect(issuesOf({ ...jpy, amount: 9_999_999_999_999n })).toEqual([]); // 13 digits
    expect(issuesOf({ ...jpy, amount: 10_000_000_000_000n })).toEqual([
      'amount (54) is "10000000000000", 14 characters; at most 13',
    ]);
    expect(issuesOf({ ...base, initiation: 'dynamic', amount: 10n ** 13n + 1n })).toEqual([
      'amount (54) is "100000000000.01", 15 characters; at most 13',
    ]);
    expect(issuesOf({ ...base, initiation: 'dynamic', amount: -1n })).toEqual([
      'amount (54) is -1; it must be positive',
    ]);
  });
});

describe('validation', () => {
  it('names the field, the tag and the reason', () => {
    expect(
      issuesOf({
        ...base,
        merchantName: 'Springfield Water and Power Co',
        merchantCity: 'Springfield Heights',
        mcc: '49',
        currency: 'XYZ',
        countryCode: 'us',
      }),
    ).toEqual([
      'mcc (52) must be 4 digits',
      'currency (53) "XYZ" is not an ISO 4217 currency with a numeric code',
      'countryCode (58) must be an ISO 3166-1 alpha-2 code in capitals',
      'merchantName (59) is 30 characters; at most 25',
      'merchantCity (60) is 19 characters; at most 15',
    ]);
  });

  it('allows only printable ASCII outside the language template', () => {
    expect(issuesOf({ ...base, merchantName: 'Café Müller' })).toEqual([
      'merchantName (59) contains "é" (U+00E9); only printable ASCII is allowed',
    ]);
    expect(issuesOf({ ...base, additionalData: { billNumber: 'A\tB' } })).toEqual([
      'additionalData.billNumber (62.01) contains "\t" (U+0009); only printable ASCII is allowed',
    ]);
    const withLang = {
      ...base,
      alternateLanguage: { language: 'de', merchantName: 'Café Müller', merchantCity: 'München' },
    };
    expect(issuesOf(withLang)).toEqual([]);
    const qr = buildMpm(withLang);
    expect(qr).toContain('64320002de0111Café Müller0207München');
    const back = parseMpm(qr);
    expect(back.ok && back.payload.alternateLanguage).toEqual(withLang.alternateLanguage);
  });

  it('keeps every data object within 99 characters and the payload within 512', () => {
    const long = {
      ...base,
      merchantAccounts: [{ kind: 'primitive' as const, id: '02', value: '4'.repeat(100) }],
    };
    expect(issuesOf(long)).toEqual(['merchantAccounts[0].value (02) is 100 characters; at most 99']);
    const fullTemplate = {
      ...base,
      merchantAccounts: [
        {
          kind: 'template' as const,
          id: '26',
          guid: 'COM.EXAMPLE',
          fields: [
            { id: '01', value: 'x'.repeat(60) },
            { id: '02', value: 'y'.repeat(30) },
          ],
        },
      ],
    };
    expect(issuesOf(fullTemplate)).toEqual([
      'merchantAccounts[0] (26) is 113 characters encoded; at most 99',
    ]);
    const many = {
      ...base,
      merchantAccounts: Array.from({ length: 6 }, (_, i) => ({
        kind: 'primitive' as const,
        id: String(i + 2).padStart(2, '0'),
        value: '9'.repeat(90),
      })),
    };
    expect(issuesOf(many)).toEqual(['payload (00-99) is 641 characters; at most 512']);
  });

  it('checks merchant account ids and templates', () => {
    expect(issuesOf({ ...base, merchantAccounts: [] })).toEqual([
      'merchantAccounts (02-51) needs at least one merchant account',
    ]);
    expect(
      issuesOf({
        ...base,
        merchantAccounts: [
          { kind: 'primitive', id: '30', value: 'x' },
          { kind: 'template', id: '52', guid: 'X', fields: [] },
          { kind: 'template', id: '27', guid: '', fields: [{ id: '00', value: 'dup' }] },
        ],
      }),
    ).toEqual([
      'merchantAccounts[0].kind (30) ids 26-51 are templates (GUID in sub-tag 00)',
      'merchantAccounts[1].id (52) must be an id from 02 to 51',
      'merchantAccounts[2].guid (27.00) is required',
      'merchantAccounts[2].fields[0].id (27.00) is set by a named field',
    ]);
  });

  it('throws QrPayloadError from buildMpm with every issue', () => {
    expect(() => buildMpm({ ...base, mcc: 'ABCD', merchantCity: '' })).toThrow(QrPayloadError);
    expect(() => buildMpm({ ...base, mcc: 'ABCD', merchantCity: '' })).toThrow(
      'Invalid EMVCo QR payload: mcc (52) must be 4 digits; merchantCity (60) is required',
    );
  });

  it('reports structural problems of a scanned payload', () => {
    const wrap = (body: string) => {
      const s = `${body}6304`;
      return s + crc16(s);
    };
    expect(parseMpm(wrap('000202')).ok).toBe(false);
    const noInit = parseMpm(wrap('000201020400015204490053038405802US5901A6001B'));
    expect(!noInit.ok && noInit.issues).toEqual([
      { tag: '01', field: 'initiation', reason: 'is required (11 static or 12 dynamic)' },
    ]);
    const rfu = parseMpm(wrap('000201010211020400015204490053038405802US5901A6001B7001x'));
    expect(!rfu.ok && rfu.issues).toContainEqual({
      tag: '70',
      field: 'payload',
      reason: 'is reserved for future use by EMVCo',
    });
  });
});

describe('tips and templates', () => {
  it('round-trips each tip kind', () => {
    for (const tip of [
      { kind: 'prompt' } as const,
      { kind: 'fixed', amount: 150n } as const,
      { kind: 'percentage', percent: '3.5' } as const,
    ]) {
      const p: MpmPayload = { ...base, initiation: 'dynamic', amount: 1000n, tip };
      const r = parseMpm(buildMpm(p));
      expect(r.ok && r.payload).toEqual(p);
    }
    expect(issuesOf({ ...base, tip: { kind: 'percentage', percent: '100' } })).toEqual([
      'tip.percent (57) "100" is not a percentage from 0.01 to 99.99',
    ]);
  });
});

describe('currencies', () => {
  it('maps ISO 4217 alphabetic codes to numeric ones and back', () => {
    expect(currencyNumeric('IDR')).toBe('360');
    expect(currencyNumeric('USD')).toBe('840');
    expect(currencyNumeric('ALL')).toBe('008');
    expect(currencyAlpha('586')).toBe('PKR');
    expect(currencyAlpha('928')).toBe('VES');
    expect(currencyAlpha('000')).toBe(undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: any valid description survives build -> parse unchanged.

const ascii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const ans = (min: number, max: number) => fc.string({ unit: ascii, minLength: min, maxLength: max });
const unicode = fc.constantFrom('a', 'Z', ' ', 'é', 'ß', 'ñ', '日', '本', 'ก', 'ا', '😀', '€');
const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const ids = (min: number, max: number, maxCount: number) =>
  fc
    .uniqueArray(fc.integer({ min, max }), { maxLength: maxCount })
    .map((xs) => xs.sort((a, b) => a - b).map((n) => String(n).padStart(2, '0')));
const subFields = (min: number, max: number, maxCount: number) =>
  ids(min, max, maxCount).chain((list) =>
    fc.tuple(...list.map((id) => ans(1, 20).map((value) => ({ id, value })))).map((xs) => [...xs]),
  );

const account = fc.oneof(
  fc.record({
    kind: fc.constant('primitive' as const),
    id: fc.integer({ min: 2, max: 25 }),
    value: ans(1, 40),
  }),
  fc.record({
    kind: fc.constant('template' as const),
    id: fc.integer({ min: 26, max: 51 }),
    guid: ans(1, 32),
    fields: subFields(1, 99, 2),
  }),
);

const payload: fc.Arbitrary<MpmPayload> = fc
  .record({
    initiation: fc.constantFrom('static' as const, 'dynamic' as const),
    accounts: fc.uniqueArray(account, { minLength: 1, maxLength: 3, selector: (a) => a.id }),
    mcc: digits(4),
    currency: fc.constantFrom('IDR', 'USD', 'JPY', 'KWD', 'PKR', 'VES', 'INR'),
    amount: fc.bigInt({ min: 1n, max: 99_999_999_999n }),
    tip: fc.option(
      fc.oneof(
        fc.constant({ kind: 'prompt' as const }),
        fc.bigInt({ min: 1n, max: 999_999n }).map((amount) => ({ kind: 'fixed' as const, amount })),
        fc
          .constantFrom('1', '2.5', '10', '99.99')
          .map((percent) => ({ kind: 'percentage' as const, percent })),
      ),
      { nil: undefined },
    ),
    countryCode: fc.constantFrom('ID', 'PK', 'VE', 'US', 'IN'),
    merchantName: ans(1, 25),
    merchantCity: ans(1, 15),
    postalCode: fc.option(ans(1, 10), { nil: undefined }),
    billNumber: fc.option(ans(1, 25), { nil: undefined }),
    referenceLabel: fc.option(digits(16), { nil: undefined }),
    extra: subFields(12, 99, 1),
    lang: fc.option(
      fc.record({
        language: fc.constantFrom('id', 'es', 'ur'),
        merchantName: fc.string({ unit: unicode, minLength: 1, maxLength: 25 }),
      }),
      { nil: undefined },
    ),
    unreserved: fc.option(
      fc.record({ id: fc.integer({ min: 80, max: 99 }), guid: ans(1, 20), fields: subFields(1, 99, 1) }),
      { nil: undefined },
    ),
  })
  .map((r) => {
    const p: MpmPayload = {
      initiation: r.initiation,
      merchantAccounts: r.accounts.map((a) =>
        a.kind === 'primitive'
          ? { kind: a.kind, id: String(a.id).padStart(2, '0'), value: a.value }
          : { kind: a.kind, id: String(a.id), guid: a.guid, fields: a.fields },
      ),
      mcc: r.mcc,
      currency: r.currency,
      countryCode: r.countryCode,
      merchantName: r.merchantName,
      merchantCity: r.merchantCity,
    };
    if (r.initiation === 'dynamic') p.amount = r.amount;
    if (r.tip) p.tip = r.tip;
    if (r.postalCode !== undefined) p.postalCode = r.postalCode;
    if (r.billNumber !== undefined || r.referenceLabel !== undefined || r.extra.length > 0) {
      p.additionalData = {};
      if (r.billNumber !== undefined) p.additionalData.billNumber = r.billNumber;
      if (r.referenceLabel !== undefined) p.additionalData.referenceLabel = r.referenceLabel;
      if (r.extra.length > 0) p.additionalData.extra = r.extra;
    }
    if (r.lang) p.alternateLanguage = r.lang;
    if (r.unreserved) p.unreserved = [{ ...r.unreserved, id: String(r.unreserved.id) }];
    return p;
  });

describe('build -> parse (property)', () => {
  it('returns the same description for any valid payload', () => {
    let built = 0;
    fc.assert(
      fc.property(payload, (p) => {
        // The generator keeps every field legal; only the 512-character total can overflow.
        const issues = validateMpm(p);
        fc.pre(issues.length === 0);
        const qr = buildMpm(p);
        built++;
        expect(qr.length).toBeLessThanOrEqual(512);
        const r = parseMpm(qr);
        if (!r.ok) throw new Error(JSON.stringify(r.issues));
        expect(r.payload).toEqual({
          ...p,
          merchantAccounts: [...p.merchantAccounts].sort((a, b) => a.id.localeCompare(b.id)),
        });
        expect(buildMpm(r.payload)).toBe(qr);
      }),
      { numRuns: 300 },
    );
    expect(built).toBeGreaterThan(200);
  });

  it('never accepts a payload with a single character changed', () => {
    fc.assert(
      fc.property(payload, fc.nat(), ascii, (p, at, c) => {
        fc.pre(validateMpm(p).length === 0);
        const qr = buildMpm(p);
        const i = at % (qr.length - 4);
        // ASCII for ASCII: a burst of at most 8 bits, which CRC-16 always detects.
        fc.pre(qr[i] !== c && qr.charCodeAt(i) < 0x80);
        expect(parseMpm(qr.slice(0, i) + c + qr.slice(i + 1)).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

it('every currency in the numeric table is a currency money.ts knows', () => {
  for (const code of ['IDR', 'USD', 'PKR', 'INR', 'VES', 'EUR', 'JPY', 'KWD', 'XCG']) {
    expect(isCurrency(code)).toBe(true);
    expect(currencyAlpha(currencyNumeric(code)!)).toBe(code);
  }
});
