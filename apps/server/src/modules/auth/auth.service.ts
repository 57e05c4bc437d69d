import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Config } from '../../config/env.ts';
import { type Database, first } from '../../db/client.ts';
import { apiKeys, bankPartners, sessions, tenants, users } from '../../db/schema.ts';
import type { AuthContext } from '../../platform/auth.ts';
import {
  dummyPasswordHash,
  hashPassword,
  randomToken,
  safeEqual,
  sha256Hex,
  verifyPassword,
} from '../../platform/crypto.ts';
import { AppError, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';

export type Resolution =
  | { kind: 'ok'; auth: AuthContext }
  | { kind: 'none' }
  | { kind: 'expired' }
  | { kind: 'invalid'; detail: string };

export const PASSWORD_MIN_LENGTH = 10;

export function checkPasswordStrength(password: string, field = 'new_password') {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw validationFailed([{ field, reason: `must be at least ${PASSWORD_MIN_LENGTH} characters` }]);
  }
}

const INVALID_LOGIN = 'The tenant, email or password is not correct.';
const API_KEY_PATTERN = /^sk_(test|live)_[A-Za-z0-9_-]{32,}$/;

/**
 * Verified bank partners, for PARTNER_CACHE_MS. Disabling a partner clears it in this process;
 * other API processes notice within that time.
 */
const PARTNER_CACHE_MS = 5_000;
const partnerCache = new Map<string, { until: number; resolution: Resolution }>();
export const forgetPartnerCredentials = () => partnerCache.clear();

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(deps: { db: Database; config: Config }) {
  const { db, config } = deps;

  async function login(input: {
    tenant: string;
    email: string;
    password: string;
    ip?: string;
    userAgent?: string;
  }) {
    const email = input.email.trim().toLowerCase();
    const tenant = await db.system(async (tx) =>
      tx
        .select()
        .from(tenants)
        .where(eq(tenants.slug, input.tenant.trim().toLowerCase()))
        .limit(1)
        .then(first),
    );
    const ctx = { tenantId: tenant?.id ?? 'ten_none', mode: 'live' as const };
    const user = tenant
      ? await db.withTenant(ctx, (tx) =>
          tx
            .select()
            .from(users)
            .where(and(eq(users.tenantId, ctx.tenantId), eq(users.email, email)))
            .limit(1)
            .then(first),
        )
      : undefined;
    const now = new Date();
    if (user?.lockedUntil && user.lockedUntil > now) {
      const seconds = Math.ceil((user.lockedUntil.getTime() - now.getTime()) / 1000);
      throw new AppError(
        423,
        'account_locked',
        `Too many failed sign-ins. This account is locked for ${Math.ceil(seconds / 60)} more minute(s).`,
        { headers: { 'retry-after': String(seconds) } },
      );
    }
    // Always verify against some hash so unknown emails cost the same time as known ones.
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
    if (!user || !ok || user.status !== 'active') {
      if (user) {
        await db.withTenant(ctx, async (tx) => {
          // Counted in SQL so concurrent failures all count.
          const [row] = await tx
            .update(users)
            .set({ failedLoginCount: sql`${users.failedLoginCount} + 1` })
            .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, user.id)))
            .returning({ failed: users.failedLoginCount });
          if (row && row.failed >= config.LOGIN_MAX_FAILURES) {
            await tx
              .update(users)
              .set({
                failedLoginCount: 0,
                lockedUntil: new Date(Date.now() + config.LOGIN_LOCKOUT_MINUTES * 60_000),
              })
              .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, user.id)));
          }
        });
      }
      throw new AppError(401, 'invalid_credentials', INVALID_LOGIN);
    }
    const token = randomToken(32);
    const csrfToken = randomToken(24);
    const session = {
      tenantId: ctx.tenantId,
      id: newId('ses'),
      tokenHash: sha256Hex(token),
      csrfToken,
      userId: user.id,
      activeMode: 'live' as const,
      expiresAt: new Date(Date.now() + config.SESSION_TTL_MINUTES * 60_000),
      ip: input.ip ?? null,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
    };
    await db.withTenant(ctx, async (tx) => {
      await tx
        .update(users)
        .set({ failedLoginCount: 0, lockedUntil: null, lastLoginAt: now })
        .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, user.id)));
      await tx.insert(sessions).values(session);
    });
    return {
      token,
      session,
      user: { ...user, failedLoginCount: 0, lockedUntil: null, lastLoginAt: now },
      tenant: tenant!,
    };
  }

  async function resolveApiKey(bearer: string): Promise<Resolution> {
    const key = bearer.replace(/^Bearer\s+/i, '').trim();
    if (!API_KEY_PATTERN.test(key)) {
      return {
        kind: 'invalid',
        detail: 'The Authorization header must be `Bearer sk_test_...` or `Bearer sk_live_...`.',
      };
    }
    const row = await db.system((tx) =>
      tx
        .select()
        .from(apiKeys)
        .where(eq(apiKeys.keyHash, sha256Hex(key)))
        .limit(1)
        .then(first),
    );
    if (!row) return { kind: 'invalid', detail: 'This API key is not valid.' };
    if (row.revokedAt) return { kind: 'invalid', detail: 'This API key has been revoked.' };
    // Touch last_used_at at most once a minute: a write on every request would cost more than it tells.
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
      await db.withTenant({ tenantId: row.tenantId, mode: row.mode }, (tx) =>
        tx
          .update(apiKeys)
          .set({ lastUsedAt: new Date() })
          .where(and(eq(apiKeys.tenantId, row.tenantId), eq(apiKeys.id, row.id))),
      );
    }
    return {
      kind: 'ok',
      auth: {
        via: 'api_key',
        principal: 'api_key',
        tenantId: row.tenantId,
        mode: row.mode,
        apiKeyId: row.id,
      },
    };
  }

  async function resolvePartner(username: string, password: string): Promise<Resolution> {
    // Banks post in bursts; a verified partner is remembered briefly (PARTNER_CACHE_MS) so each
    // posting does not pay a database round trip for authentication.
    const cacheKey = `${username}\u0000${sha256Hex(password)}`;
    const cached = partnerCache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.resolution;
    const resolution = await lookupPartner(username, password);
    if (resolution.kind === 'ok')
      partnerCache.set(cacheKey, { until: Date.now() + PARTNER_CACHE_MS, resolution });
    return resolution;
  }

  async function lookupPartner(username: string, password: string): Promise<Resolution> {
    const row = await db.system((tx) =>
      tx.select().from(bankPartners).where(eq(bankPartners.username, username)).limit(1).then(first),
    );
    // Compare hashes in constant time even for unknown usernames.
    const ok = safeEqual(row?.passwordHash ?? sha256Hex('no such partner'), sha256Hex(password));
    if (!row || !ok)
      return { kind: 'invalid', detail: 'The bank partner username or password is not correct.' };
    if (row.status !== 'active') return { kind: 'invalid', detail: 'This bank partner has been disabled.' };
    return {
      kind: 'ok',
      auth: {
        via: 'bank_partner',
        principal: 'bank_partner',
        tenantId: row.tenantId,
        mode: row.mode,
        partnerId: row.id,
      },
    };
  }

  async function resolveSession(token: string): Promise<Resolution> {
    const rows = await db.system((tx) =>
      tx
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, and(eq(users.tenantId, sessions.tenantId), eq(users.id, sessions.userId)))
        .where(eq(sessions.tokenHash, sha256Hex(token)))
        .limit(1),
    );
    const row = rows[0];
    if (!row) return { kind: 'expired' };
    const { session, user } = row;
    if (session.revokedAt || session.expiresAt <= new Date()) return { kind: 'expired' };
    if (user.status !== 'active') return { kind: 'invalid', detail: 'This user has been disabled.' };
    return {
      kind: 'ok',
      auth: {
        via: 'session',
        principal: user.role,
        role: user.role,
        tenantId: session.tenantId,
        mode: session.activeMode,
        userId: user.id,
        sessionId: session.id,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      },
    };
  }

  return {
    login,
    /** Partner headers, then a bearer API key, then the session cookie (machines never send cookies). */
    async resolve(input: {
      bearer?: string | undefined;
      cookie?: string | undefined;
      partner?: { username: string; password: string } | undefined;
    }): Promise<Resolution> {
      if (input.partner) return resolvePartner(input.partner.username, input.partner.password);
      if (input.bearer) return resolveApiKey(input.bearer);
      if (input.cookie) return resolveSession(input.cookie);
      return { kind: 'none' };
    },
    csrfMatches: (auth: AuthContext, sent: string) => !!auth.csrfToken && safeEqual(auth.csrfToken, sent),

    async logout(auth: AuthContext) {
      if (!auth.sessionId) return;
      await db.withTenant(auth, (tx) =>
        tx
          .update(sessions)
          .set({ revokedAt: new Date() })
          .where(and(eq(sessions.tenantId, auth.tenantId), eq(sessions.id, auth.sessionId!))),
      );
    },

    async setMode(auth: AuthContext, mode: 'test' | 'live') {
      await db.withTenant(auth, (tx) =>
        tx
          .update(sessions)
          .set({ activeMode: mode })
          .where(and(eq(sessions.tenantId, auth.tenantId), eq(sessions.id, auth.sessionId!))),
      );
    },

    /** Changes the password and signs out every other session of the user. */
    async changePassword(auth: AuthContext, current: string, next: string) {
      checkPasswordStrength(next);
      const user = await db.withTenant(auth, (tx) =>
        tx
          .select()
          .from(users)
          .where(and(eq(users.tenantId, auth.tenantId), eq(users.id, auth.userId!)))
          .limit(1)
          .then(first),
      );
      if (!user || !(await verifyPassword(user.passwordHash, current))) {
        throw validationFailed(
          [{ field: 'current_password', reason: 'is not correct' }],
          'The current password is not correct.',
        );
      }
      const passwordHash = await hashPassword(next);
      await db.withTenant(auth, async (tx) => {
        await tx
          .update(users)
          .set({ passwordHash, passwordChangedAt: new Date(), updatedAt: new Date() })
          .where(and(eq(users.tenantId, auth.tenantId), eq(users.id, user.id)));
        await tx
          .update(sessions)
          .set({ revokedAt: new Date() })
          .where(
            and(
              eq(sessions.tenantId, auth.tenantId),
              eq(sessions.userId, user.id),
              ne(sessions.id, auth.sessionId ?? ''),
              isNull(sessions.revokedAt),
            ),
          );
      });
    },
  };
}
