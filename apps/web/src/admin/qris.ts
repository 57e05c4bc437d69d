import type { QrisMerchantWire } from '@billrail/contracts';
import type { TFunction } from 'i18next';

/**
 * The tenant's QRIS merchant on the settings page: the form's fields, the API's shape, and the
 * checks the API makes (contracts' qrisMerchantSchema, then the QRIS rules of
 * apps/server/src/channels/qr/emvco.ts), so a wrong value is shown as it is typed. The API stays
 * the judge: its problem+json names each field `qris_merchant.<path>` (QRIS_API_FIELD).
 */

export const QRIS_CRITERIA = ['UMI', 'UKE', 'UME', 'UBE', 'URE'] as const;
type Criteria = (typeof QRIS_CRITERIA)[number];

export const QRIS_FIELDS = [
  'guid',
  'mpan',
  'merchant_id',
  'acquirer_criteria',
  'tag',
  'nmid',
  'criteria',
  'mcc',
  'name',
  'city',
  'postal_code',
] as const;
export type QrisField = (typeof QRIS_FIELDS)[number];

/** Where the API's problem+json puts each field's error (`errors[].field`). */
export const QRIS_API_FIELD: Record<QrisField, string> = {
  guid: 'qris_merchant.acquirer.guid',
  mpan: 'qris_merchant.acquirer.mpan',
  merchant_id: 'qris_merchant.acquirer.merchant_id',
  acquirer_criteria: 'qris_merchant.acquirer.criteria',
  tag: 'qris_merchant.acquirer.tag',
  nmid: 'qris_merchant.nmid',
  criteria: 'qris_merchant.criteria',
  mcc: 'qris_merchant.mcc',
  name: 'qris_merchant.name',
  city: 'qris_merchant.city',
  postal_code: 'qris_merchant.postal_code',
};

export type QrisForm = { enabled: boolean } & Record<QrisField, string>;

export function qrisFormOf(m: QrisMerchantWire | null | undefined): QrisForm {
  return {
    enabled: !!m,
    guid: m?.acquirer.guid ?? '',
    mpan: m?.acquirer.mpan ?? '',
    merchant_id: m?.acquirer.merchant_id ?? '',
    acquirer_criteria: m?.acquirer.criteria ?? '',
    tag: m?.acquirer.tag ?? '',
    nmid: m?.nmid ?? '',
    criteria: m?.criteria ?? '',
    mcc: m?.mcc ?? '',
    name: m?.name ?? '',
    city: m?.city ?? '',
    postal_code: m?.postal_code ?? '',
  };
}

/** The body's `qris_merchant`, trimmed; only for a form without problems (the criteria are checked). */
export function qrisWireOf(f: QrisForm): QrisMerchantWire {
  const v = (k: QrisField) => f[k].trim();
  const tag = v('tag');
  return {
    acquirer: {
      guid: v('guid'),
      mpan: v('mpan'),
      merchant_id: v('merchant_id'),
      criteria: v('acquirer_criteria') as Criteria,
      ...(tag ? { tag } : {}),
    },
    nmid: v('nmid'),
    criteria: v('criteria') as Criteria,
    mcc: v('mcc'),
    name: v('name'),
    city: v('city'),
    postal_code: v('postal_code'),
  };
}

/** EMVCo "ans": printable ASCII, all a QR's merchant name and city may hold. */
const ASCII = /^[\x20-\x7e]*$/;
type Reason =
  | 'guidInvalid'
  | 'mpanInvalid'
  | 'tagInvalid'
  | 'nmidInvalid'
  | 'mccInvalid'
  | 'postalCodeInvalid';
const RULES: Record<QrisField, { max?: number; ascii?: boolean; pattern?: RegExp; reason?: Reason }> = {
  guid: { max: 32, pattern: /^[A-Z0-9-]+(\.[A-Z0-9-]+)+$/, reason: 'guidInvalid' },
  mpan: { pattern: /^9360\d{12,15}$/, reason: 'mpanInvalid' },
  merchant_id: { max: 15, ascii: true },
  acquirer_criteria: {},
  tag: { pattern: /^(2[6-9]|3\d|4[0-5])$/, reason: 'tagInvalid' },
  nmid: { pattern: /^[A-Z0-9]{15}$/, reason: 'nmidInvalid' },
  criteria: {},
  mcc: { pattern: /^\d{4}$/, reason: 'mccInvalid' },
  name: { max: 25, ascii: true },
  city: { max: 15, ascii: true },
  postal_code: { pattern: /^\d{5}$/, reason: 'postalCodeInvalid' },
};

/** What is wrong with each field now (nothing while QRIS is off), in the reader's language. */
export function qrisProblems(f: QrisForm, t: TFunction): Partial<Record<QrisField, string>> {
  const out: Partial<Record<QrisField, string>> = {};
  if (!f.enabled) return out;
  for (const k of QRIS_FIELDS) {
    const value = f[k].trim();
    const rule = RULES[k];
    if (value === '') {
      if (k !== 'tag') out[k] = t('errors.field.required');
    } else if (
      (k === 'criteria' || k === 'acquirer_criteria') &&
      !(QRIS_CRITERIA as readonly string[]).includes(value)
    ) {
      out[k] = t('errors.field.required');
    } else if (rule.ascii && !ASCII.test(value)) {
      out[k] = t('admin.settings.qris.asciiOnly');
    } else if (rule.max !== undefined && value.length > rule.max) {
      out[k] = t('admin.settings.qris.tooLong', { max: rule.max });
    } else if (rule.pattern && rule.reason && !rule.pattern.test(value)) {
      out[k] = t(`admin.settings.qris.${rule.reason}`);
    }
  }
  return out;
}
