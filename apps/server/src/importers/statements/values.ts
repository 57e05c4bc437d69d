import { currencyExponent, formatMajor, isCurrency } from '../../platform/money.ts';

/**
 * Field readers shared by the statement parsers. Amounts are read by string handling into bigint
 * minor units with the currency's exponent from platform/money.ts; nothing goes through a float.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

/** ISO 20022 allows 18 digits in an amount; MT940 15 characters. More is not a bank amount. */
const MAX_DIGITS = 18;

export function checkCurrency(code: string | undefined): Parsed<string> {
  if (code === undefined || code === '') return bad('has no currency');
  if (!isCurrency(code)) return bad(`has currency "${code}", which is not an ISO 4217 code`);
  return ok(code);
}

export interface AmountOptions {
  /** The decimal separator; the other of '.' and ',' is refused unless `group` allows it. */
  decimal: '.' | ',';
  /** Digit-group separators allowed between groups of three digits (e.g. "1.234,56"). */
  group?: readonly string[];
  /** Accept a sign: leading or trailing '-', or parentheses. Bank formats with a direction never do. */
  signed?: boolean;
  /** Accept a separator with no decimals after it: MT940 writes "100," for 100.00. */
  trailingSeparator?: boolean;
}

/**
 * A decimal amount in major units to signed minor units, e.g. "1.234,56" (decimal ',') to
 * 123456n. Reasons read as the end of "The amount ...".
 */
export function parseAmount(raw: string, currency: string, opts: AmountOptions): Parsed<bigint> {
  if (!isCurrency(currency)) return bad(`cannot be read: "${currency}" is not an ISO 4217 currency`);
  let s = raw.trim();
  if (s === '') return bad('is empty');
  let negative = false;
  if (opts.signed) {
    if (/^\(.*\)$/.test(s)) {
      negative = true;
      s = s.slice(1, -1).trim();
    } else if (s.startsWith('-') || s.startsWith('−')) {
      negative = true;
      s = s.slice(1).trim();
    } else if (s.endsWith('-')) {
      negative = true;
      s = s.slice(0, -1).trim();
    } else if (s.startsWith('+')) {
      s = s.slice(1).trim();
    }
  } else if (/^[-−(]/.test(s) || s.endsWith('-')) {
    return bad(`"${raw.trim()}" is negative; amounts here are unsigned (the direction is given separately)`);
  }
  const other = opts.decimal === '.' ? ',' : '.';
  const groups = opts.group ?? [];
  const at = s.lastIndexOf(opts.decimal);
  let whole = at >= 0 ? s.slice(0, at) : s;
  const frac = at >= 0 ? s.slice(at + 1) : '';
  if (at >= 0 && frac === '' && !opts.trailingSeparator)
    return bad(`"${raw.trim()}" ends with its decimal separator`);
  if (!/^\d*$/.test(frac)) {
    if (frac.includes(other) || whole.includes(opts.decimal)) {
      return bad(`"${raw.trim()}" is not a number with decimal separator "${opts.decimal}"`);
    }
    return bad(`"${raw.trim()}" is not a number`);
  }
  if (groups.length > 0 && !/^\d*$/.test(whole)) {
    // Groups must be exactly three digits: "1.234,56" yes, "1.23,5" (a misread decimal) no.
    const sep = groups.find((g) => whole.includes(g));
    if (sep !== undefined) {
      const parts = whole.split(sep);
      if (!/^\d{1,3}$/.test(parts[0]!) || parts.slice(1).some((p) => !/^\d{3}$/.test(p))) {
        return bad(`"${raw.trim()}" has misplaced digit-group separators "${sep}"`);
      }
      whole = parts.join('');
    }
  }
  if (!/^\d+$/.test(whole)) {
    if (whole === '' && frac !== '') whole = '0';
    else if (whole.includes(other) && !groups.includes(other)) {
      return bad(`"${raw.trim()}" is not a number with decimal separator "${opts.decimal}"`);
    } else return bad(`"${raw.trim()}" is not a number`);
  }
  const exp = currencyExponent(currency);
  if (frac.length > exp) {
    const extra = frac.slice(exp);
    // "100.500" in EUR is exact (trailing zeros); "100.505" is not.
    if (!/^0+$/.test(extra)) {
      return bad(
        exp === 0
          ? `"${raw.trim()}" has decimals, but ${currency} has none`
          : `"${raw.trim()}" has ${frac.replace(/0+$/, '').length} decimals, but ${currency} has ${exp}`,
      );
    }
  }
  const digits = (whole + frac.slice(0, exp).padEnd(exp, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_DIGITS) return bad(`"${raw.trim()}" has too many digits`);
  const minor = BigInt(digits);
  return ok(negative ? -minor : minor);
}

/** A plain decimal for messages: "1234.56 EUR". */
export function money(minor: bigint, currency: string): string {
  return `${formatMajor(minor, currency)} ${currency}`;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function isRealDate(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || y < 1900 || y > 2999) return false;
  if (m < 1 || m > 12) return false;
  const max = m === 2 && leap(y) ? 29 : DAYS[m - 1]!;
  return d >= 1 && d <= max;
}

export const isoDate = (y: number, m: number, d: number): string =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** ISO date "2024-03-01" or the date part of an ISO date-time (as written: the bank's calendar day). */
export function parseIsoDate(raw: string): Parsed<string> {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:$|T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$|Z$|[+-]\d{2}:\d{2}$)/.exec(
      raw.trim(),
    );
  if (!m) return bad(`"${raw.trim()}" is not a date like 2024-03-01`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDate(y, mo, d)) return bad(`"${raw.trim()}" is not a calendar date`);
  return ok(isoDate(y, mo, d));
}

/**
 * SWIFT YYMMDD. The century is the one that puts the date within 50 years before and 49 after the
 * current year (SWIFT sets no rule; bank files are recent).
 */
export function parseYymmdd(raw: string, now = new Date()): Parsed<string> {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(raw);
  if (!m) return bad(`"${raw}" is not a date YYMMDD`);
  const yy = Number(m[1]);
  const current = now.getUTCFullYear();
  let y = Math.floor(current / 100) * 100 + yy;
  if (y > current + 49) y -= 100;
  else if (y < current - 50) y += 100;
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (!isRealDate(y, mo, d)) return bad(`"${raw}" is not a calendar date (YYMMDD)`);
  return ok(isoDate(y, mo, d));
}

/** ISO 7064 mod 97-10 over letters-as-numbers, as for IBANs and RF creditor references. */
function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const v = ch >= 'A' && ch <= 'Z' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    r = v >= 10 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
  }
  return r;
}

/** Whether `ref` (spaces removed) is a valid ISO 11649 creditor reference: RF, 2 check digits, 1-21 characters. */
export function isRfReference(ref: string): boolean {
  const s = ref.replace(/ /g, '').toUpperCase();
  if (!/^RF\d{2}[A-Z0-9]{1,21}$/.test(s)) return false;
  return mod97(s.slice(4) + s.slice(0, 4)) === 1;
}

/**
 * The first valid RF creditor reference in free text, compact and upper case. Payers type it
 * with or without the groups-of-four spaces; the longest valid reading wins, so a word that
 * follows the reference is not swallowed.
 */
export function findRfReference(text: string): string | undefined {
  const re = /\bRF\d{2}/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const rest = text.slice(m.index + 4);
    // Characters after RFnn: alphanumerics and single spaces, at most 21 alphanumerics.
    const tail = /^(?: ?[A-Za-z0-9])+/.exec(rest)?.[0] ?? '';
    let best: string | undefined;
    let body = '';
    for (let i = 0; i < tail.length && body.length < 21; i++) {
      const ch = tail[i]!;
      if (ch === ' ') continue;
      body += ch;
      // A reading must end where a word ends ("RF18...7034 INV" may not end inside "INV").
      if (i + 1 < tail.length && tail[i + 1] !== ' ') continue;
      const candidate = `${m[0]}${body}`.toUpperCase();
      if (isRfReference(candidate)) best = candidate;
    }
    if (best) return best;
  }
  return undefined;
}

/** Collapses runs of white space (line breaks inside XML text, padding) to single spaces. */
export const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
