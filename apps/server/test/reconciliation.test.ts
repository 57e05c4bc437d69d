import { type SQL, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camtXml } from '../src/importers/statements/fixtures.ts';
import { createAccount, createBill } from './billing.fixtures.ts';
import { type SmtpCatcher, startSmtpCatcher } from './fakes/smtp-catcher.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/**
 * Issue 7: statement files of every format reconcile to the expected matched and unmatched sets
 * (batch bookings, references buried in free text, duplicates, mismatches, money nobody claimed),
 * a bad file applies nothing, the same file twice applies nothing, exceptions are resolved with a
 * reason, and the daily settlement report arrives by email with CSV and XLSX attached.
 */
let ctx: TestContext;
let fx: TenantFixture;
let smtp: SmtpCatcher;
const rows = <R>(q: SQL) => ctx.db.system((tx) => ctx.db.rows<R>(tx, q));

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  ctx = await createTestApp({ MAIL_SMTP_URL: smtp.url });
  fx = await createTenantFixture(ctx);
  await rows(sql`update tenants set platform_fee_bps = 300 where id = ${fx.tenantId}`);
});
afterAll(async () => {
  await ctx.close();
  await smtp.close();
});

const tctx = () => ({ tenantId: fx.tenantId, mode: 'live' as const });

/** A bill and a successful bank payment of it (awaiting settlement), with the bank's reference. */
async function paidBill(n: string, amount: number, channelRef: string | null, receivedAt = new Date()) {
  const account = await createAccount(ctx, fx, `CRN${n}`);
  const bill = await createBill(ctx, fx, account.account_number, `BILL${n}`, { amount });
  if (!channelRef) return { bill, payment: null };
  const r = await ctx.app.services.payments.record(tctx(), {
    channel: 'bank_api',
    channelSource: 'bnk_test',
    channelRef,
    amount: BigInt(amount),
    currency: 'USD',
    billIds: [bill.id],
    policy: 'exact',
    receivedAt,
  });
  return { bill, payment: r.payment };
}

async function upload(body: string | Buffer, query = 'source=bank', type = 'application/xml') {
  return ctx.app.inject({
    method: 'POST',
    url: `/v1/reconciliation/imports?${query}`,
    headers: { ...(await fx.as('cso_admin')).write, 'content-type': type },
    payload: body,
  });
}

async function linesOf(importId: string) {
  const res = await ctx.app.inject({
    method: 'GET',
    url: `/v1/reconciliation/lines?import_id=${importId}&limit=100`,
    headers: (await fx.as('cso_admin')).headers,
  });
  return res.json().data as {
    line: number;
    status: string;
    match_rule: string | null;
    payment_id: string | null;
    amount: number;
    id: string;
  }[];
}

async function paymentStatus(id: string) {
  const res = await ctx.app.inject({
    method: 'GET',
    url: `/v1/payments/${id}`,
    headers: (await fx.as('api_key')).headers,
  });
  return res.json().status;
}

const today = new Date().toISOString().slice(0, 10);

describe('camt.053', () => {
  let importId: string;
  type Paid = Awaited<ReturnType<typeof paidBill>>;
  const p = {} as Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f', Paid>;
  let file: string;

  beforeAll(async () => {
    p.a = await paidBill('6001', 12050, 'BNKREF-1001');
    p.b = await paidBill('6002', 4575, 'BNKREF-1002');
    p.c = await paidBill('6003', 8925, 'BNKREF-1003');
    p.d = await paidBill('6004', 3000, 'BNKREF-1004');
    p.e = await paidBill('6005', 5000, null); // paid straight into the bank account
    p.f = await paidBill('6006', 4500, 'BNKREF-1006');
    const dRef = p.d.bill.reference_id as string;
    const eRef = p.e.bill.reference_id as string;
    const spaced = (r: string) => r.replace(/(\d{4})(?=\d)/g, '$1 ');
    // 12050 + 4575 + 8925 + 3000 + 5000 + 777 + 12050 + 4000 - 150 = 50227
    file = camtXml('08', [
      {
        id: 'STMT-2026-11-22',
        iban: 'DE89370400440532013000',
        ccy: 'USD',
        opening: '0.00',
        closing: '502.27',
        entries: [
          {
            amount: '166.25',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E1',
            txs: [
              { amount: '120.50', endToEndId: 'BNKREF-1001', acctSvcrRef: 'BANK-E1-1' },
              { amount: '45.75', ustrd: ['Paid BNKREF-1002 via mobile banking'], acctSvcrRef: 'BANK-E1-2' },
            ],
          },
          {
            amount: '89.25',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E2',
            txs: [{ ustrd: ['WATER'] }],
          },
          {
            amount: '30.00',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E3',
            txs: [{ ustrd: [`Payment for water bill ref ${spaced(dRef)} thank you`] }],
          },
          {
            amount: '50.00',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E4',
            txs: [{ ustrd: [`TRF ${eRef}`] }],
          },
          {
            amount: '7.77',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E5',
            txs: [{ ustrd: ['GIFT FROM GRANDMA'] }],
          },
          {
            amount: '120.50',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E6',
            txs: [{ endToEndId: 'BNKREF-1001' }],
          },
          {
            amount: '40.00',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E7',
            txs: [{ endToEndId: 'BNKREF-1006' }],
          },
          {
            amount: '1.50',
            cdtDbt: 'DBIT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E8',
            txs: [{ ustrd: ['ACCOUNT FEE'] }],
          },
        ],
      },
    ]);
  });

  it('matches by reference (batch booking split per transaction), amount and date, bill reference; records the rest', async () => {
    const res = await upload(file, 'source=bank&filename=stmt.xml');
    expect(res.statusCode, res.body).toBe(201);
    const imp = res.json();
    importId = imp.id;
    expect(imp).toMatchObject({ lines: 9, matched: 4, recorded: 2, exceptions: 2, state: 'exceptions' });
    const byLine = await linesOf(importId);
    const status = (amount: number, nth = 0) => byLine.filter((l) => l.amount === amount)[nth]!;
    expect(status(12050, 0)).toMatchObject({
      status: 'matched',
      match_rule: 'reference',
      payment_id: p.a.payment!.id,
    });
    expect(status(4575)).toMatchObject({
      status: 'matched',
      match_rule: 'reference',
      payment_id: p.b.payment!.id,
    });
    expect(status(8925)).toMatchObject({
      status: 'matched',
      match_rule: 'amount_date',
      payment_id: p.c.payment!.id,
    });
    expect(status(3000)).toMatchObject({
      status: 'matched',
      match_rule: 'bill_reference',
      payment_id: p.d.payment!.id,
    });
    expect(status(5000)).toMatchObject({ status: 'recorded', match_rule: 'bill_reference' });
    expect(status(777)).toMatchObject({ status: 'recorded', match_rule: 'suspense' });
    expect(status(12050, 1)).toMatchObject({ status: 'duplicate' });
    expect(status(4000)).toMatchObject({ status: 'amount_mismatch', payment_id: p.f.payment!.id });
    expect(status(150)).toMatchObject({ status: 'ignored' });
    for (const k of ['a', 'b', 'c', 'd'] as const)
      expect(await paymentStatus(p[k].payment!.id)).toBe('completed');
    expect(await paymentStatus(p.f.payment!.id)).toBe('successful');
    // The direct transfer paid bill E; the gift is in suspense for a CSO.
    const bill = await ctx.app.inject({
      method: 'GET',
      url: `/v1/bills/${p.e.bill.id}`,
      headers: (await fx.as('api_key')).headers,
    });
    expect(bill.json().status).toBe('paid');
    // 3% of what was settled (120.50+45.75+89.25+30.00+50.00+7.77 = 343.27) = 10.30 (half up)
    expect(imp.platform_fee).toBe(1030);
    const [unbalanced] = await rows<{ n: number }>(sql`
      select count(*)::int as n from (select entry_id from journal_lines where tenant_id = ${fx.tenantId}
      group by entry_id, currency having sum(amount) <> 0) x`);
    expect(unbalanced!.n).toBe(0);
  });

  it('the same file again applies nothing', async () => {
    const before = await rows<{ n: number }>(
      sql`select count(*)::int as n from statement_lines where tenant_id = ${fx.tenantId}`,
    );
    const res = await upload(file, 'source=bank&filename=stmt-again.xml');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: importId, already_imported: true });
    const after = await rows<{ n: number }>(
      sql`select count(*)::int as n from statement_lines where tenant_id = ${fx.tenantId}`,
    );
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('an overlapping statement (.001.02) marks lines seen before as duplicates', async () => {
    const g = await paidBill('6010', 2500, 'BNKREF-1010');
    const overlap = camtXml('02', [
      {
        id: 'STMT-2026-11-22-B',
        iban: 'DE89370400440532013000',
        ccy: 'USD',
        opening: '0.00',
        closing: '145.50',
        entries: [
          {
            amount: '120.50',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E1',
            txs: [{ amount: '120.50', endToEndId: 'BNKREF-1001', acctSvcrRef: 'BANK-E1-1' }],
          },
          {
            amount: '25.00',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-E9',
            txs: [{ amount: '25.00', endToEndId: 'BNKREF-1010' }],
          },
        ],
      },
    ]);
    const res = await upload(overlap);
    expect(res.statusCode, res.body).toBe(201);
    const lines = await linesOf(res.json().id);
    expect(lines.map((l) => l.status).sort()).toEqual(['duplicate', 'matched']);
    expect(await paymentStatus(g.payment!.id)).toBe('completed');
  });

  it('a CSO resolves exceptions with a reason (audited); the queue empties', async () => {
    const queue = await ctx.app.inject({
      method: 'GET',
      url: '/v1/reconciliation/exceptions',
      headers: (await fx.as('cso_admin')).headers,
    });
    const open = queue.json().data as { id: string; status: string; amount: number }[];
    expect(open.map((l) => l.status).sort()).toEqual(['amount_mismatch', 'duplicate', 'duplicate']);
    const mismatch = open.find((l) => l.status === 'amount_mismatch')!;
    const cso = await fx.as('cso_admin');
    const noReason = await ctx.app.inject({
      method: 'POST',
      url: `/v1/reconciliation/lines/${mismatch.id}/resolve`,
      headers: cso.write,
      payload: { action: 'ignore' },
    });
    expect(noReason.statusCode).toBe(400);
    const exec = await fx.as('cso_executive');
    const forbidden = await ctx.app.inject({
      method: 'POST',
      url: `/v1/reconciliation/lines/${mismatch.id}/resolve`,
      headers: exec.write,
      payload: { action: 'ignore', reason: 'not mine' },
    });
    expect(forbidden.statusCode).toBe(403);
    for (const l of open) {
      const r = await ctx.app.inject({
        method: 'POST',
        url: `/v1/reconciliation/lines/${l.id}/resolve`,
        headers: cso.write,
        payload: {
          action: 'ignore',
          reason: 'bank listed it twice / customer short-paid, followed up by phone',
        },
      });
      expect(r.statusCode, r.body).toBe(200);
    }
    const empty = await ctx.app.inject({
      method: 'GET',
      url: '/v1/reconciliation/exceptions',
      headers: cso.headers,
    });
    expect(empty.json().data).toEqual([]);
    const audit = await rows<{ n: number }>(
      sql`select count(*)::int as n from audit_log where tenant_id = ${fx.tenantId} and action = 'reconciliation.resolved'`,
    );
    expect(audit[0]!.n).toBe(3);
  });

  it('a bad file gets a line-numbered report and applies nothing', async () => {
    const h = await paidBill('6020', 1000, 'BNKREF-1020');
    const bad = camtXml('08', [
      {
        id: 'BAD',
        ccy: 'USD',
        opening: '0.00',
        closing: '99.00', // does not add up
        entries: [
          {
            amount: '10.00',
            cdtDbt: 'CRDT',
            bookingDate: today,
            acctSvcrRef: 'BANK-X1',
            txs: [{ endToEndId: 'BNKREF-1020' }],
          },
        ],
      },
    ]);
    const res = await upload(bad);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('statement_rejected');
    expect(res.json().errors[0].field).toMatch(/^line \d+/);
    expect(await paymentStatus(h.payment!.id)).toBe('successful');
    const broken = await upload('<Document><BkToCstmrStmt><Stmt>');
    expect(broken.statusCode).toBe(422);
  });
});

describe('MT940 and bank CSV', () => {
  it('MT940: references in :86: text and the // bank reference; a repeated statement is all duplicates', async () => {
    const a = await paidBill('6101', 2000, 'MTREF-2001');
    const b = await paidBill('6102', 3550, 'MTREF-2002');
    const yymmdd = today.slice(2).replace(/-/g, '');
    const mt = [
      ':20:STMT6101',
      ':25:NL91ABNA0417164300',
      ':28C:1/1',
      `:60F:C${yymmdd}USD0,00`,
      `:61:${yymmdd}C20,00NTRFNONREF//B1`,
      ':86:/REMI/USTD//PAYMENT MTREF-2001 WATER',
      `:61:${yymmdd}C35,50NTRFMTREF-2002//B2`,
      ':86:NO TEXT',
      `:62F:C${yymmdd}USD55,50`,
      '-',
    ].join('\r\n');
    const res = await upload(mt, 'source=bank-mt940', 'text/plain');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ lines: 2, matched: 2 });
    expect(await paymentStatus(a.payment!.id)).toBe('completed');
    expect(await paymentStatus(b.payment!.id)).toBe('completed');
    const again = await upload(
      mt.replace(':20:STMT6101', ':20:STMT6101-COPY'),
      'source=bank-mt940',
      'text/plain',
    );
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ lines: 2, matched: 0, exceptions: 2 });
  });

  it('bank CSV with a saved column mapping', async () => {
    const a = await paidBill('6201', 7000, 'CSVREF-3001');
    const admin = await fx.as('tenant_admin');
    const saved = await ctx.app.inject({
      method: 'PUT',
      url: '/v1/reconciliation/sources/citybank',
      headers: admin.write,
      payload: {
        format: 'bank-csv',
        mapping: {
          columns: { date: 'Date', amount: 'Amount', description: 'Details', reference: 'Bank Ref' },
          dateFormat: 'DD/MM/YYYY',
          decimalSeparator: ',',
          currency: 'USD',
          account: 'CITY-001',
          statementId: 'citybank-export',
        },
      },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const d = `${today.slice(8, 10)}/${today.slice(5, 7)}/${today.slice(0, 4)}`;
    const csv = `Date;Amount;Details;Bank Ref\n${d};70,00;"Invoice CSVREF-3001 paid";CB-1\n${d};-2,00;Bank charge;CB-2\n`;
    const res = await upload(csv, 'source=citybank', 'text/csv');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ lines: 2, matched: 1 });
    expect(await paymentStatus(a.payment!.id)).toBe('completed');
    const wrong = await upload(`${csv}nonsense;xx;;\n`, 'source=citybank', 'text/csv');
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().errors[0].field).toMatch(/^line 4/);
  });
  it('bank XLSX export (real dates and numbers in cells) with a saved column mapping', async () => {
    const a = await paidBill('6301', 12345, 'XLSREF-4001');
    const admin = await fx.as('tenant_admin');
    const saved = await ctx.app.inject({
      method: 'PUT',
      url: '/v1/reconciliation/sources/harbourbank',
      headers: admin.write,
      payload: {
        format: 'bank-xlsx',
        mapping: {
          columns: { date: 'Booking date', amount: 'Amount', description: 'Narrative' },
          // Used for text cells; real date and number cells are read as they are.
          dateFormat: 'YYYY-MM-DD',
          decimalSeparator: '.',
          currency: 'USD',
          account: 'HARBOUR-9',
          statementId: 'harbour-export',
        },
      },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    // A mapping that cannot work is refused when it is saved, naming what is wrong.
    const unusable = await ctx.app.inject({
      method: 'PUT',
      url: '/v1/reconciliation/sources/harbourbank',
      headers: admin.write,
      payload: { format: 'bank-xlsx', mapping: { columns: { amount: 'Amount' }, currency: 'USD' } },
    });
    expect(unusable.statusCode).toBe(400);
    expect(unusable.json().errors).toEqual([{ field: 'mapping', reason: 'The mapping has no date column.' }]);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Transactions');
    ws.addRow(['Booking date', 'Amount', 'Narrative']);
    ws.addRow([new Date(`${today}T00:00:00Z`), 123.45, 'TRF FROM J DOE REF XLSREF-4001 THANK YOU']);
    ws.addRow([new Date(`${today}T00:00:00Z`), -5, 'Monthly account fee']);
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await upload(
      file,
      'source=harbourbank&filename=harbour.xlsx',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ format: 'bank-xlsx', lines: 2, matched: 1 });
    expect(await paymentStatus(a.payment!.id)).toBe('completed');
    const lines = await linesOf(res.json().id);
    expect(lines.map((l) => l.status).sort()).toEqual(['ignored', 'matched']);
  });
});

describe('reports', () => {
  it('daily settlement report (JSON, CSV, XLSX with real numbers and dates) and the e-mail with both attachments', async () => {
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC' }).format(new Date());
    const key = await fx.as('api_key');
    const json = await ctx.app.inject({
      method: 'GET',
      url: `/v1/reports/settlement?date=${date}`,
      headers: key.headers,
    });
    expect(json.statusCode, json.body).toBe(200);
    const r = json.json();
    expect(r.totals.count).toBeGreaterThanOrEqual(6);
    expect(r.rows.find((x: { channel: string }) => x.channel === 'bank_api')).toBeTruthy();
    expect(r.totals.net).toBe(r.totals.gross - r.totals.gateway_fees - r.totals.platform_fee);
    const xlsx = await ctx.app.inject({
      method: 'GET',
      url: `/v1/reports/settlement?date=${date}&format=xlsx`,
      headers: key.headers,
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const row2 = wb.getWorksheet('Settlement')!.getRow(2);
    expect(row2.getCell(1).value).toBeInstanceOf(Date);
    expect(typeof row2.getCell(5).value).toBe('number');
    const csv = await ctx.app.inject({
      method: 'GET',
      url: `/v1/reports/settlement?date=${date}&format=csv`,
      headers: key.headers,
    });
    expect(csv.body.split('\r\n')[0]).toBe(
      'date,currency,channel,source,count,gross,gateway_fees,platform_fee,net',
    );

    // The scheduled e-mail: at the tenant's report time, yesterday's report, once.
    await rows(
      sql`update tenants set report_emails = ${JSON.stringify(['finance@biller.example'])}::jsonb, report_time = '00:00', time_zone = 'UTC', last_report_date = null where id = ${fx.tenantId}`,
    );
    const tomorrow = new Date(Date.now() + 86400_000);
    const sent = await ctx.app.services.reports.sendDueDailyReports(tomorrow, fx.tenantId);
    expect(sent).toBeGreaterThanOrEqual(1);
    const mail = await smtp.waitFor((m) => (m.subject ?? '').includes(`settlement report for ${date}`));
    expect(mail.to).toContain('finance@biller.example');
    expect(mail.attachments.map((a) => a.filename).sort()).toEqual([
      `settlement-${date}.csv`,
      `settlement-${date}.xlsx`,
    ]);
    expect(await ctx.app.services.reports.sendDueDailyReports(tomorrow, fx.tenantId)).toBe(0);
  });

  it('compensation file: the bills paid in a period, for the billing system', async () => {
    const key = await fx.as('api_key');
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/v1/reports/compensation?from=${today}&to=${today}`,
      headers: key.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    const numbers = res.json().data.map((r: { bill_number: string }) => r.bill_number);
    expect(numbers).toContain('BILL6001');
    expect(numbers).toContain('BILL6005');
    const xlsx = await ctx.app.inject({
      method: 'GET',
      url: `/v1/reports/compensation?from=${today}&to=${today}&format=xlsx`,
      headers: key.headers,
    });
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const bad = await ctx.app.inject({
      method: 'GET',
      url: `/v1/reports/compensation?from=${today}&to=2000-01-01`,
      headers: key.headers,
    });
    expect(bad.statusCode).toBe(400);
  });
});
