import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
// algorithm 2 = Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const ARGON2_OPTIONS = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, ARGON2_OPTIONS);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A hash to verify against when the user does not exist, so a login for an unknown email
 * takes as long as one for a known email (no user enumeration by timing).
 */
let dummyHash: Promise<string> | undefined;
export const dummyPasswordHash = () => {
  dummyHash ??= hashPassword(randomToken(16));
  return dummyHash;
};

/** URL-safe random token with `bytes` bytes of entropy. */
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** For high-entropy secrets (session tokens, API keys) a plain SHA-256 is the right stored form. */
export const sha256Hex = (value: string | Buffer) => createHash('sha256').update(value).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Secrets at rest: AES-256-GCM with a key id, `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url).
 * The key id says which master key encrypted a value, so keys can be rotated.
 */
export interface Keyring {
  currentKeyId: string;
  keys: Map<string, Buffer>;
}

export function encryptSecret(keyring: Keyring, plaintext: string): string {
  const key = keyring.keys.get(keyring.currentKeyId);
  if (!key) throw new Error(`No master key ${keyring.currentKeyId}`);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    'v1',
    keyring.currentKeyId,
    iv.toString('base64url'),
    tag.toString('base64url'),
    body.toString('base64url'),
  ].join(':');
}

export function decryptSecret(keyring: Keyring, sealed: string): string {
  const [version, keyId, iv, tag, body] = sealed.split(':');
  if (version !== 'v1' || !keyId || !iv || !tag || body === undefined)
    throw new Error('Malformed sealed secret');
  const key = keyring.keys.get(keyId);
  if (!key) throw new Error(`No master key ${keyId} to decrypt this secret`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
