/**
 * Money is integer minor units (bigint) plus an ISO 4217 code. This is the one exponent table.
 * Currencies not listed here use 2 decimals; the list is the ISO 4217 exceptions.
 */
const EXPONENT_EXCEPTIONS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

const KNOWN = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}

export function currencyExponent(code: string): number {
  if (!isCurrency(code)) throw new Error(`Unknown currency ${code}`);
  return EXPONENT_EXCEPTIONS[code] ?? 2;
}

/** One unit of the currency (e.g. 100 minor units of USD): the amount of a gateway test payment. */
export function oneUnit(code: string): bigint {
  return 10n ** BigInt(currencyExponent(code));
}

/** Parses a decimal string such as "120.50" into minor units, refusing excess precision. */
export function parseMajor(value: string, currency: string): bigint {
  const exp = currencyExponent(currency);
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a decimal amount`);
  const frac = m[3] ?? '';
  if (frac.length > exp) throw new Error(`${currency} has ${exp} decimals; "${value}" has ${frac.length}`);
  const minor = BigInt(m[2]! + frac.padEnd(exp, '0'));
  return m[1] ? -minor : minor;
}

/** Minor units to a plain decimal string ("120.50"); exact, no floating point. */
export function formatMajor(minor: bigint, currency: string): string {
  const exp = currencyExponent(currency);
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString().padStart(exp + 1, '0');
  const whole = exp ? digits.slice(0, -exp) : digits;
  const frac = exp ? `.${digits.slice(-exp)}` : '';
  return `${neg ? '-' : ''}${whole}${frac}`;
}

/** Localised display, e.g. "$120.50". Intl accepts decimal strings, so no float is involved. */
export function displayMoney(minor: bigint, currency: string, locale = 'en'): string {
  const exp = currencyExponent(currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exp,
    maximumFractionDigits: exp,
  }).format(formatMajor(minor, currency) as unknown as number);
}
