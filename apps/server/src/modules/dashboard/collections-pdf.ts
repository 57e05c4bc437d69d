import { eq } from 'drizzle-orm';
import type { TenantContext, Tx } from '../../db/client.ts';
import { tenants } from '../../db/schema.ts';
import {
  calendarDate,
  contentWidth,
  createCanvas,
  dateTime,
  ensureRoom,
  finish,
  footer,
  header,
  INK,
  MUTED,
  money,
  RULE,
  tint,
} from '../../documents/pdf.ts';
import { PAYMENT_MODES } from '../exports/exports.routes.ts';
import { wallClock } from '../exports/exports.ts';
import { searchPayments } from '../payments/payments.service.ts';
import { collections } from './dashboard.service.ts';

/** More lines than this and the PDF lists the first ones and points to the export. */
const MAX_LINES = 2000;

/**
 * A day's collections as a branded PDF for management (seed 002 "Reporting: automated
 * consolidated reporting"; seed 003 "descarga de reportes básicos"): totals, by channel, gateway
 * and status, then every payment received that day in the tenant's time zone.
 */
export async function renderCollectionsPdf(tx: Tx, ctx: TenantContext, date: string): Promise<Buffer> {
  const summary = await collections(tx, ctx, { granularity: 'day', from: date, to: date });
  const [t] = await tx.select().from(tenants).where(eq(tenants.id, ctx.tenantId));
  const tz = summary.time_zone;
  // The payments received on that calendar day in the tenant's zone, oldest first.
  const toWall = wallClock(tz);
  const startOf = (ymd: string) => {
    const guess = Date.parse(`${ymd}T00:00:00Z`);
    const first = guess - (toWall(new Date(guess)).getTime() - guess);
    return first - (toWall(new Date(first)).getTime() - guess);
  };
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  const rows = await searchPayments(
    tx,
    ctx,
    {
      from: new Date(startOf(date)).toISOString(),
      to: new Date(startOf(next.toISOString().slice(0, 10)) - 1).toISOString(),
    },
    MAX_LINES + 1,
  );
  const day = rows.slice(0, MAX_LINES).reverse();

  const c = createCanvas(
    {
      title: `Collections ${date}`,
      subject: `${t!.displayName}: collections of ${date}`,
      branding: { name: t!.displayName, color: t!.primaryColor },
      locale: t!.locale,
      timeZone: tz,
    },
    {},
  );
  const { doc, margin } = c;
  const width = contentWidth(c);
  const cur = summary.currency;
  const amount = (minor: number) => money(c, BigInt(minor), cur);
  let y = header(c, { name: t!.displayName, color: t!.primaryColor }, 'Daily collections', [
    calendarDate(c, 'date', date),
    `${ctx.mode === 'live' ? 'Live' : 'Test'} mode, ${tz}`,
  ]);

  // Totals box.
  doc.save().roundedRect(margin, y, width, 58, 6).fill(tint(c.color, 0.92)).restore();
  const third = width / 3;
  const stat = (i: number, label: string, value: string) => {
    doc
      .font(c.font.regular)
      .fontSize(8)
      .fillColor(MUTED)
      .text(c.t(label.toUpperCase()), margin + 14 + i * third, y + 12, { width: third - 20 });
    doc
      .font(c.font.bold)
      .fontSize(16)
      .fillColor(INK)
      .text(c.t(value), margin + 14 + i * third, doc.y + 3, { width: third - 20 });
  };
  stat(0, 'Collected (net of refunds)', amount(summary.collected.amount));
  stat(1, 'Payments', String(summary.collected.count));
  stat(2, 'Refunded', amount(summary.collected.refunded));
  y += 78;

  const table = (title: string, cols: { label: string; w: number; right?: boolean }[], lines: string[][]) => {
    y = ensureRoom(c, y, 40);
    doc.font(c.font.bold).fontSize(11).fillColor(INK).text(c.t(title), margin, y);
    y = doc.y + 6;
    const drawRow = (cells: string[], bold: boolean) => {
      y = ensureRoom(c, y, 16);
      let x = margin;
      doc
        .font(bold ? c.font.bold : c.font.regular)
        .fontSize(8.5)
        .fillColor(bold ? MUTED : INK);
      cols.forEach((col, i) => {
        doc.text(c.t(cells[i] ?? ''), x + 2, y, {
          width: col.w * width - 4,
          align: col.right ? 'right' : 'left',
          lineBreak: false,
          ellipsis: true,
        });
        x += col.w * width;
      });
      y += 14;
      doc
        .moveTo(margin, y - 2)
        .lineTo(margin + width, y - 2)
        .lineWidth(0.4)
        .strokeColor(RULE)
        .stroke();
    };
    drawRow(
      cols.map((col) => col.label),
      true,
    );
    for (const l of lines) drawRow(l, false);
    if (!lines.length) drawRow(['—'], false);
    y += 12;
  };
  const split = [
    { label: 'Name', w: 0.5 },
    { label: 'Payments', w: 0.2, right: true },
    { label: 'Amount', w: 0.3, right: true },
  ];
  table(
    'By channel',
    split,
    summary.by_channel.map((b) => [b.key, String(b.count), amount(b.amount)]),
  );
  table(
    'By gateway',
    split,
    summary.by_gateway.map((b) => [b.key, String(b.count), amount(b.amount)]),
  );
  table(
    'By status (gross)',
    split,
    summary.by_status.map((b) => [b.key, String(b.count), amount(b.amount)]),
  );
  const shown = day;
  table(
    `Payments (${summary.by_status.reduce((n, b) => n + b.count, 0)})`,
    [
      { label: 'Time', w: 0.17 },
      { label: 'Account', w: 0.13 },
      { label: 'Name', w: 0.2 },
      { label: 'Mode', w: 0.09 },
      { label: 'Txn ID', w: 0.2 },
      { label: 'Status', w: 0.1 },
      { label: 'Amount', w: 0.11, right: true },
    ],
    shown.map((r) => [
      dateTime(c, r.p.receivedAt).replace(/^.*?,\s*/, ''),
      r.accountNumber ?? '',
      r.accountName ?? '',
      PAYMENT_MODES[r.p.channel],
      r.p.id,
      r.p.status,
      money(c, r.p.amount, cur),
    ]),
  );
  if (rows.length > MAX_LINES) {
    doc
      .font(c.font.regular)
      .fontSize(9)
      .fillColor(MUTED)
      .text(
        c.t(`Only the last ${MAX_LINES} payments are listed: export the list as CSV or XLSX for all.`),
        margin,
        y,
      );
  }
  footer(
    c,
    `${t!.displayName}: collections of ${date}. Generated by Billrail.`,
    (n, of) => `Page ${n} of ${of}`,
  );
  return finish(c);
}
