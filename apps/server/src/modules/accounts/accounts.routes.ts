import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { pageOf, pageQuery } from '../../platform/pagination.ts';
import { amountOut, toWire } from '../../platform/wire.ts';
import { LEDGER, ledgerBalance, ledgerHistory } from '../ledger/ledger.service.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import { accountCreate, accountUpdate, accountView } from './accounts.schemas.ts';
import { accountToView } from './accounts.service.ts';

const idParams = z.object({ id: z.string().max(64) });

export async function accountRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { accounts } = app.services;

  app.post(
    '/v1/accounts',
    {
      config: { action: 'accounts.write' },
      schema: {
        tags: ['accounts'],
        summary: 'Create a consumer account',
        body: accountCreate,
        response: { 201: accountView },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(accountToView(await accounts.create(tenantOf(request), request.body, actorOf(request)))),
  );

  app.get(
    '/v1/accounts',
    {
      config: { action: 'accounts.read' },
      schema: {
        tags: ['accounts'],
        summary: 'List or search accounts (by account number or name)',
        querystring: pageQuery.extend({ search: z.string().trim().min(1).max(80).optional() }),
        response: { 200: pageOf(accountView) },
      },
    },
    async (request) => {
      const page = await accounts.list(tenantOf(request), request.query);
      return { ...page, data: page.data.map(accountToView) };
    },
  );

  app.get(
    '/v1/accounts/:id',
    {
      config: { action: 'accounts.read' },
      schema: {
        tags: ['accounts'],
        summary: 'One account',
        params: idParams,
        response: { 200: accountView },
      },
    },
    async (request) => accountToView(await accounts.get(tenantOf(request), request.params.id)),
  );

  app.patch(
    '/v1/accounts/:id',
    {
      config: { action: 'accounts.write' },
      schema: {
        tags: ['accounts'],
        summary: 'Update an account',
        params: idParams,
        body: accountUpdate,
        response: { 200: accountView },
      },
    },
    async (request) =>
      accountToView(
        await accounts.update(tenantOf(request), request.params.id, request.body, actorOf(request)),
      ),
  );

  app.get(
    '/v1/accounts/:id/ledger',
    {
      config: { action: 'ledger.read' },
      schema: {
        tags: ['ledger'],
        summary:
          "The account's receivable and credit balances and ledger history (derived from journal lines)",
        params: idParams,
        response: {
          200: z.object({
            currency: z.string(),
            receivable: amountOut.describe('What the account owes on its bills'),
            credit: amountOut.describe('Overpayments held for the account'),
            lines: z.array(
              z.object({
                entry_id: z.string(),
                kind: z.string(),
                subject_id: z.string(),
                reverses_id: z.string().nullable(),
                account: z.string(),
                amount: amountOut.describe('Positive = debit, negative = credit'),
                created_at: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const ctx = tenantOf(request);
      const account = await accounts.get(ctx, request.params.id);
      return app.db.withTenant(ctx, async (tx) => {
        const { currency } = await tenantSettings(tx, ctx.tenantId);
        const codes = [LEDGER.receivable(account.id).code, LEDGER.credit(account.id).code];
        const [receivable, credit, lines] = [
          await ledgerBalance(tx, ctx, codes[0]!, currency),
          await ledgerBalance(tx, ctx, codes[1]!, currency),
          await ledgerHistory(tx, ctx, codes),
        ];
        return {
          currency,
          receivable: toWire(receivable),
          credit: toWire(-credit),
          lines: lines.map((l) => ({
            ...l,
            amount: toWire(l.amount),
            created_at: l.created_at.toISOString(),
          })),
        };
      });
    },
  );
}
