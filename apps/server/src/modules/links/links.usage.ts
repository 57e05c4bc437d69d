import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { first, type TenantContext, type Tx } from '../../db/client.ts';
import { checkouts, paymentLinks } from '../../db/schema.ts';
import { AppError } from '../../platform/errors.ts';

export type PaymentLinkRow = typeof paymentLinks.$inferSelect;

/** What a payer sees of a link's state: `expired` is derived from expires_at, never stored. */
export type LinkState = 'active' | 'used' | 'disabled' | 'expired';

export function linkState(l: PaymentLinkRow, now = new Date()): LinkState {
  if (l.status !== 'active') return l.status;
  if (l.expiresAt && l.expiresAt <= now) return 'expired';
  return 'active';
}

const REFUSALS: Record<Exclude<LinkState, 'active'>, { status: number; detail: string }> = {
  used: { status: 410, detail: 'This payment link has already been paid.' },
  disabled: { status: 410, detail: 'This payment link was disabled by the biller.' },
  expired: { status: 410, detail: 'This payment link has expired.' },
};

export function refuseUnlessActive(l: PaymentLinkRow) {
  const state = linkState(l);
  if (state === 'active') return;
  const r = REFUSALS[state];
  throw new AppError(r.status, `payment_link_${state}`, r.detail, {
    extensions: { link_status: state },
  });
}

/**
 * Called in the transaction that inserts a checkout for a link (checkouts.service.ts): the link
 * row is locked, so two payers starting at the same moment queue here. A single-use link takes
 * one open attempt at a time; the second payer is refused (409) rather than sent to a gateway
 * where both could pay. A failed, cancelled or expired attempt frees the link again.
 */
export async function claimLinkForCheckout(tx: Tx, ctx: TenantContext, linkId: string) {
  const link = await tx
    .select()
    .from(paymentLinks)
    .where(
      and(
        eq(paymentLinks.tenantId, ctx.tenantId),
        eq(paymentLinks.mode, ctx.mode),
        eq(paymentLinks.id, linkId),
      ),
    )
    .for('update')
    .then(first);
  if (!link) throw new AppError(404, 'payment_link_not_found', 'This payment link does not exist.');
  refuseUnlessActive(link);
  if (!link.reusable) {
    const open = await tx
      .select({ id: checkouts.id })
      .from(checkouts)
      .where(
        and(
          eq(checkouts.tenantId, ctx.tenantId),
          eq(checkouts.mode, ctx.mode),
          eq(checkouts.paymentLinkId, link.id),
          inArray(checkouts.status, ['creating', 'open', 'processing']),
          gt(checkouts.expiresAt, new Date()),
        ),
      )
      .limit(1)
      .then(first);
    if (open) {
      throw new AppError(
        409,
        'payment_link_busy',
        'Someone is paying this link right now. If that was you, finish on the payment page, or try again in a few minutes.',
      );
    }
  }
  return link;
}

/**
 * Counts a successful payment against its link, in the transaction that records the payment
 * (checkouts.service.ts `recordSuccess`). A single-use link becomes `used`. Returns false when a
 * single-use link had already been used (the money is still recorded: it was taken).
 */
export async function recordLinkUse(tx: Tx, ctx: TenantContext, linkId: string): Promise<boolean> {
  const [row] = await tx
    .update(paymentLinks)
    .set({
      uses: sql`${paymentLinks.uses} + 1`,
      status: sql`case when ${paymentLinks.reusable} then ${paymentLinks.status} else 'used' end`,
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(paymentLinks.tenantId, ctx.tenantId),
        eq(paymentLinks.mode, ctx.mode),
        eq(paymentLinks.id, linkId),
      ),
    )
    .returning({ uses: paymentLinks.uses, reusable: paymentLinks.reusable });
  return !!row && (row.reusable || row.uses === 1);
}
