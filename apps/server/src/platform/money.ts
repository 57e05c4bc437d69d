/**
 * Money is integer minor units (bigint) plus an ISO 4217 code. The exponent table, parsing and
 * formatting are shared with the web app: packages/contracts/src/money.ts (tested there). The
 * server's modules keep importing them from here.
 */
export {
  currencyExponent,
  displayMoney,
  formatMajor,
  isCurrency,
  oneUnit,
  parseMajor,
} from '@billrail/contracts/money';
