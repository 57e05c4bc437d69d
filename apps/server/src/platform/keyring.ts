import type { Config } from '../config/env.ts';
import type { Keyring } from './crypto.ts';

/**
 * The master keys that seal stored secrets. SECRETS_MASTER_KEY under SECRETS_KEY_ID encrypts new
 * values; SECRETS_PREVIOUS_KEYS ("id:base64,id:base64") keeps decrypting values sealed under
 * earlier keys after a rotation; `billrail secrets rotate` (db/reseal.ts) then re-seals every stored
 * value under the new key, after which the old key can be dropped.
 */
export function keyringOf(config: Config): Keyring {
  const keys = new Map<string, Buffer>([[config.SECRETS_KEY_ID, config.masterKey]]);
  for (const pair of (config.SECRETS_PREVIOUS_KEYS ?? '').split(',').filter(Boolean)) {
    const [id, key] = pair.split(':');
    if (id && key) keys.set(id, Buffer.from(key, 'base64'));
  }
  return { currentKeyId: config.SECRETS_KEY_ID, keys };
}
