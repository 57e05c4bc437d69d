import { randomBytes } from 'node:crypto';
import { and, desc, eq, gt, ilike, isNotNull, isNull, lt, lte, or, type SQL } from 'drizzle-orm';
import type { Config } from '../../config/env.ts';
import { type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import { accounts, bills, outboundMessages, paymentLinks, tenants } from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { AppError, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { displayMoney } from '../../platform/money.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { findAccountByNumber } from '../accounts/accounts.service.ts';
import { type BillRow, billFigures } from '../bills/bills.service.ts';
import { enqueue } from '../notifications/outbox.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import type { LinkView } from './links.schemas.ts';
import { type LinkState, linkState, type PaymentLinkRow } from './links.usage.ts';

/**
 * Payment links (issue 5, seed 003 "Link de Pago"): a URL a CSO shares by WhatsApp, email or SMS
 * that pays one bill, or an amount on an account, through the biller's gateways without signing
 * in. The token is 128 random bits (base64url); the row is found by token before the tenant is
 * known (a unique index on token), then everything runs tenant-scoped.
 */

export interface LinkCreate {
  bill_id?: string | undefined;
  account_id?: string | undefined;
  account_number?: string | undefined;
  amount?: bigint | undefined;
  description?: string | undefined;
  expires_at?: string | undefined;
  reusable: boolean;
  phone?: string | undefined;
}

export interface LinkTarget {
  bill: BillRow | null;
  accountNumber: string | null;
}

export const newLinkToken = () => randomBytes(16).toString('base64url');

export const linkUrl = (config: Config, token: string) => `${config.publicUrl}/l/${token}`;

/** wa.me share URL: the chat picker, or a chat with `phone` (digits only, as wa.me wants). */
export function whatsappUrl(text: string, phone?: string | null) {
  const digits = phone?.replace(/\D/g, '') ?? '';
  return `https://wa.me/${digits}?text=${encodeURIComponent(text)}`;
}

export type LinkService = ReturnType<typeof createLinkService>;

export function createLinkService({ db, config }: { db: Database; config: Config }) {
  async function targetOf(tx: Tx, ctx: TenantContext, l: PaymentLinkRow): Promise<LinkTarget> {
    if (l.billId) {
      const row = await tx
        .select({ bill: bills, accountNumber: accounts.accountNumber })
        .from(bills)
        .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId)))
        .where(and(eq(bills.tenantId, ctx.tenantId), eq(bills.id, l.billId)))
        .then(first);
      return { bill: row?.bill ?? null, accountNumber: row?.accountNumber ?? null };
    }
    const acc = l.accountId
      ? await tx
          .select({ number: accounts.accountNumber })
          .from(accounts)
          .where(and(eq(accounts.tenantId, ctx.tenantId), eq(accounts.id, l.accountId)))
          .then(first)
      : undefined;
    return { bill: null, accountNumber: acc?.number ?? null };
  }

  function shareText(l: PaymentLinkRow, due: bigint | null, locale = 'en') {
    const amount = due !== null ? `${displayMoney(due, l.currency, locale)} ` : '';
    return `${l.description}: pay ${amount}online at ${linkUrl(config, l.token)}`;
  }

  function view(l: PaymentLinkRow, t: LinkTarget, today: string, phone?: string): LinkView {
    const due = t.bill ? billFigures(t.bill, today).outstanding : l.amount;
    return {
      id: l.id,
      object: 'payment_link',
      status: linkState(l),
      url: linkUrl(config, l.token),
      whatsapp_url: whatsappUrl(shareText(l, due), phone),
      bill_id: l.billId,
      bill_number: t.bill?.billNumber ?? null,
      account_id: t.bill?.accountId ?? l.accountId,
      account_number: t.accountNumber,
      amount: l.amount === null ? null : toWire(l.amount),
      amount_due: due === null ? null : toWire(due),
      currency: l.currency,
      description: l.description,
      reusable: l.reusable,
      uses: l.uses,
      expires_at: l.expiresAt?.toISOString() ?? null,
      livemode: l.mode === 'live',
      created_at: l.createdAt.toISOString(),
      updated_at: l.updatedAt.toISOString(),
    };
  }

  async function load(tx: Tx, ctx: TenantContext, id: string) {
    const l = await tx
      .select()
      .from(paymentLinks)
      .where(
        and(
          eq(paymentLinks.tenantId, ctx.tenantId),
          eq(paymentLinks.mode, ctx.mode),
          eq(paymentLinks.id, id),
        ),
      )
      .then(first);
    if (!l) throw notFound('Payment link', id);
    return l;
  }

  async function viewOf(tx: Tx, ctx: TenantContext, l: PaymentLinkRow, phone?: string) {
    const settings = await tenantSettings(tx, ctx.tenantId);
    return view(l, await targetOf(tx, ctx, l), todayIn(settings.timeZone), phone);
  }

  return {
    shareText,

    async create(ctx: TenantContext, input: LinkCreate, actor: Actor): Promise<LinkView> {
      const errors: { field: string; reason: string }[] = [];
      const forAccount = input.account_id !== undefined || input.account_number !== undefined;
      if (input.bill_id && forAccount)
        errors.push({ field: 'bill_id', reason: 'give a bill, or an account with an amount, not both' });
      if (!input.bill_id && !forAccount)
        errors.push({
          field: 'bill_id',
          reason: 'give a bill_id, or an account_id/account_number with an amount',
        });
      if (input.bill_id && input.amount !== undefined)
        errors.push({ field: 'amount', reason: 'a bill link pays what the bill owes; leave amount out' });
      if (forAccount && input.amount === undefined)
        errors.push({ field: 'amount', reason: 'is required for a link on an account' });
      if (input.account_id && input.account_number)
        errors.push({ field: 'account_number', reason: 'give account_id or account_number, not both' });
      const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
      if (expiresAt && expiresAt.getTime() <= Date.now())
        errors.push({ field: 'expires_at', reason: 'must be in the future' });
      if (expiresAt && expiresAt.getTime() > Date.now() + 366 * 86400_000)
        errors.push({ field: 'expires_at', reason: 'must be within a year' });
      if (errors.length) throw validationFailed(errors);

      return db.withTenant(ctx, async (tx) => {
        const settings = await tenantSettings(tx, ctx.tenantId);
        const today = todayIn(settings.timeZone);
        let billId: string | null = null;
        let accountId: string | null = null;
        let description = input.description;
        if (input.bill_id) {
          const row = await tx
            .select({ bill: bills, accountNumber: accounts.accountNumber })
            .from(bills)
            .innerJoin(accounts, and(eq(accounts.tenantId, bills.tenantId), eq(accounts.id, bills.accountId)))
            .where(
              and(eq(bills.tenantId, ctx.tenantId), eq(bills.mode, ctx.mode), eq(bills.id, input.bill_id)),
            )
            .then(first);
          if (!row) throw validationFailed([{ field: 'bill_id', reason: 'no such bill' }]);
          const f = billFigures(row.bill, today);
          if (row.bill.status === 'cancelled')
            throw validationFailed([{ field: 'bill_id', reason: 'is cancelled' }]);
          if (f.status === 'expired') throw validationFailed([{ field: 'bill_id', reason: 'is expired' }]);
          if (f.outstanding === 0n) throw validationFailed([{ field: 'bill_id', reason: 'is already paid' }]);
          billId = row.bill.id;
          description ??= `Bill ${row.bill.billNumber} (${row.bill.billingPeriod || row.bill.serviceName})`;
        } else {
          const acc = input.account_id
            ? await tx
                .select()
                .from(accounts)
                .where(
                  and(
                    eq(accounts.tenantId, ctx.tenantId),
                    eq(accounts.mode, ctx.mode),
                    eq(accounts.id, input.account_id),
                  ),
                )
                .then(first)
            : await findAccountByNumber(tx, ctx, input.account_number!);
          const field = input.account_id ? 'account_id' : 'account_number';
          if (!acc) throw validationFailed([{ field, reason: 'no such account' }]);
          if (acc.status !== 'active') throw validationFailed([{ field, reason: 'the account is closed' }]);
          accountId = acc.id;
          description ??= `Payment on account ${acc.accountNumber}`;
        }
        const [row] = await tx
          .insert(paymentLinks)
          .values({
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            id: newId('lnk'),
            token: newLinkToken(),
            billId,
            accountId,
            amount: billId ? null : input.amount!,
            currency: settings.currency,
            description: description!,
            reusable: input.reusable,
            expiresAt,
            createdBy: actor.id,
          })
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'payment_link.created',
          targetType: 'payment_link',
          targetId: row!.id,
          after: {
            bill_id: billId,
            account_id: accountId,
            amount: row!.amount === null ? null : toWire(row!.amount),
            reusable: row!.reusable,
            expires_at: row!.expiresAt?.toISOString() ?? null,
          },
        });
        return view(row!, await targetOf(tx, ctx, row!), today, input.phone);
      });
    },

    async list(
      ctx: TenantContext,
      q: {
        limit: number;
        starting_after?: string | undefined;
        status?: LinkState | undefined;
        bill_id?: string | undefined;
        account_id?: string | undefined;
        search?: string | undefined;
      },
    ) {
      return db.withTenant(ctx, async (tx) => {
        const now = new Date();
        const conds: (SQL | undefined)[] = [
          eq(paymentLinks.tenantId, ctx.tenantId),
          eq(paymentLinks.mode, ctx.mode),
          q.starting_after ? lt(paymentLinks.id, q.starting_after) : undefined,
          q.bill_id ? eq(paymentLinks.billId, q.bill_id) : undefined,
          q.account_id ? eq(paymentLinks.accountId, q.account_id) : undefined,
          q.search ? ilike(paymentLinks.description, `%${q.search.replace(/[%_\\]/g, '\\$&')}%`) : undefined,
        ];
        if (q.status === 'expired')
          conds.push(
            eq(paymentLinks.status, 'active'),
            isNotNull(paymentLinks.expiresAt),
            lte(paymentLinks.expiresAt, now),
          );
        else if (q.status === 'active')
          conds.push(
            eq(paymentLinks.status, 'active'),
            or(isNull(paymentLinks.expiresAt), gt(paymentLinks.expiresAt, now)),
          );
        else if (q.status) conds.push(eq(paymentLinks.status, q.status));
        const rows = await tx
          .select()
          .from(paymentLinks)
          .where(and(...conds))
          .orderBy(desc(paymentLinks.id))
          .limit(q.limit + 1);
        const has_more = rows.length > q.limit;
        const page = has_more ? rows.slice(0, q.limit) : rows;
        const data: LinkView[] = [];
        for (const l of page) data.push(await viewOf(tx, ctx, l));
        return { data, has_more, next_cursor: has_more ? page[page.length - 1]!.id : null };
      });
    },

    async get(ctx: TenantContext, id: string, phone?: string) {
      return db.withTenant(ctx, async (tx) => viewOf(tx, ctx, await load(tx, ctx, id), phone));
    },

    /** Row and view, for sending. */
    async getRow(ctx: TenantContext, id: string) {
      return db.withTenant(ctx, async (tx) => {
        const l = await load(tx, ctx, id);
        return { row: l, view: await viewOf(tx, ctx, l) };
      });
    },

    async disable(ctx: TenantContext, id: string, actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const l = await load(tx, ctx, id);
        if (l.status === 'used')
          throw new AppError(
            409,
            'payment_link_used',
            'This link has been paid; there is nothing to disable.',
          );
        if (l.status === 'active') {
          const [after] = await tx
            .update(paymentLinks)
            .set({ status: 'disabled', updatedAt: new Date() })
            .where(and(eq(paymentLinks.tenantId, ctx.tenantId), eq(paymentLinks.id, id)))
            .returning();
          await recordAudit(tx, actor, {
            tenantId: ctx.tenantId,
            action: 'payment_link.disabled',
            targetType: 'payment_link',
            targetId: id,
            before: { status: l.status },
            after: { status: 'disabled' },
          });
          return viewOf(tx, ctx, after!);
        }
        return viewOf(tx, ctx, l);
      });
    },

    /**
     * Sends the link by email or SMS through the outbox (written in this transaction, delivered by
     * the worker). The same link to the same recipient within a minute is queued once (a
     * double-click); later it is a new message.
     */
    async send(
      ctx: TenantContext,
      id: string,
      input: { channel: 'email' | 'sms'; to: string },
      actor: Actor,
    ) {
      const to = input.to.trim();
      if (input.channel === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to))
        throw validationFailed([{ field: 'to', reason: 'must be an email address' }]);
      if (input.channel === 'sms' && !/^\+?[0-9][0-9 -]{6,19}$/.test(to))
        throw validationFailed([{ field: 'to', reason: 'must be a phone number, e.g. +6281234567890' }]);
      return db.withTenant(ctx, async (tx) => {
        const l = await load(tx, ctx, id);
        const v = await viewOf(tx, ctx, l);
        if (v.status !== 'active') {
          throw new AppError(409, `payment_link_${v.status}`, `This link is ${v.status}; it cannot be sent.`);
        }
        const tenant = (await tx
          .select({ name: tenants.displayName })
          .from(tenants)
          .where(eq(tenants.id, ctx.tenantId))
          .then(first))!;
        const due = v.amount_due === null ? null : BigInt(v.amount_due);
        const text = shareText(l, due);
        const minute = Math.floor(Date.now() / 60_000);
        const queued = await enqueue(tx, ctx, {
          channel: input.channel,
          recipient: input.channel === 'sms' ? to.replace(/[\s-]/g, '') : to.toLowerCase(),
          template: 'payment_link',
          subject: input.channel === 'email' ? `${tenant.name}: ${l.description}` : null,
          body:
            input.channel === 'email'
              ? `Hello,\n\n${tenant.name} sent you a payment link.\n\n${text}\n\nNo account is needed. If you did not expect this message, ignore it.`
              : `${tenant.name}: ${text}`,
          dedupeKey: `payment_link:${l.id}:${input.channel}:${to.toLowerCase()}:${minute}`,
        });
        const messageId =
          queued.id ??
          (
            await tx
              .select({ id: outboundMessages.id })
              .from(outboundMessages)
              .where(
                and(
                  eq(outboundMessages.tenantId, ctx.tenantId),
                  eq(
                    outboundMessages.dedupeKey,
                    `payment_link:${l.id}:${input.channel}:${to.toLowerCase()}:${minute}`,
                  ),
                ),
              )
              .then(first)
          )?.id ??
          '';
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'payment_link.sent',
          targetType: 'payment_link',
          targetId: l.id,
          after: { channel: input.channel, message_id: messageId },
        });
        return { queued: true as const, message_id: messageId, link: v };
      });
    },

    /**
     * The public side: a link by its token (before the tenant is known), with its tenant context
     * and target. Undefined for an unknown token.
     */
    async byToken(token: string) {
      if (!/^[A-Za-z0-9_-]{22}$/.test(token)) return undefined;
      const l = await db.system((tx) =>
        tx.select().from(paymentLinks).where(eq(paymentLinks.token, token)).then(first),
      );
      if (!l) return undefined;
      const ctx: TenantContext = { tenantId: l.tenantId, mode: l.mode };
      return db.withTenant(ctx, async (tx) => {
        const settings = await tenantSettings(tx, ctx.tenantId);
        const today = todayIn(settings.timeZone);
        const target = await targetOf(tx, ctx, l);
        return { link: l, ctx, target, today, view: view(l, target, today) };
      });
    },
  };
}
