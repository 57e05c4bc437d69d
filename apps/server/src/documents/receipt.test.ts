import { existsSync } from 'node:fs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { makeReference } from '../modules/bills/reference.ts';
import { DocumentInputError, money, toWinAnsi } from './pdf.ts';
import { pdfImages, pdfInfo, pdfText } from './pdf-inspect.ts';
import { type ReceiptData, renderReceipt } from './receipt.ts';

const FIXED = new Date('2025-03-14T03:31:00Z');
const ref1 = makeReference(10001, 42n); // 1000 1000 0000 4219
const ref2 = makeReference(10001, 43n);

const receipt = (over: Partial<ReceiptData> = {}): ReceiptData => ({
  tenant: {
    name: 'Tirta Jaya Water Utility',
    color: '#0c8599',
    lines: ['Jl. Merdeka Barat No. 12, Jakarta 10110'],
  },
  locale: 'id-ID',
  timeZone: 'Asia/Jakarta',
  receiptNumber: 'RCP-2025-000123',
  payment: {
    id: 'pay_01JQ8ZKX4T3M9V2B6N7C5D1E0F',
    status: 'completed',
    currency: 'IDR',
    amount: 50_000_000n,
    method: 'QRIS',
    gateway: 'DOKU',
    gatewayReference: 'INV-20250314-0042',
    paidAt: new Date('2025-03-14T03:30:00Z'),
  },
  payer: { name: 'Siti Rahayu', accountNumber: 'ACC-00042' },
  bills: [
    { billNumber: 'B-2025-02-0042', billingPeriod: 'Februari 2025', referenceId: ref1, amount: 15_000_000n },
    { billNumber: 'B-2025-03-0042', billingPeriod: 'Maret 2025', referenceId: ref2, amount: 30_000_000n },
  ],
  accountCredit: 5_000_000n,
  ...over,
});

const refused = async (data: ReceiptData, field: string, reason: RegExp) => {
  const err = await renderReceipt(data).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DocumentInputError);
  expect((err as DocumentInputError).field).toBe(field);
  expect((err as DocumentInputError).reason).toMatch(reason);
};

describe('receipt', () => {
  it('is a PDF with the payment, the payer, the bills and the total', async () => {
    const pdf = await renderReceipt(receipt(), { creationDate: FIXED });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.subarray(-6).toString()).toMatch(/%%EOF\s*$/);
    const text = pdfText(pdf);
    for (const expected of [
      'Tirta Jaya Water Utility',
      'Payment receipt',
      'Receipt no. RCP-2025-000123',
      'Payment Completed',
      'pay_01JQ8ZKX4T3M9V2B6N7C5D1E0F',
      'Siti Rahayu',
      'ACC-00042',
      'QRIS',
      'DOKU (INV-20250314-0042)',
      'B-2025-02-0042',
      'Februari 2025',
      '1000 1000 0000 4219', // the reference, grouped as a person keys it
      'Rp 150.000,00',
      'Rp 300.000,00',
      'Held as credit on the account',
      'Rp 50.000,00',
      'Rp 500.000,00',
      'Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
    // 03:30 UTC is 10:30 in Jakarta (WIB, UTC+7), written the Indonesian way.
    expect(text).toMatch(/14 Maret 2025.*10[.:]30 WIB/);
    expect(pdfInfo(pdf, 'Title')).toBe('Payment receipt RCP-2025-000123');
    expect(pdfInfo(pdf, 'Author')).toBe('Tirta Jaya Water Utility');
  });

  it("shows the date in the tenant's own time zone and language", async () => {
    const text = pdfText(
      await renderReceipt(
        receipt({
          locale: 'en-US',
          timeZone: 'America/New_York',
          payment: { ...receipt().payment, currency: 'USD', amount: 12050n },
          bills: [{ billNumber: 'W-1', billingPeriod: 'March 2025', referenceId: ref1, amount: 12050n }],
          accountCredit: undefined,
        }),
      ),
    );
    // The same instant is still the 13th in New York (EDT, UTC-4).
    expect(text).toMatch(/March 13, 2025.*11:30 PM EDT/);
    expect(text).toContain('$120.50');
  });

  it('gives the same bytes for the same input and creation date', async () => {
    const a = await renderReceipt(receipt(), { creationDate: FIXED });
    const b = await renderReceipt(receipt(), { creationDate: FIXED });
    expect(a.equals(b)).toBe(true);
    expect(pdfInfo(a, 'CreationDate')).toBe('D:20250314033100Z');
    const later = await renderReceipt(receipt(), { creationDate: new Date('2025-03-15T00:00:00Z') });
    expect(later.equals(a)).toBe(false);
  });

  it('embeds the tenant logo', async () => {
    const logo = await QRCode.toBuffer('logo', { margin: 0, scale: 4, color: { dark: '#0c8599ff' } });
    const pdf = await renderReceipt(receipt({ tenant: { ...receipt().tenant, logo } }));
    const images = pdfImages(pdf).filter((i) => i.colorSpace === 'DeviceRGB');
    expect(images).toHaveLength(1);
    expect(images[0]!.width).toBe(QRCode.create('logo', {}).modules.size * 4);
    await refused(
      receipt({ tenant: { name: 'X', logo: Buffer.from('GIF89a') } }),
      'branding.logo',
      /PNG or JPEG/,
    );
  });

  it('continues the bills table on further pages, header row repeated', async () => {
    const bills = Array.from({ length: 40 }, (_, i) => ({
      billNumber: `B-${i + 1}`,
      billingPeriod: `Period ${i + 1}`,
      referenceId: makeReference(10001, BigInt(i + 1)),
      amount: 1_000_000n,
    }));
    const pdf = await renderReceipt(
      receipt({ bills, accountCredit: undefined, payment: { ...receipt().payment, amount: 40_000_000n } }),
    );
    const text = pdfText(pdf);
    expect(text).toContain('Page 1 of 2');
    expect(text).toContain('Page 2 of 2');
    expect(text.match(/^BILL NUMBER$/gm)).toHaveLength(2);
    expect(text).toContain('B-40');
    expect(text).toContain('Rp 400.000,00');
  });

  it('refuses what would print a wrong receipt', async () => {
    const r = receipt();
    await refused(
      receipt({ payment: { ...r.payment, status: 'pending' as 'completed' } }),
      'payment.status',
      /completed payments and for successful ones with the money in hand only/,
    );
    await refused(
      receipt({ payment: { ...r.payment, amount: 49_999_999n } }),
      'payment.amount',
      /add up to 50000000/,
    );
    const i = [...ref1].findIndex((d, k) => d !== ref1[k + 1]);
    const typo = ref1.slice(0, i) + ref1[i + 1] + ref1[i] + ref1.slice(i + 2); // adjacent digits swapped
    await refused(
      receipt({ bills: [{ ...r.bills[0]!, referenceId: typo }, r.bills[1]!] }),
      'bills[0].referenceId',
      /check digit/,
    );
    await refused(receipt({ bills: [], accountCredit: undefined }), 'bills', /no use of the money/);
    await refused(receipt({ timeZone: 'Mars/Olympus' }), 'timeZone', /IANA/);
    await refused(receipt({ tenant: { name: 'X', color: 'teal' } }), 'branding.color', /#rrggbb/);
    await refused(receipt({ payment: { ...r.payment, currency: 'XYZ' } }), 'payment.currency', /ISO 4217/);
  });

  it('states the real status: Payment Completed once settled, Paid — cash received before', async () => {
    const cash = (status: 'completed' | 'successful') =>
      receipt({
        payment: {
          ...receipt().payment,
          status,
          method: 'Cash',
          gateway: undefined,
          gatewayReference: undefined,
        },
      });
    const settled = pdfText(await renderReceipt(cash('completed')));
    expect(settled).toContain('Payment Completed');
    expect(settled).not.toContain('cash received');
    expect(settled).toContain('confirms a completed payment to Tirta Jaya Water Utility');

    const counter = pdfText(await renderReceipt(cash('successful')));
    expect(counter).toContain('Paid — cash received');
    expect(counter).not.toContain('Completed');
    expect(counter).not.toContain('completed');
    expect(counter).toContain('confirms a payment received by Tirta Jaya Water Utility');
  });

  it('takes translated labels', async () => {
    const text = pdfText(
      await renderReceipt(receipt(), {
        labels: {
          title: 'Bukti pembayaran',
          completed: 'Pembayaran Selesai',
          page: (n, of) => `Hal. ${n}/${of}`,
        },
      }),
    );
    expect(text).toContain('Bukti pembayaran');
    expect(text).toContain('Pembayaran Selesai');
    expect(text).toContain('Hal. 1/1');
  });

  it('takes a translation of each status line and of the footer by status', async () => {
    const translations = {
      id: {
        completed: 'Pembayaran Selesai',
        successful: 'Lunas — tunai diterima',
        footer: (t: string, s: 'completed' | 'successful') =>
          s === 'completed' ? `Pembayaran ke ${t} telah selesai.` : `Pembayaran diterima oleh ${t}.`,
      },
      es: {
        completed: 'Pago completado',
        successful: 'Pagado — efectivo recibido',
        footer: (t: string, s: 'completed' | 'successful') =>
          s === 'completed' ? `Pago completado a ${t}.` : `Pago recibido por ${t}.`,
      },
    };
    for (const labels of Object.values(translations)) {
      for (const status of ['completed', 'successful'] as const) {
        const text = pdfText(
          await renderReceipt(receipt({ payment: { ...receipt().payment, status } }), { labels }),
        );
        const other = status === 'completed' ? 'successful' : 'completed';
        expect(text).toContain(labels[status]);
        expect(text).not.toContain(labels[other]);
        expect(text).toContain(labels.footer('Tirta Jaya Water Utility', status));
      }
    }
  });
});

describe('text with the standard fonts', () => {
  it('keeps Windows-1252 and maps or marks the rest', () => {
    expect(toWinAnsi('Café – 10 € “ok”')).toBe('Café – 10 € “ok”');
    expect(toWinAnsi('1\u202f234')).toBe('1\u00a0234'); // narrow no-break space from Intl
    expect(toWinAnsi('\u22125')).toBe('-5');
    expect(toWinAnsi('日本')).toBe('??');
  });

  it('writes a currency symbol the fonts lack as its ISO code', () => {
    const plain = (s: string) => s.replace(/\s/g, ' ');
    expect(plain(money({ locale: 'en-IN', standard: true }, 120000n, 'INR'))).toBe('INR 1,200.00');
    expect(money({ locale: 'en-IN', standard: false }, 120000n, 'INR')).toBe('₹1,200.00');
    expect(money({ locale: 'en-US', standard: true }, 12050n, 'EUR')).toBe('€120.50');
    expect(plain(money({ locale: 'id-ID', standard: true }, 15_000_000n, 'IDR'))).toBe('Rp 150.000,00');
  });

  const dejavu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
  it.skipIf(!existsSync(dejavu))('embeds TrueType fonts when given', async () => {
    const pdf = await renderReceipt(
      receipt({ locale: 'en-IN', payment: { ...receipt().payment, currency: 'INR' } }),
      { fonts: { regular: dejavu, bold: dejavu.replace('Sans.ttf', 'Sans-Bold.ttf') } },
    );
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/FontFile2/);
  });
});
