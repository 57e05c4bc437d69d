import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOKU_FAKE_CLIENT_ID,
  DOKU_FAKE_SECRET_KEY,
  type DokuFake,
  type SignedDokuNotification,
  startDokuFake,
} from '../../../test/fakes/doku-fake.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.ts';
import {
  type CheckoutRequest,
  echoMismatches,
  type GatewayAdapter,
  GatewayError,
  statusOfEvent,
  type WebhookResult,
} from '../gateway.ts';
import { createDokuAdapter, DOKU_REFUND_UNSUPPORTED } from './doku.adapter.ts';
import { dokuComponents, dokuDigest, dokuSignature, signDokuRequest } from './doku.wire.ts';

// The real DOKU adapter against the loopback DOKU fake (test/fakes/doku-fake.ts), which verifies
// every request signature as DOKU does and signs notifications as DOKU does.
let fake: DokuFake;
let receiver: WebhookReceiver;
let doku: GatewayAdapter;
let hookUrl: string;
const HOOK_PATH = '/v1/gateways/doku/webhooks/ten_demo';

const credentials = {
  mall_id: '12345678',
  shared_key: 'abcd1234xyz',
  chain_merchant_id: '87654321',
  api_key: DOKU_FAKE_CLIENT_ID,
  secret_key: DOKU_FAKE_SECRET_KEY,
  environment: 'sandbox',
};
/** What Billrail asked for in every checkout below: IDR 120,500.00 in sen. */
const expected = { amount: 12_050_000n, currency: 'IDR' };

const request = (n: string, over: Partial<CheckoutRequest> = {}): CheckoutRequest => ({
  paymentId: `pay_${n}`,
  attemptId: `att_${n}`,
  amount: expected.amount,
  currency: 'IDR',
  description: 'BILL7890 Water Supply, March 2025',
  returnUrl: 'https://demo.billrail.test/pay/return',
  cancelUrl: 'https://demo.billrail.test/pay/cancel',
  notificationUrl: hookUrl,
  idempotencyKey: `idem-${n}`,
  ...over,
});

const verify = (
  d: Pick<SignedDokuNotification, 'rawBody' | 'path'> & {
    headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  },
  now?: Date,
): Promise<WebhookResult> =>
  doku.verifyWebhook({
    rawBody: d.rawBody,
    headers: d.headers,
    path: d.path,
    credentials,
    ...(now ? { now } : {}),
  });

const eventOf = (r: WebhookResult) => {
  if (!r.ok) throw new Error(`webhook rejected: ${r.reason}: ${r.detail}`);
  return r.event;
};

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  hookUrl = `${receiver.origin}${HOOK_PATH}`;
  fake = await startDokuFake();
  doku = createDokuAdapter({
    baseUrls: { sandbox: fake.origin, production: 'http://127.0.0.1:9' },
    timeoutMs: 2000,
  });
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});

describe('the DOKU fake checks requests as DOKU does', () => {
  it('accepts the spec’s signed example byte for byte and refuses it altered, stale, unsigned or unknown', async () => {
    const at = new Date('2020-08-11T08:45:42Z');
    const vf = await startDokuFake({ now: () => at });
    try {
      // wire-formats.md section 2 test vector.
      const body =
        '{"order":{"amount":20000,"invoice_number":"INV-20210231-0001"},"payment":{"payment_due_date":60}}';
      const headers = {
        'Client-Id': 'MCH-0001-10791114622547',
        'Request-Id': 'fdb69f47-96da-499d-acec-7cdc318ab2fe',
        'Request-Timestamp': '2020-08-11T08:45:42Z',
        Signature: 'HMACSHA256=5aOXg06Zv2SQOpT23AFAr7rAVAJ3WHsuVPdqcJDuqrs=',
        'Content-Type': 'application/json',
      };
      const post = (origin: string, b: string, h: Record<string, string>) =>
        fetch(`${origin}/checkout/v1/payment`, { method: 'POST', headers: h, body: b });

      const res = await post(vf.origin, body, headers);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({
        message: ['SUCCESS'],
        response: {
          order: { amount: '20000', invoice_number: 'INV-20210231-0001', currency: 'IDR' },
          payment: {
            payment_due_date: 60,
            url: expect.stringMatching(new RegExp(`^${vf.origin}/checkout-link-v2/[0-9a-f]+$`)),
            // 09:45:42 UTC = 16:45:42 in Jakarta (spec: expired_date in UTC+7).
            expired_date: '20200811164542',
          },
        },
      });
      // spec: "DOKU's responses carry a Signature built the same way with Response-Timestamp".
      expect(res.headers.get('signature')).toBe(
        dokuSignature(
          DOKU_FAKE_SECRET_KEY,
          dokuComponents({
            clientId: headers['Client-Id'],
            requestId: headers['Request-Id'],
            timestamp: res.headers.get('response-timestamp')!,
            timestampHeader: 'Response-Timestamp',
            target: '/checkout/v1/payment',
            digest: dokuDigest(text),
          }),
        ),
      );

      // DOKU's idempotency: same Request-Id and body, same response body with 409 Conflict.
      const again = await post(vf.origin, body, headers);
      expect(again.status).toBe(409);
      expect(await again.text()).toBe(text);

      const altered = await post(vf.origin, body.replace('20000', '20001'), headers);
      expect(altered.status).toBe(401);
      expect(await altered.json()).toEqual({
        error: {
          code: 'invalid_signature',
          message: 'Invalid Header Signature',
          type: 'invalid_request_error',
        },
      });
      const { Signature: _, ...unsigned } = headers;
      expect((await post(vf.origin, body, unsigned)).status).toBe(400);
      expect((await post(vf.origin, body, { ...headers, 'Client-Id': 'MCH-unknown' })).status).toBe(401);
      // The same signed request against a DOKU whose clock says now: stale.
      const stale = await post(fake.origin, body, headers);
      expect(stale.status).toBe(401);
      expect(await stale.json()).toMatchObject({ error: { code: 'invalid_timestamp' } });
      expect(fake.requests.at(-1)!.verdict).toBe('stale_timestamp');

      // GET is signed without a Digest line; one signed with a Digest of the empty body is refused.
      vf.payerCompletes('INV-20210231-0001', 'SUCCESS');
      const target = '/orders/v1/status/INV-20210231-0001';
      const get = (h: Record<string, string>, path = target) => fetch(`${vf.origin}${path}`, { headers: h });
      const base = {
        clientId: DOKU_FAKE_CLIENT_ID,
        secretKey: DOKU_FAKE_SECRET_KEY,
        requestId: 'status-1',
        timestamp: at,
      };
      expect((await get(signDokuRequest({ ...base, target, body: '' }).headers)).status).toBe(401);
      const ok = await get(signDokuRequest({ ...base, target }).headers);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({
        transaction: { status: 'SUCCESS', original_request_id: headers['Request-Id'] },
        order: { invoice_number: 'INV-20210231-0001', amount: 20000 },
      });
      // spec: "GET /orders/v1/status/{invoice_number or Request-Id}".
      const byRequestId = `/orders/v1/status/${headers['Request-Id']}`;
      expect((await get(signDokuRequest({ ...base, target: byRequestId }).headers, byRequestId)).status).toBe(
        200,
      );
    } finally {
      await vf.close();
    }
  });
});

describe('DOKU adapter against the fake', () => {
  it('validates credentials live: good keys pass, a wrong secret or unknown Client ID fails with DOKU’s words', async () => {
    expect(await doku.validateCredentials(credentials)).toMatchObject({ ok: true, errors: [], mode: 'test' });
    const probe = fake.requests.at(-1)!;
    expect(probe).toMatchObject({ method: 'GET', verdict: 'ok', status: 404 });
    expect(probe.path).toMatch(/^\/orders\/v1\/status\/billrail-probe-/);

    const bad = await doku.validateCredentials({ ...credentials, secret_key: 'SK-wrong-secret' });
    expect(bad.ok).toBe(false);
    expect(bad.errors).toEqual([
      { field: 'api_key', reason: 'DOKU refused the credentials (HTTP 401): Invalid Header Signature' },
    ]);
    expect(fake.requests.at(-1)!.verdict).toBe('bad_signature');
    const unknown = await doku.validateCredentials({ ...credentials, api_key: 'MCH-0001-00000000000000' });
    expect(unknown).toMatchObject({
      ok: false,
      detail: expect.stringContaining('Client-Id is not registered'),
    });

    expect(await doku.healthCheck(credentials)).toMatchObject({ ok: true });
    fake.failNext(503);
    expect(await doku.healthCheck(credentials)).toMatchObject({
      ok: false,
      detail: 'DOKU answered HTTP 503',
    });
  });

  it('creates a checkout with a correctly signed request; the payer’s URL is the fake’s hosted page', async () => {
    const c = await doku.createCheckout(credentials, request('1'));
    const p = fake.payments.get('att_1')!;
    expect(c).toMatchObject({ gatewayReference: 'att_1', redirectUrl: p.url });
    expect(c.redirectUrl).toMatch(new RegExp(`^${fake.origin}/checkout-link-v2/`));
    // expired_date has whole seconds in UTC+7.
    expect(c.expiresAt!.getTime()).toBe(Math.floor(p.expiresAt.getTime() / 1000) * 1000);

    const sent = fake.requests.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', path: '/checkout/v1/payment', verdict: 'ok', status: 200 });
    expect(sent.headers['client-id']).toBe(DOKU_FAKE_CLIENT_ID);
    expect(sent.headers['request-id']).toBe('idem-1');
    expect(sent.headers['request-timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.rawBody)).toMatchObject({
      order: {
        amount: 120500,
        invoice_number: 'att_1',
        currency: 'IDR',
        callback_url: 'https://demo.billrail.test/pay/return',
        callback_url_cancel: 'https://demo.billrail.test/pay/cancel',
      },
      payment: { payment_due_date: 60 },
      additional_info: { override_notification_url: hookUrl },
    });
    expect(p).toMatchObject({ amount: 120500, requestId: 'idem-1', notificationUrl: hookUrl });

    const page = await fetch(c.redirectUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('att_1');
    expect(html).toContain('120500');
  });

  it('a retried create with the same idempotency key gets the same checkout (DOKU’s 409 replay)', async () => {
    const a = await doku.createCheckout(credentials, request('2'));
    const b = await doku.createCheckout(credentials, request('2'));
    expect(fake.requests.at(-1)!.status).toBe(409);
    expect(b.redirectUrl).toBe(a.redirectUrl);
    expect(b.gatewayReference).toBe('att_2');
    await expect(doku.createCheckout(credentials, request('2', { amount: 100n }))).rejects.toMatchObject({
      kind: 'invalid_request',
      httpStatus: 409,
      gatewayCode: 'duplicate_request_id',
    });
    // A new key for an invoice number DOKU already has is DOKU's validation error, in its words.
    await expect(
      doku.createCheckout(credentials, request('2', { idempotencyKey: 'idem-2-other' })),
    ).rejects.toMatchObject({
      kind: 'invalid_request',
      httpStatus: 400,
      gatewayMessage: 'order.invoice_number att_2 has been used',
    });
  });

  it('a bad signature or a skewed clock is refused by the fake: GatewayError authentication', async () => {
    const err = await doku
      .createCheckout({ ...credentials, secret_key: 'SK-wrong-secret' }, request('3'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({
      kind: 'authentication',
      httpStatus: 401,
      gatewayCode: 'invalid_signature',
      gatewayMessage: 'Invalid Header Signature',
      retryable: false,
    });
    expect(fake.requests.at(-1)!.verdict).toBe('bad_signature');
    await expect(
      doku.createCheckout(credentials, request('3'), { now: () => new Date(Date.now() - 3600_000) }),
    ).rejects.toMatchObject({ kind: 'authentication', gatewayCode: 'invalid_timestamp' });
    expect(fake.payments.has('att_3')).toBe(false);
  });

  it('retrieves status with a Digest-less signed GET: pending, success, failure, expiry, timeout, refund', async () => {
    await doku.createCheckout(credentials, request('4'));
    // Before the payer picks a method DOKU knows no transaction (404): still pending.
    expect(await doku.retrievePayment(credentials, { gatewayReference: 'att_4' })).toMatchObject({
      status: 'pending',
      rawStatus: 'NOT_FOUND',
    });
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/orders/v1/status/att_4',
      verdict: 'ok',
    });
    fake.payerCompletes('att_4', 'PENDING', { channel: 'VIRTUAL_ACCOUNT_BCA' });
    expect(await doku.retrievePayment(credentials, { gatewayReference: 'att_4' })).toMatchObject({
      status: 'pending',
      rawStatus: 'PENDING',
    });
    fake.payerCompletes('att_4', 'SUCCESS');
    const paid = await doku.retrievePayment(credentials, { gatewayReference: 'att_4' });
    expect(paid).toMatchObject({
      status: 'succeeded',
      rawStatus: 'SUCCESS',
      amount: expected.amount,
      currency: 'IDR',
      gatewayPaymentId: 'idem-4',
    });
    expect(echoMismatches(expected, paid)).toEqual([]);

    await doku.createCheckout(credentials, request('5'));
    fake.payerCompletes('att_5', 'FAILED', {
      channel: 'CREDIT_CARD',
      message: 'Kartu ditolak oleh bank penerbit',
    });
    expect(await doku.retrievePayment(credentials, { gatewayReference: 'att_5' })).toMatchObject({
      status: 'failed',
      failure: { reason: 'declined', code: 'FAILED', message: 'Kartu ditolak oleh bank penerbit' },
    });

    await doku.createCheckout(credentials, request('6'));
    fake.payerCompletes('att_6', 'EXPIRED');
    expect(await doku.retrievePayment(credentials, { gatewayReference: 'att_6' })).toMatchObject({
      status: 'expired',
      failure: { reason: 'expired', code: 'EXPIRED' },
    });

    // TIMEOUT is not final at DOKU (its status table: "Call Check Status API to get final status").
    await doku.createCheckout(credentials, request('7'));
    fake.payerCompletes('att_7', 'TIMEOUT', { channel: 'EMONEY_OVO' });
    expect(await doku.retrievePayment(credentials, { gatewayReference: 'att_7' })).toMatchObject({
      status: 'pending',
      rawStatus: 'TIMEOUT',
      failure: { reason: 'timeout', message: 'DOKU: the payment via EMONEY_OVO timed out (not final yet)' },
    });

    // Refunds happen in DOKU's dashboard; check status then says REFUNDED.
    fake.refund('att_4');
    expect((await doku.retrievePayment(credentials, { gatewayReference: 'att_4' })).status).toBe('refunded');
  });
});

describe('DOKU notifications from the fake through adapter.verifyWebhook', () => {
  it('a success notification POSTed to Billrail’s URL verifies from the raw body and echoes the amount', async () => {
    await doku.createCheckout(credentials, request('8'));
    const n = fake.payerCompletes('att_8', 'SUCCESS', { channel: 'VIRTUAL_ACCOUNT_BCA' });
    const before = receiver.requests.length;
    const d = await fake.notify('att_8');
    expect(d).toMatchObject({ url: hookUrl, status: 200, path: HOOK_PATH });
    const [got] = (await receiver.waitForRequests(before + 1)).slice(before);
    expect(got!.path).toBe(HOOK_PATH);
    expect(got!.rawBody).toBe(d.rawBody);
    expect(got!.headers['request-id']).toBe(n.requestId);
    expect(got!.headers['client-id']).toBe(DOKU_FAKE_CLIENT_ID);

    const event = eventOf(await verify({ rawBody: got!.rawBody, headers: got!.headers, path: got!.path }));
    expect(event).toMatchObject({
      type: 'payment.succeeded',
      eventId: 'att_8:SUCCESS',
      gatewayType: 'SUCCESS',
      gatewayReference: 'att_8',
      gatewayPaymentId: 'idem-8',
      amount: expected.amount,
      currency: 'IDR',
    });
    expect(echoMismatches(expected, event)).toEqual([]);
  });

  it('a failure is payment.failed; a later success arriving first keeps both events apart (out of order)', async () => {
    await doku.createCheckout(credentials, request('9'));
    const t = new Date(Math.floor(Date.now() / 1000) * 1000);
    const failed = fake.payerCompletes('att_9', 'FAILED', {
      channel: 'CREDIT_CARD',
      date: new Date(t.getTime() - 60_000),
    });
    // DOKU's FAILED is not final: the payer tries again with a virtual account and pays.
    const paid = fake.payerCompletes('att_9', 'SUCCESS', { channel: 'VIRTUAL_ACCOUNT_BCA', date: t });
    const first = eventOf(await verify(await fake.deliver(hookUrl, paid)));
    const second = eventOf(await verify(await fake.deliver(hookUrl, failed)));
    expect(first).toMatchObject({ type: 'payment.succeeded', eventId: 'att_9:SUCCESS', occurredAt: t });
    expect(second).toMatchObject({
      type: 'payment.failed',
      eventId: 'att_9:FAILED',
      failure: { reason: 'declined', code: 'FAILED', message: 'DOKU: the payment via CREDIT_CARD failed' },
    });
    // The core orders by the gateway's transaction date, not by arrival.
    expect(second.occurredAt.getTime()).toBeLessThan(first.occurredAt.getTime());
    expect(statusOfEvent(second)).toBe('failed');
    expect(statusOfEvent(first)).toBe('succeeded');
  });

  it('a redelivered notification (DOKU’s retry) verifies again with the same event id', async () => {
    await doku.createCheckout(credentials, request('10'));
    const n = fake.payerCompletes('att_10', 'SUCCESS');
    const d1 = await fake.deliver(hookUrl, n);
    const d2 = await fake.deliver(hookUrl, n, { timestamp: new Date(Date.now() + 1000) });
    expect(d2.headers['Request-Id']).toBe(d1.headers['Request-Id']);
    expect(d2.headers.Signature).not.toBe(d1.headers.Signature);
    const e1 = eventOf(await verify(d1));
    const e2 = eventOf(await verify(d2));
    expect(e2.eventId).toBe(e1.eventId);
    expect(e2.type).toBe('payment.succeeded');
  });

  it('tampered, wrongly signed, foreign, misdirected, unsigned and stale notifications are rejected', async () => {
    await doku.createCheckout(credentials, request('11'));
    const n = fake.payerCompletes('att_11', 'SUCCESS');
    const s = fake.sign(n, { url: hookUrl });
    expect(s.rawBody).toContain('"amount":120500');
    expect(await verify(s)).toMatchObject({ ok: true });

    const tampered = await fake.post(hookUrl, {
      ...s,
      rawBody: s.rawBody.replace('"amount":120500', '"amount":1'),
    });
    expect(tampered.status).toBe(200); // the receiver answers anything; the adapter judges
    expect(await verify(tampered)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(await verify(fake.sign(n, { url: hookUrl, secret: 'SK-someone-else' }))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    // Signed with the right secret but another merchant's Client-Id.
    expect(await verify(fake.sign(n, { url: hookUrl, clientId: 'MCH-0002-99999999999999' }))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
      detail: 'Client-Id is not this merchant',
    });
    // Signed for another URL path (Request-Target), presented at Billrail's.
    expect(await verify({ ...fake.sign(n, { path: '/elsewhere' }), path: HOOK_PATH })).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const { Signature: _, ...unsigned } = s.headers;
    expect(await verify({ ...s, headers: unsigned })).toMatchObject({
      ok: false,
      reason: 'missing_signature',
    });
    // Signed 10 minutes ago, or a captured delivery replayed 10 minutes later.
    expect(
      await verify(fake.sign(n, { url: hookUrl, timestamp: new Date(Date.now() - 10 * 60_000) })),
    ).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(await verify(s, new Date(Date.now() + 10 * 60_000))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
  });

  it('an amount DOKU reports other than the one asked is surfaced by echoMismatches', async () => {
    await doku.createCheckout(credentials, request('12'));
    fake.payerCompletes('att_12', 'SUCCESS', { amount: 100000 });
    const event = eventOf(await verify(await fake.notify('att_12')));
    expect(event).toMatchObject({ type: 'payment.succeeded', amount: 10_000_000n });
    expect(echoMismatches(expected, event)).toEqual([
      'amount 10000000 differs from the requested 12050000 (minor units)',
    ]);
    const snap = await doku.retrievePayment(credentials, { gatewayReference: 'att_12', expected });
    expect(echoMismatches(expected, snap)).toHaveLength(1);
  });

  it('TIMEOUT is an attempt failure that keeps the payment pending; a refund in the dashboard is refund.succeeded', async () => {
    await doku.createCheckout(credentials, request('13'));
    fake.payerCompletes('att_13', 'TIMEOUT', { channel: 'EMONEY_OVO' });
    const timedOut = eventOf(await verify(await fake.notify('att_13')));
    expect(timedOut).toMatchObject({
      type: 'payment.attempt_failed',
      eventId: 'att_13:TIMEOUT',
      failure: { reason: 'timeout', code: 'TIMEOUT' },
    });
    expect(statusOfEvent(timedOut)).toBe('pending');
    fake.payerCompletes('att_13', 'SUCCESS');
    expect(eventOf(await verify(await fake.notify('att_13'))).type).toBe('payment.succeeded');
    fake.refund('att_13');
    expect(eventOf(await verify(await fake.notify('att_13')))).toMatchObject({
      type: 'refund.succeeded',
      eventId: 'att_13:REFUNDED',
    });
  });

  it('the hosted page: the payer pays, DOKU notifies Billrail and sends the browser back', async () => {
    const c = await doku.createCheckout(credentials, request('15'));
    const before = receiver.requests.length;
    const res = await fetch(`${c.redirectUrl}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=SUCCESS&channel=QRIS',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://demo.billrail.test/pay/return');
    const [got] = (await receiver.waitForRequests(before + 1)).slice(before);
    const event = eventOf(await verify({ rawBody: got!.rawBody, headers: got!.headers, path: got!.path }));
    expect(event).toMatchObject({ type: 'payment.succeeded', gatewayReference: 'att_15' });
    expect(event.raw).toMatchObject({ channel: { id: 'QRIS' }, service: { id: 'QRIS' } });

    const cancelled = await doku.createCheckout(credentials, request('16'));
    const back = await fetch(`${cancelled.redirectUrl}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=CANCEL',
      redirect: 'manual',
    });
    expect(back.headers.get('location')).toBe('https://demo.billrail.test/pay/cancel');
    expect(fake.payments.get('att_16')!.transaction).toBeUndefined();
  });
});

describe('DOKU failures, timeouts and refunds', () => {
  it('a call DOKU never answers is a retryable timeout; a retry with the same key then succeeds', async () => {
    fake.hangNext();
    await expect(doku.createCheckout(credentials, request('14'), { timeoutMs: 200 })).rejects.toMatchObject({
      kind: 'timeout',
      retryable: true,
    });
    expect(fake.payments.has('att_14')).toBe(false);
    expect((await doku.createCheckout(credentials, request('14'))).gatewayReference).toBe('att_14');
    fake.hangNext();
    await expect(
      doku.retrievePayment(credentials, { gatewayReference: 'att_14' }, { timeoutMs: 200 }),
    ).rejects.toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('server errors and an unreachable DOKU are retryable GatewayErrors', async () => {
    fake.failNext(500);
    await expect(doku.retrievePayment(credentials, { gatewayReference: 'att_1' })).rejects.toMatchObject({
      kind: 'gateway_error',
      httpStatus: 500,
      retryable: true,
    });
    await expect(
      doku.createCheckout({ ...credentials, environment: 'production' }, request('17')),
    ).rejects.toMatchObject({ kind: 'network', retryable: true });
  });

  it('refunds are declared unsupported and refused with where to make them', async () => {
    expect(doku.capabilities.refunds).toEqual({ full: false, partial: false });
    const err = await doku
      .refund(credentials, {
        gatewayReference: 'att_4',
        amount: expected.amount,
        paymentAmount: expected.amount,
        currency: 'IDR',
        idempotencyKey: 'rf-1',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({
      kind: 'invalid_request',
      gatewayMessage: DOKU_REFUND_UNSUPPORTED,
      retryable: false,
    });
    expect(DOKU_REFUND_UNSUPPORTED).toMatch(/^DOKU Checkout refunds are made in the DOKU dashboard/);
  });
});
