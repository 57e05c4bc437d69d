import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER, postEntry, UnbalancedEntryError } from '../src/modules/ledger/ledger.service.ts';
import { createTenantFixture, createTestApp, type TenantFixture, type TestContext } from './helpers.ts';

/** The database itself refuses unbalanced or edited ledger rows, whatever the code does. */
let ctx: TestContext;
let fx: TenantFixture;
beforeAll(async () => {
  ctx = await createTestApp();
  fx = await createTenantFixture(ctx);
});
afterAll(() => ctx.close());

const dbMessage = (pattern: RegExp) => ({ cause: { message: expect.stringMatching(pattern) } });

describe('ledger integrity in the database', () => {
  it('the code refuses an unbalanced entry before writing', async () => {
    const c = { tenantId: fx.tenantId, mode: 'live' as const };
    await expect(
      ctx.db.withTenant(c, (tx) =>
        postEntry(tx, c, {
          kind: 'test',
          subjectId: 'x',
          currency: 'USD',
          postings: [
            { account: LEDGER.suspense, amount: 100n },
            { account: LEDGER.billings, amount: -99n },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(UnbalancedEntryError);
  });

  it('the database refuses unbalanced lines and any edit or truncation of entries, lines or allocations', async () => {
    const c = { tenantId: fx.tenantId, mode: 'live' as const };
    const entryId = await ctx.db.withTenant(c, (tx) =>
      postEntry(tx, c, {
        kind: 'test',
        subjectId: 'x',
        currency: 'USD',
        postings: [
          { account: LEDGER.suspense, amount: 100n },
          { account: LEDGER.billings, amount: -100n },
        ],
      }),
    );
    const account = await ctx.db.withTenant(c, (tx) =>
      ctx.db.rows<{ id: string }>(tx, sql`select id from ledger_accounts limit 1`),
    );
    await expect(
      ctx.db.withTenant(c, (tx) =>
        tx.execute(
          sql`insert into journal_lines (tenant_id, mode, entry_id, line_no, ledger_account_id, currency, amount)
              values (${fx.tenantId}, 'live', ${entryId}, 9, ${account[0]!.id}, 'USD', 5)`,
        ),
      ),
    ).rejects.toMatchObject(dbMessage(/does not balance/));
    await expect(
      ctx.db.system((tx) =>
        tx.execute(sql`update journal_lines set amount = amount * 2 where entry_id = ${entryId}`),
      ),
    ).rejects.toMatchObject(dbMessage(/append-only/));
    await expect(
      ctx.db.system((tx) => tx.execute(sql`delete from journal_entries where id = ${entryId}`)),
    ).rejects.toMatchObject(dbMessage(/append-only/));
    await expect(
      ctx.db.system((tx) => tx.execute(sql`truncate journal_lines, allocations`)),
    ).rejects.toMatchObject(dbMessage(/append-only/));
  });
});
