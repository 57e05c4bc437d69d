import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyText, type Database, execPrepared, textArray } from '../src/db/client.ts';
import { openTestDatabase } from './helpers.ts';

/**
 * textArray is the one way ids go to the database as a list (anyText, receipts, notices): each
 * value must come back exactly as given, on the driver under test (PGlite, or postgres.js with
 * DATABASE_URL), both through Drizzle's sql`` and through a prepared statement.
 */
let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

const awkward = [
  'pay_01J0000000000000000000000',
  '',
  'NULL',
  'null',
  ' leading and trailing ',
  'a,b',
  '{braces}',
  'quote " inside',
  'back\\slash',
  '\\"',
  'ends with \\',
  "single ' quote",
  'tab\tand\nnewline',
  'ünïcødé ✓',
];

describe('textArray', () => {
  it('is a quoted, escaped array literal', () => {
    expect(textArray([])).toBe('{}');
    expect(textArray(['a', 'b"c', 'd\\e'])).toBe('{"a","b\\"c","d\\\\e"}');
  });

  it('round-trips every value through sql`` and through a prepared statement', async () => {
    const viaSql = await db.system((tx) =>
      db.rows<{ v: string }>(tx, sql`select unnest(${textArray(awkward)}::text[]) as v`),
    );
    expect(viaSql.map((r) => r.v)).toEqual(awkward);
    const viaPrepared = await db.system((tx) =>
      execPrepared<{ v: string }>(tx, 'select unnest($1::text[]) as v', [textArray(awkward)]),
    );
    expect(viaPrepared.map((r) => r.v)).toEqual(awkward);
  });

  it('anyText matches exactly the values given, an empty list matches nothing', async () => {
    const pick = async (list: readonly string[]) =>
      (
        await db.system((tx) =>
          db.rows<{ v: string }>(
            tx,
            sql`select v from unnest(${textArray(awkward)}::text[]) as v where ${anyText(sql`v`, list)}`,
          ),
        )
      )
        .map((r) => r.v)
        .sort();
    const wanted = ['NULL', 'a,b', 'quote " inside', 'ends with \\'];
    expect(await pick(wanted)).toEqual([...wanted].sort());
    expect(await pick([])).toEqual([]);
    expect(await pick(['a'])).toEqual([]);
  });
});
