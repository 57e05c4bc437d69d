import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STATEMENT_LINE_STATUSES, type statementImports, type statementLines } from '../../db/schema.ts';
import { type BankCsvMapping, checkMapping } from '../../importers/statements/index.ts';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { badRequest, validationFailed } from '../../platform/errors.ts';
import { pageOf, pageQuery } from '../../platform/pagination.ts';
import { amountOut, toWire } from '../../platform/wire.ts';
import {
  compensationCsv,
  compensationXlsx,
  settlementCsv,
  settlementXlsx,
} from '../reports/reports.service.ts';

const STATEMENT_BODY_LIMIT = 100 * 1024 * 1024;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const importView = z.object({
  id: z.string(),
  object: z.literal('statement_import'),
  source: z.string(),
  format: z.string(),
  filename: z.string().nullable(),
  currency: z.string(),
  lines: z.number(),
  matched: z.number(),
  matched_amount: amountOut,
  recorded: z
    .number()
    .describe('Lines no payment claimed, recorded as bank transfers (to a bill, or suspense)'),
  exceptions: z.number().describe('Lines a CSO must resolve (unmatched, amount mismatch, duplicate)'),
  gateway_fees: amountOut,
  platform_fee: amountOut,
  state: z.enum(['reconciled', 'exceptions']),
  already_imported: z.boolean(),
  created_at: z.string(),
});

const lineView = z.object({
  id: z.string(),
  object: z.literal('statement_line'),
  import_id: z.string(),
  line: z.number(),
  booking_date: z.string(),
  value_date: z.string().nullable(),
  direction: z.enum(['credit', 'debit']),
  reversal: z.boolean(),
  amount: amountOut,
  fee: amountOut,
  currency: z.string(),
  reference: z.string().nullable(),
  remittance: z.string(),
  counterparty: z.string().nullable(),
  status: z.enum(STATEMENT_LINE_STATUSES),
  match_rule: z.string().nullable(),
  payment_id: z.string().nullable(),
  note: z.string().nullable(),
});

const toImportView = (r: typeof statementImports.$inferSelect, alreadyImported = false) => ({
  id: r.id,
  object: 'statement_import' as const,
  source: r.source,
  format: r.format,
  filename: r.filename,
  currency: r.currency,
  lines: r.lineCount,
  matched: r.matchedCount,
  matched_amount: toWire(r.matchedAmount),
  recorded: r.recordedCount,
  exceptions: r.exceptionCount,
  gateway_fees: toWire(r.gatewayFees),
  platform_fee: toWire(r.platformFee),
  state: r.state,
  already_imported: alreadyImported,
  created_at: r.createdAt.toISOString(),
});

const toLineView = (l: typeof statementLines.$inferSelect) => ({
  id: l.id,
  object: 'statement_line' as const,
  import_id: l.importId,
  line: l.lineNo,
  booking_date: l.bookingDate,
  value_date: l.valueDate,
  direction: l.direction,
  reversal: l.reversal,
  amount: toWire(l.amount),
  fee: toWire(l.fee),
  currency: l.currency,
  reference: l.reference,
  remittance: l.remittance,
  counterparty: l.counterparty,
  status: l.status,
  match_rule: l.matchRule,
  payment_id: l.paymentId,
  note: l.note,
});

const sourceName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/, 'lowercase letters, digits, _ . -');

async function* slices(body: Buffer, size = 256 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

/**
 * Reconciliation and settlement reports (issue 7). Statement files are the raw request body
 * (camt.053 XML, MT940 text, a bank's CSV or XLSX export, a DOKU settlement report).
 */
export async function reconciliationRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { reconciliation, reports, checkouts } = app.services;
  const tags = ['reconciliation'];

  app.addContentTypeParser(
    ['application/xml', 'text/xml', 'text/plain', 'text/csv', 'application/octet-stream', XLSX],
    { parseAs: 'buffer', bodyLimit: STATEMENT_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );

  app.put(
    '/v1/reconciliation/sources/:name',
    {
      config: { action: 'reconciliation.import' },
      schema: {
        tags,
        summary: 'Save how to read a source’s files (format; for bank CSV/XLSX the column mapping)',
        params: z.object({ name: sourceName }),
        body: z.object({
          format: z
            .enum(['auto', 'camt053', 'mt940', 'bank-csv', 'bank-xlsx', 'doku-settlement'])
            .default('auto'),
          mapping: z.record(z.string(), z.unknown()).optional(),
        }),
      },
    },
    async (request) => {
      const { format, mapping } = request.body;
      // A bank CSV/XLSX mapping that cannot work is refused now, not at the first import.
      if (format === 'bank-csv' || format === 'bank-xlsx' || (format === 'auto' && mapping)) {
        const problem = mapping
          ? checkMapping(mapping as unknown as BankCsvMapping)
          : 'bank CSV and XLSX sources need a column mapping';
        if (problem) throw validationFailed([{ field: 'mapping', reason: problem }]);
      }
      await reconciliation.saveSource(tenantOf(request), request.params.name, request.body);
      return { name: request.params.name, ...request.body };
    },
  );

  app.post(
    '/v1/reconciliation/imports',
    {
      bodyLimit: STATEMENT_BODY_LIMIT,
      config: { action: 'reconciliation.import' },
      schema: {
        tags,
        summary:
          'Import a statement or settlement file and match it: 201 with the counts; 422 with line-numbered errors and nothing applied; 200 when the same file was imported before',
        description:
          'The body is the file: camt.053 (.001.02 to .13), MT940, DOKU settlement report, or a bank CSV/XLSX read with the mapping saved for `source`.',
        querystring: z.object({
          source: sourceName.default('bank'),
          filename: z.string().max(255).optional(),
        }),
        body: z.any().meta({ description: 'The statement file', type: 'string', format: 'binary' }),
        response: { 200: importView, 201: importView },
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
        throw badRequest('statement_empty', 'Send the statement file as the request body.');
      }
      const ctx = tenantOf(request);
      const src = await reconciliation.getSource(ctx, request.query.source);
      const r = await reconciliation.importStatement(
        ctx,
        slices(request.body),
        {
          source: request.query.source,
          filename: request.query.filename,
          parse: {
            format: (src?.format ?? 'auto') as never,
            ...(src?.mapping ? { mapping: src.mapping as never } : {}),
          },
        },
        actorOf(request),
      );
      if (!r.ok) throw reconciliation.rejectProblem(r);
      return reply.code(r.alreadyImported ? 200 : 201).send(toImportView(r.import, r.alreadyImported));
    },
  );

  app.get(
    '/v1/reconciliation/imports',
    {
      config: { action: 'reconciliation.read' },
      schema: {
        tags,
        summary: 'Statement imports (settlement batches), newest first',
        querystring: pageQuery,
        response: { 200: pageOf(importView) },
      },
    },
    async (request) => {
      const page = await reconciliation.listImports(tenantOf(request), request.query);
      return { ...page, data: page.data.map((r) => toImportView(r)) };
    },
  );

  app.get(
    '/v1/reconciliation/imports/:id',
    {
      config: { action: 'reconciliation.read' },
      schema: {
        tags,
        summary: 'One import',
        params: z.object({ id: z.string().max(64) }),
        response: { 200: importView },
      },
    },
    async (request) => toImportView(await reconciliation.getImport(tenantOf(request), request.params.id)),
  );

  app.get(
    '/v1/reconciliation/lines',
    {
      config: { action: 'reconciliation.read' },
      schema: {
        tags,
        summary: 'Statement lines with what matching made of them (filter by import and status)',
        querystring: pageQuery.extend({
          import_id: z.string().max(64).optional(),
          status: z.enum(STATEMENT_LINE_STATUSES).optional(),
        }),
        response: { 200: pageOf(lineView) },
      },
    },
    async (request) => {
      const page = await reconciliation.lines(tenantOf(request), request.query);
      return { ...page, data: page.data.map(toLineView) };
    },
  );

  app.get(
    '/v1/reconciliation/exceptions',
    {
      config: { action: 'reconciliation.read' },
      schema: {
        tags,
        summary: 'The exceptions queue: credit lines unmatched, with another amount, or duplicated',
        querystring: pageQuery,
        response: { 200: pageOf(lineView) },
      },
    },
    async (request) => {
      const page = await reconciliation.lines(tenantOf(request), { ...request.query, exceptions: true });
      return { ...page, data: page.data.map(toLineView) };
    },
  );

  app.post(
    '/v1/reconciliation/lines/:id/resolve',
    {
      config: { action: 'reconciliation.resolve' },
      schema: {
        tags,
        summary:
          'Resolve an exception with a reason: match it to a payment (settles it) or ignore it; audited',
        params: z.object({ id: z.string().max(64) }),
        body: z.object({
          action: z.enum(['match', 'ignore']),
          payment_id: z.string().max(64).optional(),
          reason: z.string().trim().min(3).max(500),
        }),
        response: { 200: lineView },
      },
    },
    async (request) =>
      toLineView(
        await reconciliation.resolve(tenantOf(request), request.params.id, request.body, actorOf(request)),
      ),
  );

  app.post(
    '/v1/reconciliation/gateways/sync',
    {
      config: { action: 'reconciliation.import' },
      schema: {
        tags,
        summary:
          'Settle now: read settlement lines and payouts from gateways that report them (Stripe) and settle sandbox payments that are due',
        response: {
          200: z.object({
            completed: z.number().describe('Payments moved to Payment Completed'),
            payouts: z.number().describe('Gateway payouts imported as settlement batches'),
          }),
        },
      },
    },
    async (request) => {
      const ctx = tenantOf(request);
      const fromGateways = await checkouts.syncSettlements(ctx);
      const sandbox = await checkouts.settleSandbox(ctx);
      return { completed: fromGateways + sandbox, payouts: await reconciliation.syncPayouts(ctx) };
    },
  );

  const format = z.enum(['json', 'csv', 'xlsx']).default('json');
  const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

  app.get(
    '/v1/reports/settlement',
    {
      config: { action: 'reports.read' },
      schema: {
        tags: ['reports'],
        summary:
          'Daily settlement report for a day in the tenant’s time zone: by channel and gateway, fees, net, unmatched items',
        querystring: z.object({ date, format }),
      },
    },
    async (request, reply) => {
      const r = await reports.settlement(tenantOf(request), request.query.date);
      const name = `settlement-${r.date}`;
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .send(settlementCsv(r));
      if (request.query.format === 'xlsx')
        return reply
          .type(XLSX)
          .header('content-disposition', `attachment; filename="${name}.xlsx"`)
          .send(await settlementXlsx(r));
      return reply
        .type('application/json')
        .send(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
    },
  );

  app.get(
    '/v1/reports/compensation',
    {
      config: { action: 'reports.read' },
      schema: {
        tags: ['reports'],
        summary:
          'Compensation file (seed 003): the bills paid in a period, for the biller’s billing system to mark off',
        querystring: z.object({ from: date, to: date, format }),
      },
    },
    async (request, reply) => {
      const { from, to } = request.query;
      if (from > to)
        throw badRequest('validation_failed', 'from must not be after to', [
          { field: 'from', reason: 'must not be after to' },
        ]);
      const r = await reports.compensation(tenantOf(request), from, to);
      const name = `compensation-${from}-${to}`;
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.csv"`)
          .send(compensationCsv(r.rows, r.currency));
      if (request.query.format === 'xlsx')
        return reply
          .type(XLSX)
          .header('content-disposition', `attachment; filename="${name}.xlsx"`)
          .send(await compensationXlsx(r.rows, r.currency));
      return {
        currency: r.currency,
        from,
        to,
        data: r.rows.map((x) => ({
          ...x,
          amount: Number(x.amount),
          amount_paid: Number(x.amount_paid),
          paid_at: x.paid_at.toISOString(),
        })),
      };
    },
  );
}
