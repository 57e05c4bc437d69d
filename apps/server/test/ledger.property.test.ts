import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER, ledgerBalance } from '../src/modules/ledger/ledger.service.ts';
import {
  recordPayment,
  recordPayments,
  refundPayment,
  reversePayment,
} from '../src/modules/payments/payments.service.ts';
import { AppError } from '../src/platform/errors.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/**
 * Property: any sequence of payments (exact and flexible, partial, over, several bills,
 * unidentified), retries, refunds and reversals keeps every journal entry balanced, every bill's
 * outstanding amount equal to its amount minus its allocations, and the ledger balances equal to
 * what the bills and payments say.
 */
let ctx: TestContext;
let fx: TenantFixture;
const actor = { type: 'system' as const, id: 'property-test' };

beforeAll(async () => {
  ctx = await createTestApp();
  fx = await createTenantFixture(ctx);
});
afterAll(() => ctx.close());

const billArb = fc.record({
  amount: fc.bigInt({ min: 1n, max: 50_000n }),
  lateFee: fc.bigInt({ min: 0n, max: 2_000n }),
  overdue: fc.boolean(),
  allowPartial: fc.boolean(),
});

const opArb = fc.oneof(
  fc.record({
    kind: fc.constant('pay' as const),
    bills: fc.subarray([0, 1, 2]),
    amount: fc.bigInt({ min: 1n, max: 120_000n }),
    policy: fc.constantFrom('exact' as const, 'flexible' as const),
    retry: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('unidentified' as const), amount: fc.bigInt({ min: 1n, max: 10_000n }) }),
  fc.record({
    kind: fc.constant('refund' as const),
    payment: fc.nat(),
    amount: fc.option(fc.bigInt({ min: 1n, max: 60_000n })),
  }),
  fc.record({ kind: fc.constant('reverse' as const), payment: fc.nat() }),
  // Several postings in one transaction (as the bank batcher does), possibly repeating a reference.
  fc.record({
    kind: fc.constant('batch' as const),
    items: fc.array(
      fc.record({ bill: fc.integer({ min: 0, max: 2 }), amount: fc.bigInt({ min: 1n, max: 60_000n }) }),
      { minLength: 2, maxLength: 5 },
    ),
    repeat: fc.boolean(),
  }),
);

let run = 0;

describe('ledger properties', () => {
  it('hold for any sequence of payments, partial and over payments, refunds and reversals', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(billArb, billArb, billArb),
        fc.array(opArb, { minLength: 1, maxLength: 12 }),
        async (billSpecs, ops) => {
          run++;
          const c = { tenantId: fx.tenantId, mode: 'live' as const };
          const account = await ctx.app.services.accounts.create(
            c,
            { account_number: `P-${run}`, name: 'Prop', service_types: [] },
            actor,
          );
          const created = await ctx.app.services.bills.createBatch(
            c,
            billSpecs.map((b, i) => ({
              account_number: account.accountNumber,
              bill_number: `P-${run}-${i}`,
              kind: 'bill' as const,
              service_name: 'Water',
              billing_period: 'March 2025',
              amount: b.amount,
              late_fee: b.lateFee,
              due_date: b.overdue ? '2020-01-01' : '2099-01-01',
              allow_partial: b.allowPartial,
            })),
            actor,
          );
          const paymentIds: string[] = [];
          let n = 0;
          for (const op of ops) {
            try {
              await ctx.db.withTenant(c, async (tx) => {
                if (op.kind === 'pay' || op.kind === 'unidentified') {
                  const ref = `R-${run}-${n++}`;
                  const input =
                    op.kind === 'pay'
                      ? {
                          channel: 'cash' as const,
                          channelSource: 'prop',
                          channelRef: ref,
                          amount: op.amount,
                          currency: 'USD',
                          accountId: account.id,
                          billIds: op.bills.map((i) => created[i]!.id),
                          policy: op.policy,
                        }
                      : {
                          channel: 'bank_api' as const,
                          channelSource: 'prop',
                          channelRef: ref,
                          amount: op.amount,
                          currency: 'USD',
                          policy: 'flexible' as const,
                        };
                  const r = await recordPayment(tx, c, input);
                  paymentIds.push(r.payment.id);
                  if (op.kind === 'pay' && op.retry) {
                    const again = await recordPayment(tx, c, input);
                    expect(again.replayed).toBe(true);
                    expect(again.payment.id).toBe(r.payment.id);
                  }
                } else if (op.kind === 'batch') {
                  const inputs = op.items.map((it, k) => ({
                    channel: 'cash' as const,
                    channelSource: 'prop',
                    channelRef: `R-${run}-${n}-${k}`,
                    amount: it.amount,
                    currency: 'USD',
                    billIds: [created[it.bill]!.id],
                    policy: 'exact' as const,
                  }));
                  n++;
                  if (op.repeat) inputs.push({ ...inputs[0]! });
                  const outcomes = await recordPayments(tx, c, inputs);
                  for (const o of outcomes) if (o.ok && !o.replayed) paymentIds.push(o.payment.id);
                  if (op.repeat && outcomes[0]!.ok) {
                    const last = outcomes[outcomes.length - 1]!;
                    expect(
                      last.ok &&
                        last.replayed &&
                        last.payment.id === (outcomes[0] as { payment: { id: string } }).payment.id,
                    ).toBe(true);
                  }
                } else if (paymentIds.length) {
                  const id = paymentIds[op.payment % paymentIds.length]!;
                  if (op.kind === 'refund')
                    await refundPayment(tx, c, id, op.amount ?? undefined, 'property', actor);
                  else await reversePayment(tx, c, id, 'property', actor);
                }
              });
            } catch (err) {
              // Refused operations (amount mismatch, already paid, nothing to refund…) are expected
              // outcomes; they must be typed errors and must change nothing.
              if (!(err instanceof AppError)) throw err;
              expect(err.status).toBeLessThan(500);
            }
          }
          await checkInvariants(c, account.id);
        },
      ),
      { numRuns: 30 },
    );
  });
});

async function checkInvariants(c: { tenantId: string; mode: 'live' }, accountId: string) {
  await ctx.db.withTenant(c, async (tx) => {
    const unbalanced = await ctx.db.rows(
      tx,
      sql`select entry_id, currency, sum(amount) from journal_lines group by entry_id, currency having sum(amount) <> 0`,
    );
    expect(unbalanced).toEqual([]);

    const bills = await ctx.db.rows<{
      id: string;
      amount: string;
      late_fee: string;
      late_fee_charged: boolean;
      amount_paid: string;
      status: string;
      allocated: string;
    }>(
      tx,
      sql`select b.id, b.amount::text, b.late_fee::text, b.late_fee_charged, b.amount_paid::text, b.status,
                 coalesce((select sum(a.amount) from allocations a where a.tenant_id = b.tenant_id and a.bill_id = b.id), 0)::text as allocated
            from bills b where b.account_id = ${accountId}`,
    );
    let receivable = 0n;
    for (const b of bills) {
      const total = BigInt(b.amount) + (b.late_fee_charged ? BigInt(b.late_fee) : 0n);
      expect(BigInt(b.amount_paid), b.id).toBe(BigInt(b.allocated));
      expect(BigInt(b.amount_paid) <= BigInt(b.amount) + BigInt(b.late_fee)).toBe(true);
      const outstanding = total - BigInt(b.allocated);
      if (b.status === 'paid') expect(BigInt(b.allocated) >= BigInt(b.amount)).toBe(true);
      if (b.status === 'unpaid') expect(BigInt(b.allocated)).toBe(0n);
      receivable += outstanding;
    }
    expect(await ledgerBalance(tx, c, LEDGER.receivable(accountId).code, 'USD')).toBe(receivable);

    const pays = await ctx.db.rows<{
      amount: string;
      credit: string;
      refunded: string;
      status: string;
      allocated: string;
      net_alloc: string;
    }>(
      tx,
      sql`select p.amount::text, p.credit_amount::text as credit, p.refunded_amount::text as refunded, p.status, p.allocated_amount::text as allocated,
                 coalesce((select sum(a.amount) from allocations a where a.tenant_id = p.tenant_id and a.payment_id = p.id), 0)::text as net_alloc
            from payments p where p.account_id = ${accountId}`,
    );
    let credit = 0n;
    for (const p of pays) {
      credit += BigInt(p.credit);
      expect(BigInt(p.allocated)).toBe(BigInt(p.net_alloc));
      if (p.status === 'reversed') expect(BigInt(p.net_alloc)).toBe(0n);
    }
    expect(-(await ledgerBalance(tx, c, LEDGER.credit(accountId).code, 'USD'))).toBe(credit);

    // Money taken and still held: clearing equals the unrefunded, unreversed amounts of every payment.
    const clearing = await ctx.db.rows<{ total: string }>(
      tx,
      sql`select coalesce(sum(amount - refunded_amount), 0)::text as total from payments
           where channel_source = 'prop' and channel = 'cash' and status in ('successful', 'refunded')`,
    );
    expect(await ledgerBalance(tx, c, LEDGER.clearing('cash', 'prop').code, 'USD')).toBe(
      BigInt(clearing[0]!.total),
    );
    const suspense = await ctx.db.rows<{ total: string }>(
      tx,
      sql`select coalesce(sum(suspense_amount), 0)::text as total from payments`,
    );
    expect(-(await ledgerBalance(tx, c, LEDGER.suspense.code, 'USD'))).toBe(BigInt(suspense[0]!.total));
  });
}
