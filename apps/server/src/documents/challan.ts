import QRCode from 'qrcode';
import { formatQrAmount, parseQris } from '../channels/qr/emvco.ts';
import { formatReference, parseReference } from '../modules/bills/reference.ts';
import {
  type Branding,
  type Canvas,
  calendarDate,
  checkCurrency,
  contentWidth,
  createCanvas,
  DocumentInputError,
  ensureRoom,
  field,
  finish,
  footer,
  header,
  INK,
  MUTED,
  money,
  type RenderOptions,
  RULE,
  readableOnWhite,
  tint,
} from './pdf.ts';

/**
 * A printable bill (e-challan, seed 000): everything a payer needs to pay it on any rail. The
 * 16-digit reference id is printed large in groups of four for keying at a bank counter, ATM or
 * app; a QR opens the bill's payment link; a second QR carries a QRIS payload when the tenant
 * takes QRIS. A bank copy at the foot of the page repeats what a cashier keys.
 */

export interface ChallanLineItem {
  description: string;
  amount: bigint;
}

export interface ChallanData {
  tenant: Branding;
  locale: string;
  /** The tenant's zone, for the issue date. */
  timeZone: string;
  bill: {
    billNumber: string;
    billingPeriod: string;
    serviceName?: string;
    /** 16-digit reference id (modules/bills/reference.ts); refused when its check digits fail. */
    referenceId: string;
    currency: string;
    /** Due by `dueDate`, minor units. */
    amount: bigint;
    /** Added when paid after `dueDate` (bills.late_fee); 0n for none. */
    lateFee: bigint;
    /** The due date in the tenant's calendar, "YYYY-MM-DD" (bills.due_date). */
    dueDate: string;
    /** Optional breakdown; must add up to `amount`. */
    lineItems?: ChallanLineItem[];
  };
  account: { number: string; name: string; address?: string[] };
  /** The bill's payment link (http or https); the first QR opens it. */
  payUrl: string;
  /** A QRIS payload (channels/qr/emvco.ts `buildQris`) to print as a second QR. */
  qris?: string;
  /** When the challan was issued; the render's creation date, else now. */
  issuedAt?: Date;
}

export const CHALLAN_LABELS = {
  title: 'Bill / e-Challan',
  billNumber: 'Bill no.',
  issued: 'Issued',
  accountHolder: 'Account holder',
  accountNumber: 'Account number',
  address: 'Address',
  billingPeriod: 'Billing period',
  service: 'Service',
  dueDate: 'Due date',
  payableBy: (due: string) => `Payable by ${due}`,
  lateFee: 'Late payment surcharge',
  payableAfter: (due: string) => `Payable after ${due}`,
  referenceId: 'Reference ID',
  referenceHelp: 'Quote this number to pay at any bank counter, ATM, mobile banking app or agent.',
  description: 'Description',
  amount: 'Amount',
  total: 'Total',
  scanToPay: 'Scan to pay online',
  scanToPayHelp: "Point your phone's camera at the code, or open:",
  qris: 'QRIS',
  qrisHelp: 'Scan with any QRIS banking or e-wallet app.',
  nmid: 'NMID',
  bankCopy: 'Bank copy: keep with the payment',
  footer: (tenant: string) => `Issued by ${tenant}. Payments are confirmed to the biller automatically.`,
  page: (n: number, of: number) => `Page ${n} of ${of}`,
};
export type ChallanLabels = typeof CHALLAN_LABELS;

export interface ChallanOptions extends RenderOptions {
  labels?: Partial<ChallanLabels>;
}

/**
 * How the QR codes are made (also what the tests regenerate): error correction M survives a
 * smudge on paper; the 4-module quiet zone is what ISO/IEC 18004 asks for; 8 px per module keeps
 * the image sharp when printed at 120 pt.
 */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4, scale: 8, type: 'png' } as const;
const QR_SIZE = 118;

interface QrisInfo {
  merchantName: string;
  nmid: string;
  amount?: bigint;
}

function check(data: ChallanData): QrisInfo | undefined {
  const b = data.bill;
  for (const [name, value] of [
    ['bill.billNumber', b.billNumber],
    ['bill.billingPeriod', b.billingPeriod],
    ['account.number', data.account.number],
    ['account.name', data.account.name],
  ] as const) {
    if (value.trim() === '') throw new DocumentInputError(name, 'is empty');
  }
  const ref = parseReference(b.referenceId);
  if (!ref.ok) throw new DocumentInputError('bill.referenceId', ref.reason);
  checkCurrency('bill.currency', b.currency);
  if (b.amount <= 0n) throw new DocumentInputError('bill.amount', `is ${b.amount}; must be positive`);
  if (b.lateFee < 0n) throw new DocumentInputError('bill.lateFee', `is ${b.lateFee}; must not be negative`);
  if (b.lineItems?.length) {
    const sum = b.lineItems.reduce((s, i) => s + i.amount, 0n);
    if (sum !== b.amount) {
      throw new DocumentInputError(
        'bill.lineItems',
        `add up to ${sum}, not the bill amount ${b.amount} (minor units)`,
      );
    }
  }
  let url: URL;
  try {
    url = new URL(data.payUrl);
  } catch {
    throw new DocumentInputError('payUrl', `"${data.payUrl}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DocumentInputError('payUrl', `is a ${url.protocol} URL; a phone opens http(s) links only`);
  }
  if (data.qris === undefined) return undefined;

  // A QR that cannot be paid, or that asks for another amount than the bill, must not be printed.
  const q = parseQris(data.qris);
  if (!q.ok) {
    throw new DocumentInputError(
      'qris',
      `is not a valid QRIS payload: ${q.issues.map((i) => `${i.field} (${i.tag}) ${i.reason}`).join('; ')}`,
    );
  }
  if (b.currency !== 'IDR')
    throw new DocumentInputError('qris', `is in IDR but the bill is in ${b.currency}`);
  const info: QrisInfo = { merchantName: q.merchant.name, nmid: q.merchant.nmid };
  if (q.transaction) {
    const amount = q.transaction.amount;
    if (amount !== b.amount && amount !== b.amount + b.lateFee) {
      throw new DocumentInputError(
        'qris',
        `asks for ${formatQrAmount(amount, 'IDR')}, which is neither the amount due nor the amount after the due date`,
      );
    }
    info.amount = amount;
  }
  return info;
}

/** The e-challan as PDF bytes. Throws `DocumentInputError` for input that would print a wrong bill. */
export async function renderChallan(data: ChallanData, opts: ChallanOptions = {}): Promise<Buffer> {
  const qris = check(data);
  const L = { ...CHALLAN_LABELS, ...opts.labels };
  const b = data.bill;
  const c = createCanvas(
    {
      title: `${L.title} ${b.billNumber}`,
      subject: `${data.tenant.name}: ${L.title} ${b.billNumber} (${formatReference(b.referenceId)})`,
      branding: data.tenant,
      locale: data.locale,
      timeZone: data.timeZone,
    },
    opts,
  );
  const [payPng, qrisPng] = await Promise.all([
    QRCode.toBuffer(data.payUrl, QR_OPTIONS),
    data.qris === undefined ? undefined : QRCode.toBuffer(data.qris, QR_OPTIONS),
  ]);
  const { margin } = c;
  const width = contentWidth(c);
  const due = calendarDate(c, 'bill.dueDate', b.dueDate);
  const issuedAt = data.issuedAt ?? opts.creationDate ?? new Date();
  const issued = new Intl.DateTimeFormat(c.locale, {
    timeZone: c.timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(issuedAt);
  const amount = (minor: bigint) => money(c, minor, b.currency);
  const grouped = formatReference(b.referenceId);

  let y = header(c, data.tenant, L.title, [`${L.billNumber} ${b.billNumber}`, `${L.issued} ${issued}`]);

  // Who and what.
  const col = (width - 24) / 2;
  const right = margin + col + 24;
  let left = field(c, L.accountHolder, data.account.name, margin, y, col) + 8;
  left = field(c, L.accountNumber, data.account.number, margin, left, col, true) + 8;
  if (data.account.address?.length)
    left = field(c, L.address, data.account.address.join('\n'), margin, left, col);
  let r = field(c, L.billingPeriod, b.billingPeriod, right, y, col) + 8;
  if (b.serviceName) r = field(c, L.service, b.serviceName, right, r, col) + 8;
  r = field(c, L.dueDate, due, right, r, col);
  y = Math.max(left, r) + 18;

  y = amounts(c, L, y, due, amount(b.amount), amount(b.lateFee), amount(b.amount + b.lateFee));
  y = reference(c, L, y + 12, grouped);
  if (b.lineItems?.length) y = items(c, L, y + 16, b.lineItems, amount, amount(b.amount));

  // The QR codes, side by side.
  y = ensureRoom(c, y + 16, QR_SIZE + 16);
  const half = (width - 16) / 2;
  qrBlock(c, margin, y, half, payPng, L.scanToPay, [L.scanToPayHelp], data.payUrl);
  if (qrisPng && qris) {
    const lines = [L.qrisHelp, qris.merchantName, `${L.nmid} ${qris.nmid}`];
    if (qris.amount !== undefined) lines.push(money(c, qris.amount, 'IDR'));
    qrBlock(c, margin + half + 16, y, half, qrisPng, L.qris, lines);
  }
  y += QR_SIZE + 16;

  bankCopy(c, L, y, data, due, grouped, amount);
  // Every page names the bill, so a loose second page is still identifiable.
  footer(
    c,
    `${L.billNumber} ${b.billNumber} · ${L.referenceId} ${grouped}. ${L.footer(data.tenant.name)}`,
    L.page,
  );
  return finish(c);
}

function amounts(
  c: Canvas,
  L: ChallanLabels,
  y: number,
  due: string,
  byDue: string,
  fee: string,
  after: string,
) {
  const { doc, margin } = c;
  const width = contentWidth(c);
  const h = 66;
  y = ensureRoom(c, y, h);
  doc.save().roundedRect(margin, y, width, h, 6).fill(tint(c.color, 0.92)).restore();
  const cells = [
    { label: L.payableBy(due), value: byDue, size: 19 },
    { label: L.lateFee, value: fee, size: 12 },
    { label: L.payableAfter(due), value: after, size: 14 },
  ];
  const widths = [0.4, 0.27, 0.33].map((f) => f * width);
  let x = margin;
  cells.forEach((cell, i) => {
    const w = widths[i]!;
    if (i > 0)
      doc
        .moveTo(x, y + 12)
        .lineTo(x, y + h - 12)
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke();
    doc.font(c.font.regular).fontSize(7.5).fillColor(MUTED);
    doc.text(c.t(cell.label.toUpperCase()), x + 14, y + 13, { width: w - 24, characterSpacing: 0.3 });
    doc.font(c.font.bold).fontSize(cell.size).fillColor(INK);
    doc.text(c.t(cell.value), x + 14, y + h - 16 - cell.size, { width: w - 24 });
    x += w;
  });
  return y + h;
}

function reference(c: Canvas, L: ChallanLabels, y: number, grouped: string) {
  const { doc, margin } = c;
  const width = contentWidth(c);
  const h = 64;
  y = ensureRoom(c, y, h);
  doc.save().roundedRect(margin, y, width, h, 6).lineWidth(1.5).strokeColor(c.color).stroke().restore();
  doc.font(c.font.bold).fontSize(8).fillColor(readableOnWhite(c.color));
  doc.text(c.t(L.referenceId.toUpperCase()), margin + 16, y + 14, { width: 184, characterSpacing: 0.5 });
  doc
    .font(c.font.regular)
    .fontSize(8)
    .fillColor(MUTED)
    .text(c.t(L.referenceHelp), margin + 16, doc.y + 4, { width: 184 });
  // Courier is monospaced, so the groups line up with what a cashier reads back; the size is the
  // largest (up to 24 pt) that keeps all four groups on one line.
  const room = width - 232;
  doc.font(c.font.mono);
  const size = Math.min(24, Math.floor(room / doc.fontSize(1).widthOfString(grouped)));
  doc.fontSize(size).fillColor(INK);
  doc.text(grouped, margin + 216, y + (h - size) / 2 + 1, { width: room, align: 'right', lineBreak: false });
  return y + h;
}

function items(
  c: Canvas,
  L: ChallanLabels,
  y: number,
  lineItems: ChallanLineItem[],
  amount: (minor: bigint) => string,
  total: string,
) {
  const { doc, margin } = c;
  const width = contentWidth(c);
  const amountW = 130;
  const descW = width - amountW - 12;
  const line = (desc: string, value: string, opts: { bold?: boolean; head?: boolean }) => {
    const size = opts.head ? 7.5 : 9.5;
    const font = opts.bold || opts.head ? c.font.bold : c.font.regular;
    const h = doc.font(font).fontSize(size).heightOfString(c.t(desc), { width: descW }) + 10;
    const at = ensureRoom(c, y, h);
    if (at !== y) {
      y = at;
      if (!opts.head) head(); // on a new page the column heads come first again
    }
    if (opts.head) doc.save().rect(margin, y, width, h).fill(tint(c.color, 0.88)).restore();
    doc.font(font).fontSize(size).fillColor(INK);
    doc.text(c.t(desc), margin + 6, y + 5, { width: descW });
    doc.text(c.t(value), margin + width - amountW - 6, y + 5, { width: amountW, align: 'right' });
    y += h;
    doc
      .moveTo(margin, y)
      .lineTo(margin + width, y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
  };
  const head = () => line(L.description.toUpperCase(), L.amount.toUpperCase(), { head: true });
  head();
  for (const item of lineItems) line(item.description, amount(item.amount), {});
  line(L.total, total, { bold: true });
  return y;
}

function qrBlock(
  c: Canvas,
  x: number,
  y: number,
  width: number,
  png: Buffer,
  title: string,
  lines: string[],
  url?: string,
) {
  const { doc } = c;
  doc.image(png, x, y, { width: QR_SIZE, height: QR_SIZE });
  const tx = x + QR_SIZE + 8;
  const tw = width - QR_SIZE - 8;
  doc
    .font(c.font.bold)
    .fontSize(11)
    .fillColor(INK)
    .text(c.t(title), tx, y + 12, { width: tw });
  doc.font(c.font.regular).fontSize(8).fillColor(MUTED);
  for (const line of lines) doc.text(c.t(line), tx, doc.y + 4, { width: tw });
  if (url) {
    doc.font(c.font.regular).fontSize(7.5).fillColor(readableOnWhite(c.color));
    doc.text(url, tx, doc.y + 4, { width: tw, link: url, underline: false });
  }
}

/** The strip a bank cashier keeps: who was paid, for which bill, how much by and after the due date. */
function bankCopy(
  c: Canvas,
  L: ChallanLabels,
  top: number,
  data: ChallanData,
  due: string,
  grouped: string,
  amount: (minor: bigint) => string,
) {
  const { doc, margin } = c;
  const width = contentWidth(c);
  const h = 112;
  const bottom = doc.page.height - margin - 28;
  // At the foot of the page, or of a new page when the bill above left no room.
  let y = Math.max(top + 12, bottom - h);
  if (y + h > bottom) y = ensureRoom(c, bottom, h);
  doc
    .moveTo(margin, y)
    .lineTo(margin + width, y)
    .dash(4, { space: 3 })
    .lineWidth(0.75)
    .strokeColor(MUTED)
    .stroke()
    .undash();
  doc.font(c.font.bold).fontSize(8).fillColor(MUTED);
  doc.text(c.t(`${L.bankCopy.toUpperCase()}  |  ${data.tenant.name}`), margin, y + 8, {
    width,
    characterSpacing: 0.3,
  });
  const b = data.bill;
  const cw = (width - 32) / 3;
  const xs = [margin, margin + cw + 16, margin + 2 * (cw + 16)] as const;
  const row1 = y + 26;
  field(c, L.accountNumber, data.account.number, xs[0], row1, cw, true);
  field(c, L.billNumber, b.billNumber, xs[1], row1, cw);
  field(c, L.referenceId, grouped, xs[2], row1, cw, true);
  const row2 = row1 + 40;
  field(c, L.payableBy(due), amount(b.amount), xs[0], row2, cw);
  field(c, L.payableAfter(due), amount(b.amount + b.lateFee), xs[1], row2, cw);
  field(c, L.dueDate, due, xs[2], row2, cw);
}
