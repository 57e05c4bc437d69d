/**
 * Money is integer minor units plus an ISO 4217 code, on the server (bigint) and in the web app
 * (the API's integer numbers). This is the one exponent table and the one place amounts become
 * text and text becomes amounts; nothing here goes through a float.
 *
 * Imported as `@billrail/contracts/money` (its own entry, without zod), so the web bundle carries
 * only these few functions.
 */

/**
 * The ISO 4217 currencies whose minor unit is not a hundredth; every other currency has 2
 * decimals. Intl's own digits (CLDR) differ for a few currencies (IDR, ISK…), so they are used to
 * display an amount, never to scale one.
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

let known: ReadonlySet<string> | null | undefined;
/** The runtime's ISO 4217 list, read on first use; null where the runtime cannot list them. */
function knownCurrencies(): ReadonlySet<string> | null {
  if (known === undefined) {
    // Intl.supportedValuesOf is in Node and current browsers; an older browser lacks it, and the
    // web app must still load there (the currencies it sees come from the server, which checked them).
    known = typeof Intl.supportedValuesOf === 'function' ? new Set(Intl.supportedValuesOf('currency')) : null;
  }
  return known;
}

export function isCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  return knownCurrencies()?.has(code) ?? true;
}

/** Decimals of a currency's minor unit (2 for USD and IDR, 0 for JPY, 3 for KWD). */
export function currencyExponent(code: string): number {
  if (!isCurrency(code)) throw new Error(`Unknown currency ${code}`);
  return EXPONENT_EXCEPTIONS[code] ?? 2;
}

/** One unit of the currency (e.g. 100 minor units of USD): the amount of a gateway test payment. */
export function oneUnit(code: string): bigint {
  return 10n ** BigInt(currencyExponent(code));
}

/** An amount as an exact integer. Numbers come from JSON and must be safe integers; floats are refused. */
function toBigInt(minor: bigint | number): bigint {
  if (typeof minor === 'bigint') return minor;
  if (!Number.isSafeInteger(minor)) throw new RangeError(`${minor} is not an integer number of minor units`);
  return BigInt(minor);
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
export function formatMajor(minor: bigint | number, currency: string): string {
  const exp = currencyExponent(currency);
  const value = toBigInt(minor);
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString().padStart(exp + 1, '0');
  const whole = exp ? digits.slice(0, -exp) : digits;
  const frac = exp ? `.${digits.slice(-exp)}` : '';
  return `${neg ? '-' : ''}${whole}${frac}`;
}

// One formatter per locale and currency (building one costs far more than using it). Bounded,
// since a locale can come from a request (a document's locale).
const formatters = new Map<string, Intl.NumberFormat>();
const MAX_FORMATTERS = 256;

/**
 * Localised display ("$120.50", "120,50 US$", "Rp 12.500,00") with the currency's ISO exponent.
 * Intl formats the exact decimal string, so no float is involved at any size.
 */
export function displayMoney(minor: bigint | number, currency: string, locale = 'en'): string {
  const key = `${locale}|${currency}`;
  let f = formatters.get(key);
  if (!f) {
    const exp = currencyExponent(currency);
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: exp,
      maximumFractionDigits: exp,
    });
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, f);
  }
  // Intl.NumberFormat#format takes a decimal string (ECMA-402 "StringNumericLiteral"); the lib
  // typings only name number | bigint.
  return f.format(formatMajor(minor, currency) as unknown as number);
}
