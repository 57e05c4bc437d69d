import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifySignature } from './signature.ts';

// Fixed vectors, computed independently with
//   printf '%s' '1700000000.{"id":"evt_1","object":"event"}' | openssl dgst -sha256 -hmac whsec_test_secret
const SECRET = 'whsec_test_secret';
const BODY = '{"id":"evt_1","object":"event"}';
const T = 1_700_000_000;
const V1 = '0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd';
const V1_AT_T_PLUS_300 = 'c09072017a2301cff4b5b9033c2dde9a43bec218be4cd4024724c70e95b95277';
const V1_OTHER_SECRET = 'ce486949e2e39bec553617072a9bf7c086e490c7071f3324a664d8082cf43f97';

describe('signPayload', () => {
  it('produces t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    expect(signPayload(SECRET, BODY, T)).toBe(`t=${T},v1=${V1}`);
    expect(signPayload(SECRET, BODY, T + 300)).toBe(`t=${T + 300},v1=${V1_AT_T_PLUS_300}`);
    expect(signPayload('whsec_other', BODY, T)).toBe(`t=${T},v1=${V1_OTHER_SECRET}`);
  });

  it('signs bytes: a Buffer body gives the same signature as its string', () => {
    expect(signPayload(SECRET, Buffer.from(BODY), T)).toBe(signPayload(SECRET, BODY, T));
  });
});

describe('verifySignature', () => {
  const header = `t=${T},v1=${V1}`;

  it('accepts the fixed vector within the tolerance', () => {
    expect(verifySignature(SECRET, header, BODY, 300, T)).toBe(true);
    expect(verifySignature(SECRET, header, Buffer.from(BODY), 300, T + 300)).toBe(true);
    expect(verifySignature(SECRET, header, BODY, 300, T - 300)).toBe(true);
  });

  it('rejects stale and future timestamps', () => {
    expect(verifySignature(SECRET, header, BODY, 300, T + 301)).toBe(false);
    expect(verifySignature(SECRET, header, BODY, 300, T - 301)).toBe(false);
    expect(verifySignature(SECRET, header, BODY, 10, T + 11)).toBe(false);
  });

  it('uses the current clock by default', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(verifySignature(SECRET, signPayload(SECRET, BODY, now), BODY)).toBe(true);
    expect(verifySignature(SECRET, header, BODY)).toBe(false); // 2023 is long stale
  });

  it('rejects another secret, a changed body, a changed timestamp', () => {
    expect(verifySignature('whsec_other', header, BODY, 300, T)).toBe(false);
    expect(verifySignature(SECRET, header, `${BODY} `, 300, T)).toBe(false);
    expect(verifySignature(SECRET, `t=${T + 1},v1=${V1}`, BODY, 300, T)).toBe(false);
  });

  it('rejects malformed headers', () => {
    for (const bad of [
      undefined,
      null,
      '',
      `v1=${V1}`,
      `t=${T}`,
      `t=abc,v1=${V1}`,
      `t=${T},v1=${V1.toUpperCase()}`,
      `t=${T},v1=${V1.slice(0, 63)}`,
      `t=${T},v0=${V1}`,
      'garbage',
    ]) {
      expect(verifySignature(SECRET, bad, BODY, 300, T), String(bad)).toBe(false);
    }
  });

  it('accepts a header with several v1 signatures when one matches, in any order', () => {
    expect(verifySignature(SECRET, `t=${T},v1=${V1_OTHER_SECRET},v1=${V1}`, BODY, 300, T)).toBe(true);
    expect(verifySignature(SECRET, `t=${T}, v1=${V1}, v1=${V1_OTHER_SECRET}`, BODY, 300, T)).toBe(true);
    expect(verifySignature(SECRET, `t=${T},v1=${V1_OTHER_SECRET}`, BODY, 300, T)).toBe(false);
  });

  it('matches the few lines of node:crypto the README gives receivers', () => {
    // README: const [t, v1] = ...; createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex') === v1
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(expected).toBe(V1);
  });
});
