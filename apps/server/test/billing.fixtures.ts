import type { TenantFixture, TestContext } from './helpers.ts';

/** Small builders for accounts and bills through the public API, as a biller system would. */
export async function createAccount(
  ctx: TestContext,
  fx: TenantFixture,
  accountNumber: string,
  extra: object = {},
) {
  const key = await fx.as('api_key');
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: key.write,
    payload: { account_number: accountNumber, name: 'Isidro Garcia', service_types: ['water'], ...extra },
  });
  if (res.statusCode !== 201) throw new Error(`account: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function createBill(
  ctx: TestContext,
  fx: TenantFixture,
  accountNumber: string,
  billNumber: string,
  extra: object = {},
) {
  const key = await fx.as('api_key');
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/bills',
    headers: key.write,
    payload: {
      account_number: accountNumber,
      bill_number: billNumber,
      kind: 'bill',
      service_name: 'Water Supply',
      billing_period: 'March 2025',
      amount: 12050,
      late_fee: 500,
      due_date: '2099-12-31',
      ...extra,
    },
  });
  if (res.statusCode !== 201) throw new Error(`bill: ${res.statusCode} ${res.body}`);
  return res.json();
}
