import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { isPrivateAddress, literalPrivateTarget, publicOnlyAgent } from './egress.ts';

describe('webhook egress guard', () => {
  it('knows private and public addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
    expect(literalPrivateTarget('http://127.0.0.1:9/x')).toBe('127.0.0.1');
    expect(literalPrivateTarget('https://[::1]/x')).toBe('::1');
    expect(literalPrivateTarget('https://hooks.example.com/x')).toBeNull();
  });

  it('refuses to connect to a host name that resolves to a private address', async () => {
    const server = createServer((_req, res) => res.end('reached'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const err = await fetch(`http://localhost:${port}/`, { dispatcher: publicOnlyAgent() }).catch((e) => e);
      expect(String(err.cause?.message ?? err)).toMatch(/private address/);
      // Without the guard the same request gets through.
      expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('reached');
    } finally {
      server.close();
    }
  });
});
