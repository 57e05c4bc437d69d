import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execPrepared } from '../src/db/client.ts';
import { keysetChunks, majorOf } from '../src/modules/exports/exports.ts';
import { createAccount, createBill } from './billing.fixtures.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';
import { checkoutReaches, connectSandbox, sandboxPay } from './pay.fixtures.ts';

/**
 * Back office (issue 6): the payments list's filters, its CSV/XLSX exports, allocation of
 * unidentified money, the collections dashboard and its PDF. Everything on a fresh tenant.
 */
let ctx: TestContext;
let fx: TenantFixture;
const tctx = () => ({ tenantId: fx.tenantId, mode: 'live' as const });
const bills: Record<string, { id: string; reference_id: string }> = {};
const pay: Record<string, string> = {};

async function as(role: Parameters<TenantFixture['as']>[0]) {
  return fx.as(role);
}
async function get(url: string, role: Parameters<TenantFixture['as']>[0] = 'cso_executive') {
  return ctx.app.inject({ method: 'GET', url, headers: (await as(role)).headers });
}
async function post(
  url: string,
  payload: unknown,
  role: Parameters<TenantFixture['as']>[0] = 'cso_admin',
  extra = {},
) {
  return ctx.app.inject({
    method: 'POST',
    url,
    headers: { ...(await as(role)).write, ...extra },
    payload: payload as object,
  });
}

/** Sum of ledger lines on accounts whose code matches a LIKE pattern (the ledger's own view). */
async function ledgerSum(pattern: string, kinds?: string[]) {
  return ctx.db.withTenant(tctx(), async (tx) => {
    const rows = await execPrepared<{ s: string }>(
      tx,
      `select coalesce(sum(l.amount), 0)::text as s from journal_lines l
         join ledger_accounts a on a.tenant_id = l.tenant_id and a.id = l.ledger_account_id
         join journal_entries e on e.tenant_id = l.tenant_id and e.id = l.entry_id
        where l.tenant_id = $1 and l.mode = 'live' and a.code like $2 and ($3::text[] is null or e.kind = any($3::text[]))`,
      [fx.tenantId, pattern, kinds ?? null],
    );
    return BigInt(rows[0]!.s);
  });
}

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
  fx = await createTenantFixture(ctx);
  const admin = await as('tenant_admin');
  for (const [number, name] of [
    ['CRN29391', 'Isidro Garcia'],
    ['CRN29392', 'Maria Lopez'],
  ]) {
    const r = await ctx.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: admin.write,
      payload: { account_number: number, name, service_types: ['water'] },
    });
    expect(r.statusCode, r.body).toBe(201);
  }
  for (const b of [
    { account_number: 'CRN29391', bill_number: 'BILL7890', kind: 'service', amount: 12050 },
    { account_number: 'CRN29391', bill_number: 'BILL7891', kind: 'bill', amount: 4000 },
    { account_number: 'CRN29392', bill_number: 'BILL7920', kind: 'bill', amount: 9900 },
    { account_number: 'CRN29392', bill_number: 'BILL7921', kind: 'bill', amount: 5000 },
  ]) {
    const r = await ctx.app.inject({
      method: 'POST',
      url: '/v1/bills',
      headers: admin.write,
      payload: { ...b, service_name: 'Water Supply', billing_period: 'March 2025', due_date: '2099-03-31' },
    });
    expect(r.statusCode, r.body).toBe(201);
    bills[b.bill_number] = r.json();
  }
  // Online (gateway) payment of BILL7890, as checkouts record them.
  const online = await ctx.app.services.payments.record(tctx(), {
    channel: 'gateway',
    channelSource: 'sandbox',
    channelRef: 'chk_test_1',
    amount: 12050n,
    currency: 'USD',
    billIds: [bills.BILL7890!.id],
    policy: 'exact',
    method: 'sandbox',
  });
  pay.online = online.payment.id;
  // Cash at the counter for Maria, by the CSO executive.
  const cash = await post(
    '/v1/payments/cash',
    { account_number: 'CRN29392', amount: 9900, currency: 'USD', receipt_number: 'R-1' },
    'cso_executive',
  );
  expect(cash.statusCode, cash.body).toBe(201);
  pay.cash = cash.json().id;
  // Unidentified money found on a bank statement: suspense.
  const unknown = await ctx.app.services.payments.record(tctx(), {
    channel: 'bank_transfer',
    channelSource: 'stmt',
    channelRef: 'BANK-REF-77',
    amount: 7000n,
    currency: 'USD',
    policy: 'flexible',
  });
  pay.suspense = unknown.payment.id;
});
afterAll(() => ctx.close());

describe('payments list filters (seed 002 CSO list)', () => {
  it('lists online and counter payments with the sample columns', async () => {
    const r = await get('/v1/payments?limit=10');
    expect(r.statusCode, r.body).toBe(200);
    const online = r.json().data.find((p: { id: string }) => p.id === pay.online);
    expect(online).toMatchObject({
      account_number: 'CRN29391',
      account_name: 'Isidro Garcia',
      type: 'service',
      amount: 12050,
      channel: 'gateway',
      channel_source: 'sandbox',
      status: 'successful',
      created_by_name: 'Isidro Garcia',
    });
    const cash = r.json().data.find((p: { id: string }) => p.id === pay.cash);
    expect(cash).toMatchObject({ type: 'bill', created_by_name: 'cso_executive', channel: 'cash' });
  });

  it('searches by account number, name, transaction id and reference id, and filters', async () => {
    const ids = async (q: string) =>
      (await get(`/v1/payments?${q}`)).json().data.map((p: { id: string }) => p.id) as string[];
    expect(await ids('q=CRN29391')).toEqual([pay.online]);
    expect(await ids('q=maria')).toEqual([pay.cash]);
    expect(await ids(`q=${pay.cash}`)).toEqual([pay.cash]);
    expect(await ids('q=BANK-REF-77')).toEqual([pay.suspense]);
    const ref = bills.BILL7890!.reference_id;
    expect(await ids(`q=${encodeURIComponent(ref.replace(/(\d{4})(?=\d)/g, '$1 '))}`)).toEqual([pay.online]);
    expect(await ids(`reference_id=${ref}`)).toEqual([pay.online]);
    expect(await ids('gateway=sandbox')).toEqual([pay.online]);
    expect(await ids('channel=cash')).toEqual([pay.cash]);
    expect(await ids('status=successful&channel=bank_transfer')).toEqual([pay.suspense]);
    expect(await ids('from=2000-01-01T00:00:00Z&to=2000-12-31T00:00:00Z')).toEqual([]);
    const page1 = (await get('/v1/payments?limit=2')).json();
    expect(page1.has_more).toBe(true);
    const page2 = (await get(`/v1/payments?limit=2&starting_after=${page1.next_cursor}`)).json();
    expect([...page1.data, ...page2.data].map((p: { id: string }) => p.id).sort()).toEqual(
      Object.values(pay).sort(),
    );
  });

  it('refuses a bad filter with problem+json naming the field', async () => {
    const r = await get('/v1/payments?gateway=No%20Such');
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.json().errors[0].field).toContain('gateway');
  });
});

describe('exports', () => {
  it('CSV holds the filtered rows with exact decimal amounts', async () => {
    const r = await get('/v1/exports/payments?format=csv&channel=cash');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toContain('text/csv');
    expect(r.headers['content-disposition']).toMatch(/attachment; filename="payments-.*\.csv"/);
    const lines = r.body
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'Account no,Name,Type,Amount,Refunded,Unallocated,Currency,Mode,Channel,Gateway,Txn ID,Channel reference,Txn date,Created on,Created by,Status,Failure,Completed on,Livemode',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`CRN29392,Maria Lopez,bill,99.00,0.00,0.00,USD,cash,cash,,${pay.cash},R-1,`);
    expect(lines[1]).toMatch(/,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,/);
  });

  it('XLSX has numbers as numbers with the minor-unit format and dates as dates', async () => {
    const r = await get('/v1/exports/payments?format=xlsx');
    expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(4);
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const col = (name: string) => header.indexOf(name) + 1;
    const row = [2, 3, 4]
      .map((i) => ws.getRow(i))
      .find((x) => x.getCell(col('Txn ID')).value === pay.online)!;
    expect(row.getCell(col('Amount')).value).toBe(120.5);
    expect(row.getCell(col('Amount')).numFmt).toBe('#,##0.00');
    expect(row.getCell(col('Txn date')).value).toBeInstanceOf(Date);
    expect(row.getCell(col('Name')).value).toBe('Isidro Garcia');
    expect(row.getCell(col('Mode')).value).toBe('online');
  });

  it("exports one account's bills", async () => {
    const accounts = (await get('/v1/accounts?search=CRN29391')).json();
    const acc = accounts.data[0].id;
    const r = await get(`/v1/exports/bills?format=xlsx&account_id=${acc}`);
    expect(r.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(3);
    const due = ws.getRow(2).getCell(12).value;
    expect(due).toBeInstanceOf(Date);
    expect((due as Date).toISOString().slice(0, 10)).toBe('2099-03-31');
  });

  it('holds exactly the rows the list shows, in its order, for every filter', async () => {
    const ref = bills.BILL7890!.reference_id;
    for (const q of [
      '',
      'channel=cash',
      'status=successful&channel=bank_transfer',
      'gateway=sandbox',
      'q=maria',
      `q=${encodeURIComponent(ref.replace(/(\d{4})(?=\d)/g, '$1 '))}`,
      `reference_id=${ref}`,
      'account_number=CRN29391',
      'from=2000-01-01T00:00:00Z&to=2000-12-31T00:00:00Z',
    ]) {
      const listed = (await get(`/v1/payments?limit=100&${q}`)).json().data.map((p: { id: string }) => p.id);
      const csv = await get(`/v1/exports/payments?format=csv&${q}`);
      expect(csv.statusCode, csv.body).toBe(200);
      const [header, ...rows] = csv.body
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      const txn = header!.split(',').indexOf('Txn ID');
      expect(
        rows.map((line) => line.split(',')[txn]),
        q,
      ).toEqual(listed);
    }
  });

  it('an unknown format is refused', async () => {
    const r = await get('/v1/exports/payments?format=pdf');
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('validation_failed');
  });
});

describe('export mechanism', () => {
  it('turns minor units into exact decimals by the currency’s exponent', () => {
    expect(majorOf('12050', 2)).toBe('120.50');
    expect(majorOf(5n, 2)).toBe('0.05');
    expect(majorOf('0', 2)).toBe('0.00');
    expect(majorOf('-7', 2)).toBe('-0.07');
    expect(majorOf(-12345n, 3)).toBe('-12.345');
    expect(majorOf('1500', 0)).toBe('1500');
    expect(majorOf('9007199254740993', 2)).toBe('90071992547409.93');
  });

  it('reads keyset pages until a short one, asking for the next while one is written', async () => {
    const asked: (string | undefined)[] = [];
    const all = Array.from({ length: 7 }, (_, i) => `id${i}`);
    const page = async (after: string | undefined) => {
      asked.push(after);
      const from = after ? all.indexOf(after) + 1 : 0;
      return all.slice(from, from + 3);
    };
    const seen: string[] = [];
    for await (const chunk of keysetChunks(page, (r) => r, 3)) {
      seen.push(...chunk);
      // The next page was requested before this one was handed over.
      expect(asked.length).toBeGreaterThan(seen.length / 3);
    }
    expect(seen).toEqual(all);
    expect(asked).toEqual([undefined, 'id2', 'id5']);
  });
});

describe('allocation of unidentified money (suspense)', () => {
  it('bad input is refused with problem+json and changes nothing', async () => {
    const before = await ledgerSum('%');
    const suspense = await ledgerSum('suspense');
    for (const [payload, status, field] of [
      [{ account_number: 'NOPE1', reason: 'Customer called' }, 404, 'account_number'],
      [{ account_number: 'CRN29392' }, 400, 'reason'],
      [{ account_number: 'CRN29392', reason: 'ok reason', extra: 1 }, 400, null],
      [{ account_number: 'CRN29392', bill_ids: [bills.BILL7890!.id], reason: 'wrong bill' }, 422, 'bill_ids'],
    ] as const) {
      const r = await post(`/v1/payments/${pay.suspense}/allocate`, payload);
      expect(r.statusCode, r.body).toBe(status);
      expect(r.headers['content-type']).toContain('application/problem+json');
      if (field) expect(r.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const paid = await post(`/v1/payments/${pay.cash}/allocate`, {
      account_number: 'CRN29392',
      reason: 'x-x-x',
    });
    expect(paid.statusCode).toBe(200); // the cash payment is already Maria's: nothing to do
    const other = await post(`/v1/payments/${pay.online}/allocate`, {
      account_number: 'CRN29392',
      reason: 'x-x-x',
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('nothing_to_allocate');
    expect(await ledgerSum('suspense')).toBe(suspense);
    expect(await ledgerSum('%')).toBe(before);
    const p = (await get(`/v1/payments/${pay.suspense}`)).json();
    expect(p).toMatchObject({ suspense_amount: 7000, account_id: null });
  });

  it('CSO executive may not allocate', async () => {
    const r = await post(
      `/v1/payments/${pay.suspense}/allocate`,
      { account_number: 'CRN29392', reason: 'abc' },
      'cso_executive',
    );
    expect(r.statusCode).toBe(403);
  });

  it('moves suspense to the account: bill paid, rest as credit, audited, idempotent', async () => {
    const suspenseBefore = await ledgerSum('suspense');
    const body = { account_number: 'CRN29392', reason: 'Customer sent the bank slip' };
    const r = await post(`/v1/payments/${pay.suspense}/allocate`, body, 'cso_admin', {
      'idempotency-key': 'alloc-1',
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({
      account_number: 'CRN29392',
      suspense_amount: 0,
      allocated_amount: 5000,
      credit_amount: 2000,
      allocations: [{ bill_id: bills.BILL7921!.id, amount: 5000 }],
    });
    expect(await ledgerSum('suspense')).toBe(suspenseBefore + 7000n);
    const bill = (await get(`/v1/bills/${bills.BILL7921!.id}`)).json();
    expect(bill.status).toBe('paid');
    const replay = await post(`/v1/payments/${pay.suspense}/allocate`, body, 'cso_admin', {
      'idempotency-key': 'alloc-1',
    });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const again = await post(`/v1/payments/${pay.suspense}/allocate`, body);
    expect(again.statusCode).toBe(200);
    expect(await ledgerSum('suspense')).toBe(suspenseBefore + 7000n);
    const audit = (await get('/v1/audit-log?action=payment.allocated', 'tenant_admin')).json();
    expect(audit.data[0]).toMatchObject({ action: 'payment.allocated', target_id: pay.suspense });
  });
});

describe('dashboard and collections report', () => {
  it('sums equal the ledger', async () => {
    await post(`/v1/payments/${pay.cash}/refund`, { amount: 900, reason: 'Overcharged' });
    const r = await get('/v1/dashboard?granularity=day', 'cso_admin');
    expect(r.statusCode, r.body).toBe(200);
    const d = r.json();
    // Money taken by the rails, net of refunds and reversals, is what the funds accounts received.
    const funds =
      (await ledgerSum('clearing:%', ['payment', 'refund', 'reversal'])) +
      (await ledgerSum('settled:%', ['payment', 'refund', 'reversal']));
    expect(BigInt(d.collected.amount)).toBe(funds);
    expect(d.collected).toMatchObject({ amount: 12050 + 9000 + 7000, count: 3, refunded: 900 });
    expect(BigInt(d.outstanding.amount)).toBe(await ledgerSum('receivable:%'));
    expect(d.outstanding).toMatchObject({ amount: 4000 + 900, bills: 2 });
    expect(d.series).toHaveLength(30);
    expect(d.series.reduce((s: number, x: { amount: number }) => s + x.amount, 0)).toBe(d.collected.amount);
    expect(d.by_channel.find((c: { key: string }) => c.key === 'cash')).toMatchObject({
      amount: 9000,
      count: 1,
    });
    expect(d.by_gateway).toEqual([{ key: 'sandbox', amount: 12050, count: 1 }]);
    const months = (await get('/v1/dashboard?granularity=month', 'tenant_admin')).json();
    expect(months.series).toHaveLength(12);
    expect(months.collected.amount).toBe(d.collected.amount);
    const years = (await get('/v1/dashboard?granularity=year&from=2024-01-01', 'tenant_admin')).json();
    expect(years.collected.amount).toBe(d.collected.amount);
  });

  it('refuses bad ranges and other roles', async () => {
    const bad = await get('/v1/dashboard?granularity=day&from=2025-02-30', 'cso_admin');
    expect(bad.statusCode).toBe(400);
    const reversed = await get('/v1/dashboard?from=2025-03-02&to=2025-03-01', 'cso_admin');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().errors[0].field).toBe('from');
    expect((await get('/v1/dashboard', 'consumer')).statusCode).toBe(403);
    expect((await get('/v1/dashboard', 'api_key')).statusCode).toBe(403);
  });

  it("renders a day's collections as a PDF", async () => {
    const d = (await get('/v1/dashboard', 'cso_admin')).json();
    const r = await get(`/v1/reports/collections.pdf?date=${d.to}`, 'cso_admin');
    expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await get('/v1/reports/collections.pdf', 'cso_admin')).statusCode).toBe(400);
  });
});

describe('online attempts in the payments list (seed 002: statuses through every stage, Failed included)', () => {
  let f: TenantFixture;
  const list = async (query: string) => {
    const r = await ctx.app.inject({
      method: 'GET',
      url: `/v1/payments?${query}`,
      headers: (await f.as('cso_executive')).headers,
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const startCheckout = async (billId: string) => {
    const r = await ctx.app.inject({
      method: 'POST',
      url: '/v1/checkouts',
      headers: (await f.as('api_key')).write,
      payload: { gateway: 'sandbox', bill_ids: [billId] },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; redirect_url: string };
  };
  let failed: { id: string; redirect_url: string };
  let paid: { id: string; redirect_url: string };

  beforeAll(async () => {
    f = await createTenantFixture(ctx);
    await connectSandbox(ctx, f.tenantId);
    await createAccount(ctx, f, 'CRN55501', { name: 'Ana Attempts' });
    const bill = await createBill(ctx, f, 'CRN55501', 'BILL55501', { amount: 7700 });
    failed = await startCheckout(bill.id);
    const pendingRow = (await list('include_attempts=true&q=CRN55501')).data;
    expect(pendingRow).toMatchObject([
      { id: failed.id, object: 'checkout', status: 'pending', amount: 7700 },
    ]);
    await sandboxPay(ctx, failed.redirect_url, 'insufficient_funds');
    paid = await startCheckout(bill.id);
    await sandboxPay(ctx, paid.redirect_url, 'success');
    await checkoutReaches(ctx, paid.id, 'succeeded');
  });

  it('lists a failed attempt with the gateway’s words next to the payment the retry made, newest first', async () => {
    const rows = (await list('include_attempts=true&q=CRN55501')).data;
    expect(rows.map((r: { object: string; status: string }) => [r.object, r.status])).toEqual([
      ['payment', 'successful'],
      ['checkout', 'failed'],
    ]);
    expect(rows[0].channel_ref).toBe(paid.id); // the payment names the attempt that made it
    expect(rows[1]).toMatchObject({
      id: failed.id,
      account_number: 'CRN55501',
      account_name: 'Ana Attempts',
      channel: 'gateway',
      channel_source: 'sandbox',
      type: 'bill',
      allocations: [],
    });
    expect(rows[1].failure_message).toMatch(/insufficient/i);
    // The biller API's list stays a list of payments unless attempts are asked for.
    expect((await list('q=CRN55501')).data.map((r: { object: string }) => r.object)).toEqual(['payment']);
  });

  it('filters attempts like payments: status, channel, gateway, reference id, dates', async () => {
    const ids = async (query: string) =>
      (await list(`include_attempts=true&${query}`)).data.map((r: { id: string }) => r.id);
    expect(await ids('status=failed')).toEqual([failed.id]);
    expect(await ids('status=successful&q=CRN55501')).toHaveLength(1);
    expect(await ids('channel=cash')).toEqual([]);
    expect(await ids('gateway=stripe')).toEqual([]);
    expect(await ids('gateway=sandbox&status=failed')).toEqual([failed.id]);
    expect(await ids(`q=${failed.id}`)).toEqual([failed.id]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    expect(await ids(`from=${encodeURIComponent(tomorrow)}`)).toEqual([]);
  });

  it('pages through payments and attempts together, each row once', async () => {
    const all = (await list('include_attempts=true&limit=100')).data.map((r: { id: string }) => r.id);
    expect(all.length).toBeGreaterThanOrEqual(2);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`include_attempts=true&limit=1${cursor ? `&starting_after=${cursor}` : ''}`);
      walked.push(...page.data.map((r: { id: string }) => r.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(walked).toEqual(all);
  });

  it('exports the attempts the list shows, with the failure', async () => {
    const r = await ctx.app.inject({
      method: 'GET',
      url: '/v1/exports/payments?format=csv&include_attempts=true&q=CRN55501',
      headers: (await f.as('cso_executive')).headers,
    });
    expect(r.statusCode, r.body).toBe(200);
    const [header, ...lines] = r.body
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(header).toContain('Failure');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(failed.id);
    expect(lines[1]).toMatch(/failed/);
    expect(lines[1]).toMatch(/insufficient/i);
  });
});
