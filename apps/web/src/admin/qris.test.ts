import { type QrisMerchantWire, qrisMerchantSchema } from '@billrail/contracts';
import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { QRIS_API_FIELD, QRIS_FIELDS, type QrisForm, qrisFormOf, qrisProblems, qrisWireOf } from './qris.ts';

// The key (and its values) instead of a translation, so a test names the rule that fired.
const t = ((key: string, values?: Record<string, unknown>) =>
  values ? `${key} ${JSON.stringify(values)}` : key) as unknown as TFunction;

const merchant: QrisMerchantWire = {
  acquirer: {
    guid: 'ID.CO.EXAMPLE.WWW',
    mpan: '936000000000000001',
    merchant_id: '000000000000001',
    criteria: 'UMI',
  },
  nmid: 'ID1000000000001',
  criteria: 'UBE',
  mcc: '4900',
  name: 'PT CONTOH BILLER',
  city: 'JAKARTA',
  postal_code: '10110',
};

describe('QRIS merchant form', () => {
  it('round-trips the API shape; an empty template id is left out', () => {
    const form = qrisFormOf(merchant);
    expect(form.enabled).toBe(true);
    expect(qrisProblems(form, t)).toEqual({});
    expect(qrisWireOf(form)).toEqual(merchant);
    expect(qrisMerchantSchema.safeParse(qrisWireOf(form)).success).toBe(true);
    const tagged = { ...merchant, acquirer: { ...merchant.acquirer, tag: '27' } };
    expect(qrisWireOf(qrisFormOf(tagged))).toEqual(tagged);
    expect(qrisWireOf({ ...form, name: '  PT CONTOH BILLER ' }).name).toBe('PT CONTOH BILLER');
  });

  it('has no problems while off, and every field but the template id is required when on', () => {
    expect(qrisProblems(qrisFormOf(null), t)).toEqual({});
    const empty = { ...qrisFormOf(null), enabled: true };
    const problems = qrisProblems(empty, t);
    expect(Object.keys(problems).sort()).toEqual(QRIS_FIELDS.filter((k) => k !== 'tag').sort());
    expect(new Set(Object.values(problems))).toEqual(new Set(['errors.field.required']));
  });

  it("checks each field with the API's rules", () => {
    const form = qrisFormOf(merchant);
    const problem = (over: Partial<QrisForm>) => qrisProblems({ ...form, ...over }, t);
    expect(problem({ guid: 'id.co.example.www' })).toEqual({ guid: 'admin.settings.qris.guidInvalid' });
    expect(problem({ guid: 'EXAMPLE' })).toEqual({ guid: 'admin.settings.qris.guidInvalid' });
    expect(problem({ guid: `ID.CO.${'X'.repeat(27)}` })).toEqual({
      guid: 'admin.settings.qris.tooLong {"max":32}',
    });
    expect(problem({ mpan: '1234' })).toEqual({ mpan: 'admin.settings.qris.mpanInvalid' });
    expect(problem({ mpan: '93601234567890123456' })).toEqual({ mpan: 'admin.settings.qris.mpanInvalid' });
    expect(problem({ mpan: '9360123456789012345' })).toEqual({});
    expect(problem({ merchant_id: '1234567890123456' })).toEqual({
      merchant_id: 'admin.settings.qris.tooLong {"max":15}',
    });
    expect(problem({ tag: '25' })).toEqual({ tag: 'admin.settings.qris.tagInvalid' });
    expect(problem({ tag: '46' })).toEqual({ tag: 'admin.settings.qris.tagInvalid' });
    expect(problem({ tag: '45' })).toEqual({});
    expect(problem({ nmid: 'ID100000000000' })).toEqual({ nmid: 'admin.settings.qris.nmidInvalid' });
    expect(problem({ nmid: 'id1000000000001' })).toEqual({ nmid: 'admin.settings.qris.nmidInvalid' });
    expect(problem({ criteria: 'XYZ' })).toEqual({ criteria: 'errors.field.required' });
    expect(problem({ mcc: '49' })).toEqual({ mcc: 'admin.settings.qris.mccInvalid' });
    expect(problem({ name: 'PT CONTOH BILLER JAYA ABADI' })).toEqual({
      name: 'admin.settings.qris.tooLong {"max":25}',
    });
    expect(problem({ city: 'Bogor Café' })).toEqual({ city: 'admin.settings.qris.asciiOnly' });
    expect(problem({ postal_code: '1011' })).toEqual({
      postal_code: 'admin.settings.qris.postalCodeInvalid',
    });
  });

  it("names the API's field for each one", () => {
    expect(Object.keys(QRIS_API_FIELD).sort()).toEqual([...QRIS_FIELDS].sort());
    for (const path of Object.values(QRIS_API_FIELD)) {
      const keys = path.replace(/^qris_merchant\./, '').split('.');
      let at: unknown = { ...merchant, acquirer: { ...merchant.acquirer, tag: '26' } };
      for (const k of keys) at = (at as Record<string, unknown>)[k];
      expect(at, path).toBeTypeOf('string');
    }
  });
});
