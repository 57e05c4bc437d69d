import { describe, expect, it } from 'vitest';
import {
  type CredentialField,
  checkCredentialFields,
  errorKindForStatus,
  type GatewayAdapter,
  GatewayError,
  headerValue,
  isTerminal,
  lineItemsTotal,
  mapStatus,
  PAYMENT_STATUSES,
  publicCredentialView,
} from './gateway.ts';
import { createGatewayRegistry } from './registry.ts';

describe('mapStatus', () => {
  const table = { paid: 'succeeded', declined: 'failed' } as const;

  it('maps known statuses and everything else to pending', () => {
    expect(mapStatus(table, 'paid')).toBe('succeeded');
    expect(mapStatus(table, 'declined')).toBe('failed');
    for (const raw of [
      'PAID',
      'unknown',
      '',
      null,
      undefined,
      1,
      {},
      'toString',
      '__proto__',
      'hasOwnProperty',
    ]) {
      expect(mapStatus(table, raw)).toBe('pending');
    }
  });

  it('case-insensitive tables are keyed in upper case', () => {
    expect(mapStatus({ SUCCESS: 'succeeded' }, 'success', { caseInsensitive: true })).toBe('succeeded');
    expect(mapStatus({ SUCCESS: 'succeeded' }, 'success')).toBe('pending');
  });

  it('pending is the only non-terminal status', () => {
    expect(PAYMENT_STATUSES.filter((s) => !isTerminal(s))).toEqual(['pending']);
  });
});

describe('credential fields', () => {
  const fields: CredentialField[] = [
    {
      key: 'id',
      label: 'ID',
      secret: false,
      required: true,
      pattern: '^\\d{4}$',
      patternReason: 'ID is 4 digits',
    },
    { key: 'key', label: 'Key', secret: true, required: true, maxLength: 8 },
    { key: 'mode', label: 'Mode', secret: false, required: false, options: ['a', 'b'] },
  ];

  it('accepts good values and reports each bad field once', () => {
    expect(checkCredentialFields(fields, { id: '1234', key: 'k' })).toEqual([]);
    expect(checkCredentialFields(fields, { id: '12', key: 'k'.repeat(9), mode: 'c', other: '1' })).toEqual([
      { field: 'other', reason: 'is not a field of this gateway' },
      { field: 'id', reason: 'ID is 4 digits' },
      { field: 'key', reason: 'Key must be at most 8 characters' },
      { field: 'mode', reason: 'Mode must be one of a, b' },
    ]);
    expect(checkCredentialFields(fields, { id: 1234, key: ' k' })).toEqual([
      { field: 'id', reason: 'ID must be text' },
      { field: 'key', reason: 'Key has leading or trailing spaces' },
    ]);
    expect(checkCredentialFields(fields, { id: '', key: null })).toEqual([
      { field: 'id', reason: 'ID is required' },
      { field: 'key', reason: 'Key is required' },
    ]);
  });

  it('the public view never contains a secret', () => {
    expect(publicCredentialView(fields, { id: '1234', key: 'short' })).toEqual({
      id: '1234',
      key: { set: true },
    });
    expect(publicCredentialView(fields, { id: '1234', key: 'sk_live_0123456789abcd' })).toEqual({
      id: '1234',
      key: { set: true, last4: 'abcd' },
    });
    expect(publicCredentialView(fields, { id: '1234' })).toEqual({ id: '1234', key: { set: false } });
  });
});

describe('helpers', () => {
  it('headerValue is case-insensitive and takes the first of repeated headers', () => {
    expect(headerValue({ 'Stripe-Signature': 'a' }, 'stripe-signature')).toBe('a');
    expect(headerValue({ 'x-a': ['1', '2'] }, 'X-A')).toBe('1');
    expect(headerValue({ 'x-a': undefined }, 'x-a')).toBeUndefined();
  });

  it('lineItemsTotal multiplies by quantity in bigint', () => {
    expect(
      lineItemsTotal([
        { name: 'a', amount: 12050n, quantity: 1 },
        { name: 'b', amount: 9_007_199_254_740_993n, quantity: 2 },
      ]),
    ).toBe(18_014_398_509_494_036n);
  });

  it('GatewayError says whether a retry may help', () => {
    expect(new GatewayError('stripe', 'network', 'ECONNRESET').retryable).toBe(true);
    expect(new GatewayError('stripe', 'authentication', 'Invalid API Key provided').retryable).toBe(false);
    expect(errorKindForStatus(401)).toBe('authentication');
    expect(errorKindForStatus(402)).toBe('declined');
    expect(errorKindForStatus(404)).toBe('not_found');
    expect(errorKindForStatus(429)).toBe('rate_limited');
    expect(errorKindForStatus(503)).toBe('gateway_error');
    expect(errorKindForStatus(400)).toBe('invalid_request');
  });
});

describe('registry', () => {
  const fake = (id: 'stripe' | 'doku' | 'sandbox') => ({ id, displayName: id }) as unknown as GatewayAdapter;

  it('finds adapters by id in registration order', () => {
    const r = createGatewayRegistry([fake('sandbox'), fake('stripe')]);
    expect(r.ids()).toEqual(['sandbox', 'stripe']);
    expect(r.get('stripe')?.id).toBe('stripe');
    expect(r.get('doku')).toBeUndefined();
    expect(r.has('sandbox')).toBe(true);
    expect(r.has('paypal')).toBe(false);
    expect(() => r.require('doku')).toThrow(/No gateway adapter/);
  });

  it('refuses the same id twice', () => {
    expect(() => createGatewayRegistry([fake('stripe'), fake('stripe')])).toThrow(/twice/);
  });
});

describe('default gateways', () => {
  it('registers Stripe, DOKU and the sandbox with their declared capabilities', async () => {
    const { createDefaultGateways } = await import('./index.ts');
    const r = createDefaultGateways({
      sandbox: { hostedPageBaseUrl: 'http://localhost:3000/sandbox/checkout' },
    });
    expect(r.ids()).toEqual(['stripe', 'doku', 'sandbox']);
    expect(r.require('doku').capabilities.currencies).toEqual(['IDR']);
    expect(r.require('stripe').capabilities.refunds).toEqual({ full: true, partial: true });
    for (const a of r.list()) {
      expect(a.credentialFields.length).toBeGreaterThan(0);
      expect(new Set(a.credentialFields.map((f) => f.key)).size).toBe(a.credentialFields.length);
    }
  });
});
