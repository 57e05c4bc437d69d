import { uuidv7obj } from 'uuidv7';

/**
 * Prefixed, time-ordered ids: `<prefix>_<26 chars of Crockford base32 of a UUIDv7>`.
 * Lexical order equals creation order, so ids double as pagination cursors.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export const ID_PREFIXES = [
  'ten',
  'usr',
  'ses',
  'key',
  'aud',
  'acc',
  'bill',
  'pay',
  'alc',
  'jrn',
  'ent',
  'lac',
  'whe',
  'evt',
  'dlv',
  'bnk',
  'imp',
  'idm',
  'wha',
  'ntf',
  'chk',
  'gwe',
  'rfd',
  'stm',
  'stl',
  'lnk',
  'ane',
  'msg',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

function base32(bytes: Uint8Array): string {
  // 128 bits -> 26 base32 chars (first char carries 3 bits).
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${base32(uuidv7obj().bytes)}`;
}
