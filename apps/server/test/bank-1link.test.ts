import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createBill } from './billing.fixtures.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/** The 1LINK 1Bill adapter speaks 1LINK's fields, fixed-width formats and codes (wire-formats.md §5). */
let ctx: TestContext;
let fx: TenantFixture;
beforeAll(async () => {
  ctx = await createTestApp();
  fx = await createTenantFixture(ctx, 'PKR');
  await createAccount(ctx, fx, 'LESCO-1', { name: 'Muhammad Ali Khan Niazi of Lahore Cantt' });
});
afterAll(() => ctx.close());

async function oneLink(path: string, payload: object, headers?: Record<string, string>) {
  const bank = await fx.as('bank_partner');
  const res = await ctx.app.inject({
    method: 'POST',
    url: `/v1/bank/1link/${path}`,
    headers: headers ?? bank.headers,
    payload,
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('1LINK 1Bill adapter', () => {
  it('BillInquiry answers in 1LINK formats', async () => {
    const bill = await createBill(ctx, fx, 'LESCO-1', 'L-1', {
      amount: 500000,
      late_fee: 25000,
      due_date: '2099-07-10',
    });
    const res = await oneLink('bill-inquiry', {
      consumer_number: bill.reference_id,
      bank_mnemonic: 'HBL',
      reserved: '',
    });
    expect(res).toEqual({
      response_Code: '00',
      consumer_Detail: 'Muhammad Ali Khan Niazi of Lah',
      bill_status: 'U',
      due_date: '20990710',
      amount_within_dueDate: '+0000000500000',
      amount_after_dueDate: '+0000000525000',
      billing_month: '9907',
      date_paid: '        ',
      amount_paid: '000000000000',
      tran_auth_Id: '      ',
      reserved: '',
    });
  });

  it('BillPayment is idempotent on tran_date + tran_auth_id; inquiry then shows it paid', async () => {
    const bill = await createBill(ctx, fx, 'LESCO-1', 'L-2', { amount: 500000, late_fee: 0 });
    const payment = {
      consumer_number: bill.reference_id,
      tran_auth_id: '123456',
      transaction_amount: '000000500000',
      tran_date: '20250326',
      tran_time: '101500',
      bank_mnemonic: 'HBL',
      reserved: '',
    };
    const first = await oneLink('bill-payment', payment);
    expect(first).toMatchObject({
      response_Code: '00',
      Identification_parameter: expect.stringMatching(/^pay_/),
    });
    const again = await oneLink('bill-payment', payment);
    expect(again.Identification_parameter).toBe(first.Identification_parameter);
    const paid = await oneLink('bill-inquiry', { consumer_number: bill.reference_id, bank_mnemonic: 'HBL' });
    expect(paid).toMatchObject({ bill_status: 'P', amount_paid: '000000500000', tran_auth_Id: '123456' });
    expect(paid.date_paid).toMatch(/^\d{8}$/);
    const twice = await oneLink('bill-payment', { ...payment, tran_auth_id: '123457' });
    expect(twice.response_Code).toBe('03');
  });

  it('maps refusals to 1LINK codes, always with HTTP 200', async () => {
    const bill = await createBill(ctx, fx, 'LESCO-1', 'L-3', { amount: 1000, late_fee: 0 });
    const base = {
      consumer_number: bill.reference_id,
      tran_auth_id: '200001',
      transaction_amount: '1000',
      tran_date: '20250326',
      tran_time: '101500',
      bank_mnemonic: 'HBL',
    };
    expect(
      (await oneLink('bill-inquiry', { consumer_number: '1000100000009999', bank_mnemonic: 'HBL' }))
        .response_Code,
    ).toBe('01');
    expect((await oneLink('bill-payment', { ...base, transaction_amount: '999' })).response_Code).toBe('04');
    expect((await oneLink('bill-payment', { ...base, tran_auth_id: 'abc' })).response_Code).toBe('04');
    expect(
      (
        await oneLink(
          'bill-inquiry',
          { consumer_number: bill.reference_id, bank_mnemonic: 'HBL' },
          { username: 'x', password: 'y' },
        )
      ).response_Code,
    ).toBe('04');
    const key = await fx.as('api_key');
    await ctx.app.inject({
      method: 'POST',
      url: `/v1/bills/${bill.id}/cancel`,
      headers: key.write,
      payload: {},
    });
    expect(
      (await oneLink('bill-inquiry', { consumer_number: bill.reference_id, bank_mnemonic: 'HBL' }))
        .bill_status,
    ).toBe('B');
    expect((await oneLink('bill-payment', base)).response_Code).toBe('02');
  });
});
