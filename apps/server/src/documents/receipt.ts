import { formatReference, parseReference } from '../modules/bills/reference.ts';
import {
  type Branding,
  type Canvas,
  checkCurrency,
  contentWidth,
  createCanvas,
  DocumentInputError,
  dateTime,
  ensureRoom,
  field,
  finish,
  footer,
  header,
  INK,
  MUTED,
  money,
  OK_GREEN,
  type RenderOptions,
  RULE,
  tint,
} from './pdf.ts';

/**
 * A numbered payment receipt. Seed 002: receipts exist for completed payments ("Receipts are
 * only available after the payment is settled which is the status payment completed"), and,
 * by the rule in receipts.service.ts, for Successful payments whose money is already in hand
 * (cash taken at the counter). The receipt states which of the two it is: a counter receipt
 * must not claim a settlement that has not happened. The input type and a runtime check both
 * refuse any other status.
 */

/** The statuses a receipt can be printed for. */
export type ReceiptStatus = 'completed' | 'successful';

export interface ReceiptBill {
  billNumber: string;
  billingPeriod: string;
  /** The bill's 16-digit reference id; printed in groups of four. */
  referenceId: string;
  /** What this payment put on the bill (the allocation), minor units of the payment currency. */
  amount: bigint;
}

export interface ReceiptData {
  tenant: Branding;
  /** The tenant's locale and time zone: the payment date is shown in them. */
  locale: string;
  timeZone: string;
  /** The receipt's own number, e.g. "RCP-2025-000123". */
  receiptNumber: string;
  payment: {
    id: string;
    /**
     * `completed`: settled. `successful`: paid but not settled, only for money in hand (cash);
     * printed "Paid — cash received".
     */
    status: ReceiptStatus;
    currency: string;
    /** The payment total, minor units; must equal the bills plus `accountCredit`. */
    amount: bigint;
    /** How the payer paid: "Card", "QRIS", "Bank transfer", "Cash". */
    method: string;
    /** The gateway or channel that took the money: "Stripe", "DOKU", a bank's name. */
    gateway?: string;
    /** The gateway's own reference for the payment. */
    gatewayReference?: string;
    /** When the payment completed, or was received if it is not completed yet. */
    paidAt: Date;
  };
  payer: { name: string; accountNumber: string };
  bills: ReceiptBill[];
  /** Part of the payment kept as credit on the account (payments.credit_amount). */
  accountCredit?: bigint;
}

export const RECEIPT_LABELS = {
  title: 'Payment receipt',
  receiptNumber: 'Receipt no.',
  /** The status line of a settled payment. */
  completed: 'Payment Completed',
  /**
   * The status line of a Successful payment with the money in hand. Only cash is such a rail
   * today (MONEY_IN_HAND_CHANNELS); another one would need its own wording.
   */
  successful: 'Paid — cash received',
  totalPaid: 'Total paid',
  paidBy: 'Paid by',
  accountNumber: 'Account number',
  paymentId: 'Payment ID',
  method: 'Payment method',
  gateway: 'Paid through',
  date: 'Date',
  billsPaid: 'Bills paid',
  billNumber: 'Bill number',
  billingPeriod: 'Billing period',
  referenceId: 'Reference ID',
  amount: 'Amount',
  accountCredit: 'Held as credit on the account',
  total: 'Total',
  footer: (tenant: string, status: ReceiptStatus) =>
    `This receipt confirms ${status === 'completed' ? 'a completed payment to' : 'a payment received by'} ${tenant}. It was issued electronically and needs no signature.`,
  page: (n: number, of: number) => `Page ${n} of ${of}`,
};
export type ReceiptLabels = typeof RECEIPT_LABELS;

export interface ReceiptOptions extends RenderOptions {
  /** Translations; English where not given. */
  labels?: Partial<ReceiptLabels>;
}

function check(data: ReceiptData) {
  const p = data.payment;
  if (p.status !== 'completed' && p.status !== 'successful') {
    throw new DocumentInputError(
      'payment.status',
      `is "${p.status}"; receipts are issued for completed payments and for successful ones with the money in hand only`,
    );
  }
  if (data.receiptNumber.trim() === '') throw new DocumentInputError('receiptNumber', 'is empty');
  checkCurrency('payment.currency', p.currency);
  if (Number.isNaN(p.paidAt.getTime())) throw new DocumentInputError('payment.paidAt', 'is not a valid date');
  if (data.bills.length === 0 && !data.accountCredit) {
    throw new DocumentInputError(
      'bills',
      'is empty and nothing was held as credit: the receipt would show no use of the money',
    );
  }
  for (const [i, bill] of data.bills.entries()) {
    const ref = parseReference(bill.referenceId);
    if (!ref.ok) throw new DocumentInputError(`bills[${i}].referenceId`, ref.reason);
    if (bill.amount <= 0n)
      throw new DocumentInputError(`bills[${i}].amount`, `is ${bill.amount}; must be positive`);
  }
  const credit = data.accountCredit ?? 0n;
  if (credit < 0n) throw new DocumentInputError('accountCredit', `is ${credit}; must not be negative`);
  const sum = data.bills.reduce((s, b) => s + b.amount, 0n) + credit;
  if (sum !== p.amount) {
    throw new DocumentInputError(
      'payment.amount',
      `is ${p.amount} but the bills and account credit add up to ${sum} (minor units); a receipt must add up`,
    );
  }
}

/** The receipt as PDF bytes. Throws `DocumentInputError` for input that would print a wrong receipt. */
export async function renderReceipt(data: ReceiptData, opts: ReceiptOptions = {}): Promise<Buffer> {
  check(data);
  const L = { ...RECEIPT_LABELS, ...opts.labels };
  const c = createCanvas(
    {
      title: `${L.title} ${data.receiptNumber}`,
      subject: `${data.tenant.name}: ${L.title} ${data.receiptNumber}`,
      branding: data.tenant,
      locale: data.locale,
      timeZone: data.timeZone,
    },
    opts,
  );
  const { doc, margin } = c;
  const width = contentWidth(c);
  const p = data.payment;
  const paidAt = dateTime(c, p.paidAt);
  const amount = (minor: bigint) => money(c, minor, p.currency);

  let y = header(c, data.tenant, L.title, [`${L.receiptNumber} ${data.receiptNumber}`, paidAt]);

  // Status and total.
  const boxH = 62;
  doc.save().roundedRect(margin, y, width, boxH, 6).fill(tint(c.color, 0.92)).restore();
  doc
    .save()
    .circle(margin + 20, y + 22, 5)
    .fill(OK_GREEN)
    .restore();
  doc
    .font(c.font.bold)
    .fontSize(12)
    .fillColor(OK_GREEN)
    .text(c.t(p.status === 'completed' ? L.completed : L.successful), margin + 32, y + 15, {
      width: width / 2,
    });
  doc
    .font(c.font.regular)
    .fontSize(9)
    .fillColor(MUTED)
    .text(c.t(paidAt), margin + 32, doc.y + 3, { width: width / 2 });
  doc.font(c.font.regular).fontSize(8).fillColor(MUTED);
  doc.text(c.t(L.totalPaid.toUpperCase()), margin + width / 2, y + 12, {
    width: width / 2 - 16,
    align: 'right',
  });
  doc.font(c.font.bold).fontSize(22).fillColor(INK);
  doc.text(c.t(amount(p.amount)), margin + width / 2 - 40, doc.y + 2, {
    width: width / 2 + 24,
    align: 'right',
  });
  y += boxH + 20;

  // Who, how, when.
  const col = (width - 24) / 2;
  const right = margin + col + 24;
  let left = field(c, L.paidBy, data.payer.name, margin, y, col) + 9;
  left = field(c, L.accountNumber, data.payer.accountNumber, margin, left, col, true) + 9;
  left = field(c, L.paymentId, p.id, margin, left, col, true);
  let r = field(c, L.method, p.method, right, y, col) + 9;
  if (p.gateway) {
    const via = p.gatewayReference ? `${p.gateway} (${p.gatewayReference})` : p.gateway;
    r = field(c, L.gateway, via, right, r, col) + 9;
  }
  r = field(c, L.date, paidAt, right, r, col);
  y = Math.max(left, r) + 24;

  y = billsTable(c, data, L, y, amount);
  footer(c, `${L.receiptNumber} ${data.receiptNumber}. ${L.footer(data.tenant.name, p.status)}`, L.page);
  return finish(c);
}

function billsTable(
  c: Canvas,
  data: ReceiptData,
  L: ReceiptLabels,
  top: number,
  amount: (minor: bigint) => string,
): number {
  const { doc, margin } = c;
  const width = contentWidth(c);
  const cols = [
    { key: 'billNumber', w: 0.24 },
    { key: 'billingPeriod', w: 0.22 },
    { key: 'referenceId', w: 0.3 },
    { key: 'amount', w: 0.24 },
  ] as const;
  const xs: number[] = [];
  let x = margin;
  for (const col of cols) {
    xs.push(x);
    x += col.w * width;
  }
  const pad = 6;
  const cellW = (i: number) => cols[i]!.w * width - 2 * pad;

  const headerRow = (y: number) => {
    doc.save().rect(margin, y, width, 20).fill(tint(c.color, 0.88)).restore();
    doc.font(c.font.bold).fontSize(7.5).fillColor(INK);
    cols.forEach((col, i) => {
      doc.text(c.t(L[col.key].toUpperCase()), xs[i]! + pad, y + 6.5, {
        width: cellW(i),
        align: col.key === 'amount' ? 'right' : 'left',
        characterSpacing: 0.3,
      });
    });
    return y + 20;
  };

  let y = ensureRoom(c, top, 60);
  doc.font(c.font.bold).fontSize(10.5).fillColor(INK).text(c.t(L.billsPaid), margin, y);
  y = headerRow(doc.y + 6);

  // A bill row has four cells; a summary row (credit, total) a label over three columns and the amount.
  const spans = (n: number) =>
    n === cols.length
      ? cols.map((col, i) => ({ x: xs[i]!, w: col.w * width }))
      : [
          { x: margin, w: xs[3]! - margin },
          { x: xs[3]!, w: cols[3].w * width },
        ];

  const row = (cells: string[], opts: { mono?: number; bold?: boolean; fill?: string }) => {
    const cellSpans = spans(cells.length);
    const font = (i: number) => (opts.bold ? c.font.bold : i === opts.mono ? c.font.mono : c.font.regular);
    const size = opts.bold ? 10.5 : 9.5;
    const heights = cells.map((text, i) =>
      doc
        .font(font(i))
        .fontSize(size)
        .heightOfString(c.t(text), { width: cellSpans[i]!.w - 2 * pad }),
    );
    const h = Math.max(...heights) + 2 * pad + 2;
    const at = ensureRoom(c, y, h);
    if (at !== y) y = headerRow(at);
    if (opts.fill) doc.save().rect(margin, y, width, h).fill(opts.fill).restore();
    cells.forEach((text, i) => {
      const s = cellSpans[i]!;
      doc.font(font(i)).fontSize(size).fillColor(INK);
      doc.text(c.t(text), s.x + pad, y + pad + 1, {
        width: s.w - 2 * pad,
        align: i === cells.length - 1 ? 'right' : 'left',
      });
    });
    y += h;
    doc
      .moveTo(margin, y)
      .lineTo(margin + width, y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
  };

  data.bills.forEach((b, i) => {
    row([b.billNumber, b.billingPeriod, formatReference(b.referenceId), amount(b.amount)], {
      mono: 2,
      ...(i % 2 === 1 ? { fill: '#f8f9fa' } : {}),
    });
  });
  if (data.accountCredit) row([L.accountCredit, amount(data.accountCredit)], {});
  y += 1;
  doc
    .moveTo(margin, y)
    .lineTo(margin + width, y)
    .lineWidth(1.2)
    .strokeColor(INK)
    .stroke();
  row([L.total, amount(data.payment.amount)], { bold: true });
  return y;
}
