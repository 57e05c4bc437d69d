import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { partnerOf } from '../../platform/auth.ts';
import { sendProblem, toAppError } from '../../platform/http.ts';

/**
 * 1LINK 1Bill adapter (specs/wire-formats.md section 5): the same inquiry and payment as the
 * native bank API, in 1LINK's field names and fixed-width formats. 1LINK sends `username` and
 * `password` headers (a bank partner's credentials) and always expects HTTP 200 with a
 * `response_Code`:
 *   00 OK · 01 consumer (reference) not found · 02 blocked or inactive (cancelled, expired)
 *   03 unknown error, and a payment that cannot be applied again (already paid, or the
 *      transaction id reused with different data) · 04 invalid data or authentication failed
 * Amounts are minor units: `+` and 13 digits in inquiries, 12 digits in payments.
 */
const ONE_LINK_CODES: Record<string, string> = {
  reference_not_found: '01',
  bill_not_found: '01',
  bill_not_payable: '02',
  bill_already_paid: '03',
  duplicate_reference_mismatch: '03',
  internal_error: '03',
};
export const oneLinkCode = (code: string) => ONE_LINK_CODES[code] ?? '04';

const pad = (v: string, n: number) => v.slice(0, n).padEnd(n, ' ');
const signed13 = (minor: number) => `+${String(minor).padStart(13, '0')}`;
const digits12 = (minor: number) => String(minor).padStart(12, '0');
const yyyymmdd = (iso: string | null) => (iso ? iso.slice(0, 10).replaceAll('-', '') : '        ');

export const oneLinkInquiry = z.object({
  consumer_number: z.string().regex(/^\d{1,24}$/, 'must be up to 24 digits'),
  bank_mnemonic: z.string().max(8),
  reserved: z.string().max(400).optional(),
});
export const oneLinkPayment = z.object({
  consumer_number: z.string().regex(/^\d{1,24}$/, 'must be up to 24 digits'),
  tran_auth_id: z.string().regex(/^\d{6}$/, 'must be 6 digits'),
  transaction_amount: z.string().regex(/^\d{1,12}$/, 'must be up to 12 digits of minor units'),
  tran_date: z.string().regex(/^\d{8}$/, 'must be YYYYMMDD'),
  tran_time: z.string().regex(/^\d{6}$/, 'must be HHMMSS'),
  bank_mnemonic: z.string().max(8),
  reserved: z.string().max(400).optional(),
});

export async function oneLinkRoutes(scope: FastifyInstance) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { bank, bills, tenants } = app.services;

  // 1LINK reads only response_Code, so everything it can cause is HTTP 200 (wrong credentials
  // included, as 04). A caller that is not a bank at all (no credentials, another principal)
  // gets the usual 401/403 problem.
  scope.setErrorHandler((err, request, reply) => {
    const appError = toAppError(err as Error);
    if (appError.code === 'authentication_required' || appError.code === 'forbidden') {
      return sendProblem(reply, request, appError);
    }
    if (appError.status >= 500) request.log.error({ err }, '1LINK request failed');
    return reply
      .code(200)
      .send({ response_Code: oneLinkCode(appError.code), reserved: appError.message.slice(0, 200) });
  });

  app.post(
    '/v1/bank/1link/bill-inquiry',
    {
      config: { action: 'bank.inquiry' },
      schema: {
        tags: ['bank-api'],
        summary: '1LINK 1Bill BillInquiry (always HTTP 200; see response_Code)',
        security: [{ bankPartner: [] }],
        body: oneLinkInquiry,
      },
    },
    async (request) => {
      const ctx = partnerOf(request);
      const bill = await bank.inquiry(ctx, request.body.consumer_number);
      // The paying transaction's tran_auth_id, when a 1LINK posting paid it.
      const paidBy = bill.amount_paid > 0 ? (await bills.verify(ctx, bill.reference_id)).payments : [];
      const lastBankPayment = paidBy
        .filter((p) => p.channel === 'bank_api' && p.amount > 0)
        .at(-1)?.channel_ref;
      return {
        response_Code: '00',
        consumer_Detail: pad(bill.consumer_name, 30),
        bill_status: bill.status_code,
        due_date: yyyymmdd(bill.due_date),
        amount_within_dueDate: signed13(bill.amount_within_due_date),
        amount_after_dueDate: signed13(bill.amount_after_due_date),
        billing_month: bill.due_date.slice(2, 4) + bill.due_date.slice(5, 7),
        date_paid: yyyymmdd(bill.date_paid),
        amount_paid: digits12(bill.amount_paid),
        tran_auth_Id:
          lastBankPayment && /^\d{8}:\d{6}$/.test(lastBankPayment) ? lastBankPayment.slice(9) : '      ',
        reserved: request.body.reserved ?? '',
      };
    },
  );

  app.post(
    '/v1/bank/1link/bill-payment',
    {
      config: { action: 'bank.payment' },
      schema: {
        tags: ['bank-api'],
        summary: '1LINK 1Bill BillPayment; tran_date + tran_auth_id make it idempotent (always HTTP 200)',
        security: [{ bankPartner: [] }],
        body: oneLinkPayment,
      },
    },
    async (request) => {
      const ctx = partnerOf(request);
      const b = request.body;
      const { currency } = await tenants.get(ctx);
      const paidAt = `${b.tran_date.slice(0, 4)}-${b.tran_date.slice(4, 6)}-${b.tran_date.slice(6)}T${b.tran_time.slice(0, 2)}:${b.tran_time.slice(2, 4)}:${b.tran_time.slice(4)}`;
      const result = await bank.pay(ctx, {
        reference: b.consumer_number,
        // tran_auth_id is unique per bank per day: with the date it identifies the transaction.
        transactionRef: `${b.tran_date}:${b.tran_auth_id}`,
        amount: BigInt(b.transaction_amount),
        currency,
        ...(Number.isNaN(Date.parse(paidAt)) ? {} : { paidAt: new Date(paidAt) }),
      });
      return { response_Code: '00', Identification_parameter: result.payment_id, reserved: b.reserved ?? '' };
    },
  );
}
