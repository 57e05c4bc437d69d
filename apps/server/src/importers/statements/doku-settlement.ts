import type { Settlement } from '../../gateways/gateway.ts';
import { asText, normaliseHeader, type RawRow } from '../tabular.ts';
import { type ColumnIndex, cellAmount, cellAt, cellDate, resolveColumns, tabularRows } from './bank-csv.ts';
import type { ByteSource } from './source.ts';
import type { Collector, SettlementPart, StatementLine, StatementSummary } from './statement.ts';
import { checkCurrency, isoDate, isRealDate, money, type Parsed, parseIsoDate } from './values.ts';

/**
 * DOKU settlement reports (CSV, or XLSX saved from the merchant dashboard). DOKU publishes no
 * file specification (spec section 2 covers the API only), so Billrail documents the column set
 * it reads; an operator renames columns of a real export to match. Header names are matched
 * case-, space- and dash-insensitively; aliases in brackets.
 *
 * | column            | required | meaning                                                          |
 * |-------------------|----------|------------------------------------------------------------------|
 * | settlement_id     | yes      | DOKU's settlement batch (one payout) [batch_id]                  |
 * | settlement_date   | yes      | day the batch is paid to the merchant's bank account             |
 * | invoice_number    | yes      | the merchant's order reference (Billrail's payment reference)    |
 * | amount            | yes      | gross transaction amount [transaction_amount, gross_amount]      |
 * | net_amount        | yes      | what this row adds to (payment) or takes from (refund) the payout [net] |
 * | fee               | no       | DOKU's fee (MDR), default 0 [mdr, mdr_amount]                     |
 * | tax               | no       | VAT on the fee, default 0 [vat, ppn]                              |
 * | transaction_date  | no       | when the customer paid                                           |
 * | transaction_id    | no       | DOKU's id of the transaction [request_id]                        |
 * | channel           | no       | payment channel, e.g. VIRTUAL_ACCOUNT_BCA, QRIS [payment_channel] |
 * | type              | no       | PAYMENT (default; also SALE) or REFUND                           |
 * | currency          | no       | ISO 4217, default the option (IDR)                               |
 * | status            | no       | only SUCCESS/SETTLED rows are lines; others are counted as skipped |
 * | merchant_id       | no       | DOKU merchant / mall id, default the `account` option [mall_id]  |
 *
 * Dates are `YYYY-MM-DD` (a time after it is ignored) or `DD/MM/YYYY`. Amounts use '.' for
 * decimals and may group thousands with ','; DOKU writes whole rupiah, and amounts become minor
 * units with the exponent of platform/money.ts (2 for IDR, as in ISO 4217: "150000" is
 * 15000000n), so "150000.005" is refused. Rules: payment net = amount − fee − tax; refund net =
 * amount + fee + tax (the merchant returns the amount and pays any fee).
 *
 * Lines: amount = gross, direction credit for payments and debit for refunds, the fee, tax
 * and net in `settlement`; statement id = settlement id. `toSettlement` turns a line into the
 * gateway `Settlement` shape that Stripe balance transactions also map to.
 */

export interface DokuOptions {
  /** Currency when the file has no currency column. Default IDR. */
  currency?: string;
  /** Merchant id when the file has no merchant_id column. Default "DOKU". */
  account?: string;
}

type Key =
  | 'settlementId'
  | 'settlementDate'
  | 'invoiceNumber'
  | 'amount'
  | 'netAmount'
  | 'fee'
  | 'tax'
  | 'transactionDate'
  | 'transactionId'
  | 'channel'
  | 'type'
  | 'currency'
  | 'status'
  | 'merchantId';

const ALIASES: Record<Key, string[]> = {
  settlementId: ['settlement_id', 'batch_id'],
  settlementDate: ['settlement_date'],
  invoiceNumber: ['invoice_number'],
  amount: ['amount', 'transaction_amount', 'gross_amount'],
  netAmount: ['net_amount', 'net'],
  fee: ['fee', 'mdr', 'mdr_amount'],
  tax: ['tax', 'vat', 'ppn'],
  transactionDate: ['transaction_date'],
  transactionId: ['transaction_id', 'request_id'],
  channel: ['channel', 'payment_channel'],
  type: ['type'],
  currency: ['currency'],
  status: ['status'],
  merchantId: ['merchant_id', 'mall_id'],
};
const REQUIRED: Key[] = ['settlementId', 'settlementDate', 'invoiceNumber', 'amount', 'netAmount'];
const SETTLED = new Set(['SUCCESS', 'SETTLED', 'PAID']);

/** `YYYY-MM-DD[ HH:mm[:ss]]` or `DD/MM/YYYY[ HH:mm[:ss]]`. */
function dokuDate(text: string): Parsed<string> {
  const t = text.trim();
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(t);
  if (dmy) {
    const [d, m, y] = [Number(dmy[1]), Number(dmy[2]), Number(dmy[3])];
    return isRealDate(y, m, d)
      ? { ok: true, value: isoDate(y, m, d) }
      : { ok: false, reason: `"${t}" is not a calendar date (DD/MM/YYYY)` };
  }
  return parseIsoDate(t.replace(' ', 'T'));
}

function findColumns(header: RawRow): { index: ColumnIndex<Key>; missing: Key[] } {
  const names = new Set(
    header.cells.map((c) => {
      const t = asText(c);
      return t.ok && t.value ? normaliseHeader(t.value) : '';
    }),
  );
  const refs: Partial<Record<Key, string>> = {};
  for (const [key, aliases] of Object.entries(ALIASES) as [Key, string[]][]) {
    const name = aliases.find((a) => names.has(a));
    if (name) refs[key] = name;
  }
  const { index } = resolveColumns<Key>(refs, header);
  return { index, missing: REQUIRED.filter((k) => index[k] === undefined) };
}

/** Reads a DOKU settlement report; see the module comment. */
export async function* parseDokuSettlement(
  format: 'csv' | 'xlsx',
  source: ByteSource,
  c: Collector,
  opts: DokuOptions = {},
): AsyncGenerator<StatementLine> {
  c.format = 'doku-settlement';
  const defaultCurrency = opts.currency ?? 'IDR';
  if (!checkCurrency(defaultCurrency).ok) {
    c.error({ code: 'bad_mapping', line: 0, message: `"${defaultCurrency}" is not an ISO 4217 currency.` });
    return;
  }
  const batches = new Map<string, StatementSummary>();
  let index: ColumnIndex<Key> | undefined;
  let rows = 0;
  for await (const row of tabularRows(format, source, c)) {
    if (!index) {
      const found = findColumns(row);
      if (found.missing.length) {
        c.error({
          code: 'missing_element',
          line: row.line,
          message: `The header row (line ${row.line}) lacks the column${found.missing.length > 1 ? 's' : ''} ${found.missing
            .map((k) => ALIASES[k][0])
            .join(
              ', ',
            )}; a DOKU settlement report needs settlement_id, settlement_date, invoice_number, amount and net_amount.`,
        });
        return;
      }
      index = found.index;
      continue;
    }
    rows++;
    const line = row.line;
    const text = (k: Key) => {
      const t = asText(cellAt(row, index![k]));
      return t.ok ? t.value : undefined;
    };
    const errors: {
      code: 'bad_amount' | 'bad_date' | 'missing_element' | 'bad_value' | 'currency_mismatch';
      column: string;
      message: string;
    }[] = [];
    const fail = (code: (typeof errors)[number]['code'], k: Key, message: string) =>
      errors.push({ code, column: ALIASES[k][0]!, message: `Line ${line}: ${message}.` });

    const status = text('status')?.toUpperCase();
    if (status !== undefined && !SETTLED.has(status)) {
      c.skip(status);
      continue;
    }
    const settlementId = text('settlementId');
    if (!settlementId) fail('missing_element', 'settlementId', 'the settlement_id is empty');
    const invoice = text('invoiceNumber');
    if (!invoice) fail('missing_element', 'invoiceNumber', 'the invoice_number is empty');
    const currency = text('currency')?.toUpperCase() ?? defaultCurrency;
    const ccy = checkCurrency(currency);
    if (!ccy.ok) fail('bad_value', 'currency', `the currency ${ccy.reason.replace(/^has currency /, '')}`);
    const date = (k: Key, required: boolean) => {
      const r = cellDate(cellAt(row, index![k]), dokuDate);
      if (!r) {
        if (required) fail('missing_element', k, `the ${ALIASES[k][0]} is empty`);
        return undefined;
      }
      if (!r.ok) {
        fail('bad_date', k, `the ${ALIASES[k][0]} ${r.reason}`);
        return undefined;
      }
      return r.value;
    };
    const settlementDate = date('settlementDate', true);
    const transactionDate = date('transactionDate', false);
    const amountOf = (k: Key, required: boolean): bigint | undefined => {
      if (!ccy.ok) return undefined;
      const r = cellAmount(cellAt(row, index![k]), currency, { decimal: '.', group: ',', signed: false });
      if (!r) {
        if (required) fail('missing_element', k, `the ${ALIASES[k][0]} is empty`);
        return required ? undefined : 0n;
      }
      if (!r.ok) {
        fail('bad_amount', k, `the ${ALIASES[k][0]} ${r.reason}`);
        return undefined;
      }
      return r.value;
    };
    const gross = amountOf('amount', true);
    const fee = amountOf('fee', false);
    const tax = amountOf('tax', false);
    const net = amountOf('netAmount', true);
    const type = (text('type') ?? 'PAYMENT').toUpperCase();
    const refund = type === 'REFUND';
    if (!refund && type !== 'PAYMENT' && type !== 'SALE') {
      fail('bad_value', 'type', `the type is "${type}"; expected PAYMENT or REFUND`);
    }
    if (gross !== undefined && fee !== undefined && tax !== undefined && net !== undefined && ccy.ok) {
      const expected = refund ? gross + fee + tax : gross - fee - tax;
      if (expected !== net) {
        fail(
          'bad_amount',
          'netAmount',
          refund
            ? `the net_amount ${money(net, currency)} of a refund should be amount + fee + tax = ${money(expected, currency)}`
            : `the net_amount ${money(net, currency)} should be amount − fee − tax = ${money(expected, currency)}`,
        );
      }
    }
    let batch = settlementId ? batches.get(settlementId) : undefined;
    if (settlementId && ccy.ok && !batch) {
      batch = {
        format: 'doku-settlement',
        statementId: settlementId,
        account: text('merchantId') ?? opts.account ?? 'DOKU',
        currency,
        line,
        entries: 0,
        credits: 0n,
        debits: 0n,
        lines: 0,
        balanceChecked: false,
      };
      batches.set(settlementId, batch);
      c.statements.push(batch);
    } else if (batch && batch.currency !== currency) {
      fail(
        'currency_mismatch',
        'currency',
        `the row is in ${currency}, but settlement ${settlementId} is in ${batch.currency}`,
      );
    }
    for (const e of errors) {
      c.error({ code: e.code, line, path: e.column, statementId: settlementId, message: e.message });
    }
    if (errors.length || !batch || gross === undefined || net === undefined || !settlementDate) continue;
    batch.entries++;
    if (refund) batch.debits += net;
    else batch.credits += net;
    batch.lines++;
    const settlement: SettlementPart = {
      kind: refund ? 'refund' : 'charge',
      fee: fee ?? 0n,
      tax: tax ?? 0n,
      net,
      source: invoice,
      transactionDate,
      channel: text('channel'),
    };
    c.lines++;
    yield {
      format: 'doku-settlement',
      line,
      statementId: settlementId!,
      account: batch.account,
      currency,
      entryIndex: batch.entries,
      batchIndex: 1,
      batchSize: 1,
      entryAmount: gross,
      bookingDate: settlementDate,
      valueDate: transactionDate,
      amount: gross,
      direction: refund ? 'debit' : 'credit',
      reversal: false,
      ownerReference: invoice,
      transactionId: text('transactionId'),
      remittance: invoice ?? '',
      settlement,
    };
  }
  if (!index && c.errorCount === 0)
    c.error({ code: 'unreadable', line: 0, message: 'The file has no rows.' });
  else if (index && rows === 0 && c.errorCount === 0) {
    c.error({ code: 'missing_element', line: 1, message: 'The settlement report has a header but no rows.' });
  }
}

/**
 * A settlement line as the gateway `Settlement` (the shape Stripe balance transactions map to),
 * for reconciliation code that reads both. Amounts keep Stripe's signs: a refund is negative.
 */
export function toSettlement(line: StatementLine): Settlement {
  const s = line.settlement;
  if (!s) throw new Error(`Line ${line.line} is not a settlement line`);
  const sign = line.direction === 'debit' ? -1n : 1n;
  const kind = s.kind;
  return {
    id: line.transactionId ?? `${line.statementId}:${line.line}`,
    batchId: line.statementId,
    type: kind === 'charge' || kind === 'refund' || kind === 'fee' || kind === 'adjustment' ? kind : 'other',
    source: s.source,
    amount: sign * line.amount,
    fee: s.fee + s.tax,
    net: sign * s.net,
    currency: line.currency,
    status: 'available',
    availableOn: new Date(`${line.bookingDate}T00:00:00Z`),
    createdAt: new Date(`${s.transactionDate ?? line.bookingDate}T00:00:00Z`),
    raw: line,
  };
}
