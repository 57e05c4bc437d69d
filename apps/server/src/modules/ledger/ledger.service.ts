import { and, eq, inArray, sql } from 'drizzle-orm';
import {
  afterCommit,
  execPrepared,
  insertSql,
  jsonRows,
  type TenantContext,
  type Tx,
} from '../../db/client.ts';
import { journalEntries, journalLines, ledgerAccounts } from '../../db/schema.ts';
import { newId } from '../../platform/ids.ts';

/**
 * The double-entry ledger. Every money movement is one immutable journal entry whose lines sum to
 * zero per currency (positive = debit, negative = credit). Corrections are new entries that
 * reverse old ones. Balances are never stored: they are sums of lines.
 *
 * Chart of accounts (codes, created on first use, per tenant, mode and currency):
 *   receivable:<acc_id>           asset      what a consumer account owes on its bills
 *   credit:<acc_id>               liability  overpayments held for a consumer account
 *   billings                      income     bills issued
 *   billings:late_fees            income     late fees charged on payment after the due date
 *   clearing:<channel>:<source>   asset      money taken by a rail, not yet settled to the tenant
 *   suspense                      liability  money received that no bill or account can claim yet
 *   settled:<channel>:<source>    asset      money a rail has settled to the tenant's bank (net of fees)
 *   fees:<kind>                   expense    gateway fees (fees:<channel>) and the platform's fee (fees:platform)
 *   platform_fee_payable          liability  the platform's collection fee owed by the tenant
 */
export type LedgerAccountType = 'asset' | 'liability' | 'income' | 'expense';
export interface LedgerAccountRef {
  code: string;
  type: LedgerAccountType;
}

export const LEDGER = {
  receivable: (accountId: string): LedgerAccountRef => ({ code: `receivable:${accountId}`, type: 'asset' }),
  credit: (accountId: string): LedgerAccountRef => ({ code: `credit:${accountId}`, type: 'liability' }),
  billings: { code: 'billings', type: 'income' } as LedgerAccountRef,
  lateFees: { code: 'billings:late_fees', type: 'income' } as LedgerAccountRef,
  clearing: (channel: string, source: string): LedgerAccountRef => ({
    code: `clearing:${channel}:${source}`,
    type: 'asset',
  }),
  suspense: { code: 'suspense', type: 'liability' } as LedgerAccountRef,
  settled: (channel: string, source: string): LedgerAccountRef => ({
    code: `settled:${channel}:${source}`,
    type: 'asset',
  }),
  fees: (kind: string): LedgerAccountRef => ({ code: `fees:${kind}`, type: 'expense' }),
  platformFeePayable: { code: 'platform_fee_payable', type: 'liability' } as LedgerAccountRef,
};

export interface Posting {
  account: LedgerAccountRef;
  amount: bigint;
}

export interface EntryInput {
  kind: string;
  subjectId: string;
  currency: string;
  postings: Posting[];
  reversesId?: string;
  memo?: string;
}

export class UnbalancedEntryError extends Error {}

/** Checks an entry before it reaches the database (which checks again at commit). */
export function assertBalanced(postings: Posting[]) {
  if (postings.length < 2) throw new UnbalancedEntryError('an entry needs at least two lines');
  let sum = 0n;
  for (const p of postings) {
    if (p.amount === 0n) throw new UnbalancedEntryError(`zero line on ${p.account.code}`);
    sum += p.amount;
  }
  if (sum !== 0n) throw new UnbalancedEntryError(`lines sum to ${sum}, not 0`);
}

/**
 * Ledger account ids by tenant, mode, currency and code. Accounts are never removed and their id
 * never changes, so an id seen in a committed transaction stays right; ids are remembered only
 * after the transaction that read or created them commits.
 */
const accountIds = new Map<string, string>();
const ACCOUNT_CACHE_MAX = 50_000;
const accountKey = (ctx: TenantContext, currency: string, code: string) =>
  `${ctx.tenantId}\u0000${ctx.mode}\u0000${currency}\u0000${code}`;

async function resolveAccounts(tx: Tx, ctx: TenantContext, currency: string, refs: LedgerAccountRef[]) {
  const codes = [...new Set(refs.map((r) => r.code))];
  const known = new Map<string, string>();
  for (const code of codes) {
    const id = accountIds.get(accountKey(ctx, currency, code));
    if (id) known.set(code, id);
  }
  if (known.size === codes.length) return known;
  const find = () =>
    tx
      .select({ id: ledgerAccounts.id, code: ledgerAccounts.code })
      .from(ledgerAccounts)
      .where(
        and(
          eq(ledgerAccounts.tenantId, ctx.tenantId),
          eq(ledgerAccounts.mode, ctx.mode),
          eq(ledgerAccounts.currency, currency),
          inArray(ledgerAccounts.code, codes),
        ),
      );
  let rows = await find();
  if (rows.length < codes.length) {
    const have = new Set(rows.map((r) => r.code));
    const missing = refs.filter(
      (r, i) => !have.has(r.code) && refs.findIndex((x) => x.code === r.code) === i,
    );
    // DO NOTHING, then read again: a concurrent creator may win; the unique key keeps one row.
    await tx
      .insert(ledgerAccounts)
      .values(
        missing.map((r) => ({
          tenantId: ctx.tenantId,
          mode: ctx.mode,
          id: newId('lac'),
          code: r.code,
          type: r.type,
          currency,
        })),
      )
      .onConflictDoNothing();
    rows = await find();
  }
  const found = new Map(rows.map((r) => [r.code, r.id]));
  try {
    afterCommit(tx, () => {
      if (accountIds.size > ACCOUNT_CACHE_MAX) accountIds.clear();
      for (const [code, id] of found) accountIds.set(accountKey(ctx, currency, code), id);
    });
  } catch {
    // A transaction not opened by withTenant()/system(): nothing is remembered.
  }
  return found;
}

/** The rows of journal entries and their lines, ready for one statement: see postEntries. */
export async function entryRows(tx: Tx, ctx: TenantContext, inputs: EntryInput[]) {
  for (const input of inputs) assertBalanced(input.postings);
  const ids = new Map<string, Map<string, string>>();
  for (const currency of new Set(inputs.map((i) => i.currency))) {
    const refs = inputs
      .filter((i) => i.currency === currency)
      .flatMap((i) => i.postings.map((p) => p.account));
    ids.set(currency, await resolveAccounts(tx, ctx, currency, refs));
  }
  const entryIds = inputs.map(() => newId('jrn'));
  const entries = jsonRows(
    journalEntries,
    inputs.map((input, k) => ({
      tenantId: ctx.tenantId,
      mode: ctx.mode,
      id: entryIds[k]!,
      kind: input.kind,
      subjectId: input.subjectId,
      reversesId: input.reversesId ?? null,
      memo: input.memo ?? null,
    })),
  );
  // All lines in one statement: the database checks each entry's balance per statement.
  const lines = jsonRows(
    journalLines,
    inputs.flatMap((input, k) =>
      input.postings.map((p, i) => ({
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        entryId: entryIds[k]!,
        lineNo: i + 1,
        ledgerAccountId: ids.get(input.currency)!.get(p.account.code)!,
        currency: input.currency,
        amount: p.amount,
      })),
    ),
  );
  return { entryIds, entries, lines };
}

/**
 * Posts entries in the caller's transaction with a fixed number of statements however many
 * entries there are (an account look-up unless the accounts are known, then one statement for
 * entries and lines): the payment batcher relies on that.
 */
export async function postEntries(tx: Tx, ctx: TenantContext, inputs: EntryInput[]): Promise<string[]> {
  if (inputs.length === 0) return [];
  const { entryIds, entries, lines } = await entryRows(tx, ctx, inputs);
  await execPrepared(tx, `with e as (${insertSql(entries, 1)}) ${insertSql(lines, 2)}`, [
    entries.json,
    lines.json,
  ]);
  return entryIds;
}

export async function postEntry(tx: Tx, ctx: TenantContext, input: EntryInput): Promise<string> {
  const [id] = await postEntries(tx, ctx, [input]);
  return id!;
}

/** Balance of one ledger account (debits minus credits), derived from its lines. */
export async function ledgerBalance(
  tx: Tx,
  ctx: TenantContext,
  code: string,
  currency: string,
): Promise<bigint> {
  const [row] = await tx
    .select({ total: sql<string>`coalesce(sum(${journalLines.amount}), 0)::text` })
    .from(journalLines)
    .innerJoin(
      ledgerAccounts,
      and(
        eq(ledgerAccounts.tenantId, journalLines.tenantId),
        eq(ledgerAccounts.id, journalLines.ledgerAccountId),
      ),
    )
    .where(
      and(
        eq(journalLines.tenantId, ctx.tenantId),
        eq(ledgerAccounts.mode, ctx.mode),
        eq(ledgerAccounts.code, code),
        eq(ledgerAccounts.currency, currency),
      ),
    );
  return BigInt(row?.total ?? '0');
}

export interface LedgerLineView {
  entry_id: string;
  kind: string;
  subject_id: string;
  reverses_id: string | null;
  account: string;
  amount: bigint;
  currency: string;
  created_at: Date;
}

/** Ledger history of the given account codes, newest first. */
export async function ledgerHistory(
  tx: Tx,
  ctx: TenantContext,
  codes: string[],
  limit = 200,
): Promise<LedgerLineView[]> {
  if (codes.length === 0) return [];
  const rows = await tx
    .select({
      entry_id: journalEntries.id,
      kind: journalEntries.kind,
      subject_id: journalEntries.subjectId,
      reverses_id: journalEntries.reversesId,
      account: ledgerAccounts.code,
      amount: journalLines.amount,
      currency: journalLines.currency,
      created_at: journalEntries.createdAt,
    })
    .from(journalLines)
    .innerJoin(
      ledgerAccounts,
      and(
        eq(ledgerAccounts.tenantId, journalLines.tenantId),
        eq(ledgerAccounts.id, journalLines.ledgerAccountId),
      ),
    )
    .innerJoin(
      journalEntries,
      and(eq(journalEntries.tenantId, journalLines.tenantId), eq(journalEntries.id, journalLines.entryId)),
    )
    .where(
      and(
        eq(journalLines.tenantId, ctx.tenantId),
        eq(journalLines.mode, ctx.mode),
        inArray(ledgerAccounts.code, codes),
      ),
    )
    .orderBy(sql`${journalEntries.id} desc`, journalLines.lineNo)
    .limit(limit);
  return rows;
}
