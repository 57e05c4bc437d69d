/**
 * Amounts arrive from the API as integer minor units with an ISO 4217 code. The exponent table
 * is the server's (apps/server/src/platform/money.ts): the ISO 4217 currencies whose minor unit is
 * not a hundredth. Intl's own digits (CLDR) differ for a few currencies, so they cannot be used
 * to scale an amount, only to display it.
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

export const currencyExponent = (currency: string) => EXPONENT_EXCEPTIONS[currency] ?? 2;

/** Minor units as an exact decimal string ("120.50"): no floating point between API and screen. */
export function toDecimal(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  const neg = minor < 0;
  const digits = Math.abs(Math.trunc(minor))
    .toString()
    .padStart(exp + 1, '0');
  const whole = exp ? digits.slice(0, -exp) : digits;
  return `${neg ? '-' : ''}${whole}${exp ? `.${digits.slice(-exp)}` : ''}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** "$120.50", "120,50 US$", "US$120,50"… in the reader's locale; Intl formats the decimal string exactly. */
export function formatMoney(minor: number, currency: string, locale: string): string {
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
    formatters.set(key, f);
  }
  return f.format(toDecimal(minor, currency) as unknown as number);
}
