import { currencyExponent, isCurrency } from '../../platform/money.ts';

/**
 * EMVCo merchant-presented QR (EMV QRCPS MPM) payloads and QRIS (Indonesia's national profile of
 * it): build, parse, validate. See README.md beside this file and specs/wire-formats.md §3.
 *
 * A payload is a string of data objects `ID(2 digits) + LEN(2 digits) + VALUE`; IDs 26-51, 62,
 * 64 and 80-99 are templates whose value is again a list of data objects. ID 63 (CRC) is last.
 *
 * Character rules (EMV QRCPS "Data Object Format"): most values are "ans", the EMV common
 * character set, i.e. printable ASCII 0x20-0x7E; only the language template (ID 64) carries
 * "S" values, any Unicode. LEN counts characters (code points), not bytes; the CRC runs over the
 * UTF-8 bytes of the payload, which for an all-ASCII payload are its characters.
 */

/** Something wrong with one field: `field` names the input property, `tag` the EMVCo ID path. */
export interface QrIssue {
  field: string;
  tag: string;
  reason: string;
}

export class QrPayloadError extends Error {
  readonly issues: QrIssue[];
  constructor(issues: QrIssue[]) {
    super(`Invalid EMVCo QR payload: ${issues.map((i) => `${i.field} (${i.tag}) ${i.reason}`).join('; ')}`);
    this.name = 'QrPayloadError';
    this.issues = issues;
  }
}

export interface SubField {
  /** Two digits, "00"-"99". */
  id: string;
  value: string;
}

/**
 * Merchant account information. IDs 02-25 are primitive values reserved for card networks
 * (Visa 02-03, Mastercard 04-05, ...); IDs 26-51 are templates identified by their sub-tag 00, a
 * GUID or reverse domain name of the scheme or acquirer (QRIS: the acquirer in 26, QRIS in 51).
 */
export type MerchantAccount =
  | { kind: 'primitive'; id: string; value: string }
  | { kind: 'template'; id: string; guid: string; fields: SubField[] };

/** ID 55, with 56 (fixed fee, minor units) or 57 (percentage, e.g. "3.5"). */
export type Tip =
  | { kind: 'prompt' }
  | { kind: 'fixed'; amount: bigint }
  | { kind: 'percentage'; percent: string };

/** ID 62. A value of "***" asks the payer's app to prompt for it (EMVCo). */
export interface AdditionalData {
  billNumber?: string; // 01
  mobileNumber?: string; // 02
  storeLabel?: string; // 03
  loyaltyNumber?: string; // 04
  referenceLabel?: string; // 05
  customerLabel?: string; // 06
  terminalLabel?: string; // 07
  purpose?: string; // 08
  consumerDataRequest?: string; // 09: any of "A" (address), "M" (mobile), "E" (email)
  merchantTaxId?: string; // 10
  merchantChannel?: string; // 11: 3 characters (media, location, presence)
  /** Sub-tags 12-99 (12-49 RFU, 50-99 payment-system templates), kept as raw values. */
  extra?: SubField[];
}

/** ID 64: the merchant's name and city in another language (the only non-ASCII fields). */
export interface AlternateLanguage {
  language: string; // 00, ISO 639-1, e.g. "id"
  merchantName: string; // 01
  merchantCity?: string; // 02
}

/** Unreserved templates, IDs 80-99: sub-tag 00 is a GUID, the rest is the owner's. */
export interface UnreservedTemplate {
  id: string;
  guid: string;
  fields: SubField[];
}

/** One merchant-presented payload. `buildMpm` writes it, `parseMpm` reads it back. */
export interface MpmPayload {
  /** ID 01: "11" static (reusable, the payer keys the amount), "12" dynamic (one transaction). */
  initiation: 'static' | 'dynamic';
  merchantAccounts: MerchantAccount[];
  /** ID 52: ISO 18245 merchant category code, 4 digits (utilities: 4900). */
  mcc: string;
  /** ISO 4217 alphabetic code; ID 53 carries its numeric code (IDR -> "360"). */
  currency: string;
  /** ID 54, minor units of `currency`; present exactly when `initiation` is dynamic. */
  amount?: bigint;
  tip?: Tip;
  /** ID 58: ISO 3166-1 alpha-2. */
  countryCode: string;
  /** ID 59, at most 25 characters. */
  merchantName: string;
  /** ID 60, at most 15 characters. */
  merchantCity: string;
  /** ID 61, at most 10 characters. */
  postalCode?: string;
  additionalData?: AdditionalData;
  alternateLanguage?: AlternateLanguage;
  unreserved?: UnreservedTemplate[];
}

export type ParseResult = { ok: true; payload: MpmPayload } | { ok: false; issues: QrIssue[] };

// ---------------------------------------------------------------------------------------------
// CRC and TLV

/**
 * CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final XOR; check value
 * "123456789" -> 29B1. EMVCo runs it over the whole payload up to and including "6304".
 */
export function crc16(data: string): string {
  let crc = 0xffff;
  for (const byte of new TextEncoder().encode(data)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

const charCount = (s: string) => [...s].length;

/** One data object. Throws on a bad id or a value longer than 99 characters (callers validate first). */
export function encodeTlv(id: string, value: string): string {
  if (!/^\d{2}$/.test(id)) throw new Error(`EMVCo data object id "${id}" is not two digits`);
  const len = charCount(value);
  if (len > 99) throw new Error(`EMVCo data object ${id} is ${len} characters; at most 99`);
  return `${id}${String(len).padStart(2, '0')}${value}`;
}

export type TlvResult = { ok: true; fields: SubField[] } | { ok: false; reason: string };

/** Splits a string of data objects (the payload or a template's value) into id/value pairs, in order. */
export function decodeTlv(data: string): TlvResult {
  const chars = [...data];
  const fields: SubField[] = [];
  let at = 0;
  while (at < chars.length) {
    const head = chars.slice(at, at + 4).join('');
    if (!/^\d{4}$/.test(head)) {
      return { ok: false, reason: `has no "ID(2) LEN(2)" header at character ${at + 1} ("${head}")` };
    }
    const len = Number(head.slice(2));
    if (at + 4 + len > chars.length) {
      return {
        ok: false,
        reason: `data object ${head.slice(0, 2)} claims ${len} characters; the data ends first`,
      };
    }
    fields.push({ id: head.slice(0, 2), value: chars.slice(at + 4, at + 4 + len).join('') });
    at += 4 + len;
  }
  return { ok: true, fields };
}

const encodeAll = (fields: readonly SubField[]) => fields.map((f) => encodeTlv(f.id, f.value)).join('');

// ---------------------------------------------------------------------------------------------
// Currencies and amounts

/** ISO 4217 numeric codes (ID 53 is numeric). Codes not listed cannot be put in a QR here. */
const ISO_NUMERIC: ReadonlyMap<string, string> = new Map(
  (
    'AED784 AFN971 ALL008 AMD051 AOA973 ARS032 AUD036 AWG533 AZN944 BAM977 BBD052 BDT050 BGN975 ' +
    'BHD048 BIF108 BMD060 BND096 BOB068 BRL986 BSD044 BTN064 BWP072 BYN933 BZD084 CAD124 CDF976 ' +
    'CHF756 CLP152 CNY156 COP170 CRC188 CUP192 CVE132 CZK203 DJF262 DKK208 DOP214 DZD012 EGP818 ' +
    'ERN232 ETB230 EUR978 FJD242 FKP238 GBP826 GEL981 GHS936 GIP292 GMD270 GNF324 GTQ320 GYD328 ' +
    'HKD344 HNL340 HTG332 HUF348 IDR360 ILS376 INR356 IQD368 IRR364 ISK352 JMD388 JOD400 JPY392 ' +
    'KES404 KGS417 KHR116 KMF174 KPW408 KRW410 KWD414 KYD136 KZT398 LAK418 LBP422 LKR144 LRD430 ' +
    'LSL426 LYD434 MAD504 MDL498 MGA969 MKD807 MMK104 MNT496 MOP446 MRU929 MUR480 MVR462 MWK454 ' +
    'MXN484 MYR458 MZN943 NAD516 NGN566 NIO558 NOK578 NPR524 NZD554 OMR512 PAB590 PEN604 PGK598 ' +
    'PHP608 PKR586 PLN985 PYG600 QAR634 RON946 RSD941 RUB643 RWF646 SAR682 SBD090 SCR690 SDG938 ' +
    'SEK752 SGD702 SHP654 SLE925 SOS706 SRD968 SSP728 STN930 SVC222 SYP760 SZL748 THB764 TJS972 ' +
    'TMT934 TND788 TOP776 TRY949 TTD780 TWD901 TZS834 UAH980 UGX800 USD840 UYU858 UZS860 VED926 ' +
    'VES928 VND704 VUV548 WST882 XAF950 XCD951 XCG532 XOF952 XPF953 YER886 ZAR710 ZMW967 ZWG924 '
  )
    .trim()
    .split(' ')
    .map((e) => [e.slice(0, 3), e.slice(3)] as const),
);
const ISO_ALPHA = new Map([...ISO_NUMERIC].map(([alpha, num]) => [num, alpha]));

export const currencyNumeric = (alpha: string): string | undefined => ISO_NUMERIC.get(alpha);
export const currencyAlpha = (numeric: string): string | undefined => ISO_ALPHA.get(numeric);

/**
 * Minor units to an EMVCo amount (IDs 54, 56): digits and at most one "." as the decimal mark, no
 * thousands separators, at most 13 characters. Whole amounts are written without decimals
 * ("150000" for IDR 150,000.00, as QRIS payloads do); others with the full currency exponent.
 */
export function formatQrAmount(minor: bigint, currency: string): string {
  const exp = currencyExponent(currency);
  if (minor <= 0n) throw new Error(`an EMVCo amount must be positive, got ${minor}`);
  const unit = 10n ** BigInt(exp);
  const whole = (minor / unit).toString();
  const frac = minor % unit;
  return frac === 0n ? whole : `${whole}.${frac.toString().padStart(exp, '0')}`;
}

/** An EMVCo amount to minor units; refuses more decimals than the currency has. */
export function parseQrAmount(
  value: string,
  currency: string,
): { ok: true; minor: bigint } | { ok: false; reason: string } {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!m) return { ok: false, reason: `"${value}" is not digits with an optional "." decimal mark` };
  const exp = currencyExponent(currency);
  const frac = m[2] ?? '';
  if (frac.length > exp) {
    return { ok: false, reason: `"${value}" has ${frac.length} decimals; ${currency} has ${exp}` };
  }
  const minor = BigInt(m[1]! + frac.padEnd(exp, '0'));
  if (minor === 0n) return { ok: false, reason: 'is zero; EMVCo amounts are different from zero' };
  return { ok: true, minor };
}

// ---------------------------------------------------------------------------------------------
// Validation

const ANS = /^[\x20-\x7e]*$/;
/** EMVCo: "The total length of the payload shall not exceed 512 characters." */
export const MAX_PAYLOAD_CHARS = 512;

type Check = (field: string, tag: string, value: string | undefined, rule: Rule) => void;
interface Rule {
  max: number;
  min?: number;
  /** Only printable ASCII (EMVCo "ans"); false for "S" fields (ID 64). */
  ascii?: boolean;
  pattern?: RegExp;
  patternReason?: string;
  required?: boolean;
}

function checker(issues: QrIssue[]): Check {
  return (field, tag, value, rule) => {
    const add = (reason: string) => issues.push({ field, tag, reason });
    if (value === undefined || value === '') {
      if (rule.required) add('is required');
      else if (value === '') add('is empty; leave it out instead');
      return;
    }
    const len = charCount(value);
    if (len > rule.max) add(`is ${len} characters; at most ${rule.max}`);
    if (rule.min !== undefined && len < rule.min) add(`is ${len} characters; at least ${rule.min}`);
    if (rule.ascii !== false && !ANS.test(value)) {
      const bad = [...value].find((c) => !ANS.test(c))!;
      add(
        `contains "${bad}" (U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}); only printable ASCII is allowed`,
      );
    }
    if (rule.pattern && !rule.pattern.test(value)) add(rule.patternReason ?? 'has the wrong format');
  };
}

const ID2 = /^\d{2}$/;
const GUID_RULE: Rule = { max: 32, required: true };

/** ID, field name, max length of the tag 62 sub-fields 01-11 (EMV QRCPS 4.8). */
const ADDITIONAL: ReadonlyArray<readonly [string, keyof Omit<AdditionalData, 'extra'>, number]> = [
  ['01', 'billNumber', 25],
  ['02', 'mobileNumber', 25],
  ['03', 'storeLabel', 25],
  ['04', 'loyaltyNumber', 25],
  ['05', 'referenceLabel', 25],
  ['06', 'customerLabel', 25],
  ['07', 'terminalLabel', 25],
  ['08', 'purpose', 25],
  ['09', 'consumerDataRequest', 3],
  ['10', 'merchantTaxId', 20],
  ['11', 'merchantChannel', 3],
];

function checkSubFields(
  issues: QrIssue[],
  field: string,
  tag: string,
  fields: readonly SubField[],
  reserved: (id: string) => boolean,
) {
  const check = checker(issues);
  const seen = new Set<string>();
  for (const [i, f] of fields.entries()) {
    const path = `${field}[${i}]`;
    if (!ID2.test(f.id)) {
      issues.push({ field: `${path}.id`, tag, reason: `"${f.id}" is not a two-digit id` });
      continue;
    }
    if (reserved(f.id))
      issues.push({ field: `${path}.id`, tag: `${tag}.${f.id}`, reason: 'is set by a named field' });
    if (seen.has(f.id)) issues.push({ field: `${path}.id`, tag: `${tag}.${f.id}`, reason: 'appears twice' });
    seen.add(f.id);
    check(`${path}.value`, `${tag}.${f.id}`, f.value, { max: 99, required: true });
  }
}

/** Every problem in a payload description, empty when `buildMpm` will accept it. */
export function validateMpm(p: MpmPayload): QrIssue[] {
  const issues: QrIssue[] = [];
  const check = checker(issues);
  const add = (field: string, tag: string, reason: string) => issues.push({ field, tag, reason });

  if (p.initiation !== 'static' && p.initiation !== 'dynamic') {
    add('initiation', '01', `"${String(p.initiation)}" is neither static nor dynamic`);
  }
  if (p.merchantAccounts.length === 0)
    add('merchantAccounts', '02-51', 'needs at least one merchant account');
  const accountIds = new Set<string>();
  for (const [i, acc] of p.merchantAccounts.entries()) {
    const field = `merchantAccounts[${i}]`;
    const n = Number(acc.id);
    if (!ID2.test(acc.id) || n < 2 || n > 51) {
      add(`${field}.id`, acc.id, 'must be an id from 02 to 51');
      continue;
    }
    if (accountIds.has(acc.id)) add(`${field}.id`, acc.id, 'appears twice');
    accountIds.add(acc.id);
    if (acc.kind === 'primitive') {
      if (n >= 26) add(`${field}.kind`, acc.id, 'ids 26-51 are templates (GUID in sub-tag 00)');
      check(`${field}.value`, acc.id, acc.value, { max: 99, required: true });
    } else {
      if (n < 26) add(`${field}.kind`, acc.id, 'ids 02-25 are primitive values, not templates');
      checkTemplate(issues, field, acc.id, acc.guid, acc.fields);
    }
  }

  check('mcc', '52', p.mcc, {
    max: 4,
    required: true,
    pattern: /^\d{4}$/,
    patternReason: 'must be 4 digits',
  });

  const currencyOk = isCurrency(p.currency) && currencyNumeric(p.currency) !== undefined;
  if (!currencyOk) add('currency', '53', `"${p.currency}" is not an ISO 4217 currency with a numeric code`);

  if (p.initiation === 'static' && p.amount !== undefined) {
    add('amount', '54', 'is only allowed on a dynamic QR; a static QR lets the payer key the amount');
  }
  if (p.initiation === 'dynamic' && p.amount === undefined)
    add('amount', '54', 'is required on a dynamic QR');
  if (p.amount !== undefined)
    checkAmount(issues, 'amount', '54', p.amount, currencyOk ? p.currency : undefined);

  if (p.tip) {
    if (p.tip.kind === 'fixed')
      checkAmount(issues, 'tip.amount', '56', p.tip.amount, currencyOk ? p.currency : undefined);
    else if (p.tip.kind === 'percentage') {
      const ok = /^\d{1,2}(\.\d{1,2})?$/.test(p.tip.percent) && !/^0+(\.0*)?$/.test(p.tip.percent);
      if (!ok) add('tip.percent', '57', `"${p.tip.percent}" is not a percentage from 0.01 to 99.99`);
    } else if (p.tip.kind !== 'prompt') add('tip.kind', '55', 'must be prompt, fixed or percentage');
  }

  check('countryCode', '58', p.countryCode, {
    max: 2,
    required: true,
    pattern: /^[A-Z]{2}$/,
    patternReason: 'must be an ISO 3166-1 alpha-2 code in capitals',
  });
  check('merchantName', '59', p.merchantName, { max: 25, required: true });
  check('merchantCity', '60', p.merchantCity, { max: 15, required: true });
  check('postalCode', '61', p.postalCode, { max: 10 });

  if (p.additionalData) {
    const ad = p.additionalData;
    for (const [id, name, max] of ADDITIONAL) check(`additionalData.${name}`, `62.${id}`, ad[name], { max });
    if (ad.consumerDataRequest !== undefined && !/^(?!.*(.).*\1)[AME]{1,3}$/.test(ad.consumerDataRequest)) {
      add('additionalData.consumerDataRequest', '62.09', 'must be a combination of "A", "M" and "E"');
    }
    if (ad.merchantChannel !== undefined && charCount(ad.merchantChannel) !== 3) {
      add('additionalData.merchantChannel', '62.11', 'must be 3 characters');
    }
    checkSubFields(issues, 'additionalData.extra', '62', ad.extra ?? [], (id) => Number(id) <= 11);
    const len = charCount(encodeAdditional(ad, true));
    if (len > 99) add('additionalData', '62', `is ${len} characters encoded; at most 99`);
  }

  if (p.alternateLanguage) {
    const l = p.alternateLanguage;
    check('alternateLanguage.language', '64.00', l.language, {
      max: 2,
      required: true,
      pattern: /^[a-z]{2}$/,
      patternReason: 'must be an ISO 639-1 code (two lower-case letters)',
    });
    check('alternateLanguage.merchantName', '64.01', l.merchantName, {
      max: 25,
      required: true,
      ascii: false,
    });
    check('alternateLanguage.merchantCity', '64.02', l.merchantCity, { max: 15, ascii: false });
  }

  const unreservedIds = new Set<string>();
  for (const [i, t] of (p.unreserved ?? []).entries()) {
    const field = `unreserved[${i}]`;
    const n = Number(t.id);
    if (!ID2.test(t.id) || n < 80) {
      add(`${field}.id`, t.id, 'must be an id from 80 to 99');
      continue;
    }
    if (unreservedIds.has(t.id)) add(`${field}.id`, t.id, 'appears twice');
    unreservedIds.add(t.id);
    checkTemplate(issues, field, t.id, t.guid, t.fields);
  }

  if (issues.length === 0) {
    const len = charCount(encodeBody(p)) + 8;
    if (len > MAX_PAYLOAD_CHARS)
      add('payload', '00-99', `is ${len} characters; at most ${MAX_PAYLOAD_CHARS}`);
  }
  return issues;
}

function checkTemplate(
  issues: QrIssue[],
  field: string,
  id: string,
  guid: string,
  fields: readonly SubField[],
) {
  checker(issues)(`${field}.guid`, `${id}.00`, guid, GUID_RULE);
  checkSubFields(issues, `${field}.fields`, id, fields, (sub) => sub === '00');
  const encoded = charCount(encodeTemplate(guid, fields, true));
  if (encoded > 99) issues.push({ field, tag: id, reason: `is ${encoded} characters encoded; at most 99` });
}

function checkAmount(
  issues: QrIssue[],
  field: string,
  tag: string,
  minor: bigint,
  currency: string | undefined,
) {
  if (typeof minor !== 'bigint') {
    issues.push({ field, tag, reason: 'must be a bigint in minor units' });
    return;
  }
  if (minor <= 0n) {
    issues.push({ field, tag, reason: `is ${minor}; it must be positive` });
    return;
  }
  if (currency === undefined) return;
  const text = formatQrAmount(minor, currency);
  if (text.length > 13)
    issues.push({ field, tag, reason: `is "${text}", ${text.length} characters; at most 13` });
}

// ---------------------------------------------------------------------------------------------
// Build

const safe = (id: string, value: string, lenient: boolean) =>
  lenient ? `${id}${String(charCount(value)).padStart(2, '0')}${value}` : encodeTlv(id, value);

function encodeTemplate(guid: string, fields: readonly SubField[], lenient = false): string {
  return [{ id: '00', value: guid }, ...sortById(fields)].map((f) => safe(f.id, f.value, lenient)).join('');
}

function encodeAdditional(ad: AdditionalData, lenient = false): string {
  const named: SubField[] = [];
  for (const [id, name] of ADDITIONAL) {
    const v = ad[name];
    if (v !== undefined) named.push({ id, value: v });
  }
  return sortById([...named, ...(ad.extra ?? [])])
    .map((f) => safe(f.id, f.value, lenient))
    .join('');
}

const sortById = <T extends { id: string }>(xs: readonly T[]) =>
  [...xs].sort((a, b) => a.id.localeCompare(b.id));

/** Everything before "6304": root data objects in ascending id order (00 first, as EMVCo requires). */
function encodeBody(p: MpmPayload): string {
  const parts: string[] = [encodeTlv('00', '01'), encodeTlv('01', p.initiation === 'static' ? '11' : '12')];
  for (const acc of sortById(p.merchantAccounts)) {
    parts.push(
      encodeTlv(acc.id, acc.kind === 'primitive' ? acc.value : encodeTemplate(acc.guid, acc.fields)),
    );
  }
  parts.push(encodeTlv('52', p.mcc), encodeTlv('53', currencyNumeric(p.currency)!));
  if (p.amount !== undefined) parts.push(encodeTlv('54', formatQrAmount(p.amount, p.currency)));
  if (p.tip?.kind === 'prompt') parts.push(encodeTlv('55', '01'));
  if (p.tip?.kind === 'fixed')
    parts.push(encodeTlv('55', '02'), encodeTlv('56', formatQrAmount(p.tip.amount, p.currency)));
  if (p.tip?.kind === 'percentage') parts.push(encodeTlv('55', '03'), encodeTlv('57', p.tip.percent));
  parts.push(
    encodeTlv('58', p.countryCode),
    encodeTlv('59', p.merchantName),
    encodeTlv('60', p.merchantCity),
  );
  if (p.postalCode !== undefined) parts.push(encodeTlv('61', p.postalCode));
  if (p.additionalData) {
    const ad = encodeAdditional(p.additionalData);
    if (ad !== '') parts.push(encodeTlv('62', ad));
  }
  if (p.alternateLanguage) {
    const l = p.alternateLanguage;
    const fields: SubField[] = [
      { id: '00', value: l.language },
      { id: '01', value: l.merchantName },
      ...(l.merchantCity === undefined ? [] : [{ id: '02', value: l.merchantCity }]),
    ];
    parts.push(encodeTlv('64', encodeAll(fields)));
  }
  for (const t of sortById(p.unreserved ?? [])) parts.push(encodeTlv(t.id, encodeTemplate(t.guid, t.fields)));
  return parts.join('');
}

/** The payload string, CRC included. Throws `QrPayloadError` listing every invalid field. */
export function buildMpm(p: MpmPayload): string {
  const issues = validateMpm(p);
  if (issues.length > 0) throw new QrPayloadError(issues);
  const body = `${encodeBody(p)}6304`;
  return body + crc16(body);
}

// ---------------------------------------------------------------------------------------------
// Parse

/**
 * Reads a payload: TLV structure, CRC, then the same validation as `buildMpm`. EMVCo fixes only
 * the first (00) and last (63) positions; `buildMpm` writes ids and sub-ids in ascending order and
 * amounts as `formatQrAmount` does, so a payload written that way (QRIS payloads are) comes back
 * byte-identical from `buildMpm(parseMpm(payload).payload)`.
 */
export function parseMpm(payload: string): ParseResult {
  const fail = (tag: string, field: string, reason: string): ParseResult => ({
    ok: false,
    issues: [{ field, tag, reason }],
  });
  const text = payload.replace(/\r?\n$/, '');
  const root = decodeTlv(text);
  if (!root.ok) return fail('00-99', 'payload', root.reason);
  const fields = root.fields;
  if (fields[0]?.id !== '00' || fields[0].value !== '01') {
    return fail('00', 'payloadFormat', 'must come first with value "01"');
  }
  const crcField = fields[fields.length - 1]!;
  if (crcField.id !== '63' || charCount(crcField.value) !== 4) {
    return fail('63', 'crc', 'must be the last data object, 4 hex characters');
  }
  const expected = crc16(text.slice(0, text.length - 4));
  if (crcField.value.toUpperCase() !== expected) {
    return fail(
      '63',
      'crc',
      `is ${crcField.value}, but the payload's CRC is ${expected} (damaged or altered)`,
    );
  }

  const issues: QrIssue[] = [];
  const add = (tag: string, field: string, reason: string) => issues.push({ field, tag, reason });
  const byId = new Map<string, string>();
  for (const f of fields.slice(1, -1)) {
    if (byId.has(f.id)) add(f.id, 'payload', 'appears twice');
    byId.set(f.id, f.value);
  }
  if (byId.has('00') || byId.has('63')) add('00/63', 'payload', 'payload format or CRC appears twice');

  const initiation = byId.get('01');
  if (initiation !== '11' && initiation !== '12') {
    add(
      '01',
      'initiation',
      initiation === undefined
        ? 'is required (11 static or 12 dynamic)'
        : `is "${initiation}"; must be 11 (static) or 12 (dynamic)`,
    );
  }

  const merchantAccounts: MerchantAccount[] = [];
  const unreserved: UnreservedTemplate[] = [];
  for (const f of fields.slice(1, -1)) {
    const n = Number(f.id);
    if (n >= 2 && n <= 25) merchantAccounts.push({ kind: 'primitive', id: f.id, value: f.value });
    else if ((n >= 26 && n <= 51) || n >= 80) {
      const t = readTemplate(f.id, f.value);
      if (!t.ok) add(f.id, n >= 80 ? 'unreserved' : 'merchantAccounts', t.reason);
      else if (n >= 80) unreserved.push({ id: f.id, ...t.template });
      else merchantAccounts.push({ kind: 'template', id: f.id, ...t.template });
    } else if (n >= 65 && n <= 79) add(f.id, 'payload', 'is reserved for future use by EMVCo');
  }

  const numeric = byId.get('53');
  const currency = numeric === undefined ? undefined : currencyAlpha(numeric);
  if (numeric === undefined) add('53', 'currency', 'is required');
  else if (currency === undefined) add('53', 'currency', `"${numeric}" is not a known ISO 4217 numeric code`);

  const readAmount = (tag: string, field: string): bigint | undefined => {
    const raw = byId.get(tag);
    if (raw === undefined || currency === undefined) return undefined;
    if (raw.length > 13) add(tag, field, `is ${raw.length} characters; at most 13`);
    const r = parseQrAmount(raw, currency);
    if (!r.ok) {
      add(tag, field, r.reason);
      return undefined;
    }
    return r.minor;
  };
  const amount = readAmount('54', 'amount');

  let tip: Tip | undefined;
  const tipIndicator = byId.get('55');
  if (tipIndicator === '01') tip = { kind: 'prompt' };
  else if (tipIndicator === '02') {
    const fee = readAmount('56', 'tip.amount');
    if (byId.get('56') === undefined) add('56', 'tip.amount', 'is required when 55 is "02"');
    if (fee !== undefined) tip = { kind: 'fixed', amount: fee };
  } else if (tipIndicator === '03') {
    const percent = byId.get('57');
    if (percent === undefined) add('57', 'tip.percent', 'is required when 55 is "03"');
    else tip = { kind: 'percentage', percent };
  } else if (tipIndicator !== undefined) add('55', 'tip', `is "${tipIndicator}"; must be 01, 02 or 03`);
  if (byId.has('56') && tipIndicator !== '02') add('56', 'tip.amount', 'is only allowed when 55 is "02"');
  if (byId.has('57') && tipIndicator !== '03') add('57', 'tip.percent', 'is only allowed when 55 is "03"');

  let additionalData: AdditionalData | undefined;
  const rawAd = byId.get('62');
  if (rawAd !== undefined) {
    const sub = decodeTlv(rawAd);
    if (!sub.ok) add('62', 'additionalData', sub.reason);
    else {
      additionalData = {};
      const extra: SubField[] = [];
      for (const f of sub.fields) {
        const named = ADDITIONAL.find(([id]) => id === f.id);
        if (named) additionalData[named[1]] = f.value;
        else extra.push(f);
      }
      if (extra.length > 0) additionalData.extra = extra;
    }
  }

  let alternateLanguage: AlternateLanguage | undefined;
  const rawLang = byId.get('64');
  if (rawLang !== undefined) {
    const sub = decodeTlv(rawLang);
    if (!sub.ok) add('64', 'alternateLanguage', sub.reason);
    else {
      const get = (id: string) => sub.fields.find((f) => f.id === id)?.value;
      alternateLanguage = { language: get('00') ?? '', merchantName: get('01') ?? '' };
      const city = get('02');
      if (city !== undefined) alternateLanguage.merchantCity = city;
      const unknown = sub.fields.find((f) => Number(f.id) > 2);
      if (unknown) add(`64.${unknown.id}`, 'alternateLanguage', 'is reserved for future use by EMVCo');
    }
  }

  if (issues.length > 0) return { ok: false, issues };

  const p: MpmPayload = {
    initiation: initiation === '11' ? 'static' : 'dynamic',
    merchantAccounts,
    mcc: byId.get('52') ?? '',
    currency: currency!,
    countryCode: byId.get('58') ?? '',
    merchantName: byId.get('59') ?? '',
    merchantCity: byId.get('60') ?? '',
  };
  if (amount !== undefined) p.amount = amount;
  if (tip) p.tip = tip;
  const postal = byId.get('61');
  if (postal !== undefined) p.postalCode = postal;
  if (additionalData) p.additionalData = additionalData;
  if (alternateLanguage) p.alternateLanguage = alternateLanguage;
  if (unreserved.length > 0) p.unreserved = unreserved;

  const invalid = validateMpm(p);
  return invalid.length > 0 ? { ok: false, issues: invalid } : { ok: true, payload: p };
}

function readTemplate(
  id: string,
  value: string,
): { ok: true; template: { guid: string; fields: SubField[] } } | { ok: false; reason: string } {
  const sub = decodeTlv(value);
  if (!sub.ok) return sub;
  const guid = sub.fields.find((f) => f.id === '00');
  if (!guid) return { ok: false, reason: `template ${id} has no GUID (sub-tag 00)` };
  return { ok: true, template: { guid: guid.value, fields: sub.fields.filter((f) => f.id !== '00') } };
}

// ---------------------------------------------------------------------------------------------
// QRIS (Bank Indonesia's national standard on top of EMVCo MPM)

/** QRIS merchant criteria: micro, small, medium, large, regular (non-business). */
export const QRIS_CRITERIA = ['UMI', 'UKE', 'UME', 'UBE', 'URE'] as const;
export type QrisCriteria = (typeof QRIS_CRITERIA)[number];
export const QRIS_GUID = 'ID.CO.QRIS.WWW';

/** What a tenant registers with its QRIS acquirer (PJSP); see README.md. */
export interface QrisMerchant {
  /** The acquirer's template (ID 26 unless told, 26-45 are domestic). */
  acquirer: {
    /** Reverse domain name of the acquirer, e.g. "ID.CO.BANKNAME.WWW" (sub-tag 00). */
    guid: string;
    /** Merchant PAN, 16-19 digits, starting "9360" (sub-tag 01). */
    mpan: string;
    /** The acquirer's merchant id (sub-tag 02), at most 15 characters. */
    merchantId: string;
    /** Sub-tag 03. */
    criteria: QrisCriteria;
    /** Root id of the template; default "26". */
    tag?: string;
  };
  /** National Merchant ID from the QRIS registry (ID 51 sub-tag 02), 15 characters ("ID" + 13 digits). */
  nmid: string;
  /** ID 51 sub-tag 03. */
  criteria: QrisCriteria;
  /** ID 52, 4 digits. */
  mcc: string;
  /** ID 59, at most 25 characters. */
  name: string;
  /** ID 60, at most 15 characters. */
  city: string;
  /** ID 61, 5-digit Indonesian postal code; QRIS requires it. */
  postalCode: string;
}

/** One payment in a dynamic QRIS; without it (or without an amount) the QR is static. */
export interface QrisTransaction {
  /** Minor units of IDR (Rp 150.000 = 15000000n). */
  amount: bigint;
  /** 62.01: the bill number. */
  billNumber?: string;
  /** 62.05: the reference label; Billrail's 16-digit reference id. */
  referenceLabel?: string;
  /** 62.07: terminal label. */
  terminalLabel?: string;
  /** 62.08: purpose of transaction. */
  purpose?: string;
  /** 62.03: store label. */
  storeLabel?: string;
  /** 62.06: customer label. */
  customerLabel?: string;
}

function qrisIssues(m: QrisMerchant): QrIssue[] {
  const issues: QrIssue[] = [];
  const tag = m.acquirer.tag ?? '26';
  const n = Number(tag);
  if (!ID2.test(tag) || n < 26 || n > 45) {
    issues.push({ field: 'acquirer.tag', tag, reason: 'must be from 26 to 45 (QRIS domestic templates)' });
  }
  if (!/^[A-Z0-9-]+(\.[A-Z0-9-]+)+$/.test(m.acquirer.guid)) {
    issues.push({
      field: 'acquirer.guid',
      tag: `${tag}.00`,
      reason: 'must be a reverse domain name in capitals, e.g. ID.CO.BANK.WWW',
    });
  }
  if (!/^9360\d{12,15}$/.test(m.acquirer.mpan)) {
    issues.push({
      field: 'acquirer.mpan',
      tag: `${tag}.01`,
      reason: 'must be 16-19 digits starting with 9360',
    });
  }
  if (m.acquirer.merchantId === '' || charCount(m.acquirer.merchantId) > 15) {
    issues.push({ field: 'acquirer.merchantId', tag: `${tag}.02`, reason: 'must be 1-15 characters' });
  }
  if (!QRIS_CRITERIA.includes(m.acquirer.criteria)) {
    issues.push({
      field: 'acquirer.criteria',
      tag: `${tag}.03`,
      reason: `must be one of ${QRIS_CRITERIA.join(', ')}`,
    });
  }
  if (!/^[A-Z0-9]{15}$/.test(m.nmid)) {
    issues.push({
      field: 'nmid',
      tag: '51.02',
      reason: 'must be 15 capital letters or digits (e.g. ID1020021181745)',
    });
  }
  if (!QRIS_CRITERIA.includes(m.criteria)) {
    issues.push({ field: 'criteria', tag: '51.03', reason: `must be one of ${QRIS_CRITERIA.join(', ')}` });
  }
  if (!/^\d{5}$/.test(m.postalCode))
    issues.push({ field: 'postalCode', tag: '61', reason: 'must be 5 digits' });
  return issues;
}

/** The EMVCo description of a QRIS payload (for `buildMpm`); validates the QRIS-only rules. */
export function qrisPayload(m: QrisMerchant, tx?: QrisTransaction): MpmPayload {
  const issues = qrisIssues(m);
  if (issues.length > 0) throw new QrPayloadError(issues);
  const p: MpmPayload = {
    initiation: tx ? 'dynamic' : 'static',
    merchantAccounts: [
      {
        kind: 'template',
        id: m.acquirer.tag ?? '26',
        guid: m.acquirer.guid,
        fields: [
          { id: '01', value: m.acquirer.mpan },
          { id: '02', value: m.acquirer.merchantId },
          { id: '03', value: m.acquirer.criteria },
        ],
      },
      {
        kind: 'template',
        id: '51',
        guid: QRIS_GUID,
        fields: [
          { id: '02', value: m.nmid },
          { id: '03', value: m.criteria },
        ],
      },
    ],
    mcc: m.mcc,
    currency: 'IDR',
    countryCode: 'ID',
    merchantName: m.name,
    merchantCity: m.city,
    postalCode: m.postalCode,
  };
  if (tx) {
    p.amount = tx.amount;
    const ad: AdditionalData = {};
    if (tx.billNumber !== undefined) ad.billNumber = tx.billNumber;
    if (tx.storeLabel !== undefined) ad.storeLabel = tx.storeLabel;
    if (tx.referenceLabel !== undefined) ad.referenceLabel = tx.referenceLabel;
    if (tx.customerLabel !== undefined) ad.customerLabel = tx.customerLabel;
    if (tx.terminalLabel !== undefined) ad.terminalLabel = tx.terminalLabel;
    if (tx.purpose !== undefined) ad.purpose = tx.purpose;
    if (Object.keys(ad).length > 0) p.additionalData = ad;
  }
  return p;
}

/** A QRIS payload string: static without `tx`, dynamic with it. Throws `QrPayloadError`. */
export function buildQris(m: QrisMerchant, tx?: QrisTransaction): string {
  return buildMpm(qrisPayload(m, tx));
}

export type QrisParseResult =
  | { ok: true; merchant: QrisMerchant; transaction?: QrisTransaction; payload: MpmPayload }
  | { ok: false; issues: QrIssue[] };

/** Reads a QRIS payload back into the merchant and (dynamic) transaction. */
export function parseQris(payload: string): QrisParseResult {
  const r = parseMpm(payload);
  if (!r.ok) return r;
  const p = r.payload;
  const issues: QrIssue[] = [];
  if (p.currency !== 'IDR')
    issues.push({ field: 'currency', tag: '53', reason: 'must be 360 (IDR) in QRIS' });
  if (p.countryCode !== 'ID') issues.push({ field: 'countryCode', tag: '58', reason: 'must be ID in QRIS' });
  const templates = p.merchantAccounts.filter((a) => a.kind === 'template');
  const qris = templates.find((a) => a.id === '51' && a.guid === QRIS_GUID);
  const acquirer = templates.find((a) => Number(a.id) >= 26 && Number(a.id) <= 45);
  if (!qris) issues.push({ field: 'merchantAccounts', tag: '51', reason: `has no ${QRIS_GUID} template` });
  if (!acquirer) issues.push({ field: 'merchantAccounts', tag: '26-45', reason: 'has no acquirer template' });
  if (p.postalCode === undefined)
    issues.push({ field: 'postalCode', tag: '61', reason: 'is required in QRIS' });
  if (issues.length > 0 || !qris || !acquirer) return { ok: false, issues };

  const sub = (fields: SubField[], id: string) => fields.find((f) => f.id === id)?.value ?? '';
  const merchant: QrisMerchant = {
    acquirer: {
      guid: acquirer.guid,
      mpan: sub(acquirer.fields, '01'),
      merchantId: sub(acquirer.fields, '02'),
      criteria: sub(acquirer.fields, '03') as QrisCriteria,
      ...(acquirer.id === '26' ? {} : { tag: acquirer.id }),
    },
    nmid: sub(qris.fields, '02'),
    criteria: sub(qris.fields, '03') as QrisCriteria,
    mcc: p.mcc,
    name: p.merchantName,
    city: p.merchantCity,
    postalCode: p.postalCode!,
  };
  const invalid = qrisIssues(merchant);
  if (invalid.length > 0) return { ok: false, issues: invalid };
  if (p.initiation === 'static') return { ok: true, merchant, payload: p };
  const ad = p.additionalData ?? {};
  const transaction: QrisTransaction = { amount: p.amount! };
  for (const key of [
    'billNumber',
    'storeLabel',
    'referenceLabel',
    'customerLabel',
    'terminalLabel',
    'purpose',
  ] as const) {
    const v = ad[key];
    if (v !== undefined) transaction[key] = v;
  }
  return { ok: true, merchant, transaction, payload: p };
}
