import { describe, expect, it } from 'vitest';
import en from './en.json';
import es from './es.json';
import id from './id.json';

type Tree = { [key: string]: string | Tree };

/** Every key as a dotted path, with i18next's plural suffixes folded into one key. */
function keys(tree: Tree, prefix = ''): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(tree)) {
    const path = `${prefix}${k.replace(/_(zero|one|two|few|many|other)$/, '')}`;
    if (typeof v === 'string') out.set(path, [...(out.get(path) ?? []), v]);
    else for (const [p, vs] of keys(v, `${path}.`)) out.set(p, vs);
  }
  return out;
}

const variables = (texts: string[]) =>
  [...new Set(texts.flatMap((t) => [...t.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1])))].sort();

describe('translations', () => {
  const reference = keys(en);
  for (const [lang, catalogue] of Object.entries({ es, id })) {
    it(`${lang} has exactly the English keys, with the same {{variables}}`, () => {
      const other = keys(catalogue);
      expect([...other.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [key, texts] of reference) {
        expect(variables(other.get(key) ?? []), `${lang}: ${key}`).toEqual(variables(texts));
      }
    });

    it(`${lang} has the plural forms its language uses`, () => {
      const rules = new Intl.PluralRules(lang);
      const flat = JSON.stringify(catalogue);
      // account_locked is counted in minutes; check the forms that small counts need exist.
      for (const n of [1, 2, 5, 15]) expect(flat).toContain(`"account_locked_${rules.select(n)}"`);
    });
  }
});
