import { sql } from 'drizzle-orm';
import { anyText, type TenantContext, type Tx } from '../../db/client.ts';
import { notifications } from '../../db/schema.ts';
import { newId } from '../../platform/ids.ts';
import { displayMoney } from '../../platform/money.ts';
import { formatReceiptNumber } from '../receipts/receipts.service.ts';
import { enqueueMany, type OutboundMessage } from './outbox.ts';

/**
 * Messages to the payer when a payment changes status (seed 002 statuses; seed 003: "automatic
 * notifications of the payment made by issuing payment receipts by e-mail, to the customer who
 * pays"). Called in the transaction that changes the status, so the message exists exactly when
 * the change does; the dedupe keys make a repeated change (retried request, replayed event)
 * queue nothing new.
 *
 * The payer is the consumer who started the checkout (users.email, users.phone), or, for a
 * checkout without a signed-in consumer (quick pay, payment links), the e-mail given at checkout
 * (checkouts.payer_email) or passed by the caller. Payments of other rails (bank, cash) have no
 * known payer address and send nothing.
 *
 * - successful: e-mail "Payment Successful" (awaiting settlement);
 * - completed: e-mail with the numbered receipt PDF attached, and an SMS when the payer has a phone;
 * - refunded: e-mail with the amount refunded so far;
 * - failed (an attempt, no payment): e-mail with the gateway's own words (notifyCheckoutFailed).
 */
export type PaymentNotice = 'successful' | 'completed' | 'refunded';

interface PayerRow extends Record<string, unknown> {
  id: string;
  amount: string;
  refunded_amount: string;
  currency: string;
  status: string;
  checkout_id: string | null;
  tenant_name: string;
  tenant_locale: string;
  user_email: string | null;
  user_phone: string | null;
  user_name: string | null;
  checkout_email: string | null;
  receipt_number: string | null;
  bill_numbers: string | null;
}

const money = (minor: string | bigint, currency: string, locale: string) =>
  displayMoney(BigInt(minor), currency, locale);

function paymentMessages(
  ctx: TenantContext,
  r: PayerRow,
  event: PaymentNotice,
  payerEmail: string | undefined,
): OutboundMessage[] {
  const email = payerEmail ?? r.user_email ?? r.checkout_email;
  const amount = money(r.amount, r.currency, r.tenant_locale);
  const hello = r.user_name ? `Hello ${r.user_name},\n\n` : 'Hello,\n\n';
  const bills = r.bill_numbers ? `Bills paid: ${r.bill_numbers}\n` : '';
  const facts = `${bills}Amount: ${amount}\nPayment ID: ${r.id}\n`;
  const out: OutboundMessage[] = [];
  const base = { paymentId: r.id };
  if (event === 'successful' && email) {
    out.push({
      ...base,
      channel: 'email',
      recipient: email,
      template: 'payment.successful',
      dedupeKey: `payment.successful:${r.id}`,
      subject: `Payment Successful: ${amount} to ${r.tenant_name}`,
      body: `${hello}your payment to ${r.tenant_name} was successful.\n\n${facts}\nThe payment is awaiting settlement, which usually takes up to 2 days. When it is Completed we will e-mail your receipt, and you can download it from History.\n\n${r.tenant_name}\n`,
    });
  }
  if (event === 'completed') {
    const receipt = r.receipt_number ? formatReceiptNumber(ctx.mode, BigInt(r.receipt_number)) : null;
    const receiptLine = receipt ? `Receipt number: ${receipt}\n` : '';
    if (email) {
      out.push({
        ...base,
        channel: 'email',
        recipient: email,
        template: 'payment.receipt',
        attachments: ['receipt_pdf'],
        dedupeKey: `payment.receipt:${r.id}`,
        subject: `Payment Completed${receipt ? `, receipt ${receipt}` : ''}: ${amount} to ${r.tenant_name}`,
        body: `${hello}your payment to ${r.tenant_name} is Completed: the settlement has been received.\n\n${receiptLine}${facts}\nYour receipt is attached as a PDF; you can also download it from History.\n\n${r.tenant_name}\n`,
      });
    }
    if (r.user_phone) {
      out.push({
        ...base,
        channel: 'sms',
        recipient: r.user_phone,
        template: 'payment.completed.sms',
        dedupeKey: `payment.completed.sms:${r.id}`,
        body: `${r.tenant_name}: your payment of ${amount} is Completed.${receipt ? ` Receipt ${receipt}.` : ''} Payment ID ${r.id}.`,
      });
    }
  }
  if (event === 'refunded' && email && BigInt(r.refunded_amount) > 0n) {
    const refunded = money(r.refunded_amount, r.currency, r.tenant_locale);
    const full = r.refunded_amount === r.amount;
    out.push({
      ...base,
      channel: 'email',
      recipient: email,
      template: 'payment.refunded',
      // One message per refunded total: a second partial refund is news, a replay is not.
      dedupeKey: `payment.refunded:${r.id}:${r.refunded_amount}`,
      subject: `Refund: ${refunded} of your payment to ${r.tenant_name}`,
      body: `${hello}${full ? 'your payment has been refunded in full' : `${refunded} of your payment has been refunded`}: the amount goes back to the account you paid from.\n\n${facts}Refunded so far: ${refunded}\n\n${r.tenant_name}\n`,
    });
  }
  return out;
}

/** Set-wise (completePayments settles thousands at once): one read, one insert. */
export async function notifyPayments(
  tx: Tx,
  ctx: TenantContext,
  paymentIds: readonly string[],
  event: PaymentNotice,
  opts: { payerEmail?: string } = {},
): Promise<string[]> {
  if (!paymentIds.length) return [];
  const result = await tx.execute(sql`
    select p.id, p.amount::text, p.refunded_amount::text, p.currency, p.status,
           c.id as checkout_id, t.display_name as tenant_name, t.locale as tenant_locale,
           case when u.role = 'consumer' then u.email end as user_email,
           case when u.role = 'consumer' then u.phone end as user_phone,
           case when u.role = 'consumer' then u.name end as user_name,
           c.payer_email as checkout_email, r.number::text as receipt_number,
           (select string_agg(b.bill_number, ', ' order by b.bill_number)
              from (select a.bill_id from allocations a
                     where a.tenant_id = p.tenant_id and a.payment_id = p.id
                     group by a.bill_id having sum(a.amount) > 0) paid
              join bills b on b.tenant_id = p.tenant_id and b.id = paid.bill_id) as bill_numbers
      from payments p
      join tenants t on t.id = p.tenant_id
      left join checkouts c on c.tenant_id = p.tenant_id
            and c.id = coalesce(p.metadata->>'checkout_id', case when p.channel = 'gateway' then p.channel_ref end)
      left join users u on u.tenant_id = p.tenant_id and u.id = c.created_by
      left join receipts r on r.tenant_id = p.tenant_id and r.mode = p.mode and r.payment_id = p.id
     where p.tenant_id = ${ctx.tenantId} and p.mode = ${ctx.mode} and ${anyText(sql`p.id`, paymentIds)}
       -- Only payments someone can be told about (a bank statement's thousands have nobody).
       and (${opts.payerEmail ?? null}::text is not null or c.payer_email is not null or u.role = 'consumer')`);
  const rows = (
    Array.isArray(result) ? result : (result as unknown as { rows: PayerRow[] }).rows
  ) as PayerRow[];
  const messages = rows.flatMap((r) => paymentMessages(ctx, r, event, opts.payerEmail));
  if (event === 'successful' && rows.length) {
    // Seed 003: the biller hears of each payment its consumers make, in the app (the tenant
    // admins' notices); payments of bank statements and counters have no payer and no notice.
    await tx.insert(notifications).values(
      rows.map((r) => {
        const amount = money(r.amount, r.currency, r.tenant_locale);
        const who = r.user_name ?? r.checkout_email ?? opts.payerEmail ?? 'A payer';
        return {
          tenantId: ctx.tenantId,
          id: newId('ntf'),
          audienceRole: 'tenant_admin' as const,
          kind: 'payment.received',
          // Notices have no test/live split of their own: say which it was.
          title: `${ctx.mode === 'test' ? 'Test payment' : 'Payment'} received: ${amount}`,
          body: `${who} paid ${amount}${r.bill_numbers ? ` for ${r.bill_numbers}` : ''} (payment ${r.id}).`,
        };
      }),
    );
  }
  return enqueueMany(tx, ctx, messages);
}

/** One payment (see notifyPayments); for callers that change one payment's status. */
export function notifyPayment(
  tx: Tx,
  ctx: TenantContext,
  paymentId: string,
  event: PaymentNotice,
  opts: { payerEmail?: string } = {},
) {
  return notifyPayments(tx, ctx, [paymentId], event, opts);
}

/** An attempt that took no money: the payer learns why, in the gateway's own words (seed 002). */
export async function notifyCheckoutFailed(
  tx: Tx,
  ctx: TenantContext,
  checkoutId: string,
  opts: { payerEmail?: string } = {},
): Promise<string[]> {
  const result = await tx.execute(sql`
    select c.id, c.amount::text, c.currency, c.failure_message, c.purpose,
           t.display_name as tenant_name, t.locale as tenant_locale,
           case when u.role = 'consumer' then u.email end as user_email,
           case when u.role = 'consumer' then u.name end as user_name,
           c.payer_email as checkout_email
      from checkouts c
      join tenants t on t.id = c.tenant_id
      left join users u on u.tenant_id = c.tenant_id and u.id = c.created_by
     where c.tenant_id = ${ctx.tenantId} and c.mode = ${ctx.mode} and c.id = ${checkoutId}`);
  const [c] = (Array.isArray(result) ? result : (result as unknown as { rows: unknown[] }).rows) as {
    id: string;
    amount: string;
    currency: string;
    failure_message: string | null;
    purpose: string;
    tenant_name: string;
    tenant_locale: string;
    user_email: string | null;
    user_name: string | null;
    checkout_email: string | null;
  }[];
  if (!c) return [];
  const email = opts.payerEmail ?? c.user_email ?? c.checkout_email;
  if (c.purpose !== 'payment' || !email) return [];
  const amount = money(c.amount, c.currency, c.tenant_locale);
  const reason = c.failure_message ?? 'The payment did not go through.';
  return enqueueMany(tx, ctx, [
    {
      channel: 'email',
      recipient: email,
      template: 'payment.failed',
      dedupeKey: `payment.failed:${c.id}`,
      subject: `Payment failed: ${amount} to ${c.tenant_name}`,
      body: `${c.user_name ? `Hello ${c.user_name},` : 'Hello,'}\n\nyour payment of ${amount} to ${c.tenant_name} failed and no money was taken.\n\nThe payment gateway said: ${reason}\n\nAttempt ID: ${c.id}\n\nYou can try again from Bill Pay.\n\n${c.tenant_name}\n`,
    },
  ]);
}
