import { randomBytes } from 'node:crypto';
import type { profileUpdate, userCreate, userUpdate } from '@billrail/contracts';
import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { z } from 'zod';
import { type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import { type Role, sessions, users } from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { hashPassword } from '../../platform/crypto.ts';
import { conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import { checkPasswordStrength } from '../auth/auth.service.ts';

type UserRow = typeof users.$inferSelect;

export const PLATFORM_TENANT_ID = 'ten_platform';

/** Public shape of a user: never the password hash or lockout counters. */
export function userToView(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    phone: u.phone,
    locale: u.locale,
    role: u.role,
    status: u.status,
    locked_until: u.lockedUntil && u.lockedUntil > new Date() ? u.lockedUntil.toISOString() : null,
    last_login_at: u.lastLoginAt?.toISOString() ?? null,
    created_at: u.createdAt.toISOString(),
  };
}
const auditable = (u: UserRow) => {
  const { locked_until: _l, last_login_at: _ll, ...rest } = userToView(u);
  return rest;
};

function checkRoleForTenant(tenantId: string, role: Role) {
  // Platform admins live only in the platform tenant, and the platform tenant has no other roles.
  if ((tenantId === PLATFORM_TENANT_ID) !== (role === 'platform_admin')) {
    throw validationFailed([
      {
        field: 'role',
        reason:
          role === 'platform_admin'
            ? 'platform_admin exists only in the platform tenant'
            : 'the platform tenant has only platform_admin users',
      },
    ]);
  }
}

export type UserService = ReturnType<typeof createUserService>;

export function createUserService({ db }: { db: Database }) {
  async function insertUser(tx: Tx, tenantId: string, input: z.output<typeof userCreate>, actor: Actor) {
    checkRoleForTenant(tenantId, input.role);
    checkPasswordStrength(input.password, 'password');
    const email = input.email.toLowerCase();
    const existing = await tx
      .select()
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.email, email)))
      .limit(1)
      .then(first);
    if (existing)
      throw conflict('email_taken', `A user with email ${email} already exists.`, [
        { field: 'email', reason: 'is already used in this tenant' },
      ]);
    const [row] = await tx
      .insert(users)
      .values({
        tenantId,
        id: newId('usr'),
        email,
        name: input.name,
        phone: input.phone ?? null,
        role: input.role,
        passwordHash: await hashPassword(input.password),
      })
      .returning();
    await recordAudit(tx, actor, {
      tenantId,
      action: 'user.created',
      targetType: 'user',
      targetId: row!.id,
      after: auditable(row!),
    });
    return row!;
  }

  async function get(ctx: TenantContext, id: string) {
    const row = await db.withTenant(ctx, (tx) =>
      tx
        .select()
        .from(users)
        .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, id)))
        .limit(1)
        .then(first),
    );
    if (!row) throw notFound('User', id);
    return row;
  }

  /** Applies the given column changes (undefined = unchanged) and audits before and after. */
  async function applyChanges(
    ctx: TenantContext,
    id: string,
    changes: Partial<typeof users.$inferInsert>,
    actor: Actor,
    action: string,
  ) {
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    return db.withTenant(ctx, async (tx) => {
      const before = await tx
        .select()
        .from(users)
        .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, id)))
        .limit(1)
        .then(first);
      if (!before) throw notFound('User', id);
      const [after] = await tx
        .update(users)
        .set({ ...set, updatedAt: new Date() })
        .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, id)))
        .returning();
      await recordAudit(tx, actor, {
        tenantId: ctx.tenantId,
        action,
        targetType: 'user',
        targetId: id,
        before: auditable(before),
        after: auditable(after!),
      });
      return after!;
    });
  }

  return {
    insertUser,
    get,
    create: (ctx: TenantContext, input: z.output<typeof userCreate>, actor: Actor) =>
      db.withTenant(ctx, (tx) => insertUser(tx, ctx.tenantId, input, actor)),

    async list(ctx: TenantContext, page: PageQuery & { role?: Role | undefined }) {
      const rows = await db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(users)
          .where(
            and(
              eq(users.tenantId, ctx.tenantId),
              page.role ? eq(users.role, page.role) : undefined,
              page.starting_after ? lt(users.id, page.starting_after) : undefined,
            ),
          )
          .orderBy(desc(users.id))
          .limit(page.limit + 1),
      );
      return toPage(rows, page.limit);
    },

    /** Admin edit of a user: name, phone, role, status, unlock after failed sign-ins. */
    update(ctx: TenantContext, id: string, patch: z.output<typeof userUpdate>, actor: Actor) {
      if (patch.role) checkRoleForTenant(ctx.tenantId, patch.role);
      if (actor.id === id && (patch.role || patch.status === 'disabled')) {
        throw validationFailed([
          {
            field: patch.role ? 'role' : 'status',
            reason: 'you cannot change your own role or disable yourself',
          },
        ]);
      }
      const { unlock, ...changes } = patch;
      return applyChanges(
        ctx,
        id,
        { ...changes, ...(unlock ? { lockedUntil: null, failedLoginCount: 0 } : {}) },
        actor,
        unlock ? 'user.unlocked' : 'user.updated',
      );
    },

    /**
     * An admin resets someone else's password (seed 001: the admin manages logins): a random
     * temporary password, returned once and never stored in clear, the lockout cleared and every
     * session of that user ended, so whoever knew the old password is out at once.
     */
    async resetPassword(ctx: TenantContext, id: string, actor: Actor) {
      if (actor.id === id) {
        throw validationFailed([{ field: 'id', reason: 'change your own password on the Password page' }]);
      }
      const temporary = randomBytes(12).toString('base64url');
      const passwordHash = await hashPassword(temporary);
      const user = await db.withTenant(ctx, async (tx) => {
        const [row] = await tx
          .update(users)
          .set({ passwordHash, lockedUntil: null, failedLoginCount: 0, updatedAt: new Date() })
          .where(and(eq(users.tenantId, ctx.tenantId), eq(users.id, id)))
          .returning();
        if (!row) throw notFound('User', id);
        await tx
          .update(sessions)
          .set({ revokedAt: new Date() })
          .where(
            and(eq(sessions.tenantId, ctx.tenantId), eq(sessions.userId, id), isNull(sessions.revokedAt)),
          );
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'user.password_reset',
          targetType: 'user',
          targetId: id,
          after: auditable(row),
        });
        return row;
      });
      return { user, temporaryPassword: temporary };
    },

    /** A user's edit of their own profile. */
    updateProfile(ctx: TenantContext, id: string, patch: z.output<typeof profileUpdate>, actor: Actor) {
      return applyChanges(ctx, id, patch, actor, 'profile.updated');
    },
  };
}
