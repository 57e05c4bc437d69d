import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { buildQris, type QrisMerchant } from '../../channels/qr/emvco.ts';
import type { Config } from '../../config/env.ts';
import { type Database, first, type TenantContext } from '../../db/client.ts';
import { accounts, bills, tenants } from '../../db/schema.ts';
import { type ChallanData, renderChallan } from '../../documents/challan.ts';
import { DocumentInputError } from '../../documents/pdf.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { todayIn } from '../../platform/wire.ts';
import { billFigures } from '../bills/bills.service.ts';
import { maskName } from '../public/public.service.ts';

/**
 * Printable e-challans (issue 5, seed 000): the bill with its reference id, a QR of its quick-pay
 * URL (PUBLIC_URL/pay?ref=<reference>), and, where the tenant configured a QRIS merchant and bills
 * in IDR, a dynamic QRIS payload for the amount due (channels/qr/emvco.ts). The same renderer
 * serves the back office, the consumer and the public page; the public copy masks the name.
 */

export const quickPayUrl = (config: Config, reference: string) => `${config.publicUrl}/pay?ref=${reference}`;

export type ChallanService = ReturnType<typeof createChallanService>;

export function createChallanService({ db, config, log }: { db: Database; config: Config; log?: Logger }) {
  return {
    /**
     * The PDF of one bill. `owner` confines it to a consumer's own accounts; `maskHolder` prints
     * the account holder's name masked (the public copy).
     */
    async render(
      ctx: TenantContext,
      billId: string,
      opts: { ownerUserId?: string; maskHolder?: boolean } = {},
    ): Promise<{ pdf: Buffer; filename: string }> {
      const data = await db.withTenant(ctx, async (tx) => {
        const row = await tx
          .select({ bill: bills, account: accounts })
          .from(bills)
          .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId)))
          .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.mode, ctx.mode), eq(bills.id, billId)))
          .then(first);
        if (!row || (opts.ownerUserId !== undefined && row.account.userId !== opts.ownerUserId))
          throw notFound('Bill', billId);
        const tenant = (await tx.select().from(tenants).where(eq(tenants.id, ctx.tenantId)).then(first))!;
        return { ...row, tenant };
      });
      const { bill: b, account: a, tenant: t } = data;
      if (b.status === 'cancelled')
        throw new AppError(409, 'bill_cancelled', 'A cancelled bill has no challan to pay.');
      const f = billFigures(b, todayIn(t.timeZone));
      let qris: string | undefined;
      // A QRIS payload asks for one amount: the bill's, before or after its due date. A bill that
      // is partly paid or paid has no such amount, so it gets no QRIS code (the pay link remains).
      if (t.qrisMerchant && b.currency === 'IDR' && b.amountPaid === 0n && f.outstanding > 0n) {
        try {
          qris = buildQris(t.qrisMerchant as unknown as QrisMerchant, {
            amount: f.late ? b.amount + b.lateFee : b.amount,
            billNumber: b.billNumber.slice(0, 25),
            referenceLabel: b.referenceId,
          });
        } catch (err) {
          // Validated when saved; a merchant that no longer builds is logged, not printed wrong.
          log?.warn({ err, tenant: t.id }, 'QRIS merchant does not build; challan printed without it');
        }
      }
      const input: ChallanData = {
        tenant: { name: t.displayName, color: t.primaryColor },
        locale: t.locale,
        timeZone: t.timeZone,
        bill: {
          billNumber: b.billNumber,
          billingPeriod: b.billingPeriod || b.serviceName,
          ...(b.kind === 'service' && b.serviceName ? { serviceName: b.serviceName } : {}),
          referenceId: b.referenceId,
          currency: b.currency,
          amount: b.amount,
          lateFee: b.lateFee,
          dueDate: b.dueDate,
          ...(b.lineItems.length
            ? {
                lineItems: b.lineItems.map((li) => ({
                  description: li.description,
                  amount: BigInt(li.amount),
                })),
              }
            : {}),
        },
        account: { number: a.accountNumber, name: opts.maskHolder ? maskName(a.name) : a.name },
        payUrl: quickPayUrl(config, b.referenceId),
        ...(qris ? { qris } : {}),
        issuedAt: b.createdAt,
      };
      try {
        // Fixed creation date: a re-download of the same bill gives the same bytes.
        const pdf = await renderChallan(input, { creationDate: b.createdAt });
        return { pdf, filename: `challan-${b.billNumber.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf` };
      } catch (err) {
        if (err instanceof DocumentInputError) {
          throw new AppError(409, 'challan_unprintable', `This bill cannot be printed: ${err.message}.`, {
            errors: [{ field: err.field, reason: err.reason }],
          });
        }
        throw err;
      }
    },
  };
}
