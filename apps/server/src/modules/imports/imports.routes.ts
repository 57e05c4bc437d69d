import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TabularFormat } from '../../importers/tabular.ts';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';
import { AppError, badRequest } from '../../platform/errors.ts';
import {
  ACCOUNT_COLUMNS,
  BILL_COLUMNS,
  CSV_TYPE,
  importQuery,
  importReport,
  XLSX_TYPE,
} from './imports.schemas.ts';
import { IMPORT_MAX_ROWS } from './imports.service.ts';

/** Import files may be much larger than JSON requests (BODY_LIMIT_BYTES). */
export const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;

const unsupported = () =>
  new AppError(
    415,
    'unsupported_media_type',
    `Send the file as the request body with Content-Type ${CSV_TYPE} or ${XLSX_TYPE}.`,
  );

/** The request body in slices, so the row readers work the same on a buffer as on a stream. */
async function* slices(body: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

function fileOf(request: FastifyRequest): { format: TabularFormat; source: AsyncIterable<Buffer> } {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (request.body === undefined || request.body === null) {
    throw badRequest(
      'import_empty',
      `The request has no body; send the file with Content-Type ${CSV_TYPE} or ${XLSX_TYPE}.`,
    );
  }
  if (!Buffer.isBuffer(request.body)) throw unsupported();
  return { format: type === XLSX_TYPE ? 'xlsx' : 'csv', source: slices(request.body) };
}

const columns = (spec: { required: readonly string[]; optional: readonly string[] }) =>
  `Required columns: ${spec.required.join(', ')}. Optional: ${spec.optional.join(', ')}.`;

const COMMON = `The file is the raw request body: \`Content-Type: ${CSV_TYPE}\` (UTF-8, comma, semicolon or tab separated) or \`${XLSX_TYPE}\` (the first visible worksheet). The first non-blank row is the header; names are matched case- and space-insensitively, in any order; unknown and missing columns are refused by name. At most ${IMPORT_MAX_ROWS} rows and ${IMPORT_BODY_LIMIT / 1024 / 1024} MiB. Errors name the file line (\`row\`, the header being line 1) and column. With on_error=reject_all (the default) any bad row refuses the whole file: 400 \`import_invalid\` with the same \`errors\`, nothing written. With on_error=skip_invalid the valid rows are written in one transaction and the bad ones reported. Empty, header-only, non-CSV and damaged XLSX files are refused with 400.`;

export async function importRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { imports } = app.services;

  // Scoped to this plugin: the import routes take the file itself, and nothing else (not JSON).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    [CSV_TYPE, XLSX_TYPE],
    { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT },
    (_request, body, done) => done(null, body),
  );
  app.addContentTypeParser('*', (_request, _payload, done) => done(unsupported()));

  const body = z.any().meta({ description: 'The CSV or XLSX file', type: 'string', format: 'binary' });

  app.post(
    '/v1/accounts/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      config: { action: 'imports.run' },
      schema: {
        tags: ['imports'],
        summary: 'Import consumer accounts from a CSV or XLSX file',
        description: `${columns(ACCOUNT_COLUMNS)} service_types are separated by ; or |. ${COMMON}`,
        consumes: [CSV_TYPE, XLSX_TYPE],
        body,
        querystring: importQuery,
        response: { 200: importReport },
      },
    },
    async (request) => {
      const { format, source } = fileOf(request);
      const { on_error, dry_run } = request.query;
      return imports.importAccounts(
        tenantOf(request),
        source,
        { format, onError: on_error, dryRun: dry_run },
        actorOf(request),
      );
    },
  );

  app.post(
    '/v1/bills/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      config: { action: 'imports.run' },
      schema: {
        tags: ['imports'],
        summary: 'Import bills from a CSV or XLSX file',
        description: `${columns(BILL_COLUMNS)} amount and late_fee are decimals in major units of the tenant's currency (120.50), never more decimals than the currency has; dates are YYYY-MM-DD (or date cells in XLSX); kind is bill or service; allow_partial is true/false, yes/no or 1/0. ${COMMON}`,
        consumes: [CSV_TYPE, XLSX_TYPE],
        body,
        querystring: importQuery,
        response: { 200: importReport },
      },
    },
    async (request) => {
      const { format, source } = fileOf(request);
      const { on_error, dry_run } = request.query;
      return imports.importBills(
        tenantOf(request),
        source,
        { format, onError: on_error, dryRun: dry_run },
        actorOf(request),
      );
    },
  );
}
