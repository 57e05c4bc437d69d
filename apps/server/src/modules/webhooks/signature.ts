import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, the scheme receivers verify (README "Webhooks"):
 *
 *   Billrail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${raw body}`)>
 *
 * The key is the whole signing secret as UTF-8, `whsec_` prefix included. Signing the timestamp
 * with the body lets a receiver refuse replays of an old, captured request. A header may carry
 * several v1 values; one match is enough (room for signing with two secrets during a rotation).
 */
export const SIGNATURE_HEADER = 'Billrail-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const hmacHex = (secret: string, t: number, body: string | Buffer) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

/** The `Billrail-Signature` header value for `body` sent at unix time `t` (seconds). */
export function signPayload(secret: string, body: string | Buffer, t: number): string {
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * True when `header` holds a v1 signature of `rawBody` by `secret` whose timestamp is within
 * `toleranceSeconds` of `now` (unix seconds). Compares in constant time. `rawBody` must be the
 * bytes as received: re-serialising parsed JSON changes them and breaks the signature.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string | Buffer,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  now = Math.floor(Date.now() / 1000),
): boolean {
  if (!header) return false;
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (t === undefined || candidates.length === 0) return false;
  if (Math.abs(now - t) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, t, rawBody), 'hex');
  // Every candidate is compared (no early exit), each in constant time.
  let ok = false;
  for (const c of candidates) ok = timingSafeEqual(expected, Buffer.from(c, 'hex')) || ok;
  return ok;
}
