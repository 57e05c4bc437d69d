import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { buildQris, type QrisMerchant } from '../channels/qr/emvco.ts';
import { makeReference } from '../modules/bills/reference.ts';
import { type ChallanData, QR_OPTIONS, renderChallan } from './challan.ts';
import { DocumentInputError } from './pdf.ts';
import { isDark, type PdfImage, pdfImages, pdfInfo, pdfText } from './pdf-inspect.ts';

const FIXED = new Date('2025-03-25T02:00:00Z');
const ref = makeReference(10001, 43n); // 1000 1000 0000 4316
const payUrl = `https://pay.tirtajaya.example/p/tirta/b/${ref}`;
const merchant: QrisMerchant = {
  acquirer: {
    guid: 'ID.CO.EXAMPLE.WWW',
    mpan: '936000000000000001',
    merchantId: '000000000000001',
    criteria: 'UMI',
  },
  nmid: 'ID1000000000001',
  criteria: 'UMI',
  mcc: '4900',
  name: 'PT TIRTA JAYA',
  city: 'JAKARTA',
  postalCode: '10110',
};
const qris = buildQris(merchant, { amount: 30_000_000n, billNumber: 'B-2025-03-0042', referenceLabel: ref });

const challan = (over: Partial<ChallanData> = {}): ChallanData => ({
  tenant: {
    name: 'Tirta Jaya Water Utility',
    color: '#0c8599',
    lines: ['Jl. Merdeka Barat No. 12, Jakarta 10110'],
  },
  locale: 'id-ID',
  timeZone: 'Asia/Jakarta',
  bill: {
    billNumber: 'B-2025-03-0042',
    billingPeriod: 'Maret 2025',
    serviceName: 'Air bersih (rumah tangga)',
    referenceId: ref,
    currency: 'IDR',
    amount: 30_000_000n,
    lateFee: 2_500_000n,
    dueDate: '2025-04-20',
    lineItems: [
      { description: 'Pemakaian air 24 m³', amount: 26_000_000n },
      { description: 'Biaya beban', amount: 2_500_000n },
      { description: 'Pajak air (PPJ)', amount: 1_500_000n },
    ],
  },
  account: {
    number: 'ACC-00042',
    name: 'Siti Rahayu',
    address: ['Jl. Kebon Sirih No. 5', 'Jakarta Pusat 10340'],
  },
  payUrl,
  ...over,
});

/**
 * No QR decoder is installed (no jsQR), so the embedded picture is read module by module and
 * compared with the QR symbol the qrcode package encodes for `text` (same options, so the same
 * version, error correction level and mask): every module and the quiet zone must agree.
 */
function showsQrOf(img: PdfImage, text: string): boolean {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: QR_OPTIONS.errorCorrectionLevel });
  const cells = modules.size + 2 * QR_OPTIONS.margin;
  if (img.width !== img.height || img.width !== cells * QR_OPTIONS.scale) return false;
  const half = QR_OPTIONS.scale / 2;
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      const r = row - QR_OPTIONS.margin;
      const c = col - QR_OPTIONS.margin;
      const inside = r >= 0 && c >= 0 && r < modules.size && c < modules.size;
      const dark = inside && modules.get(r, c) === 1;
      const x = col * QR_OPTIONS.scale + half;
      const y = row * QR_OPTIONS.scale + half;
      if (isDark(img, x, y) !== dark) return false;
    }
  }
  return true;
}

const qrImages = (pdf: Buffer) => pdfImages(pdf).filter((i) => i.colorSpace === 'DeviceRGB');

const refused = async (data: ChallanData, field: string, reason: RegExp) => {
  const err = await renderChallan(data).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DocumentInputError);
  expect((err as DocumentInputError).field).toBe(field);
  expect((err as DocumentInputError).reason).toMatch(reason);
};

describe('e-challan', () => {
  it('prints the bill, the amounts before and after the due date and the grouped reference', async () => {
    const pdf = await renderChallan(challan(), { creationDate: FIXED });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    for (const expected of [
      'Tirta Jaya Water Utility',
      'Bill / e-Challan',
      'Bill no. B-2025-03-0042',
      'Issued 25 Maret 2025',
      'Siti Rahayu',
      'ACC-00042',
      'Jl. Kebon Sirih No. 5',
      'Maret 2025',
      'Air bersih (rumah tangga)',
      '20 April 2025',
      'PAYABLE BY 20 APRIL 2025',
      'Rp 300.000,00',
      'LATE PAYMENT',
      'Rp 25.000,00',
      'PAYABLE AFTER 20 APRIL 2025',
      'Rp 325.000,00',
      'Pemakaian air 24 m³',
      'Rp 260.000,00',
      'Scan to pay online',
      'BANK COPY: KEEP WITH THE PAYMENT',
      'Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
    // Large on the bill and again on the bank copy, in groups of four.
    expect(text.match(/^1000 1000 0000 4316$/gm)).toHaveLength(2);
    expect(text).toContain('https://pay.tirtajaya.example/p/tirta/');
    expect(pdfInfo(pdf, 'Subject')).toBe(
      'Tirta Jaya Water Utility: Bill / e-Challan B-2025-03-0042 (1000 1000 0000 4316)',
    );
  });

  it('embeds a QR code that encodes the pay link', async () => {
    const images = qrImages(await renderChallan(challan()));
    expect(images).toHaveLength(1);
    expect(showsQrOf(images[0]!, payUrl)).toBe(true);
    // The comparison tells symbols apart: another link is another picture.
    expect(showsQrOf(images[0]!, `${payUrl}0`)).toBe(false);
  });

  it('adds a second QR with the QRIS payload, its merchant, NMID and amount', async () => {
    const pdf = await renderChallan(challan({ qris }));
    const images = qrImages(pdf);
    expect(images).toHaveLength(2);
    expect(images.filter((i) => showsQrOf(i, payUrl))).toHaveLength(1);
    expect(images.filter((i) => showsQrOf(i, qris))).toHaveLength(1);
    const text = pdfText(pdf);
    expect(text).toContain('QRIS');
    expect(text).toContain('PT TIRTA JAYA');
    expect(text).toContain('NMID ID1000000000001');
    // A static QRIS (payer keys the amount) is accepted too.
    const staticQris = buildQris(merchant);
    expect(
      qrImages(await renderChallan(challan({ qris: staticQris }))).some((i) => showsQrOf(i, staticQris)),
    ).toBe(true);
  });

  it('gives the same bytes for the same input and creation date', async () => {
    const a = await renderChallan(challan({ qris }), { creationDate: FIXED });
    const b = await renderChallan(challan({ qris }), { creationDate: FIXED });
    expect(a.equals(b)).toBe(true);
    expect(pdfInfo(a, 'CreationDate')).toBe('D:20250325020000Z');
  });

  it('shows a bill without late fee or line items', async () => {
    const { lineItems: _, ...bill } = challan().bill;
    const text = pdfText(await renderChallan(challan({ bill: { ...bill, lateFee: 0n } })));
    expect(text).not.toContain('DESCRIPTION');
    expect(text).toContain('Rp 0,00');
    expect(text.match(/Rp 300\.000,00/g)!.length).toBeGreaterThanOrEqual(4); // by and after due, twice
  });

  it('refuses what would print a wrong or unpayable bill', async () => {
    const b = challan().bill;
    await refused(
      challan({ bill: { ...b, referenceId: '1000100000004317' } }),
      'bill.referenceId',
      /check digit/,
    );
    await refused(
      challan({ bill: { ...b, lineItems: [{ description: 'Water', amount: 1n }] } }),
      'bill.lineItems',
      /add up to 1, not the bill amount 30000000/,
    );
    await refused(challan({ bill: { ...b, dueDate: '2025-02-30' } }), 'bill.dueDate', /calendar date/);
    await refused(challan({ bill: { ...b, lateFee: -1n } }), 'bill.lateFee', /negative/);
    await refused(challan({ payUrl: 'javascript:alert(1)' }), 'payUrl', /http\(s\)/);
    await refused(challan({ payUrl: 'pay here' }), 'payUrl', /not a URL/);
    await refused(challan({ qris: `${qris.slice(0, -4)}0000` }), 'qris', /crc \(63\)/);
    const other = buildQris(merchant, { amount: 12_345_600n });
    await refused(challan({ qris: other }), 'qris', /asks for 123456/);
    await refused(
      challan({ bill: { ...b, currency: 'USD', lineItems: undefined }, qris }),
      'qris',
      /IDR but the bill is in USD/,
    );
    await refused(challan({ account: { number: ' ', name: 'X' } }), 'account.number', /empty/);
  });

  it('accepts a QRIS for the amount after the due date', async () => {
    const late = buildQris(merchant, { amount: 32_500_000n });
    const text = pdfText(await renderChallan(challan({ qris: late })));
    expect(text).toContain('Rp 325.000,00');
  });
});
