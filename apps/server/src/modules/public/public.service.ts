import { and, eq, inArray } from 'drizzle-orm';
import type { Database, TenantContext } from '../../db/client.ts';
import { first } from '../../db/client.ts';
import { accounts, bills, paymentLinks, tenants } from '../../db/schema.ts';
import { AppError, notFound, validationFailed } from '../../platform/errors.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { type BillRow, billFigures } from '../bills/bills.service.ts';
import { formatReference, parseReference } from '../bills/reference.ts';
import type { CheckoutRow, CheckoutService } from '../gateways/checkouts.service.ts';
import type { GatewayService } from '../gateways/gateways.service.ts';
import type { LinkService } from '../links/links.service.ts';
import { refuseUnlessActive } from '../links/links.usage.ts';
import { brandingOf, tenantSettings } from '../tenants/tenants.service.ts';

/**
 * What a payer reaches without an account (issue 5): quick pay by reference id, the public
 * verification of an e-challan, payment links, and the result of a checkout they started. Every
 * look-up finds the tenant first (the reference's 5-digit prefix, or the link's token), then runs
 * tenant-scoped. Nothing personal is shown beyond what a printed challan shows, and the account
 * holder's name is masked.
 */

/** "Isidro Garcia" -> "I***** G*****": enough to recognise one's own bill, not to learn a name. */
export function maskName(name: string) {
  return name
    .trim()
    .split(/\s+/)
    .map((w) => (w.length <= 1 ? w : `${[...w][0]}${'*'.repeat([...w].length - 1)}`))
    .join(' ');
}

/** "CRN29391" -> "****9391". */
export const maskAccount = (n: string) => (n.length <= 4 ? n : `${'*'.repeat(n.length - 4)}${n.slice(-4)}`);

/** Where the gateway sends a payer back to (the web app's public result page). */
export const PUBLIC_RESULT_PATH = '/pay/result';

export function publicBillView(b: BillRow, acc: { name: string; accountNumber: string }, today: string) {
  const f = billFigures(b, today);
  return {
    reference_id: b.referenceId,
    reference_display: formatReference(b.referenceId),
    bill_number: b.billNumber,
    kind: b.kind,
    service_name: b.serviceName,
    billing_period: b.billingPeriod,
    period_start: b.periodStart,
    period_end: b.periodEnd,
    due_date: b.dueDate,
    currency: b.currency,
    amount: toWire(b.amount),
    late_fee: toWire(b.lateFee),
    late_fee_applies: f.late && b.lateFee > 0n,
    amount_paid: toWire(b.amountPaid),
    amount_due: toWire(f.outstanding),
    status: f.status,
    payable: f.outstanding > 0n && !['cancelled', 'expired', 'paid'].includes(f.status),
    paid_at: b.paidAt?.toISOString() ?? null,
    account_holder: maskName(acc.name),
    account_number: maskAccount(acc.accountNumber),
    livemode: b.mode === 'live',
  };
}
export type PublicBillView = ReturnType<typeof publicBillView>;

export type PublicService = ReturnType<typeof createPublicService>;

export function createPublicService({
  db,
  checkouts,
  gateways,
  links,
}: {
  db: Database;
  checkouts: CheckoutService;
  gateways: GatewayService;
  links: LinkService;
}) {
  async function tenantRow(id: string) {
    const t = await db.system((tx) => tx.select().from(tenants).where(eq(tenants.id, id)).then(first));
    if (!t) throw notFound('Tenant', id);
    return t;
  }

  /** A bill by its reference id: checked digits, then the tenant by prefix, then scoped. */
  async function findBill(reference: string) {
    const parsed = parseReference(reference);
    if (!parsed.ok)
      throw validationFailed(
        [{ field: 'reference', reason: parsed.reason }],
        `The reference id ${parsed.reason}.`,
      );
    const unknown = () =>
      new AppError(
        404,
        'reference_not_found',
        `No bill has reference ${formatReference(parsed.reference)}.`,
        {
          errors: [{ field: 'reference', reason: 'no bill has this reference id' }],
        },
      );
    const tenant = await db.system((tx) =>
      tx.select().from(tenants).where(eq(tenants.refPrefix, parsed.tenantPrefix)).then(first),
    );
    if (tenant?.status !== 'active') throw unknown();
    // A reference is unique per tenant across modes (one counter); live bills are the usual case.
    for (const mode of ['live', 'test'] as const) {
      const ctx: TenantContext = { tenantId: tenant.id, mode };
      const found = await db.withTenant(ctx, async (tx) => {
        const row = await tx
          .select({ bill: bills, name: accounts.name, accountNumber: accounts.accountNumber })
          .from(bills)
          .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId)))
          .where(
            and(
              eq(bills.tenantId, ctx.tenantId),
              eq(bills.mode, mode),
              eq(bills.referenceId, parsed.reference),
            ),
          )
          .then(first);
        if (!row) return undefined;
        const today = todayIn((await tenantSettings(tx, ctx.tenantId)).timeZone);
        return { ...row, today };
      });
      if (found) return { ctx, tenant, ...found };
    }
    throw unknown();
  }

  async function billPage(reference: string) {
    const f = await findBill(reference);
    return {
      biller: brandingOf(f.tenant),
      bill: publicBillView(f.bill, f, f.today),
      payment_methods: await gateways.available(f.ctx),
    };
  }

  /** Problems of checkouts.create about "the bill" are about the reference the payer typed. */
  const asReferenceError = (err: unknown): never => {
    if (err instanceof AppError && err.code === 'validation_failed' && err.errors?.length) {
      throw validationFailed(
        err.errors.map((e) => (e.field.startsWith('bill_') ? { field: 'reference', reason: e.reason } : e)),
        err.message,
      );
    }
    throw err;
  };

  const gatewayFailure = (c: CheckoutRow) => {
    if (c.status !== 'failed') return c;
    throw new AppError(
      502,
      'gateway_checkout_failed',
      c.failureMessage ?? 'The gateway refused the payment.',
      {
        extensions: { checkout_id: c.id },
      },
    );
  };

  async function checkoutRow(id: string) {
    const c = await checkouts.locate(id);
    if (c?.purpose !== 'payment') throw new AppError(404, 'not_found', 'No such payment attempt.');
    return c;
  }

  return {
    billPage,

    /** The tenant context and bill id behind a reference (for the public challan). */
    async billRef(reference: string) {
      const f = await findBill(reference);
      return { ctx: f.ctx, billId: f.bill.id };
    },

    async verify(reference: string) {
      const page = await billPage(reference);
      return { genuine: true as const, biller: page.biller, bill: page.bill };
    },

    async payBill(reference: string, input: { gateway: string; payer_email?: string | undefined }) {
      const f = await findBill(reference);
      const c = await checkouts
        .create(
          f.ctx,
          {
            gateway: input.gateway,
            bill_ids: [f.bill.id],
            return_to: PUBLIC_RESULT_PATH,
            payer_email: input.payer_email,
          },
          { consumer: false },
        )
        .catch(asReferenceError);
      return gatewayFailure(c);
    },

    async linkPage(token: string) {
      const found = await links.byToken(token);
      if (!found) throw new AppError(404, 'payment_link_not_found', 'This payment link does not exist.');
      const { link, ctx, target, today, view } = found;
      const tenant = await tenantRow(ctx.tenantId);
      const acc = target.bill
        ? await db.withTenant(ctx, (tx) =>
            tx
              .select({ name: accounts.name, accountNumber: accounts.accountNumber })
              .from(accounts)
              .where(and(eq(accounts.tenantId, ctx.tenantId), eq(accounts.id, target.bill!.accountId)))
              .then(first),
          )
        : undefined;
      return {
        biller: brandingOf(tenant),
        link: {
          status: view.status,
          description: link.description,
          currency: link.currency,
          amount_due: view.amount_due,
          reusable: link.reusable,
          expires_at: view.expires_at,
          account_number: target.accountNumber ? maskAccount(target.accountNumber) : null,
          bill: target.bill && acc ? publicBillView(target.bill, acc, today) : null,
        },
        payment_methods: view.status === 'active' ? await gateways.available(ctx) : [],
      };
    },

    async payLink(token: string, input: { gateway: string; payer_email?: string | undefined }) {
      const found = await links.byToken(token);
      if (!found) throw new AppError(404, 'payment_link_not_found', 'This payment link does not exist.');
      const { link, ctx } = found;
      refuseUnlessActive(link);
      const c = await checkouts.create(
        ctx,
        {
          gateway: input.gateway,
          ...(link.billId
            ? { bill_ids: [link.billId] }
            : { account: { id: link.accountId!, amount: link.amount!, description: link.description } }),
          return_to: PUBLIC_RESULT_PATH,
          payer_email: input.payer_email,
          payment_link_id: link.id,
        },
        { consumer: false },
      );
      return gatewayFailure(c);
    },

    /** The result page's data: no description (it names the account), bill numbers instead. */
    async checkout(id: string) {
      const c = await checkoutRow(id);
      const ctx: TenantContext = { tenantId: c.tenantId, mode: c.mode };
      const tenant = await tenantRow(c.tenantId);
      const extra = await db.withTenant(ctx, async (tx) => {
        const list = c.billIds.length
          ? await tx
              .select({ billNumber: bills.billNumber, referenceId: bills.referenceId })
              .from(bills)
              .where(and(eq(bills.tenantId, ctx.tenantId), inArray(bills.id, c.billIds)))
          : [];
        const link = c.paymentLinkId
          ? await tx
              .select({ token: paymentLinks.token })
              .from(paymentLinks)
              .where(and(eq(paymentLinks.tenantId, ctx.tenantId), eq(paymentLinks.id, c.paymentLinkId)))
              .then(first)
          : undefined;
        return { list, link };
      });
      const methods = await gateways.available(ctx);
      return {
        id: c.id,
        status: c.status,
        gateway: c.gateway,
        gateway_name: methods.find((m) => m.gateway === c.gateway)?.display_name ?? c.gateway,
        amount: toWire(c.amount),
        currency: c.currency,
        bill_numbers: extra.list.map((b) => b.billNumber),
        reference_id: extra.list.length === 1 ? extra.list[0]!.referenceId : null,
        link_token: extra.link?.token ?? null,
        failure: c.failureMessage
          ? { reason: c.failureReason, code: c.failureCode, message: c.failureMessage }
          : null,
        payment_id: c.paymentId,
        biller: brandingOf(tenant),
        created_at: c.createdAt.toISOString(),
      };
    },

    async retry(id: string, gateway?: string) {
      const c = await checkoutRow(id);
      const next = await checkouts
        .retry({ tenantId: c.tenantId, mode: c.mode }, c.id, gateway)
        .catch(asReferenceError);
      return gatewayFailure(next);
    },
  };
}
