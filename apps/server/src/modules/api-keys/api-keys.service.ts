import { and, desc, eq, lt } from 'drizzle-orm';
import { type Database, first } from '../../db/client.ts';
import { apiKeys, type Mode } from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { randomToken, sha256Hex } from '../../platform/crypto.ts';
import { notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';

type ApiKeyRow = typeof apiKeys.$inferSelect;

export const apiKeyToView = (k: ApiKeyRow) => ({
  id: k.id,
  name: k.name,
  mode: k.mode,
  prefix: k.prefix,
  created_at: k.createdAt.toISOString(),
  last_used_at: k.lastUsedAt?.toISOString() ?? null,
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

/**
 * API keys for biller systems: `sk_<mode>_<43 chars of base64url>` (256 bits). Only the SHA-256
 * is stored; the secret is returned once, at creation. A key belongs to one tenant and one mode,
 * and every request made with it sees only that mode's data.
 */
export function createApiKeyService({ db }: { db: Database }) {
  return {
    async create(ctx: { tenantId: string }, input: { name: string; mode: Mode }, actor: Actor) {
      const secret = `sk_${input.mode}_${randomToken(32)}`;
      return db.withTenant({ tenantId: ctx.tenantId, mode: input.mode }, async (tx) => {
        const [row] = await tx
          .insert(apiKeys)
          .values({
            tenantId: ctx.tenantId,
            id: newId('key'),
            mode: input.mode,
            name: input.name,
            prefix: `${secret.slice(0, 12)}…`,
            keyHash: sha256Hex(secret),
            createdBy: actor.id,
          })
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'api_key.created',
          targetType: 'api_key',
          targetId: row!.id,
          after: apiKeyToView(row!),
        });
        return { ...row!, secret };
      });
    },

    /** Keys of both modes, newest first (the admin manages test and live keys on one page). */
    async list(ctx: { tenantId: string }, page: PageQuery) {
      const fetch = (mode: Mode) =>
        db.withTenant({ tenantId: ctx.tenantId, mode }, (tx) =>
          tx
            .select()
            .from(apiKeys)
            .where(
              and(
                eq(apiKeys.tenantId, ctx.tenantId),
                page.starting_after ? lt(apiKeys.id, page.starting_after) : undefined,
              ),
            )
            .orderBy(desc(apiKeys.id))
            .limit(page.limit + 1),
        );
      const rows = [...(await fetch('test')), ...(await fetch('live'))].sort((a, b) =>
        a.id < b.id ? 1 : -1,
      );
      return toPage(rows.slice(0, page.limit + 1), page.limit);
    },

    async revoke(ctx: { tenantId: string }, id: string, actor: Actor) {
      for (const mode of ['test', 'live'] as const) {
        const revoked = await db.withTenant({ tenantId: ctx.tenantId, mode }, async (tx) => {
          const before = await tx
            .select()
            .from(apiKeys)
            .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id)))
            .limit(1)
            .then(first);
          if (!before) return null;
          if (before.revokedAt) return before;
          const [after] = await tx
            .update(apiKeys)
            .set({ revokedAt: new Date() })
            .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id)))
            .returning();
          await recordAudit(tx, actor, {
            tenantId: ctx.tenantId,
            action: 'api_key.revoked',
            targetType: 'api_key',
            targetId: id,
            before: apiKeyToView(before),
            after: apiKeyToView(after!),
          });
          return after!;
        });
        if (revoked) return revoked;
      }
      throw notFound('API key', id);
    },
  };
}
