import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, hashPassword, type Keyring, verifyPassword } from './crypto.ts';

describe('crypto', () => {
  it('hashes passwords with argon2id', async () => {
    const h = await hashPassword('a long password');
    expect(h).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(h, 'a long password')).toBe(true);
    expect(await verifyPassword(h, 'another password')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('seals secrets with AES-256-GCM under a key id, and detects tampering', () => {
    const keyring: Keyring = { currentKeyId: 'k1', keys: new Map([['k1', Buffer.alloc(32, 1)]]) };
    const sealed = encryptSecret(keyring, 'sk_live_secret');
    expect(sealed.startsWith('v1:k1:')).toBe(true);
    expect(sealed).not.toContain('sk_live_secret');
    expect(decryptSecret(keyring, sealed)).toBe('sk_live_secret');
    const rotated: Keyring = {
      currentKeyId: 'k2',
      keys: new Map([...keyring.keys, ['k2', Buffer.alloc(32, 2)]]),
    };
    expect(decryptSecret(rotated, sealed)).toBe('sk_live_secret');
    expect(encryptSecret(rotated, 'x').startsWith('v1:k2:')).toBe(true);
    const parts = sealed.split(':');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(keyring, parts.join(':'))).toThrow();
  });
});
