import { and, desc, eq, ilike, lt, or } from 'drizzle-orm';
import { type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import { accounts, users } from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import type { AccountCreate, AccountUpdate } from './accounts.schemas.ts';

export type AccountRow = typeof accounts.$inferSelect;

export const accountToView = (a: AccountRow) => ({
  id: a.id,
  object: 'account' as const,
  account_number: a.accountNumber,
  name: a.name,
  mobile: a.mobile,
  email: a.email,
  service_types: a.serviceTypes,
  user_id: a.userId,
  status: a.status,
  livemode: a.mode === 'live',
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});

async function consumerId(
  tx: Tx,
  tenantId: string,
  email: string | null | undefined,
  field = 'consumer_email',
) {
  if (email === undefined) return undefined;
  if (email === null) return null;
  const user = await tx
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.email, email.toLowerCase())))
    .limit(1)
    .then(first);
  if (user?.role !== 'consumer')
    throw validationFailed([{ field, reason: 'is not a consumer user of this tenant' }]);
  return user.id;
}

export async function findAccountByNumber(tx: Tx, ctx: TenantContext, accountNumber: string) {
  return tx
    .select()
    .from(accounts)
    .where(
      and(
        eq(accounts.tenantId, ctx.tenantId),
        eq(accounts.mode, ctx.mode),
        eq(accounts.accountNumber, accountNumber),
      ),
    )
    .limit(1)
    .then(first);
}

export type AccountService = ReturnType<typeof createAccountService>;

export function createAccountService({ db }: { db: Database }) {
  /** Inserts one account in the caller's transaction (used by the API, batch and file import). */
  async function insertAccount(tx: Tx, ctx: TenantContext, input: AccountCreate, actor: Actor) {
    if (await findAccountByNumber(tx, ctx, input.account_number)) {
      throw conflict('account_exists', `Account ${input.account_number} already exists.`, [
        { field: 'account_number', reason: 'already exists' },
      ]);
    }
    const [row] = await tx
      .insert(accounts)
      .values({
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        id: newId('acc'),
        accountNumber: input.account_number,
        name: input.name,
        mobile: input.mobile ?? null,
        email: input.email?.toLowerCase() ?? null,
        serviceTypes: input.service_types,
        userId: (await consumerId(tx, ctx.tenantId, input.consumer_email)) ?? null,
      })
      .returning();
    await recordAudit(tx, actor, {
      tenantId: ctx.tenantId,
      action: 'account.created',
      targetType: 'account',
      targetId: row!.id,
      after: accountToView(row!),
    });
    return row!;
  }

  async function getIn(tx: Tx, ctx: TenantContext, id: string) {
    const row = await tx
      .select()
      .from(accounts)
      .where(and(eq(accounts.tenantId, ctx.tenantId), eq(accounts.id, id)))
      .limit(1)
      .then(first);
    if (!row) throw notFound('Account', id);
    return row;
  }

  return {
    insertAccount,
    create: (ctx: TenantContext, input: AccountCreate, actor: Actor) =>
      db.withTenant(ctx, (tx) => insertAccount(tx, ctx, input, actor)),
    get: (ctx: TenantContext, id: string) => db.withTenant(ctx, (tx) => getIn(tx, ctx, id)),

    async update(ctx: TenantContext, id: string, patch: AccountUpdate, actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const before = await getIn(tx, ctx, id);
        const userId = await consumerId(tx, ctx.tenantId, patch.consumer_email);
        const [after] = await tx
          .update(accounts)
          .set({
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.mobile !== undefined ? { mobile: patch.mobile } : {}),
            ...(patch.email !== undefined ? { email: patch.email?.toLowerCase() ?? null } : {}),
            ...(patch.service_types !== undefined ? { serviceTypes: patch.service_types } : {}),
            ...(patch.status !== undefined ? { status: patch.status } : {}),
            ...(userId !== undefined ? { userId } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(accounts.tenantId, ctx.tenantId), eq(accounts.id, id)))
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'account.updated',
          targetType: 'account',
          targetId: id,
          before: accountToView(before),
          after: accountToView(after!),
        });
        return after!;
      });
    },

    async list(
      ctx: TenantContext,
      q: PageQuery & { search?: string | undefined; user_id?: string | undefined },
    ) {
      const rows = await db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(accounts)
          .where(
            and(
              eq(accounts.tenantId, ctx.tenantId),
              eq(accounts.mode, ctx.mode),
              q.user_id ? eq(accounts.userId, q.user_id) : undefined,
              q.search
                ? or(ilike(accounts.accountNumber, `%${q.search}%`), ilike(accounts.name, `%${q.search}%`))
                : undefined,
              q.starting_after ? lt(accounts.id, q.starting_after) : undefined,
            ),
          )
          .orderBy(desc(accounts.id))
          .limit(q.limit + 1),
      );
      return toPage(rows, q.limit);
    },
  };
}
