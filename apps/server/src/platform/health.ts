import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from './errors.ts';

export async function healthRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process is up',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Readiness: the database answers and every migration is applied',
        response: {
          200: z.object({
            status: z.literal('ready'),
            database: z.enum(['pglite', 'postgres']),
            migrations: z.object({ applied: z.number(), expected: z.number() }),
          }),
        },
      },
    },
    async () => {
      try {
        await app.db.ping();
      } catch {
        throw new AppError(503, 'database_unreachable', 'The database does not answer.');
      }
      const migrations = await app.db.migrationStatus();
      if (migrations.applied < migrations.expected) {
        throw new AppError(
          503,
          'migrations_pending',
          `${migrations.expected - migrations.applied} migration(s) are not applied; run \`billrail migrate\`.`,
        );
      }
      return { status: 'ready' as const, database: app.db.kind, migrations };
    },
  );

  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
