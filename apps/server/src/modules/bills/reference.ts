/**
 * Bill reference ids: 16 digits a person can key at a bank counter, an ATM or an app.
 *
 *   PPPPP SSSSSSSSS CC
 *   |     |         └ ISO 7064 MOD 97-10 check digits (as in IBAN): the whole number mod 97 is 1
 *   |     └ the tenant's own sequence, zero-padded to 9 digits
 *   └ the tenant's 5-digit prefix (unique on the platform, assigned at onboarding)
 *
 * MOD 97-10 detects every single-digit error and every transposition of adjacent digits, so a
 * mistyped reference is rejected, never matched to another bill. Displayed in groups of four.
 */
export const REFERENCE_LENGTH = 16;
const SEQUENCE_DIGITS = 9;

function mod97(digits: string): number {
  // Piecewise so no intermediate exceeds Number.MAX_SAFE_INTEGER.
  let rem = 0;
  for (let i = 0; i < digits.length; i += 7) rem = Number(`${rem}${digits.slice(i, i + 7)}`) % 97;
  return rem;
}

export function checkDigits(body: string): string {
  return String(98 - mod97(`${body}00`)).padStart(2, '0');
}

export function makeReference(tenantPrefix: number, sequence: bigint): string {
  if (tenantPrefix < 10000 || tenantPrefix > 99999)
    throw new Error(`tenant prefix ${tenantPrefix} is not 5 digits`);
  const seq = sequence.toString();
  if (sequence < 1n || seq.length > SEQUENCE_DIGITS)
    throw new Error(`reference sequence ${seq} out of range`);
  const body = `${tenantPrefix}${seq.padStart(SEQUENCE_DIGITS, '0')}`;
  return body + checkDigits(body);
}

/** Strips spaces and dashes a person may type; null when not 16 digits. */
export function normalizeReference(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{16}$/.test(digits) ? digits : null;
}

export type ReferenceCheck =
  | { ok: true; reference: string; tenantPrefix: number }
  | { ok: false; reason: string };

export function parseReference(input: string): ReferenceCheck {
  const reference = normalizeReference(input);
  if (!reference) return { ok: false, reason: `must be ${REFERENCE_LENGTH} digits` };
  if (mod97(reference) !== 1) return { ok: false, reason: 'has a wrong check digit (mistyped?)' };
  return { ok: true, reference, tenantPrefix: Number(reference.slice(0, 5)) };
}

export const formatReference = (reference: string) => reference.replace(/(\d{4})(?=\d)/g, '$1 ');
