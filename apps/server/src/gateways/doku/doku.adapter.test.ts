import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayAdapter } from '../gateway.ts';
import { createDokuAdapter } from './doku.adapter.ts';
import { dokuComponents, dokuDigest, dokuSignature, signDokuRequest } from './doku.wire.ts';

/**
 * A minimal DOKU Checkout stand-in on loopback: it checks each request's signature exactly as
 * DOKU does (spec section 2) and answers in DOKU's shapes. (A fuller DOKU fake that also sends
 * notifications belongs in test/fakes/ with the checkout integration tests.)
 */
const CLIENT_ID = 'MCH-0001-10791114622547';
const SECRET = 'SK-test-secret';
const credentials = {
  mall_id: '12345678',
  shared_key: 'abcd1234xyz',
  chain_merchant_id: '87654321',
  api_key: CLIENT_ID,
  secret_key: SECRET,
  environment: 'sandbox',
};

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  signatureOk: boolean;
}
const seen: Seen[] = [];
const statuses = new Map<string, Record<string, unknown>>();
let server: Server;
let origin: string;
let doku: GatewayAdapter;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const h = (n: string) => String(req.headers[n] ?? '');
      const path = req.url ?? '/';
      const expected = dokuSignature(
        h('client-id') === CLIENT_ID ? SECRET : 'unknown-client',
        dokuComponents({
          clientId: h('client-id'),
          requestId: h('request-id'),
          timestamp: h('request-timestamp'),
          target: path,
          digest: req.method === 'POST' ? dokuDigest(body) : undefined,
        }),
      );
      const signatureOk = expected === h('signature');
      seen.push({ method: req.method ?? '', path, headers: req.headers, body, signatureOk });
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (!signatureOk) return reply(401, { error: { message: 'Invalid Header Signature' } });
      if (req.method === 'POST' && path === '/checkout/v1/payment') {
        const b = JSON.parse(body);
        if (!b.order?.invoice_number)
          return reply(400, { error_messages: ['order.invoice_number must be filled'] });
        return reply(200, {
          message: ['SUCCESS'],
          response: {
            order: {
              amount: String(b.order.amount),
              invoice_number: b.order.invoice_number,
              currency: 'IDR',
              session_id: 's1',
            },
            payment: {
              payment_method_types: ['VIRTUAL_ACCOUNT_BCA', 'QRIS'],
              payment_due_date: b.payment.payment_due_date,
              token_id: 'tok_1',
              url: `${origin}/checkout-link-v2/tok_1`,
              expired_date: '20250326180000',
            },
            uuid: 1,
          },
        });
      }
      const m = /^\/orders\/v1\/status\/(.+)$/.exec(path);
      if (req.method === 'GET' && m) {
        const s = statuses.get(decodeURIComponent(m[1]!));
        return s ? reply(200, s) : reply(404, { error: { message: 'Transaction not found' } });
      }
      return reply(404, { error: { message: 'Not found' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  doku = createDokuAdapter({
    baseUrls: { sandbox: origin, production: 'http://127.0.0.1:9' },
    timeoutMs: 2000,
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const request = {
  paymentId: 'pay_01jabcdefghjkmnpqrstvwxyz0',
  attemptId: 'att_01jabcdefghjkmnpqrstvwxyz1',
  amount: 2_000_000n,
  currency: 'IDR',
  description: 'Water Supply, March 2025',
  returnUrl: 'https://demo.billrail.test/pay/return',
  cancelUrl: 'https://demo.billrail.test/pay/cancel',
  idempotencyKey: 'fdb69f47-96da-499d-acec-7cdc318ab2fe',
};

describe('DOKU adapter against a signature-checking stand-in', () => {
  it('creates a checkout with a correctly signed request; the invoice number is the reference', async () => {
    const c = await doku.createCheckout(credentials, request, {
      now: () => new Date('2020-08-11T08:45:42Z'),
    });
    expect(c).toMatchObject({
      redirectUrl: `${origin}/checkout-link-v2/tok_1`,
      gatewayReference: request.attemptId,
      expiresAt: new Date('2025-03-26T11:00:00Z'),
    });
    const s = seen.at(-1)!;
    expect(s.signatureOk).toBe(true);
    expect(s.headers['request-id']).toBe(request.idempotencyKey);
    expect(s.headers['request-timestamp']).toBe('2020-08-11T08:45:42Z');
    expect(JSON.parse(s.body).order).toMatchObject({
      amount: 20000,
      invoice_number: request.attemptId,
      currency: 'IDR',
    });
  });

  it('a wrong secret is refused by DOKU and reported on the API key', async () => {
    await expect(
      doku.createCheckout({ ...credentials, api_key: 'MCH-other' }, request),
    ).rejects.toMatchObject({
      kind: 'authentication',
      httpStatus: 401,
    });
    const check = await doku.validateCredentials({ ...credentials, api_key: 'MCH-other' });
    expect(check.ok).toBe(false);
    expect(check.errors[0]!.field).toBe('api_key');
    expect(await doku.validateCredentials(credentials)).toMatchObject({ ok: true, mode: 'test' });
    expect((await doku.validateCredentials({ ...credentials, mall_id: '1234' })).errors[0]!.field).toBe(
      'mall_id',
    );
  });

  it('retrieves status with a Digest-less signed GET; unknown invoices are pending', async () => {
    expect((await doku.retrievePayment(credentials, { gatewayReference: 'INV-none' })).status).toBe(
      'pending',
    );
    expect(seen.at(-1)!.signatureOk).toBe(true);
    statuses.set('INV-1', {
      transaction: { status: 'SUCCESS', date: '2021-01-27T03:24:23Z', original_request_id: 'r1' },
      order: { invoice_number: 'INV-1', amount: 150000 },
    });
    statuses.set('INV-2', {
      transaction: { status: 'EXPIRED' },
      order: { invoice_number: 'INV-2', amount: 150000 },
    });
    expect(await doku.retrievePayment(credentials, { gatewayReference: 'INV-1' })).toMatchObject({
      status: 'succeeded',
      amount: 15_000_000n,
      currency: 'IDR',
      rawStatus: 'SUCCESS',
    });
    expect(await doku.retrievePayment(credentials, { gatewayReference: 'INV-2' })).toMatchObject({
      status: 'expired',
      failure: { reason: 'expired' },
    });
  });

  it('verifies notifications through the adapter interface', async () => {
    const body = JSON.stringify({
      transaction: { status: 'FAILED', date: '2021-01-27T03:24:23Z' },
      order: { invoice_number: 'INV-1', amount: 150000 },
    });
    const now = new Date();
    const headers = signDokuRequest({
      clientId: CLIENT_ID,
      secretKey: SECRET,
      requestId: 'n1',
      timestamp: now,
      target: '/hooks/doku',
      body,
    }).headers;
    expect(
      await doku.verifyWebhook({ rawBody: body, headers, path: '/hooks/doku', credentials, now }),
    ).toMatchObject({
      ok: true,
      event: { type: 'payment.failed', eventId: 'INV-1:FAILED' },
    });
    expect(
      await doku.verifyWebhook({ rawBody: `${body}\n`, headers, path: '/hooks/doku', credentials, now }),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refunds are declared unsupported and refuse; unreachable DOKU is a network error', async () => {
    expect(doku.capabilities.refunds).toEqual({ full: false, partial: false });
    await expect(
      doku.refund(credentials, {
        gatewayReference: 'INV-1',
        amount: 1n,
        paymentAmount: 1n,
        currency: 'IDR',
        idempotencyKey: 'k',
      }),
    ).rejects.toMatchObject({ kind: 'invalid_request' });
    const health = await doku.healthCheck({ ...credentials, environment: 'production' });
    expect(health.ok).toBe(false);
  });
});
