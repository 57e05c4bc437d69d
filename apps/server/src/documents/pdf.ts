import PDFDocument from 'pdfkit';
import { currencyExponent, displayMoney, formatMajor, isCurrency } from '../platform/money.ts';

/**
 * What receipts and e-challans share: the tenant's branding, fonts, localised money and dates,
 * the page header and footer. Inputs are plain data (the caller maps rows); problems with them
 * throw `DocumentInputError` naming the field, since a wrong printed document is worse than none.
 */

export interface Branding {
  /** The tenant's display name. */
  name: string;
  /** Logo as PNG or JPEG bytes (the caller fetches the tenant's logo_url). */
  logo?: Buffer;
  /** Brand colour "#rrggbb" (tenants.primary_color); Billrail blue when absent. */
  color?: string;
  /** Lines under the name: address, phone, tax number. */
  lines?: string[];
}

export interface RenderOptions {
  /**
   * Fixed creation date written into the PDF info (and from it the file ID), so the same input
   * gives the same bytes: for tests and for re-downloads that must not change.
   */
  creationDate?: Date;
  /**
   * TrueType/OpenType fonts (path or bytes). Without them the PDF uses the 14 standard fonts,
   * which only cover Windows-1252 (Latin); pass fonts for Urdu, Devanagari, Thai and the like.
   */
  fonts?: { regular: string | Buffer; bold?: string | Buffer; mono?: string | Buffer };
  /** Paper size; A4 unless told. */
  size?: 'A4' | 'LETTER';
}

export class DocumentInputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'DocumentInputError';
  }
}

export const DEFAULT_COLOR = '#1c7ed6';
export const INK = '#212529';
export const MUTED = '#6c757d';
export const RULE = '#dee2e6';
export const OK_GREEN = '#2b8a3e';

export interface Canvas {
  doc: PDFKit.PDFDocument;
  /** Font names registered on `doc`. */
  font: { regular: string; bold: string; mono: string };
  /** True when the standard (Windows-1252) fonts are in use. */
  standard: boolean;
  color: string;
  locale: string;
  timeZone: string;
  margin: number;
  /** Text made printable with the fonts in use. */
  t(text: string): string;
}

export function checkLocale(locale: string, timeZone: string) {
  try {
    new Intl.DateTimeFormat(locale);
  } catch {
    throw new DocumentInputError('locale', `"${locale}" is not a BCP 47 locale`);
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new DocumentInputError('timeZone', `"${timeZone}" is not an IANA time zone`);
  }
}

export function checkCurrency(field: string, currency: string) {
  if (!isCurrency(currency)) throw new DocumentInputError(field, `"${currency}" is not an ISO 4217 currency`);
}

export function createCanvas(
  meta: { title: string; subject: string; branding: Branding; locale: string; timeZone: string },
  opts: RenderOptions = {},
): Canvas {
  checkLocale(meta.locale, meta.timeZone);
  const color = meta.branding.color ?? DEFAULT_COLOR;
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) {
    throw new DocumentInputError('branding.color', `"${color}" is not a #rrggbb colour`);
  }
  const doc = new PDFDocument({
    size: opts.size ?? 'A4',
    margin: 48,
    bufferPages: true, // page numbers are written once the page count is known
    lang: meta.locale,
    displayTitle: true,
    info: {
      Title: meta.title,
      Subject: meta.subject,
      Author: meta.branding.name,
      Creator: 'Billrail',
      Producer: 'Billrail (PDFKit)',
      ...(opts.creationDate ? { CreationDate: opts.creationDate } : {}),
    },
  });
  let font = { regular: 'Helvetica', bold: 'Helvetica-Bold', mono: 'Courier-Bold' };
  const standard = !opts.fonts;
  if (opts.fonts) {
    doc.registerFont('body', opts.fonts.regular);
    doc.registerFont('body-bold', opts.fonts.bold ?? opts.fonts.regular);
    doc.registerFont('body-mono', opts.fonts.mono ?? opts.fonts.bold ?? opts.fonts.regular);
    font = { regular: 'body', bold: 'body-bold', mono: 'body-mono' };
  }
  return {
    doc,
    font,
    standard,
    color,
    locale: meta.locale,
    timeZone: meta.timeZone,
    margin: 48,
    t: (text) => (standard ? toWinAnsi(text) : text),
  };
}

/** The PDF bytes once the document is ended. */
export function finish(c: Canvas): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    c.doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    c.doc.on('end', () => resolve(Buffer.concat(chunks)));
    c.doc.on('error', reject);
    c.doc.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Text the standard fonts can show

/** Unicode code points of Windows-1252's 0x80-0x9F block (PDFKit maps these for standard fonts). */
const CP1252_EXTRA = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x017e,
  0x0178,
]);

export const winAnsiEncodable = (ch: string) => {
  const cp = ch.codePointAt(0)!;
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || CP1252_EXTRA.has(cp);
};

/** `ch` as the standard fonts can show it, or null when they cannot. */
function winAnsiChar(ch: string): string | null {
  if (winAnsiEncodable(ch) || ch === '\n') return ch;
  // Intl output uses narrow and thin spaces and U+2212 minus; these have exact stand-ins.
  if (/[\u2000-\u200a\u202f\u205f]/.test(ch)) return '\u00a0';
  if (/[\u2010\u2011\u2212]/.test(ch)) return '-';
  if (/[\u200b-\u200f\u2060\ufeff]/.test(ch)) return ''; // zero-width and direction marks
  return null;
}

/**
 * The standard PDF fonts show Windows-1252 only; anything else would print as a wrong glyph, so
 * it becomes "?" and the gap is visible rather than silently wrong (pass fonts to avoid it).
 */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) out += winAnsiChar(ch) ?? '?';
  return out;
}

const showable = (text: string) => [...text.normalize('NFC')].every((ch) => winAnsiChar(ch) !== null);

// ---------------------------------------------------------------------------------------------
// Localised values

/**
 * Money in the tenant's locale ("Rp 150.000,00", "$120.50"). With the standard fonts a symbol
 * they cannot show (₹, ₨, ₦...) is replaced by the ISO code ("INR 1,200.00"), never a wrong glyph.
 */
export function money(c: Pick<Canvas, 'locale' | 'standard'>, minor: bigint, currency: string): string {
  const shown = displayMoney(minor, currency, c.locale);
  if (!c.standard || showable(shown)) return shown;
  const exp = currencyExponent(currency);
  return new Intl.NumberFormat(c.locale, {
    style: 'currency',
    currency,
    currencyDisplay: 'code',
    minimumFractionDigits: exp,
    maximumFractionDigits: exp,
    // Intl takes the exact decimal string; no float is involved (as in platform/money.ts).
  }).format(formatMajor(minor, currency) as unknown as number);
}

/** An instant in the tenant's zone and language, with the zone's name: "14 March 2025, 10:30 WIB". */
export function dateTime(c: Pick<Canvas, 'locale' | 'timeZone'>, at: Date): string {
  return new Intl.DateTimeFormat(c.locale, {
    timeZone: c.timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}

/** A calendar date ("2025-03-31", a `date` column in the tenant's calendar) in the tenant's language. */
export function calendarDate(c: Pick<Canvas, 'locale'>, field: string, ymd: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  const at = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!at || at.toISOString().slice(0, 10) !== ymd) {
    throw new DocumentInputError(field, `"${ymd}" is not a calendar date (YYYY-MM-DD)`);
  }
  // The date is already in the tenant's calendar: format it in UTC so no zone shifts the day.
  return new Intl.DateTimeFormat(c.locale, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(at);
}

// ---------------------------------------------------------------------------------------------
// Drawing

/** `hex` mixed with white: tint(color, 0.9) is a pale background in the brand colour. */
export function tint(hex: string, white: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (v: number) => Math.round(v + (255 - v) * white);
  const [r, g, b] = [mix((n >> 16) & 255), mix((n >> 8) & 255), mix(n & 255)];
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
}

/** Brand colours can be too pale for text on white paper; darken those for headings. */
export function readableOnWhite(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * ch[0]! + 0.7152 * ch[1]! + 0.0722 * ch[2]!;
  return luminance > 0.35 ? INK : hex; // contrast with white below ~3:1 -> plain ink
}

export const contentWidth = (c: Canvas) => c.doc.page.width - 2 * c.margin;

/**
 * Brand bar, logo, name and address lines on the left; the document title and its lines on the
 * right. Returns the y below it.
 */
export function header(c: Canvas, branding: Branding, title: string, right: string[]): number {
  const { doc, margin } = c;
  const width = doc.page.width;
  doc.save().rect(0, 0, width, 8).fill(c.color).restore();
  let x = margin;
  let bottom = 40;
  if (branding.logo) {
    try {
      doc.image(branding.logo, margin, 36, { fit: [110, 48], valign: 'center' });
    } catch (e) {
      throw new DocumentInputError('branding.logo', `is not a PNG or JPEG image (${(e as Error).message})`);
    }
    x = margin + 122;
    bottom = 36 + 48;
  }
  const rightWidth = 200;
  const rightX = width - margin - rightWidth;
  const leftWidth = rightX - 16 - x;
  doc.fillColor(INK).font(c.font.bold).fontSize(15);
  doc.text(c.t(branding.name), x, 38, { width: leftWidth });
  doc.font(c.font.regular).fontSize(8.5).fillColor(MUTED);
  for (const line of branding.lines ?? []) doc.text(c.t(line), x, doc.y + 1, { width: leftWidth });
  bottom = Math.max(bottom, doc.y);

  doc.font(c.font.bold).fontSize(16).fillColor(readableOnWhite(c.color));
  doc.text(c.t(title), rightX, 38, { width: rightWidth, align: 'right' });
  doc.font(c.font.regular).fontSize(9).fillColor(INK);
  for (const line of right) doc.text(c.t(line), rightX, doc.y + 2, { width: rightWidth, align: 'right' });
  bottom = Math.max(bottom, doc.y) + 14;
  doc
    .moveTo(margin, bottom)
    .lineTo(width - margin, bottom)
    .lineWidth(0.75)
    .strokeColor(RULE)
    .stroke();
  return bottom + 14;
}

/** Label over value, e.g. "Payment ID" / "pay_01J...". Returns the y below it. */
export function field(
  c: Canvas,
  label: string,
  value: string,
  x: number,
  y: number,
  width: number,
  mono = false,
): number {
  const { doc } = c;
  doc
    .font(c.font.regular)
    .fontSize(7.5)
    .fillColor(MUTED)
    .text(c.t(label.toUpperCase()), x, y, { width, characterSpacing: 0.4 });
  doc
    .font(mono ? c.font.mono : c.font.bold)
    .fontSize(10)
    .fillColor(INK)
    .text(c.t(value), x, doc.y + 1.5, { width });
  return doc.y;
}

/** Starts a new page when fewer than `height` points are left above the footer; returns the y to draw at. */
export function ensureRoom(c: Canvas, y: number, height: number): number {
  const limit = c.doc.page.height - c.margin - 28;
  if (y + height <= limit) return y;
  c.doc.addPage();
  c.doc.save().rect(0, 0, c.doc.page.width, 8).fill(c.color).restore();
  return c.margin;
}

/** Footer on every page: a note on the left, "Page n of N" on the right. */
export function footer(c: Canvas, note: string, pageLabel: (n: number, of: number) => string) {
  const { doc, margin } = c;
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make PDFKit start a new page.
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - margin + 8;
    const width = doc.page.width - 2 * margin;
    doc
      .moveTo(margin, y - 6)
      .lineTo(margin + width, y - 6)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    doc.font(c.font.regular).fontSize(7).fillColor(MUTED);
    doc.text(c.t(note), margin, y, { width: width - 90, lineBreak: true });
    doc.text(c.t(pageLabel(i - range.start + 1, range.count)), margin + width - 90, y, {
      width: 90,
      align: 'right',
    });
    doc.page.margins.bottom = saved;
  }
}
