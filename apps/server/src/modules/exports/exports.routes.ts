import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TenantContext } from '../../db/client.ts';
import { tenantOf } from '../../platform/auth.ts';
import { BILL_VIEW_STATUSES, type BillView } from '../bills/bills.schemas.ts';
import { attemptExportRows, cursorIn, mergeNewestFirst } from '../payments/payments.attempts.ts';
import { paymentSearch } from '../payments/payments.schemas.ts';
import { type PaymentExportRow, paymentExportPage } from '../payments/payments.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import { type ExportColumn, exportQuery, keysetChunks, sendExport } from './exports.ts';

/** Payments per keyset page of an export (one statement each; the next is read while one is written). */
const CHUNK = 10_000;

/** Seed 002's "Mode" column: how the money came in, in the words of the back office. */
export const PAYMENT_MODES = {
  gateway: 'online',
  link: 'online',
  qr: 'online',
  cash: 'cash',
  bank_api: 'bank',
  bank_transfer: 'bank',
  agent: 'agent',
  wallet: 'wallet',
} as const;

const ONLINE = new Set(['gateway', 'link', 'qr']);

export const paymentColumns: ExportColumn<PaymentExportRow>[] = [
  { header: 'Account no', type: 'text', value: (r) => r.account_number },
  { header: 'Name', type: 'text', width: 24, value: (r) => r.account_name },
  { header: 'Type', type: 'text', value: (r) => r.type },
  { header: 'Amount', type: 'money', value: (r) => r.amount },
  { header: 'Refunded', type: 'money', value: (r) => r.refunded_amount },
  { header: 'Unallocated', type: 'money', value: (r) => r.suspense_amount },
  { header: 'Currency', type: 'text', width: 9, value: (r) => r.currency },
  { header: 'Mode', type: 'text', width: 9, value: (r) => PAYMENT_MODES[r.channel] },
  { header: 'Channel', type: 'text', value: (r) => r.channel },
  { header: 'Gateway', type: 'text', value: (r) => (ONLINE.has(r.channel) ? r.channel_source : null) },
  { header: 'Txn ID', type: 'text', width: 32, value: (r) => r.id },
  { header: 'Channel reference', type: 'text', width: 32, value: (r) => r.channel_ref },
  { header: 'Txn date', type: 'datetime', value: (r) => r.received_at },
  { header: 'Created on', type: 'datetime', value: (r) => r.created_at },
  { header: 'Created by', type: 'text', width: 24, value: (r) => r.created_by_name },
  { header: 'Status', type: 'text', width: 11, value: (r) => r.status },
  { header: 'Failure', type: 'text', width: 32, value: (r) => r.failure_message },
  { header: 'Completed on', type: 'datetime', value: (r) => r.completed_at },
  { header: 'Livemode', type: 'text', width: 9, value: (r) => (r.mode === 'live' ? 'live' : 'test') },
];

const billColumns: ExportColumn<BillView>[] = [
  { header: 'Bill number', type: 'text', value: (b) => b.bill_number },
  { header: 'Reference id', type: 'text', width: 20, value: (b) => b.reference_display },
  { header: 'Account no', type: 'text', value: (b) => b.account_number },
  { header: 'Kind', type: 'text', width: 9, value: (b) => b.kind },
  { header: 'Service', type: 'text', width: 24, value: (b) => b.service_name },
  { header: 'Billing period', type: 'text', value: (b) => b.billing_period },
  { header: 'Amount', type: 'money', value: (b) => BigInt(b.amount) },
  { header: 'Late fee', type: 'money', value: (b) => BigInt(b.late_fee) },
  { header: 'Paid', type: 'money', value: (b) => BigInt(b.amount_paid) },
  { header: 'Outstanding', type: 'money', value: (b) => BigInt(b.outstanding) },
  { header: 'Currency', type: 'text', width: 9, value: (b) => b.currency },
  { header: 'Due date', type: 'date', value: (b) => b.due_date },
  { header: 'Status', type: 'text', value: (b) => b.status },
  { header: 'Created on', type: 'datetime', value: (b) => new Date(b.created_at) },
];

const paymentExportQuery = paymentSearch
  .omit({ limit: true, starting_after: true })
  .extend(exportQuery.shape);
const billExportQuery = exportQuery.extend({
  account_id: z.string().max(64).optional(),
  status: z.enum(BILL_VIEW_STATUSES).optional(),
  kind: z.enum(['bill', 'service']).optional(),
  search: z.string().trim().min(1).max(80).optional(),
});

const stamp = () => new Date().toISOString().slice(0, 10);

/** Downloads of the back-office lists, with the list's own filters (see exports.ts). */
export async function exportRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { db } = app;
  const settingsOf = (ctx: TenantContext) => db.withTenant(ctx, (tx) => tenantSettings(tx, ctx.tenantId));

  app.get(
    '/v1/exports/payments',
    {
      config: { action: 'payments.read' },
      schema: {
        tags: ['payments'],
        summary:
          'The payments list as CSV or XLSX, with the same filters as GET /v1/payments (all matching rows, streamed)',
        querystring: paymentExportQuery,
        produces: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      },
    },
    async (request, reply) => {
      const ctx = tenantOf(request);
      const { format, ...filters } = request.query;
      const settings = await settingsOf(ctx);
      return sendExport(reply, format, {
        name: `payments-${stamp()}`,
        columns: paymentColumns,
        currency: settings.currency,
        timeZone: settings.timeZone,
        rows: keysetChunks(
          (after) =>
            db.withTenant(ctx, async (tx) => {
              const paid = await db.rows<PaymentExportRow>(
                tx,
                paymentExportPage(ctx, filters, CHUNK, cursorIn('pay', after)),
              );
              if (!filters.include_attempts) return paid;
              return mergeNewestFirst(paid, await attemptExportRows(tx, ctx, filters, CHUNK, after), CHUNK);
            }),
          (r) => r.id,
          CHUNK,
        ),
      });
    },
  );

  app.get(
    '/v1/exports/bills',
    {
      config: { action: 'bills.read' },
      schema: {
        tags: ['bills'],
        summary: 'Bills as CSV or XLSX, with the filters of GET /v1/bills (e.g. one account’s bills)',
        querystring: billExportQuery,
        produces: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      },
    },
    async (request, reply) => {
      const ctx = tenantOf(request);
      const { format, ...filters } = request.query;
      const settings = await settingsOf(ctx);
      return sendExport(reply, format, {
        name: `bills-${stamp()}`,
        columns: billColumns,
        currency: settings.currency,
        timeZone: settings.timeZone,
        rows: keysetChunks(
          async (after) =>
            (
              await app.services.bills.list(ctx, {
                ...filters,
                limit: 1000,
                ...(after ? { starting_after: after } : {}),
              })
            ).data,
          (b) => b.id,
          1000,
        ),
      });
    },
  );
}
