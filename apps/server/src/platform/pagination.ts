import { z } from 'zod';

/**
 * Cursor pagination over time-ordered ids: lists are newest first, `starting_after` is the last
 * id of the previous page. Stable under inserts, no OFFSET scans.
 */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  starting_after: z.string().max(64).optional(),
});
export type PageQuery = z.output<typeof pageQuery>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable() });

/** Call with limit+1 rows fetched; trims the extra row and says whether there is more. */
export function toPage<T extends { id: string }>(rows: T[], limit: number) {
  const has_more = rows.length > limit;
  const data = has_more ? rows.slice(0, limit) : rows;
  return { data, has_more, next_cursor: has_more ? data[data.length - 1]!.id : null };
}
