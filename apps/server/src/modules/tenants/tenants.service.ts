import type { QrisMerchantWire, tenantCreate, tenantUpdate } from '@billrail/contracts';
import { desc, eq, lt } from 'drizzle-orm';
import type { z } from 'zod';
import { buildQris, type QrisMerchant, QrPayloadError } from '../../channels/qr/emvco.ts';
import type { Config } from '../../config/env.ts';
import { type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import { tenants } from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { isCurrency } from '../../platform/money.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import type { UserService } from '../users/users.service.ts';

type TenantRow = typeof tenants.$inferSelect;

export function brandingOf(t: TenantRow) {
  return {
    slug: t.slug,
    name: t.name,
    display_name: t.displayName,
    logo_url: t.logoUrl,
    primary_color: t.primaryColor,
    locale: t.locale,
    currency: t.currency,
    time_zone: t.timeZone,
  };
}
export const tenantToView = (t: TenantRow) => ({
  id: t.id,
  ...brandingOf(t),
  status: t.status,
  created_at: t.createdAt.toISOString(),
  report_emails: t.reportEmails,
  report_time: t.reportTime,
  platform_fee_bps: t.platformFeeBps,
  qris_merchant: qrisToWire(t.qrisMerchant),
});

/** QRIS merchant: camelCase as stored (channels/qr/emvco.ts QrisMerchant), snake_case on the wire. */
function qrisToWire(stored: unknown): QrisMerchantWire | null {
  if (!stored) return null;
  const m = stored as QrisMerchant;
  return {
    acquirer: {
      guid: m.acquirer.guid,
      mpan: m.acquirer.mpan,
      merchant_id: m.acquirer.merchantId,
      criteria: m.acquirer.criteria,
      ...(m.acquirer.tag ? { tag: m.acquirer.tag } : {}),
    },
    nmid: m.nmid,
    criteria: m.criteria,
    mcc: m.mcc,
    name: m.name,
    city: m.city,
    postal_code: m.postalCode,
  };
}

const QRIS_WIRE_FIELD: Record<string, string> = {
  'acquirer.merchantId': 'acquirer.merchant_id',
  postalCode: 'postal_code',
  merchantName: 'name',
  merchantCity: 'city',
};

/** Checks a QRIS merchant as the QR builder will use it; errors name `qris_merchant.<field>`. */
function qrisFromWire(w: QrisMerchantWire, currency: string): QrisMerchant {
  if (currency !== 'IDR') {
    throw validationFailed([
      { field: 'qris_merchant', reason: `QRIS takes IDR only; this tenant bills in ${currency}` },
    ]);
  }
  const m: QrisMerchant = {
    acquirer: {
      guid: w.acquirer.guid,
      mpan: w.acquirer.mpan,
      merchantId: w.acquirer.merchant_id,
      criteria: w.acquirer.criteria,
      ...(w.acquirer.tag ? { tag: w.acquirer.tag } : {}),
    },
    nmid: w.nmid,
    criteria: w.criteria,
    mcc: w.mcc,
    name: w.name,
    city: w.city,
    postalCode: w.postal_code,
  };
  try {
    buildQris(m);
  } catch (err) {
    if (!(err instanceof QrPayloadError)) throw err;
    throw validationFailed(
      err.issues.map((i) => ({
        field: `qris_merchant.${QRIS_WIRE_FIELD[i.field] ?? i.field}`,
        reason: `${i.reason} (EMVCo ${i.tag})`,
      })),
      'The QRIS merchant is not valid.',
    );
  }
  return m;
}

const RESERVED_SLUGS = new Set(['platform', 'admin', 'api', 'v1', 'docs', 'www']);

export interface TenantSettings {
  id: string;
  currency: string;
  timeZone: string;
  refPrefix: number;
}

// Settings every money operation needs, cached briefly: currency and prefix never change, and a
// time-zone edit is picked up within the TTL.
const SETTINGS_TTL_MS = 30_000;
const settingsCache = new Map<string, { at: number; value: TenantSettings }>();

/** The tenant's currency, time zone and reference prefix, read inside the caller's transaction. */
export async function tenantSettings(tx: Tx, tenantId: string): Promise<TenantSettings> {
  const hit = settingsCache.get(tenantId);
  if (hit && Date.now() - hit.at < SETTINGS_TTL_MS) return hit.value;
  const row = await tx
    .select({
      id: tenants.id,
      currency: tenants.currency,
      timeZone: tenants.timeZone,
      refPrefix: tenants.refPrefix,
    })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
    .limit(1)
    .then(first);
  if (!row) throw notFound('Tenant', tenantId);
  settingsCache.set(tenantId, { at: Date.now(), value: row });
  return row;
}

export type TenantService = ReturnType<typeof createTenantService>;

export function createTenantService({ db, users }: { db: Database; config: Config; users: UserService }) {
  return {
    async getBySlug(slug: string) {
      const row = await db.system((tx) =>
        tx.select().from(tenants).where(eq(tenants.slug, slug)).limit(1).then(first),
      );
      if (row?.status !== 'active') throw notFound('Tenant', slug);
      return row;
    },

    /** Name and branding for pages a payer sees without signing in (hosted checkout, results). */
    async publicProfileById(id: string) {
      const row = await db.system((tx) =>
        tx.select().from(tenants).where(eq(tenants.id, id)).limit(1).then(first),
      );
      if (!row) throw notFound('Tenant', id);
      return { name: row.name, branding: brandingOf(row) };
    },

    async get(ctx: TenantContext) {
      const row = await db.withTenant(ctx, (tx) =>
        tx.select().from(tenants).where(eq(tenants.id, ctx.tenantId)).limit(1).then(first),
      );
      if (!row) throw notFound('Tenant', ctx.tenantId);
      return row;
    },

    /** Onboards a tenant with its first admin. Currency is fixed from here on. */
    async create(
      input: Omit<z.output<typeof tenantCreate>, 'platform_fee_bps'> & { platform_fee_bps?: number },
      actor: Actor,
    ) {
      if (RESERVED_SLUGS.has(input.slug)) {
        throw validationFailed([{ field: 'slug', reason: `"${input.slug}" is reserved` }]);
      }
      if (!isCurrency(input.currency))
        throw validationFailed([{ field: 'currency', reason: 'is not an ISO 4217 currency' }]);
      const taken = await db.system((tx) =>
        tx.select().from(tenants).where(eq(tenants.slug, input.slug)).limit(1).then(first),
      );
      if (taken)
        throw conflict('slug_taken', `The slug ${input.slug} is already used.`, [
          { field: 'slug', reason: 'is already used' },
        ]);
      const id = newId('ten');
      return db.withTenant({ tenantId: id, mode: 'live' }, async (tx) => {
        const [row] = await tx
          .insert(tenants)
          .values({
            id,
            tenantId: id,
            slug: input.slug,
            name: input.name,
            currency: input.currency,
            timeZone: input.time_zone,
            locale: input.locale,
            displayName: input.display_name ?? input.name,
            logoUrl: input.logo_url ?? null,
            ...(input.primary_color ? { primaryColor: input.primary_color } : {}),
            platformFeeBps: input.platform_fee_bps ?? 0,
          })
          .returning();
        await recordAudit(tx, actor, {
          tenantId: id,
          action: 'tenant.created',
          targetType: 'tenant',
          targetId: id,
          after: tenantToView(row!),
        });
        const admin = await users.insertUser(
          tx,
          id,
          { ...input.admin, role: 'tenant_admin', phone: null },
          actor,
        );
        return { tenant: row!, admin };
      });
    },

    async update(ctx: TenantContext, patch: z.output<typeof tenantUpdate>, actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const before = await tx
          .select()
          .from(tenants)
          .where(eq(tenants.id, ctx.tenantId))
          .limit(1)
          .then(first);
        if (!before) throw notFound('Tenant', ctx.tenantId);
        if (patch.currency !== undefined && patch.currency !== before.currency) {
          throw validationFailed(
            [{ field: 'currency', reason: `is fixed at onboarding (${before.currency}) and cannot change` }],
            'The currency of a tenant cannot change.',
          );
        }
        const qris =
          patch.qris_merchant === undefined
            ? undefined
            : patch.qris_merchant === null
              ? null
              : qrisFromWire(patch.qris_merchant, before.currency);
        const [after] = await tx
          .update(tenants)
          .set({
            ...(qris !== undefined ? { qrisMerchant: qris as unknown as Record<string, string> | null } : {}),
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.display_name !== undefined ? { displayName: patch.display_name } : {}),
            ...(patch.logo_url !== undefined ? { logoUrl: patch.logo_url } : {}),
            ...(patch.primary_color !== undefined ? { primaryColor: patch.primary_color } : {}),
            ...(patch.time_zone !== undefined ? { timeZone: patch.time_zone } : {}),
            ...(patch.locale !== undefined ? { locale: patch.locale } : {}),
            ...(patch.report_emails !== undefined ? { reportEmails: patch.report_emails } : {}),
            ...(patch.report_time !== undefined ? { reportTime: patch.report_time } : {}),
            updatedAt: new Date(),
          })
          .where(eq(tenants.id, ctx.tenantId))
          .returning();
        settingsCache.delete(ctx.tenantId);
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'tenant.updated',
          targetType: 'tenant',
          targetId: ctx.tenantId,
          before: tenantToView(before),
          after: tenantToView(after!),
        });
        return after!;
      });
    },

    /** Platform-wide list (platform admin): runs outside tenant isolation by design. */
    async listAll(page: PageQuery) {
      const rows = await db.system((tx) =>
        tx
          .select()
          .from(tenants)
          .where(page.starting_after ? lt(tenants.id, page.starting_after) : undefined)
          .orderBy(desc(tenants.id))
          .limit(page.limit + 1),
      );
      return toPage(rows, page.limit);
    },
  };
}
