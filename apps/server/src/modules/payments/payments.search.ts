import { sql } from 'drizzle-orm';
import type { TenantContext } from '../../db/client.ts';
import { accounts } from '../../db/schema.ts';

/**
 * SQL pieces the payments list's two sources share (payments in payments.service.ts, online
 * attempts in payments.attempts.ts), so one search box finds the same accounts and references in
 * both.
 */

/** What was paid: bills, services or both ('mixed'), over bills `b` (`min <> max` is `count(distinct) > 1` without a sort). */
export const PAID_KIND = sql.raw(`case when min(b.kind) <> max(b.kind) then 'mixed' else min(b.kind) end`);

/** A bill's reference id is keyed with spaces or dashes as often as without (1000 1000 0000 0145). */
export const referenceDigits = (text: string) => text.replace(/[\s-]/g, '');

/** Whether free text can be a bill's reference id. */
export const looksLikeReference = (digits: string) => /^\d{8,20}$/.test(digits);

/** `column` is the account with this account number. */
export const ofAccountNumber = (ctx: TenantContext, column: unknown, number: string) =>
  sql`${column} in (select id from ${accounts} where tenant_id = ${ctx.tenantId} and account_number = ${number})`;

/** `column` is an account whose number is the text or whose name contains it. */
export const ofAccountMatching = (ctx: TenantContext, column: unknown, text: string) =>
  sql`${column} in (select id from ${accounts} where tenant_id = ${ctx.tenantId}
        and (account_number = ${text} or name ilike ${`%${text.replace(/[%_\\]/g, '\\$&')}%`}))`;
