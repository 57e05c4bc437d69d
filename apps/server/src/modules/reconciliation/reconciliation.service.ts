import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import {
  anyText,
  type Database,
  execPrepared,
  first,
  insertSql,
  jsonRows,
  type TenantContext,
  type Tx,
} from '../../db/client.ts';
import {
  allocations,
  bills,
  checkouts,
  payments,
  type StatementLineStatus,
  statementImports,
  statementLines,
  statementSources,
  tenants,
} from '../../db/schema.ts';
import type { Payout, Settlement } from '../../gateways/gateway.ts';
import {
  type ParseOptions,
  parseStatement,
  type StatementError,
  type StatementLine,
} from '../../importers/statements/index.ts';
import type { ByteSource } from '../../importers/tabular.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { AppError, conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import { trackReconciled } from '../analytics/analytics.hooks.ts';
import { parseReference } from '../bills/reference.ts';
import { LEDGER, postEntry } from '../ledger/ledger.service.ts';
import { completePayments, type PaymentRow, recordPayments } from '../payments/payments.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';

/**
 * Reconciliation (issue 7): a statement or settlement file is read as a stream, its lines stored
 * and matched to payments, chunk by chunk, inside one transaction, so memory does not grow with
 * the file and a bad file (any parse error) applies nothing. The same file twice applies nothing
 * (its SHA-256 is unique); the same transaction in an overlapping statement is a duplicate.
 *
 * Matching rules, in order, for each credit line:
 *  1. `reference`: an id Billrail knows quoted anywhere on the line (end-to-end id, transaction id,
 *     references, remittance text, the settlement's source): a payment id, a rail's transaction
 *     reference (channel_ref), a checkout id or a gateway's payment id.
 *  2. `bill_reference`: a valid 16-digit bill reference id in the text: the bill's payment of that
 *     amount that is still awaiting settlement.
 *  3. `amount_date`: exactly one payment awaiting settlement with the same amount received
 *     between 3 days before and 1 day after the booking date.
 * A matched payment moves to Payment Completed (`payment.completed`), with the line's fee (settlement
 * reports) booked. An identified payment with another amount is an `amount_mismatch`; a payment
 * already completed by another line makes this one a `duplicate`. Money no rule claims is recorded
 * as a bank transfer: paid to the bill its reference names, or into suspense for a CSO to allocate
 * (`recorded`). Debits are stored (`ignored`, not collections). Exceptions (mismatch, duplicate,
 * unmatched) are resolved by a CSO with a reason, audited.
 */

const CHUNK = 5000;
const DATE_WINDOW_BEFORE_DAYS = 3;
const DATE_WINDOW_AFTER_DAYS = 1;

const TOKEN = /[A-Za-z0-9][A-Za-z0-9_\-./]{4,62}[A-Za-z0-9]/g;
const BILL_REF = /(?<!\d)\d{16}(?!\d)|(?<!\d)\d{4}(?: \d{4}){3}(?!\d)/g;

/** Candidate ids on a line: every word-like token of its references and text. */
function tokensOf(l: StatementLine): string[] {
  const text = [
    l.endToEndId,
    l.transactionId,
    l.ownerReference,
    l.creditorReference,
    l.entryReference,
    l.settlement?.source,
    l.remittance,
    l.supplementary,
  ]
    .filter(Boolean)
    .join(' ');
  const out = new Set<string>();
  for (const m of text.matchAll(TOKEN)) if (m[0] !== 'NOTPROVIDED' && m[0] !== 'NONREF') out.add(m[0]);
  return [...out];
}

function billReferencesOf(l: StatementLine): string[] {
  const text = [l.remittance, l.endToEndId, l.creditorReference, l.ownerReference].filter(Boolean).join(' ');
  const out = new Set<string>();
  for (const m of text.matchAll(BILL_REF)) {
    const r = parseReference(m[0]);
    if (r.ok) out.add(r.reference);
  }
  return [...out];
}

/** The bank's own reference when it has one, else a digest of what identifies the transaction. */
function dedupeKeyOf(l: StatementLine): string {
  if (l.bankReference) return `ref:${l.bankReference}#${l.batchIndex}`;
  const h = createHash('sha256')
    .update(
      [
        l.bookingDate,
        l.valueDate ?? '',
        l.direction,
        l.amount,
        l.currency,
        l.endToEndId ?? '',
        l.remittance,
      ].join('\u0000'),
    )
    .digest('base64url')
    .slice(0, 32);
  return `h:${h}`;
}

const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d;
};

interface LineWork {
  row: typeof statementLines.$inferInsert & { id: string };
  line: StatementLine;
  status: StatementLineStatus;
  rule?: string;
  paymentId?: string;
  /** Rule 4: the settlement batch (gateway payout) this bank line received. */
  batchId?: string;
  note?: string;
}

export interface ImportInput {
  source: string;
  filename?: string | undefined;
  parse?: ParseOptions;
}

export type ImportResult =
  | { ok: true; import: typeof statementImports.$inferSelect; alreadyImported: boolean }
  | { ok: false; errors: readonly StatementError[]; errorCount: number; lines: number };

class RejectFile extends Error {
  constructor(
    readonly errors: readonly StatementError[],
    readonly errorCount: number,
    readonly lines: number,
  ) {
    super('statement rejected');
  }
}
class AlreadyImported extends Error {}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;

/** Where gateway payouts come from (the checkout service, which holds gateway credentials). */
interface PayoutSource {
  paidPayouts(
    only: TenantContext | undefined,
    known: (ctx: TenantContext, ids: string[]) => Promise<Set<string>>,
  ): Promise<{ ctx: TenantContext; gateway: string; payout: Payout; lines: Settlement[] }[]>;
}

export function createReconciliationService({ db, payouts }: { db: Database; payouts?: PayoutSource }) {
  /** Stores one chunk of lines and matches them; returns counts for the import's totals. */
  async function applyChunk(
    tx: Tx,
    ctx: TenantContext,
    importId: string,
    currency: string,
    lines: StatementLine[],
  ) {
    const work: LineWork[] = lines.map((line) => ({
      line,
      status: line.direction === 'debit' ? 'ignored' : 'unmatched',
      ...(line.direction === 'debit' ? { note: 'debit: not a collection' } : {}),
      row: {
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        id: newId('stl'),
        importId,
        lineNo: line.line,
        account: line.account || '-',
        dedupeKey: dedupeKeyOf(line),
        bookingDate: line.bookingDate,
        valueDate: line.valueDate ?? null,
        direction: line.direction,
        reversal: line.reversal,
        amount: line.amount,
        fee: (line.settlement?.fee ?? 0n) + (line.settlement?.tax ?? 0n),
        currency: line.currency,
        reference:
          line.endToEndId ?? line.transactionId ?? line.bankReference ?? line.settlement?.source ?? null,
        remittance: line.remittance.slice(0, 1000),
        counterparty: line.counterpartyName ?? null,
        status: 'unmatched',
      },
    }));
    for (const w of work) {
      if (w.line.currency !== currency) {
        w.status = 'unmatched';
        w.note = `currency ${w.line.currency} is not the tenant's ${currency}`;
      }
    }

    // 1. Duplicates: a line whose dedupe key was stored before (an earlier import, or an earlier
    //    chunk of this file: same transaction) or appears earlier in this chunk.
    const keys = [...new Set(work.map((w) => w.row.dedupeKey!))];
    const seen = new Set(
      (
        await tx
          .select({ key: statementLines.dedupeKey, account: statementLines.account })
          .from(statementLines)
          .where(
            and(
              eq(statementLines.tenantId, ctx.tenantId),
              eq(statementLines.mode, ctx.mode),
              anyText(statementLines.dedupeKey, keys),
            ),
          )
      ).map((r) => `${r.account}\u0000${r.key}`),
    );
    for (const w of work) {
      const k = `${w.row.account}\u0000${w.row.dedupeKey}`;
      if (seen.has(k)) {
        w.status = 'duplicate';
        w.note = 'the same transaction was imported before';
        w.row.dedupeKey = null;
      } else seen.add(k);
    }

    const open = work.filter((w) => w.status === 'unmatched' && !w.line.reversal);
    const tokens = new Map<LineWork, string[]>();
    for (const w of open) tokens.set(w, tokensOf(w.line));
    const allTokens = [...new Set([...tokens.values()].flat())];

    // 2. Rule 1: ids Billrail knows. Payments by id or rail reference; checkouts by id or gateway ids.
    const known = new Map<string, PaymentRow>();
    if (allTokens.length) {
      const found = await tx
        .select()
        .from(payments)
        .where(
          and(
            eq(payments.tenantId, ctx.tenantId),
            eq(payments.mode, ctx.mode),
            or(anyText(payments.id, allTokens), anyText(payments.channelRef, allTokens)),
          ),
        );
      for (const p of found) {
        known.set(p.id, p);
        known.set(p.channelRef, p);
      }
      const viaCheckout = await tx
        .select({ c: checkouts, p: payments })
        .from(checkouts)
        .innerJoin(
          payments,
          and(eq(payments.tenantId, checkouts.tenantId), eq(payments.id, checkouts.paymentId)),
        )
        .where(
          and(
            eq(checkouts.tenantId, ctx.tenantId),
            eq(checkouts.mode, ctx.mode),
            or(
              anyText(checkouts.id, allTokens),
              anyText(checkouts.gatewayPaymentId, allTokens),
              anyText(checkouts.gatewayReference, allTokens),
            ),
          ),
        );
      for (const { c, p } of viaCheckout) {
        known.set(c.id, p);
        if (c.gatewayPaymentId) known.set(c.gatewayPaymentId, p);
        if (c.gatewayReference) known.set(c.gatewayReference, p);
      }
    }
    const claimed = new Set<string>(); // payments matched by a line of this chunk
    const settledBefore = new Set<string>(); // payout lines of payments completed earlier
    const complete = new Map<string, { paymentId: string; fee: bigint; settledAt?: Date }>();
    const claim = (w: LineWork, p: PaymentRow, rule: string) => {
      w.paymentId = p.id;
      w.rule = rule;
      if (p.amount !== w.line.amount) {
        w.status = 'amount_mismatch';
        w.note = `payment ${p.id} is ${p.amount}, the line ${w.line.amount} (minor units)`;
        return;
      }
      if (p.status === 'completed' && w.line.format === 'stripe-payout' && !claimed.has(p.id)) {
        // Completed when its funds became available at the gateway; the payout only moves them on.
        claimed.add(p.id);
        settledBefore.add(p.id);
        w.status = 'matched';
        w.note = 'settled at the gateway before this payout';
        return;
      }
      if (p.status !== 'successful' || claimed.has(p.id)) {
        w.status = p.status === 'completed' || claimed.has(p.id) ? 'duplicate' : 'unmatched';
        w.note = `payment ${p.id} is already ${claimed.has(p.id) ? 'matched by another line' : p.status}`;
        return;
      }
      claimed.add(p.id);
      w.status = 'matched';
      const settledAt = new Date(`${w.line.valueDate ?? w.line.bookingDate}T12:00:00Z`);
      complete.set(p.id, { paymentId: p.id, fee: w.row.fee ?? 0n, settledAt });
    };
    for (const w of open) {
      const hit = tokens
        .get(w)!
        .map((t) => known.get(t))
        .find(Boolean);
      if (hit) claim(w, hit, 'reference');
    }

    // 3a. Rule 4: a gateway payout arriving at the bank. One bank line carries the net of many
    //     payments; it matches the payout imported as a settlement batch (by its id in the text,
    //     else by net amount and arrival day), and the batch records the line that received it.
    const payoutLines = open.filter((w) => w.status === 'unmatched' && w.line.format !== 'stripe-payout');
    if (payoutLines.length) {
      const ids = [...new Set(payoutLines.flatMap((w) => tokens.get(w)!.filter((t) => t.startsWith('po_'))))];
      const textSaysPayout = (w: LineWork) => /\bstripe\b|\bpayout\b/i.test(w.line.remittance);
      const byAmount = payoutLines.filter((w) => textSaysPayout(w)).map((w) => w.line.amount);
      if (ids.length || byAmount.length) {
        const batches = await tx
          .select()
          .from(statementImports)
          .where(
            and(
              eq(statementImports.tenantId, ctx.tenantId),
              eq(statementImports.mode, ctx.mode),
              isNull(statementImports.bankLineId),
              or(
                ids.length ? anyText(statementImports.externalId, ids) : undefined,
                byAmount.length
                  ? and(
                      sql`${statementImports.externalId} is not null`,
                      inArray(statementImports.netAmount, byAmount),
                    )
                  : undefined,
              ),
            ),
          );
        const taken = new Set<string>();
        for (const w of payoutLines) {
          const named = tokens.get(w)!.filter((t) => t.startsWith('po_'));
          const batch =
            batches.find((b) => !taken.has(b.id) && named.includes(b.externalId!)) ??
            (textSaysPayout(w) && !named.length
              ? batches.find(
                  (b) =>
                    !taken.has(b.id) &&
                    b.netAmount === w.line.amount &&
                    b.arrivalDate !== null &&
                    Math.abs(
                      addDays(b.arrivalDate, 0).getTime() - addDays(w.line.bookingDate, 0).getTime(),
                    ) <=
                      DATE_WINDOW_BEFORE_DAYS * 86400_000,
                )
              : undefined);
          if (!batch) continue;
          w.rule = 'payout';
          if (batch.netAmount !== w.line.amount) {
            w.status = 'amount_mismatch';
            w.note = `payout ${batch.externalId} is ${batch.netAmount}, the line ${w.line.amount} (minor units)`;
            continue;
          }
          taken.add(batch.id);
          w.status = 'matched';
          w.batchId = batch.id;
          w.note = `payout ${batch.externalId}: ${batch.matchedCount} payments, settlement batch ${batch.id}`;
        }
      }
    }

    // 3. Rule 2: a bill reference id in the text -> that bill's payment of this amount, unsettled.
    const byBillRef = new Map<LineWork, string[]>();
    for (const w of open) if (w.status === 'unmatched') byBillRef.set(w, billReferencesOf(w.line));
    const refs = [...new Set([...byBillRef.values()].flat())];
    const billIdByRef = new Map<string, string>();
    const candidatesByBill = new Map<string, PaymentRow[]>();
    if (refs.length) {
      const rows = await tx
        .select({ billId: bills.id, ref: bills.referenceId, p: payments })
        .from(bills)
        .leftJoin(
          allocations,
          and(eq(allocations.tenantId, bills.tenantId), eq(allocations.billId, bills.id)),
        )
        .leftJoin(
          payments,
          and(
            eq(payments.tenantId, allocations.tenantId),
            eq(payments.id, allocations.paymentId),
            eq(payments.status, 'successful'),
          ),
        )
        .where(
          and(eq(bills.tenantId, ctx.tenantId), eq(bills.mode, ctx.mode), inArray(bills.referenceId, refs)),
        );
      for (const r of rows) {
        billIdByRef.set(r.ref, r.billId);
        if (r.p) candidatesByBill.set(r.billId, [...(candidatesByBill.get(r.billId) ?? []), r.p]);
      }
      for (const [w, list] of byBillRef) {
        for (const ref of list) {
          const billId = billIdByRef.get(ref);
          const p = (billId ? candidatesByBill.get(billId) : [])?.find(
            (c) => c.amount === w.line.amount && !claimed.has(c.id),
          );
          if (p) {
            claim(w, p, 'bill_reference');
            break;
          }
        }
      }
    }

    // 4. Rule 3: the only unsettled payment of the same amount in the date window.
    const rest = open.filter((w) => w.status === 'unmatched');
    if (rest.length) {
      const dates = rest.map((w) => w.line.bookingDate).sort();
      const from = addDays(dates[0]!, -DATE_WINDOW_BEFORE_DAYS);
      const to = addDays(dates.at(-1)!, DATE_WINDOW_AFTER_DAYS + 1);
      const amounts = [...new Set(rest.map((w) => w.line.amount))];
      const cands = await tx
        .select()
        .from(payments)
        .where(
          and(
            eq(payments.tenantId, ctx.tenantId),
            eq(payments.mode, ctx.mode),
            eq(payments.status, 'successful'),
            inArray(payments.amount, amounts),
            gte(payments.receivedAt, from),
            lte(payments.receivedAt, to),
          ),
        )
        .limit(CHUNK * 4);
      const byAmount = new Map<bigint, PaymentRow[]>();
      for (const p of cands) byAmount.set(p.amount, [...(byAmount.get(p.amount) ?? []), p]);
      for (const w of rest) {
        const lo = addDays(w.line.bookingDate, -DATE_WINDOW_BEFORE_DAYS).getTime();
        const hi = addDays(w.line.bookingDate, DATE_WINDOW_AFTER_DAYS + 1).getTime();
        const fit = (byAmount.get(w.line.amount) ?? []).filter(
          (p) => !claimed.has(p.id) && p.receivedAt.getTime() >= lo && p.receivedAt.getTime() < hi,
        );
        if (fit.length === 1) claim(w, fit[0]!, 'amount_date');
        else if (fit.length > 1) w.note = `${fit.length} payments of this amount in the date window`;
      }
    }

    // 5. Money no rule claimed: recorded as a bank transfer (to the named bill, else suspense).
    const unclaimed = open.filter((w) => w.status === 'unmatched' && !w.note?.startsWith('currency'));
    if (unclaimed.length) {
      const outcomes = await recordPayments(
        tx,
        ctx,
        unclaimed.map((w) => {
          const ref = (byBillRef.get(w) ?? []).find((r) => billIdByRef.has(r));
          return {
            channel: 'bank_transfer' as const,
            channelSource: w.line.account || 'bank',
            channelRef: w.row.dedupeKey ?? w.row.id,
            amount: w.line.amount,
            currency: w.line.currency,
            ...(ref ? { billReferences: [ref] } : { accountId: null }),
            policy: 'flexible' as const,
            method: 'bank_transfer',
            receivedAt: new Date(`${w.line.bookingDate}T12:00:00Z`),
            metadata: { statement_line: w.row.id, import_id: importId },
          };
        }),
      );
      for (const [i, o] of outcomes.entries()) {
        const w = unclaimed[i]!;
        if (!o.ok) {
          w.note = o.error.message;
          continue;
        }
        w.status = 'recorded';
        w.rule = o.payment.suspenseAmount > 0n ? 'suspense' : 'bill_reference';
        w.paymentId = o.payment.id;
        w.note =
          o.payment.suspenseAmount > 0n ? 'no bill identified: held in suspense for allocation' : undefined;
        complete.set(o.payment.id, {
          paymentId: o.payment.id,
          fee: 0n,
          settledAt: new Date(`${w.line.valueDate ?? w.line.bookingDate}T12:00:00Z`),
        });
      }
    }

    // 6. Settle what matched; store each line's outcome.
    const done = await completePayments(tx, ctx, [...complete.values()], `statement:${importId}`);
    const completedIds = new Set(done.completed.map((p) => p.id));
    for (const w of work) {
      if (
        w.status === 'matched' &&
        w.paymentId &&
        !completedIds.has(w.paymentId) &&
        !settledBefore.has(w.paymentId)
      ) {
        w.status = 'duplicate';
        w.note = `payment ${w.paymentId} was settled meanwhile`;
      }
    }
    // 7. Store every line with its outcome (one statement). A key taken meanwhile means another
    //    import of an overlapping statement is running: refuse, the caller retries.
    const ins = jsonRows(
      statementLines,
      work.map((w) => ({
        ...w.row,
        status: w.status,
        matchRule: w.rule ?? null,
        paymentId: w.paymentId ?? null,
        note: w.note ?? null,
      })),
    );
    const stored = await execPrepared<{ id: string }>(
      tx,
      `${insertSql(ins, 1)} on conflict do nothing returning id`,
      [ins.json],
    );
    if (stored.length !== work.length) {
      throw conflict(
        'import_in_progress',
        'Another import of an overlapping statement is running; try again.',
      );
    }
    for (const w of work) {
      if (w.status !== 'matched' || !w.batchId) continue;
      await tx
        .update(statementImports)
        .set({ bankLineId: w.row.id })
        .where(
          and(
            eq(statementImports.tenantId, ctx.tenantId),
            eq(statementImports.id, w.batchId),
            isNull(statementImports.bankLineId),
          ),
        );
    }
    // A payout's bank line is not a payment: its payments were counted when the payout was imported.
    const matched = work.filter((w) => w.status === 'matched' && !w.batchId);
    return {
      lines: work.length,
      matched: matched.length,
      matchedAmount: matched.reduce((s, w) => s + w.line.amount, 0n),
      recorded: work.filter((w) => w.status === 'recorded').length,
      recordedAmount: work.filter((w) => w.status === 'recorded').reduce((s, w) => s + w.line.amount, 0n),
      exceptions: work.filter((w) => ['unmatched', 'amount_mismatch', 'duplicate'].includes(w.status)).length,
      fees: matched.reduce((s, w) => s + (w.row.fee ?? 0n), 0n),
    };
  }

  interface LineFeed {
    lines: AsyncIterable<StatementLine>;
    /** Problems found so far: a source with any applies nothing. */
    errors(): readonly StatementError[];
    /** After the last line: the whole source's error and line counts, format and digest. */
    finish(): { errorCount: number; lines?: number; format?: string; digest: string };
  }

  /**
   * One import in one transaction: lines are matched in chunks of CHUNK as they arrive (memory
   * does not grow with the file), then the batch row, the platform fee and the audit record.
   */
  async function runImport(
    ctx: TenantContext,
    input: ImportInput,
    actor: Actor,
    feed: LineFeed,
    onProgress?: (lines: number) => void,
    payout?: { externalId: string; netAmount: bigint; arrivalDate: string },
  ): Promise<ImportResult> {
    const importId = newId('stm');
    let digest = '';
    try {
      return await db.withTenant(ctx, async (tx) => {
        const settings = await tenantSettings(tx, ctx.tenantId);
        const totals = {
          lines: 0,
          matched: 0,
          matchedAmount: 0n,
          recorded: 0,
          recordedAmount: 0n,
          exceptions: 0,
          fees: 0n,
        };
        let chunk: StatementLine[] = [];
        let format = '';
        const flush = async () => {
          if (!chunk.length) return;
          const errors = feed.errors();
          if (errors.length) throw new RejectFile(errors, errors.length, totals.lines);
          const r = await applyChunk(tx, ctx, importId, settings.currency, chunk);
          for (const k of Object.keys(totals) as (keyof typeof totals)[])
            (totals[k] as unknown) = (totals[k] as bigint | number) + (r[k] as never);
          onProgress?.(totals.lines);
          chunk = [];
        };
        for await (const line of feed.lines) {
          format = line.format;
          chunk.push(line);
          if (chunk.length >= CHUNK) await flush();
        }
        const report = feed.finish();
        const errors = feed.errors();
        if (report.errorCount > 0 || errors.length) {
          throw new RejectFile(errors, report.errorCount, report.lines ?? totals.lines);
        }
        await flush();
        digest = report.digest;
        const [t] = await tx
          .select({ bps: tenants.platformFeeBps })
          .from(tenants)
          .where(eq(tenants.id, ctx.tenantId));
        // The platform's collection fee (seed 003: 3%) on what this batch settled, half up.
        const collected = totals.matchedAmount + totals.recordedAmount;
        const platformFee = (collected * BigInt(t?.bps ?? 0) + 5000n) / 10000n;
        const [row] = await tx
          .insert(statementImports)
          .values({
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            id: importId,
            source: input.source,
            format: format || report.format || 'unknown',
            ...(payout ?? {}),
            filename: input.filename ?? null,
            fileSha256: digest,
            currency: settings.currency,
            lineCount: totals.lines,
            matchedCount: totals.matched,
            matchedAmount: totals.matchedAmount,
            recordedCount: totals.recorded,
            exceptionCount: totals.exceptions,
            gatewayFees: totals.fees,
            platformFee,
            state: totals.exceptions ? 'exceptions' : 'reconciled',
            createdBy: actor.id,
          })
          .onConflictDoNothing()
          .returning();
        if (!row) throw new AlreadyImported();
        if (platformFee > 0n) {
          await postEntry(tx, ctx, {
            kind: 'platform_fee',
            subjectId: importId,
            currency: settings.currency,
            memo: `${t!.bps / 100}% collection fee on ${collected}`,
            postings: [
              { account: LEDGER.fees('platform'), amount: platformFee },
              { account: LEDGER.platformFeePayable, amount: -platformFee },
            ],
          });
        }
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'statement.imported',
          targetType: 'statement_import',
          targetId: importId,
          after: {
            source: input.source,
            filename: input.filename ?? null,
            lines: totals.lines,
            matched: totals.matched,
          },
        });
        return { ok: true as const, import: row, alreadyImported: false };
      });
    } catch (err) {
      if (err instanceof RejectFile)
        return { ok: false, errors: err.errors, errorCount: err.errorCount, lines: err.lines };
      if (err instanceof AlreadyImported) {
        const existing = await db
          .withTenant(ctx, (tx) =>
            tx
              .select()
              .from(statementImports)
              .where(
                and(
                  eq(statementImports.tenantId, ctx.tenantId),
                  eq(statementImports.mode, ctx.mode),
                  eq(statementImports.fileSha256, digest),
                ),
              )
              .then(first),
          )
          .catch(() => undefined);
        if (existing) return { ok: true, import: existing, alreadyImported: true };
      }
      throw err;
    }
  }

  return {
    /**
     * Worker (and "settle now"): imports each paid gateway payout not imported yet as a settlement
     * batch. Returns how many were imported.
     */
    async syncPayouts(only?: TenantContext) {
      if (!payouts) return 0;
      const found = await payouts.paidPayouts(only, async (ctx, ids) => {
        if (!ids.length) return new Set();
        const rows = await db.withTenant(ctx, (tx) =>
          tx
            .select({ id: statementImports.externalId })
            .from(statementImports)
            .where(
              and(
                eq(statementImports.tenantId, ctx.tenantId),
                eq(statementImports.mode, ctx.mode),
                anyText(statementImports.externalId, ids),
              ),
            ),
        );
        return new Set(rows.map((r) => r.id!));
      });
      let imported = 0;
      for (const f of found) {
        const r = await this.importPayout(f.ctx, f.gateway, f.payout, f.lines, { type: 'system', id: null });
        if (r.ok && !r.alreadyImported) imported++;
      }
      return imported;
    },

    async saveSource(
      ctx: TenantContext,
      name: string,
      input: { format: string; mapping?: Record<string, unknown> | undefined },
    ) {
      await db.withTenant(ctx, (tx) =>
        tx
          .insert(statementSources)
          .values({
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            name,
            format: input.format,
            mapping: input.mapping ?? null,
          })
          .onConflictDoUpdate({
            target: [statementSources.tenantId, statementSources.mode, statementSources.name],
            set: { format: input.format, mapping: input.mapping ?? null, updatedAt: new Date() },
          }),
      );
    },

    async getSource(ctx: TenantContext, name: string) {
      return db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(statementSources)
          .where(
            and(
              eq(statementSources.tenantId, ctx.tenantId),
              eq(statementSources.mode, ctx.mode),
              eq(statementSources.name, name),
            ),
          )
          .then(first),
      );
    },

    /**
     * Imports a statement or settlement file from a byte stream. Returns the import (the
     * settlement batch) or the parse errors (nothing applied). `onProgress` sees line counts.
     */
    async importStatement(
      ctx: TenantContext,
      source: ByteSource,
      input: ImportInput,
      actor: Actor,
      onProgress?: (lines: number) => void,
    ): Promise<ImportResult> {
      const hash = createHash('sha256');
      const hashing = (async function* () {
        for await (const chunk of source as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          yield chunk;
        }
      })();
      const parse = parseStatement(hashing, input.parse ?? {});
      return runImport(
        ctx,
        input,
        actor,
        {
          lines: parse,
          errors: () => parse.errors,
          finish: () => {
            const report = parse.report();
            return {
              errorCount: report.errorCount,
              ...(report.lines !== undefined ? { lines: report.lines } : {}),
              format: report.format,
              digest: hash.digest('hex'),
            };
          },
        },
        onProgress,
      );
    },

    /**
     * A gateway payout (Stripe `po_...`) as a settlement batch: its charges settle their payments
     * (rule 1; a payment completed earlier when its funds became available is simply matched) and
     * the batch waits for the bank line that receives the payout's net (rule 4). Importing the
     * same payout again applies nothing.
     */
    async importPayout(
      ctx: TenantContext,
      gateway: string,
      payout: Payout,
      settlements: readonly Settlement[],
      actor: Actor,
    ): Promise<ImportResult> {
      const lines: StatementLine[] = settlements
        .filter((x) => x.type === 'charge' || x.type === 'refund')
        .map((x, i) => ({
          format: 'stripe-payout',
          line: i + 1,
          statementId: payout.id,
          account: gateway,
          currency: x.currency,
          entryIndex: i + 1,
          batchIndex: 1,
          batchSize: 1,
          entryAmount: x.amount < 0n ? -x.amount : x.amount,
          bookingDate: x.createdAt.toISOString().slice(0, 10),
          valueDate: payout.arrivalDate,
          amount: x.amount < 0n ? -x.amount : x.amount,
          direction: x.type === 'charge' ? 'credit' : 'debit',
          reversal: false,
          bankReference: x.id,
          ...(x.source ? { transactionId: x.source } : {}),
          remittance: `${gateway} ${x.type} ${x.source ?? ''}`.trim(),
          settlement: {
            kind: x.type === 'charge' ? 'charge' : 'refund',
            fee: x.fee,
            tax: 0n,
            net: x.net < 0n ? -x.net : x.net,
            ...(x.source ? { source: x.source } : {}),
          },
        }));
      return runImport(
        ctx,
        { source: gateway, filename: payout.id },
        actor,
        {
          lines: (async function* () {
            yield* lines;
          })(),
          errors: () => [],
          finish: () => ({
            errorCount: 0,
            lines: lines.length,
            format: 'stripe-payout',
            digest: createHash('sha256').update(`${gateway}:payout:${payout.id}`).digest('hex'),
          }),
        },
        undefined,
        { externalId: payout.id, netAmount: payout.amount, arrivalDate: payout.arrivalDate },
      );
    },

    async listImports(ctx: TenantContext, page: PageQuery) {
      return db.withTenant(ctx, async (tx) => {
        const rows = await tx
          .select()
          .from(statementImports)
          .where(
            and(
              eq(statementImports.tenantId, ctx.tenantId),
              eq(statementImports.mode, ctx.mode),
              page.starting_after ? sql`${statementImports.id} < ${page.starting_after}` : undefined,
            ),
          )
          .orderBy(desc(statementImports.id))
          .limit(page.limit + 1);
        return toPage(rows, page.limit);
      });
    },

    async getImport(ctx: TenantContext, id: string) {
      return db.withTenant(ctx, async (tx) => {
        const row = await tx
          .select()
          .from(statementImports)
          .where(and(eq(statementImports.tenantId, ctx.tenantId), eq(statementImports.id, id)))
          .then(first);
        if (!row) throw notFound('Statement import', id);
        return row;
      });
    },

    /** Lines of an import, or (without one) the exceptions queue: lines a person must look at. */
    async lines(
      ctx: TenantContext,
      q: PageQuery & {
        import_id?: string | undefined;
        status?: StatementLineStatus | undefined;
        exceptions?: boolean;
      },
    ) {
      return db.withTenant(ctx, async (tx) => {
        const rows = await tx
          .select()
          .from(statementLines)
          .where(
            and(
              eq(statementLines.tenantId, ctx.tenantId),
              eq(statementLines.mode, ctx.mode),
              q.import_id ? eq(statementLines.importId, q.import_id) : undefined,
              q.status ? eq(statementLines.status, q.status) : undefined,
              q.exceptions
                ? inArray(statementLines.status, ['unmatched', 'amount_mismatch', 'duplicate'])
                : undefined,
              q.exceptions ? eq(statementLines.direction, 'credit') : undefined,
              q.starting_after ? sql`${statementLines.id} > ${q.starting_after}` : undefined,
            ),
          )
          .orderBy(asc(statementLines.id))
          .limit(q.limit + 1);
        return toPage(rows, q.limit);
      });
    },

    /**
     * A CSO resolves an exception with a reason (audited): `match` settles the given payment with
     * this line; `ignore` closes it (e.g. a bank's own transfer, a duplicate line).
     */
    async resolve(
      ctx: TenantContext,
      lineId: string,
      input: { action: 'match' | 'ignore'; payment_id?: string | undefined; reason: string },
      actor: Actor,
    ) {
      return db.withTenant(ctx, async (tx) => {
        const [line] = await tx
          .select()
          .from(statementLines)
          .where(
            and(
              eq(statementLines.tenantId, ctx.tenantId),
              eq(statementLines.mode, ctx.mode),
              eq(statementLines.id, lineId),
            ),
          )
          .for('update');
        if (!line) throw notFound('Statement line', lineId);
        if (!['unmatched', 'amount_mismatch', 'duplicate'].includes(line.status)) {
          throw conflict('line_not_open', `This line is ${line.status}; only exceptions can be resolved.`);
        }
        let paymentId: string | null = line.paymentId;
        if (input.action === 'match') {
          if (!input.payment_id)
            throw validationFailed([{ field: 'payment_id', reason: 'is required to match' }]);
          const r = await completePayments(
            tx,
            ctx,
            [
              {
                paymentId: input.payment_id,
                fee: line.fee,
                settledAt: new Date(`${line.valueDate ?? line.bookingDate}T12:00:00Z`),
              },
            ],
            `statement:${line.importId}`,
          );
          if (!r.completed.length) {
            throw conflict(
              'payment_not_settleable',
              `Payment ${input.payment_id} is not awaiting settlement.`,
            );
          }
          paymentId = input.payment_id;
        }
        const [after] = await tx
          .update(statementLines)
          .set({
            status: input.action === 'match' ? 'resolved' : 'ignored',
            paymentId,
            matchRule: input.action === 'match' ? 'manual' : line.matchRule,
            note: input.reason,
            resolvedBy: actor.id,
            resolvedAt: new Date(),
          })
          .where(and(eq(statementLines.tenantId, ctx.tenantId), eq(statementLines.id, lineId)))
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'reconciliation.resolved',
          targetType: 'statement_line',
          targetId: lineId,
          before: { status: line.status, payment_id: line.paymentId },
          after: { status: after!.status, payment_id: paymentId, reason: input.reason },
        });
        await trackReconciled(tx, ctx, after!, paymentId, actor);
        return after!;
      });
    },

    /** Payments still awaiting settlement after `days` (the other side of the exceptions). */
    async unsettled(ctx: TenantContext, days: number, limit = 200) {
      return db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(payments)
          .where(
            and(
              eq(payments.tenantId, ctx.tenantId),
              eq(payments.mode, ctx.mode),
              eq(payments.status, 'successful'),
              lte(payments.receivedAt, new Date(Date.now() - days * 86400_000)),
              isNull(payments.completedAt),
            ),
          )
          .orderBy(asc(payments.receivedAt))
          .limit(limit),
      );
    },

    rejectProblem(r: Extract<ImportResult, { ok: false }>) {
      return new AppError(
        422,
        'statement_rejected',
        `The file has ${r.errorCount} error${r.errorCount === 1 ? '' : 's'}; nothing was applied.`,
        {
          errors: r.errors.slice(0, 200).map((e) => ({
            field: e.path ? `line ${e.line} ${e.path}` : `line ${e.line}`,
            reason: e.message,
          })),
          extensions: { error_count: r.errorCount },
        },
      );
    },
  };
}
