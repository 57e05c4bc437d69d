import { z } from 'zod';

export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Columns of each import (header names are matched case- and space-insensitively, in any order). */
export const ACCOUNT_COLUMNS = {
  required: ['account_number', 'name'],
  optional: ['mobile', 'email', 'service_types', 'consumer_email'],
} as const;

export const BILL_COLUMNS = {
  required: ['account_number', 'bill_number', 'service_name', 'billing_period', 'amount', 'due_date'],
  optional: ['kind', 'period_start', 'period_end', 'late_fee', 'expires_on', 'allow_partial'],
} as const;

export const importQuery = z.object({
  on_error: z
    .enum(['reject_all', 'skip_invalid'])
    .default('reject_all')
    .describe(
      'reject_all: apply nothing when any row is bad (400 import_invalid); skip_invalid: apply the valid rows',
    ),
  dry_run: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1')
    .describe('Validate only: the answer is what a real run would give, and nothing is written'),
});
export type ImportQuery = z.output<typeof importQuery>;

export const importRowError = z.object({
  row: z.int().describe('1-based line of the file (the header is line 1 when it is the first line)'),
  field: z.string().describe('A column name, or `row`/`file` for the row or file as a whole'),
  reason: z.string(),
});
export type ImportRowError = z.infer<typeof importRowError>;

export const importReport = z.object({
  rows_total: z.int().describe('Data rows in the file (blank lines not counted)'),
  rows_valid: z.int(),
  rows_invalid: z.int(),
  applied: z.int().describe('Rows written (0 on a dry run)'),
  dry_run: z.boolean(),
  errors: z.array(importRowError).describe(`Per-row errors, by row (at most ${1000} listed)`),
  errors_omitted: z.int().describe('Errors beyond those listed'),
});
export type ImportReport = z.infer<typeof importReport>;
