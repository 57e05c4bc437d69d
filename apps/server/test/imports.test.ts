import { and, eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, auditLog, bills } from '../src/db/schema.ts';
import { createBillService } from '../src/modules/bills/bills.service.ts';
import { createImportService } from '../src/modules/imports/imports.service.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CLI = { type: 'cli' as const, id: 'test' };

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
});
afterAll(() => ctx.close());

type Principal = Parameters<TenantFixture['as']>[0];

async function upload(
  fx: TenantFixture,
  what: 'accounts' | 'bills',
  body: string | Buffer,
  opts: { type?: string; query?: string; as?: Principal } = {},
) {
  const creds = await fx.as(opts.as ?? 'tenant_admin');
  return ctx.app.inject({
    method: 'POST',
    url: `/v1/${what}/import${opts.query ? `?${opts.query}` : ''}`,
    headers: { ...creds.write, 'content-type': opts.type ?? CSV },
    payload: body,
  });
}

const csv = (lines: string[], eol = '\r\n') => lines.join(eol) + eol;

async function xlsx(rows: unknown[][], formats: Record<string, string> = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Import');
  for (const row of rows) ws.addRow(row);
  for (const [address, fmt] of Object.entries(formats)) ws.getCell(address).numFmt = fmt;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Bills of the fixture's tenant (live mode) through the API, or the database if the route is missing. */
async function billsOf(fx: TenantFixture): Promise<
  {
    bill_number: string;
    amount: number;
    late_fee: number;
    due_date: string;
    allow_partial: boolean;
    account_number: string;
    kind: string;
  }[]
> {
  if (ctx.app.hasRoute({ method: 'GET', url: '/v1/bills' })) {
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/v1/bills?limit=200',
      headers: (await fx.as('tenant_admin')).headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data;
  }
  const rows = await ctx.db.withTenant({ tenantId: fx.tenantId, mode: 'live' }, (tx) =>
    tx
      .select()
      .from(bills)
      .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId))),
  );
  return rows.map(({ bills: b, accounts: a }) => ({
    bill_number: b.billNumber,
    amount: Number(b.amount),
    late_fee: Number(b.lateFee),
    due_date: b.dueDate,
    allow_partial: b.allowPartial,
    account_number: a.accountNumber,
    kind: b.kind,
  }));
}

async function accountsOf(fx: TenantFixture) {
  return ctx.db.withTenant({ tenantId: fx.tenantId, mode: 'live' }, (tx) =>
    tx.select().from(accounts).where(eq(accounts.tenantId, fx.tenantId)),
  );
}

async function auditActions(fx: TenantFixture, action: string) {
  return ctx.db.withTenant({ tenantId: fx.tenantId, mode: 'live' }, (tx) =>
    tx
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, fx.tenantId), eq(auditLog.action, action))),
  );
}

const ACCOUNTS_HEADER = '\uFEFF Account Number ,NAME,Mobile,email,Service Types,consumer_email';

async function seedAccounts(fx: TenantFixture, numbers: string[]) {
  const res = await upload(
    fx,
    'accounts',
    csv(['account_number,name', ...numbers.map((n) => `${n},Holder ${n}`)]),
  );
  expect(res.statusCode, res.body).toBe(200);
}

describe('POST /v1/accounts/import', () => {
  let fx: TenantFixture;
  beforeAll(async () => {
    fx = await createTenantFixture(ctx);
  });

  it('imports a messy CSV: BOM, CRLF, quoted commas, blank lines, trailing spaces, any header case', async () => {
    const file = csv([
      ACCOUNTS_HEADER,
      `ACC-1,"Lopez, Maria",+62 812 3456 7890,Maria@Example.com,water;wastewater,${fx.users.consumer.email}`,
      '',
      'ACC-2 ,Isidro Garcia   ,,,Water | Electricity,',
      ',,,,,',
      '"ACC-3","Quote ""Q"" Person",,,,',
    ]);
    const res = await upload(fx, 'accounts', file);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      rows_total: 3,
      rows_valid: 3,
      rows_invalid: 0,
      applied: 3,
      dry_run: false,
      errors: [],
      errors_omitted: 0,
    });

    const rows = await accountsOf(fx);
    const byNumber = new Map(rows.map((a) => [a.accountNumber, a]));
    expect([...byNumber.keys()].sort()).toEqual(['ACC-1', 'ACC-2', 'ACC-3']);
    expect(byNumber.get('ACC-1')).toMatchObject({
      name: 'Lopez, Maria',
      mobile: '+62 812 3456 7890',
      email: 'maria@example.com',
      serviceTypes: ['water', 'wastewater'],
      userId: fx.users.consumer.id,
    });
    expect(byNumber.get('ACC-2')).toMatchObject({
      name: 'Isidro Garcia',
      mobile: null,
      serviceTypes: ['water', 'electricity'],
      userId: null,
    });
    expect(byNumber.get('ACC-3')!.name).toBe('Quote "Q" Person');

    const audits = await auditActions(fx, 'accounts.imported');
    expect(audits).toHaveLength(1);
    expect(audits[0]!.after).toMatchObject({ format: 'csv', rows_total: 3, applied: 3, rows_invalid: 0 });
  });

  const badFile = () =>
    csv([
      'account_number,name,email,consumer_email',
      'NEW-1,Valid One,,', // line 2: valid
      'NEW-2,,not-an-email,', // line 3: missing name, bad email
      'NEW-1,Again,,', // line 4: duplicate in file
      'ACC-1,Exists,,', // line 5: already in the database
      `NEW-3,Staff,,${fx.users.cso_admin.email}`, // line 6: not a consumer
      'NEW-4,Valid Two,,', // line 7: valid
      'bad number!,X,,', // line 8: account number format
    ]);

  it('reject_all (the default): 400 import_invalid naming every bad row by line, and nothing is written', async () => {
    const before = (await accountsOf(fx)).length;
    const res = await upload(fx, 'accounts', badFile());
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({
      code: 'import_invalid',
      rows_total: 7,
      rows_valid: 2,
      rows_invalid: 5,
      applied: 0,
      dry_run: false,
    });
    expect(body.errors).toEqual([
      { row: 3, field: 'name', reason: 'is required' },
      { row: 3, field: 'email', reason: expect.any(String) },
      { row: 4, field: 'account_number', reason: 'appears twice in this file (first on line 2)' },
      { row: 5, field: 'account_number', reason: 'already exists' },
      { row: 6, field: 'consumer_email', reason: 'is not a consumer user of this tenant' },
      { row: 8, field: 'account_number', reason: 'must be 1-40 letters, digits or . _ / -' },
    ]);
    expect(await accountsOf(fx)).toHaveLength(before);
  });

  it('dry_run with skip_invalid reports what would happen and writes nothing', async () => {
    const before = (await accountsOf(fx)).length;
    const res = await upload(fx, 'accounts', badFile(), { query: 'on_error=skip_invalid&dry_run=true' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      rows_total: 7,
      rows_valid: 2,
      rows_invalid: 5,
      applied: 0,
      dry_run: true,
    });
    expect(await accountsOf(fx)).toHaveLength(before);
  });

  it('skip_invalid applies only the valid rows and reports the others', async () => {
    const before = (await accountsOf(fx)).length;
    const res = await upload(fx, 'accounts', badFile(), { query: 'on_error=skip_invalid' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ rows_total: 7, rows_valid: 2, rows_invalid: 5, applied: 2, dry_run: false });
    expect(body.errors.map((e: { row: number }) => e.row)).toEqual([3, 3, 4, 5, 6, 8]);
    const numbers = (await accountsOf(fx)).map((a) => a.accountNumber);
    expect(numbers).toHaveLength(before + 2);
    expect(numbers).toEqual(expect.arrayContaining(['NEW-1', 'NEW-4']));
    expect(numbers).not.toContain('NEW-3');
  });

  it('reads XLSX with numeric account numbers and phone numbers', async () => {
    const file = await xlsx([
      ['Account Number', 'Name', 'Mobile', 'Service_Types'],
      [900100, 'Numeric Number', 6281234567890, 'gas'],
      [],
      ['X-2', { richText: [{ text: 'Rich ' }, { text: 'Text' }] }, null, null],
    ]);
    const res = await upload(fx, 'accounts', file, { type: XLSX });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ rows_total: 2, applied: 2 });
    const rows = await accountsOf(fx);
    expect(rows.find((a) => a.accountNumber === '900100')).toMatchObject({
      mobile: '6281234567890',
      serviceTypes: ['gas'],
    });
    expect(rows.find((a) => a.accountNumber === 'X-2')!.name).toBe('Rich Text');
  });

  it('a failure part-way through writes nothing (one transaction)', async () => {
    const real = ctx.app.services.accounts;
    let calls = 0;
    const imports = createImportService({
      db: ctx.db,
      accounts: {
        insertAccount: async (...args: Parameters<typeof real.insertAccount>) => {
          if (++calls === 3) throw new Error('simulated crash');
          return real.insertAccount(...args);
        },
      },
    });
    const before = (await accountsOf(fx)).length;
    const file = csv(['account_number,name', 'CR-1,a', 'CR-2,b', 'CR-3,c', 'CR-4,d']);
    await expect(
      imports.importAccounts(
        { tenantId: fx.tenantId, mode: 'live' },
        [Buffer.from(file)],
        { format: 'csv', onError: 'reject_all', dryRun: false },
        CLI,
      ),
    ).rejects.toThrow('simulated crash');
    expect(calls).toBe(3);
    expect(await accountsOf(fx)).toHaveLength(before);
  });
});

describe('POST /v1/bills/import', () => {
  let fx: TenantFixture;
  beforeAll(async () => {
    fx = await createTenantFixture(ctx);
    await seedAccounts(fx, ['ACC-1', 'ACC-2', '1001', 'CLOSED-1']);
    const closed = (await accountsOf(fx)).find((a) => a.accountNumber === 'CLOSED-1')!;
    await ctx.app.services.accounts.update(
      { tenantId: fx.tenantId, mode: 'live' },
      closed.id,
      { status: 'closed' },
      CLI,
    );
  });

  const HEADER =
    'Account_Number,Bill Number,KIND,service_name,billing_period,period_start,period_end,amount,late_fee,due_date,expires_on,allow_partial';

  it('imports a messy CSV exactly (decimal amounts to minor units) and lists the bills afterwards', async () => {
    const file = csv(
      [
        HEADER,
        'ACC-1,B-1,bill,Water,"March 2025",2025-03-01,2025-03-31,120.50,5.25,2025-04-15,2025-05-15,yes',
        '',
        ' ACC-2 , B-2 ,SERVICE,"Meter repair, urgent",April 2025,,,7,,2025-04-20,,0   ',
        '1001,B-3,,Water,"May\nand June",,,0.1,0,2025-06-30,,FALSE',
      ],
      '\n',
    );
    const res = await upload(fx, 'bills', file);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      rows_total: 3,
      rows_valid: 3,
      rows_invalid: 0,
      applied: 3,
      dry_run: false,
      errors: [],
      errors_omitted: 0,
    });

    const list = await billsOf(fx);
    const byNumber = new Map(list.map((b) => [b.bill_number, b]));
    expect(byNumber.get('B-1')).toMatchObject({
      account_number: 'ACC-1',
      amount: 12050,
      late_fee: 525,
      due_date: '2025-04-15',
      allow_partial: true,
      kind: 'bill',
    });
    expect(byNumber.get('B-2')).toMatchObject({
      account_number: 'ACC-2',
      amount: 700,
      late_fee: 0,
      allow_partial: false,
      kind: 'service',
    });
    expect(byNumber.get('B-3')).toMatchObject({ account_number: '1001', amount: 10, allow_partial: false });

    const audits = await auditActions(fx, 'bills.imported');
    expect(audits).toHaveLength(1);
    expect(audits[0]!.after).toMatchObject({ rows_total: 3, applied: 3 });
  });

  const badFile = () =>
    csv([
      'account_number,bill_number,service_name,billing_period,amount,due_date,kind,allow_partial',
      'ACC-1,E-1,Water,Jan,10.505,2025-01-31,,', // 2: too many decimals for USD
      'ACC-1,E-2,Water,Jan,10.00,31/01/2025,,', // 3: bad date
      'NOPE-9,E-3,Water,Jan,10,2025-01-31,,', // 4: unknown account
      'ACC-1,E-4,Water,Jan,10,2025-01-31,,', // 5: valid
      'ACC-2,E-4,Water,Jan,11,2025-01-31,,', // 6: duplicate bill number in the file
      'ACC-1,E-5,Water,Jan,"1,000.00",2025-02-30,invoice,maybe', // 7: four bad cells
      'CLOSED-1,E-6,Water,Jan,10,2025-01-31,,', // 8: closed account
      'ACC-2,E-7,,Jan,,2025-01-31,,', // 9: service_name and amount missing
      'ACC-2,E-8,Water,Jan,0,2025-01-31,,', // 10: zero amount
      'ACC-2,B-1,Water,Jan,5,2025-01-31,,', // 11: bill number already exists
      'ACC-2,E-9,Water,Jan,5,2025-01-31,,true', // 12: valid
    ]);

  it('reject_all: every bad row by line and field, 400, nothing written', async () => {
    const before = (await billsOf(fx)).length;
    const res = await upload(fx, 'bills', badFile());
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({
      code: 'import_invalid',
      rows_total: 11,
      rows_valid: 2,
      rows_invalid: 9,
      applied: 0,
    });
    expect(body.errors).toEqual([
      { row: 2, field: 'amount', reason: 'has more decimals than USD allows (2)' },
      { row: 3, field: 'due_date', reason: 'must be a date like 2025-03-31' },
      { row: 4, field: 'account_number', reason: 'no such account' },
      { row: 6, field: 'bill_number', reason: 'appears twice in this file (first on line 5)' },
      { row: 7, field: 'amount', reason: 'must be a decimal amount in major units, such as 120.50' },
      { row: 7, field: 'due_date', reason: 'must be a date like 2025-03-31' },
      { row: 7, field: 'kind', reason: 'Invalid option: expected one of "bill"|"service"' },
      { row: 7, field: 'allow_partial', reason: 'must be true or false (or yes/no, 1/0)' },
      { row: 8, field: 'account_number', reason: 'the account is closed' },
      { row: 9, field: 'service_name', reason: 'is required' },
      { row: 9, field: 'amount', reason: 'is required' },
      { row: 10, field: 'amount', reason: 'must be greater than zero' },
      { row: 11, field: 'bill_number', reason: 'already exists' },
    ]);
    expect(await billsOf(fx)).toHaveLength(before);
  });

  it('skip_invalid: applies the valid rows only', async () => {
    const before = (await billsOf(fx)).length;
    const res = await upload(fx, 'bills', badFile(), { query: 'on_error=skip_invalid', as: 'api_key' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ rows_total: 11, rows_valid: 2, rows_invalid: 9, applied: 2 });
    const list = await billsOf(fx);
    expect(list).toHaveLength(before + 2);
    expect(list.map((b) => b.bill_number)).toEqual(expect.arrayContaining(['E-4', 'E-9']));
    expect(list.find((b) => b.bill_number === 'E-4')!.account_number).toBe('ACC-1');
  });

  it('reads XLSX: numeric amount cells, date cells, boolean cells, Excel row numbers', async () => {
    const file = await xlsx(
      [
        [
          'account_number',
          'bill_number',
          'service_name',
          'billing_period',
          'amount',
          'late_fee',
          'due_date',
          'allow_partial',
        ],
        ['ACC-1', 'X-1', 'Water', 'July 2025', 120.5, 2, new Date(Date.UTC(2025, 6, 31)), true], // 2
        [1001, 'X-2', 'Water', 'July 2025', (0.1 + 0.2) * 100, null, '2025-07-31', 'no'], // 3: 30.000000000000004 as Excel shows it
        [],
        ['ACC-2', 'X-3', 'Water', 'July 2025', 10.125, null, new Date(Date.UTC(2025, 6, 31)), false], // 5: 3 decimals
        ['ACC-2', 'X-4', 'Water', 'July 2025', 10, null, new Date(Date.UTC(2025, 6, 31, 15, 30)), false], // 6: a time of day
        ['ACC-2', 'X-5', 'Water', 'July 2025', '12.34', null, 45869, 1], // 7: a plain number in a date column
        [
          'ACC-2',
          'X-6',
          'Water',
          'July 2025',
          { formula: 'E2*2', result: 241 },
          null,
          { formula: 'G2+1', result: 45870 },
          0,
        ], // 8
      ],
      { G2: 'yyyy-mm-dd', G5: 'dd/mm/yyyy', G6: 'yyyy-mm-dd hh:mm', G8: 'yyyy-mm-dd' },
    );
    const res = await upload(fx, 'bills', file, { type: XLSX, query: 'on_error=skip_invalid' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.errors).toEqual([
      { row: 5, field: 'amount', reason: 'has more decimals than USD allows (2)' },
      { row: 6, field: 'due_date', reason: 'has a time of day; give a date only, like 2025-03-31' },
      { row: 7, field: 'due_date', reason: 'must be a date like 2025-03-31' },
    ]);
    expect(body).toMatchObject({ rows_total: 6, rows_valid: 3, applied: 3 });
    const byNumber = new Map((await billsOf(fx)).map((b) => [b.bill_number, b]));
    expect(byNumber.get('X-1')).toMatchObject({
      amount: 12050,
      late_fee: 200,
      due_date: '2025-07-31',
      allow_partial: true,
    });
    expect(byNumber.get('X-2')).toMatchObject({
      account_number: '1001',
      amount: 3000,
      due_date: '2025-07-31',
      allow_partial: false,
    });
    expect(byNumber.get('X-6')).toMatchObject({ amount: 24100, due_date: '2025-08-01' });
  });

  it('importing the same file twice applies nothing the second time and says why per row', async () => {
    const file = csv([
      'account_number,bill_number,service_name,billing_period,amount,due_date',
      'ACC-1,T-1,Water,Aug,1.00,2025-08-31',
      'ACC-2,T-2,Water,Aug,2.00,2025-08-31',
    ]);
    expect((await upload(fx, 'bills', file)).json()).toMatchObject({ applied: 2 });
    const count = (await billsOf(fx)).length;

    const again = await upload(fx, 'bills', file);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({
      code: 'import_invalid',
      errors: [
        { row: 2, field: 'bill_number', reason: 'already exists' },
        { row: 3, field: 'bill_number', reason: 'already exists' },
      ],
    });
    const skipped = await upload(fx, 'bills', file, { query: 'on_error=skip_invalid' });
    expect(skipped.statusCode).toBe(200);
    expect(skipped.json()).toMatchObject({ rows_total: 2, rows_valid: 0, rows_invalid: 2, applied: 0 });
    expect(skipped.json().errors).toHaveLength(2);
    expect(await billsOf(fx)).toHaveLength(count);
  });

  it('dry_run validates without writing; the real run then applies', async () => {
    const file = csv([
      'account_number,bill_number,service_name,billing_period,amount,due_date',
      'ACC-1,D-1,Water,Sep,3.00,2025-09-30',
    ]);
    const before = (await billsOf(fx)).length;
    const dry = await upload(fx, 'bills', file, { query: 'dry_run=true' });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ rows_total: 1, rows_valid: 1, applied: 0, dry_run: true });
    expect(await billsOf(fx)).toHaveLength(before);
    expect((await upload(fx, 'bills', file)).json()).toMatchObject({ applied: 1, dry_run: false });
    expect(await billsOf(fx)).toHaveLength(before + 1);
  });

  it('a failure after the bills were inserted writes nothing (one transaction)', async () => {
    const real = createBillService({ db: ctx.db });
    const imports = createImportService({
      db: ctx.db,
      bills: {
        insertBills: async (...args: Parameters<typeof real.insertBills>) => {
          await real.insertBills(...args);
          throw new Error('simulated crash');
        },
      },
    });
    const before = (await billsOf(fx)).length;
    const file = csv([
      'account_number,bill_number,service_name,billing_period,amount,due_date',
      'ACC-1,C-1,Water,Oct,3.00,2025-10-31',
    ]);
    await expect(
      imports.importBills(
        { tenantId: fx.tenantId, mode: 'live' },
        [Buffer.from(file)],
        { format: 'csv', onError: 'reject_all', dryRun: false },
        CLI,
      ),
    ).rejects.toThrow('simulated crash');
    expect(await billsOf(fx)).toHaveLength(before);
  });

  it('uses the tenant currency: JPY has no decimals', async () => {
    const jp = await createTenantFixture(ctx, 'JPY');
    await seedAccounts(jp, ['J-1']);
    const res = await upload(
      jp,
      'bills',
      csv([
        'account_number,bill_number,service_name,billing_period,amount,due_date',
        'J-1,JB-1,Water,Oct,1200,2025-10-31',
        'J-1,JB-2,Water,Oct,1200.5,2025-10-31',
      ]),
      { query: 'on_error=skip_invalid' },
    );
    expect(res.json()).toMatchObject({
      applied: 1,
      errors: [{ row: 3, field: 'amount', reason: 'has more decimals than JPY allows (0)' }],
    });
    expect((await billsOf(jp))[0]).toMatchObject({ bill_number: 'JB-1', amount: 1200 });
  });
});

describe('refused files and callers', () => {
  let fx: TenantFixture;
  beforeAll(async () => {
    fx = await createTenantFixture(ctx);
  });

  const problem = async (res: Awaited<ReturnType<typeof upload>>, status: number, code: string) => {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = res.json();
    expect(body.code).toBe(code);
    expect(body.detail).toBeTruthy();
    return body;
  };

  it('empty, header-only, binary, non-CSV, corrupt XLSX and wrong columns are clear 400s', async () => {
    await problem(await upload(fx, 'accounts', ''), 400, 'import_empty');
    await problem(await upload(fx, 'accounts', '\r\n\r\n'), 400, 'import_empty');
    await problem(await upload(fx, 'accounts', csv(['account_number,name'])), 400, 'import_no_rows');
    await problem(
      await upload(fx, 'accounts', Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00])),
      400,
      'import_malformed_csv',
    );
    const quotes = await problem(
      await upload(fx, 'accounts', csv(['account_number,name', 'A,"open', 'B,b'])),
      400,
      'import_malformed_csv',
    );
    expect(quotes.errors).toEqual([{ row: 2, field: 'file', reason: 'a quoted field is never closed' }]);
    const good = await xlsx([
      ['account_number', 'name'],
      ['A', 'a'],
    ]);
    await problem(await upload(fx, 'accounts', good, { type: CSV }), 400, 'import_malformed_csv');
    await problem(
      await upload(fx, 'accounts', good.subarray(0, good.length - 100), { type: XLSX }),
      400,
      'import_malformed_xlsx',
    );
    await problem(
      await upload(fx, 'accounts', csv(['account_number,name', 'A,a']), { type: XLSX }),
      400,
      'import_malformed_xlsx',
    );
    const cols = await problem(
      await upload(fx, 'bills', csv(['account_number,Bill Number,colour,amount', 'A,B,red,1'])),
      400,
      'import_columns_invalid',
    );
    expect(cols.errors).toEqual([
      { row: 1, field: 'colour', reason: 'is not a known column (column 3)' },
      { row: 1, field: 'service_name', reason: 'is a required column and is missing' },
      { row: 1, field: 'billing_period', reason: 'is a required column and is missing' },
      { row: 1, field: 'due_date', reason: 'is a required column and is missing' },
    ]);
    await problem(
      await upload(fx, 'accounts', csv(['account_number,name', 'A,a']), { query: 'on_error=maybe' }),
      400,
      'validation_failed',
    );
    expect(await accountsOf(fx)).toHaveLength(0);
  });

  it('other content types are 415', async () => {
    const creds = await fx.as('tenant_admin');
    const json = await ctx.app.inject({
      method: 'POST',
      url: '/v1/accounts/import',
      headers: creds.write,
      payload: { account_number: 'A' },
    });
    await problem(json, 415, 'unsupported_media_type');
    await problem(
      await upload(fx, 'bills', 'a,b\n1,2\n', { type: 'text/plain' }),
      415,
      'unsupported_media_type',
    );
    const charset = await upload(fx, 'accounts', csv(['account_number,name', 'CS-1,With charset']), {
      type: 'text/csv; charset=utf-8',
    });
    expect(charset.statusCode, charset.body).toBe(200);
  });

  it('only tenant admins, CSO admins and API keys may import', async () => {
    const file = csv(['account_number,name', 'R-1,x']);
    for (const who of ['cso_executive', 'consumer'] as const) {
      await problem(await upload(fx, 'accounts', file, { as: who }), 403, 'forbidden');
    }
    const anonymous = await ctx.app.inject({
      method: 'POST',
      url: '/v1/bills/import',
      headers: { 'content-type': CSV },
      payload: file,
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await upload(fx, 'accounts', file, { as: 'cso_admin', query: 'dry_run=true' })).statusCode).toBe(
      200,
    );
    expect((await upload(fx, 'accounts', file, { as: 'api_key' })).statusCode).toBe(200);
  });

  it('is documented in the OpenAPI document under the imports tag', async () => {
    const doc = (await ctx.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/v1/accounts/import', '/v1/bills/import']) {
      const op = doc.paths[path].post;
      expect(op.tags).toEqual(['imports']);
      expect(Object.keys(op.requestBody.content)).toEqual([CSV, XLSX]);
      expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['dry_run', 'on_error']);
    }
  });
});
