import { describe, expect, it } from 'vitest';
import {
  buildDokuPaymentBody,
  checkDokuCredentials,
  DOKU_CHECKOUT_PATH,
  dokuComponents,
  dokuDigest,
  dokuErrorOf,
  dokuNotificationToEvent,
  dokuSignature,
  dokuStatusPath,
  dokuTimestamp,
  fromDokuAmount,
  handleDokuNotification,
  legacyAmount,
  legacyCheckStatusWords,
  legacyNotifyWords,
  legacyRequestWords,
  mapDokuStatus,
  parseDokuCreateResponse,
  parseDokuExpiredDate,
  readDokuTransaction,
  signDokuRequest,
  toDokuAmount,
  verifyDokuNotification,
} from './doku.wire.ts';

// specs/wire-formats.md section 2, test vector, verbatim.
const V = {
  clientId: 'MCH-0001-10791114622547',
  requestId: 'fdb69f47-96da-499d-acec-7cdc318ab2fe',
  timestamp: '2020-08-11T08:45:42Z',
  secret: 'SK-test-secret',
  body: '{"order":{"amount":20000,"invoice_number":"INV-20210231-0001"},"payment":{"payment_due_date":60}}',
  digest: 'iDUNgGutnjXGk8dcBw0J4EtC2qOuQfvV7iyMwgV+y5Q=',
  signature: 'HMACSHA256=5aOXg06Zv2SQOpT23AFAr7rAVAJ3WHsuVPdqcJDuqrs=',
};

// Seed 002 sample data, "Configuration Fields (For Doku)".
const SEED_CREDENTIALS = {
  mall_id: '12345678',
  shared_key: 'abcd1234xyz',
  chain_merchant_id: '87654321',
  api_key: 'doku_key_190sd72hshd',
  secret_key: 'doku_secret_ks7291bdka',
};

describe('DOKU request signature (spec vector)', () => {
  it('Digest is base64 SHA-256 of the raw body', () => {
    expect(dokuDigest(V.body)).toBe(V.digest);
    expect(dokuDigest(Buffer.from(V.body))).toBe(V.digest);
  });

  it('components are the five lines joined by \\n with no trailing newline', () => {
    const c = dokuComponents({
      clientId: V.clientId,
      requestId: V.requestId,
      timestamp: V.timestamp,
      target: DOKU_CHECKOUT_PATH,
      digest: V.digest,
    });
    expect(c).toBe(
      [
        'Client-Id:MCH-0001-10791114622547',
        'Request-Id:fdb69f47-96da-499d-acec-7cdc318ab2fe',
        'Request-Timestamp:2020-08-11T08:45:42Z',
        'Request-Target:/checkout/v1/payment',
        'Digest:iDUNgGutnjXGk8dcBw0J4EtC2qOuQfvV7iyMwgV+y5Q=',
      ].join('\n'),
    );
    expect(c.endsWith('\n')).toBe(false);
    expect(dokuSignature(V.secret, c)).toBe(V.signature);
  });

  it('signDokuRequest produces the spec headers and signature', () => {
    const s = signDokuRequest({
      clientId: V.clientId,
      secretKey: V.secret,
      requestId: V.requestId,
      timestamp: V.timestamp,
      target: DOKU_CHECKOUT_PATH,
      body: V.body,
    });
    expect(s.headers).toEqual({
      'Client-Id': V.clientId,
      'Request-Id': V.requestId,
      'Request-Timestamp': V.timestamp,
      Signature: V.signature,
      'Content-Type': 'application/json',
    });
    expect(s.body).toBe(V.body);
  });

  it('timestamps are UTC without milliseconds', () => {
    expect(dokuTimestamp(new Date('2020-08-11T08:45:42.789Z'))).toBe(V.timestamp);
    const s = signDokuRequest({
      clientId: V.clientId,
      secretKey: V.secret,
      requestId: V.requestId,
      timestamp: new Date('2020-08-11T08:45:42.000Z'),
      target: DOKU_CHECKOUT_PATH,
      body: V.body,
    });
    expect(s.headers.Signature).toBe(V.signature);
  });

  it('GET requests omit the Digest line', () => {
    const s = signDokuRequest({
      clientId: V.clientId,
      secretKey: V.secret,
      requestId: V.requestId,
      timestamp: V.timestamp,
      target: dokuStatusPath('INV-20210231-0001'),
    });
    expect(s.components).toBe(
      `Client-Id:${V.clientId}\nRequest-Id:${V.requestId}\nRequest-Timestamp:${V.timestamp}\nRequest-Target:/orders/v1/status/INV-20210231-0001`,
    );
    expect(s.headers['Content-Type']).toBeUndefined();
    expect(s.headers.Signature).toMatch(/^HMACSHA256=[A-Za-z0-9+/]{43}=$/);
  });

  it('responses use Response-Timestamp in the same scheme', () => {
    const c = dokuComponents({
      clientId: V.clientId,
      requestId: V.requestId,
      timestamp: V.timestamp,
      target: DOKU_CHECKOUT_PATH,
      timestampHeader: 'Response-Timestamp',
    });
    expect(c.split('\n')[2]).toBe(`Response-Timestamp:${V.timestamp}`);
  });

  it('refuses an empty or over-long Request-Id', () => {
    const base = { clientId: V.clientId, secretKey: V.secret, timestamp: V.timestamp, target: '/x' };
    expect(() => signDokuRequest({ ...base, requestId: '' })).toThrow(/128/);
    expect(() => signDokuRequest({ ...base, requestId: 'r'.repeat(129) })).toThrow(/128/);
  });
});

describe('DOKU notification verification', () => {
  const path = '/v1/gateways/doku/webhooks/ten_demo';
  const body = JSON.stringify({
    service: { id: 'VIRTUAL_ACCOUNT' },
    acquirer: { id: 'BCA' },
    channel: { id: 'VIRTUAL_ACCOUNT_BCA' },
    transaction: { status: 'SUCCESS', date: '2021-01-27T03:24:23Z', original_request_id: 'req-1' },
    order: { invoice_number: 'att_01jabcdefghjkmnpqrstvwxyz0', amount: 150000 },
  });
  const now = new Date('2021-01-27T03:24:30Z');
  const signed = (overrides: { body?: string; path?: string; secret?: string; ts?: string } = {}) =>
    signDokuRequest({
      clientId: V.clientId,
      secretKey: overrides.secret ?? V.secret,
      requestId: 'notif-1',
      timestamp: overrides.ts ?? '2021-01-27T03:24:25Z',
      target: overrides.path ?? path,
      body: overrides.body ?? body,
    }).headers;
  const verify = (headers: Record<string, string>, rawBody = body, p = path, at = now) =>
    verifyDokuNotification({ headers, rawBody, path: p, clientId: V.clientId, secretKey: V.secret, now: at });

  it('accepts a correctly signed notification, headers in any case', () => {
    const lower = Object.fromEntries(Object.entries(signed()).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verify(signed())).toMatchObject({ ok: true, requestId: 'notif-1' });
    expect(verify(lower)).toMatchObject({ ok: true });
    expect(verify(signed(), body, `${path}?x=1`)).toMatchObject({ ok: true });
  });

  it('rejects a tampered body, another path, another secret, another client', () => {
    expect(verify(signed(), body.replace('150000', '150001'))).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify(signed({ path: '/other' }))).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verify(signed({ secret: 'other' }))).toMatchObject({ ok: false, reason: 'bad_signature' });
    const r = verifyDokuNotification({
      headers: signed(),
      rawBody: body,
      path,
      clientId: 'MCH-someone-else',
      secretKey: V.secret,
      now,
    });
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects missing signatures and malformed headers', () => {
    const { Signature: _, ...unsigned } = signed();
    expect(verify(unsigned)).toMatchObject({ ok: false, reason: 'missing_signature' });
    expect(verify({ ...signed(), Signature: 'abc' })).toMatchObject({ ok: false, reason: 'bad_signature' });
    const { 'Request-Id': __, ...noId } = signed();
    expect(verify(noId)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verify(signed({ ts: '2021-01-27 03:24:25' }))).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('rejects a stale or far-future timestamp even when correctly signed', () => {
    expect(verify(signed(), body, path, new Date('2021-01-27T03:30:26Z'))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verify(signed(), body, path, new Date('2021-01-27T03:19:24Z'))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verify(signed(), body, path, new Date('2021-01-27T03:29:25Z'))).toMatchObject({ ok: true });
  });

  it('handleDokuNotification normalizes a verified SUCCESS into payment.succeeded', () => {
    const r = handleDokuNotification({
      headers: signed(),
      rawBody: Buffer.from(body),
      path,
      credentials: { ...SEED_CREDENTIALS, api_key: V.clientId, secret_key: V.secret },
      now,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event).toMatchObject({
      type: 'payment.succeeded',
      eventId: 'att_01jabcdefghjkmnpqrstvwxyz0:SUCCESS',
      gatewayType: 'SUCCESS',
      gatewayReference: 'att_01jabcdefghjkmnpqrstvwxyz0',
      gatewayPaymentId: 'req-1',
      amount: 15_000_000n,
      currency: 'IDR',
      occurredAt: new Date('2021-01-27T03:24:23Z'),
    });
  });

  it('handleDokuNotification refuses bad signatures and non-JSON bodies', () => {
    const creds = { ...SEED_CREDENTIALS, api_key: V.clientId, secret_key: V.secret };
    expect(
      handleDokuNotification({ headers: signed(), rawBody: `${body} `, path, credentials: creds, now }),
    ).toMatchObject({ ok: false, reason: 'bad_signature' });
    const junk = 'not json';
    expect(
      handleDokuNotification({
        headers: signed({ body: junk }),
        rawBody: junk,
        path,
        credentials: creds,
        now,
      }),
    ).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('DOKU statuses and events', () => {
  it('maps every documented status and anything unknown to pending', () => {
    expect(mapDokuStatus('SUCCESS')).toBe('succeeded');
    expect(mapDokuStatus('success')).toBe('succeeded');
    expect(mapDokuStatus('FAILED')).toBe('failed');
    // DOKU: TIMEOUT is not final ("Call Check Status API to get final status").
    expect(mapDokuStatus('TIMEOUT')).toBe('pending');
    expect(mapDokuStatus('EXPIRED')).toBe('expired');
    expect(mapDokuStatus('REFUNDED')).toBe('refunded');
    expect(mapDokuStatus('PENDING')).toBe('pending');
    expect(mapDokuStatus('REDIRECT')).toBe('pending');
    for (const raw of ['PAID', 'SETTLED', '', undefined, null, 42, { status: 'SUCCESS' }, 'constructor']) {
      expect(mapDokuStatus(raw)).toBe('pending');
    }
  });

  const notification = (status: string, extra: Record<string, unknown> = {}) => ({
    channel: { id: 'VIRTUAL_ACCOUNT_BCA' },
    transaction: { status, date: '2021-01-27T03:24:23Z', ...extra },
    order: { invoice_number: 'INV-1', amount: 150000 },
    new_field_doku_may_add: { x: 1 },
  });
  const at = new Date('2021-01-27T03:25:00Z');

  it('FAILED is a failure with a message, TIMEOUT an attempt failure that stays pending; EXPIRED is an expiry', () => {
    expect(dokuNotificationToEvent(notification('FAILED'), at)).toMatchObject({
      type: 'payment.failed',
      eventId: 'INV-1:FAILED',
      failure: {
        reason: 'declined',
        code: 'FAILED',
        message: 'DOKU: the payment via VIRTUAL_ACCOUNT_BCA failed',
      },
    });
    expect(
      dokuNotificationToEvent(notification('FAILED', { message: 'Saldo tidak cukup' }), at),
    ).toMatchObject({
      failure: { message: 'Saldo tidak cukup' },
    });
    expect(dokuNotificationToEvent(notification('TIMEOUT'), at)).toMatchObject({
      type: 'payment.attempt_failed',
      eventId: 'INV-1:TIMEOUT',
      failure: { reason: 'timeout', code: 'TIMEOUT' },
    });
    expect(readDokuTransaction(notification('TIMEOUT'))).toMatchObject({
      status: 'pending',
      failure: { reason: 'timeout' },
    });
    expect(dokuNotificationToEvent(notification('EXPIRED'), at)).toMatchObject({
      type: 'payment.expired',
      failure: { reason: 'expired' },
    });
    expect(dokuNotificationToEvent(notification('REFUNDED'), at)).toMatchObject({ type: 'refund.succeeded' });
  });

  it('an unknown status is a pending event, never a success', () => {
    expect(dokuNotificationToEvent(notification('SOMETHING_NEW'), at)).toMatchObject({
      type: 'payment.pending',
      eventId: 'INV-1:SOMETHING_NEW',
    });
    expect(dokuNotificationToEvent({ order: { invoice_number: 'INV-1' } }, at)).toMatchObject({
      type: 'payment.pending',
      occurredAt: at,
    });
    expect(dokuNotificationToEvent({ transaction: { status: 'SUCCESS' } }, at)).toBeUndefined();
    expect(dokuNotificationToEvent('SUCCESS', at)).toBeUndefined();
  });
});

describe('DOKU amounts', () => {
  it('sends whole rupiah; Billrail keeps IDR in sen (ISO exponent 2)', () => {
    expect(toDokuAmount(2_000_000n, 'IDR')).toBe(20000);
    expect(toDokuAmount(100n, 'IDR')).toBe(1);
    expect(toDokuAmount(99_999_999_999_900n, 'IDR')).toBe(999_999_999_999);
    expect(() => toDokuAmount(100_000_000_000_000n, 'IDR')).toThrow(/12 digits/);
    expect(() => toDokuAmount(2_000_050n, 'IDR')).toThrow(/whole/);
    expect(() => toDokuAmount(100n, 'USD')).toThrow(/IDR only/);
    expect(() => toDokuAmount(0n, 'IDR')).toThrow(/positive/);
  });

  it('reads DOKU amounts given as numbers or strings', () => {
    expect(fromDokuAmount(150000)).toBe(15_000_000n);
    expect(fromDokuAmount('20000')).toBe(2_000_000n);
    expect(fromDokuAmount('10000.00')).toBe(1_000_000n);
    expect(fromDokuAmount('10000.5')).toBe(1_000_050n);
    for (const bad of [1.5, -1, '1e5', '', 'abc', null, undefined, '1234567890123']) {
      expect(fromDokuAmount(bad)).toBeUndefined();
    }
  });
});

describe('DOKU create payment', () => {
  const now = new Date('2025-03-26T10:00:00Z');
  const req = {
    paymentId: 'pay_01jabcdefghjkmnpqrstvwxyz0',
    attemptId: 'att_01jabcdefghjkmnpqrstvwxyz1',
    amount: 12_050_000n,
    currency: 'IDR',
    description: 'Water Supply, March 2025',
    returnUrl: 'https://demo.billrail.test/pay/return',
    cancelUrl: 'https://demo.billrail.test/pay/cancel',
    idempotencyKey: 'att_01jabcdefghjkmnpqrstvwxyz1',
  };

  it('builds the body with the attempt id as invoice number and whole-rupiah amounts', () => {
    const body = buildDokuPaymentBody(
      {
        ...req,
        expiresAt: new Date('2025-03-26T10:30:00Z'),
        lineItems: [
          { name: 'BILL7890', amount: 12_000_000n, quantity: 1, reference: 'bill_1' },
          { name: 'Meter fee', amount: 25_000n, quantity: 2 },
        ],
        customer: { id: 'acc_1', name: 'Isidro Garcia', email: 'isidro.garcia@example.com' },
        notificationUrl: 'https://demo.billrail.test/v1/gateways/doku/webhooks/ten_demo',
      },
      { now, paymentMethodTypes: ['VIRTUAL_ACCOUNT_BCA', 'QRIS'] },
    );
    expect(body).toEqual({
      order: {
        amount: 120500,
        invoice_number: 'att_01jabcdefghjkmnpqrstvwxyz1',
        currency: 'IDR',
        callback_url: req.returnUrl,
        callback_url_cancel: req.cancelUrl,
        auto_redirect: true,
        line_items: [
          { id: 'bill_1', name: 'BILL7890', quantity: 1, price: 120000 },
          { name: 'Meter fee', quantity: 2, price: 250 },
        ],
      },
      payment: { payment_due_date: 30, payment_method_types: ['VIRTUAL_ACCOUNT_BCA', 'QRIS'] },
      customer: { id: 'acc_1', name: 'Isidro Garcia', email: 'isidro.garcia@example.com' },
      additional_info: {
        override_notification_url: 'https://demo.billrail.test/v1/gateways/doku/webhooks/ten_demo',
      },
    });
  });

  it('defaults to a 60-minute due date and refuses inconsistent input', () => {
    expect(buildDokuPaymentBody(req, { now }).payment.payment_due_date).toBe(60);
    expect(() =>
      buildDokuPaymentBody({ ...req, lineItems: [{ name: 'x', amount: 100n, quantity: 1 }] }, { now }),
    ).toThrow(/add up/);
    expect(() => buildDokuPaymentBody({ ...req, attemptId: 'a'.repeat(31) }, { now })).toThrow(/30/);
    expect(() => buildDokuPaymentBody({ ...req, currency: 'USD', amount: 12050n }, { now })).toThrow(/IDR/);
    expect(() => buildDokuPaymentBody({ ...req, expiresAt: now }, { now })).toThrow(/minute/);
  });

  it('reads the success response and the 400 error shape', () => {
    const ok = parseDokuCreateResponse(200, {
      message: ['SUCCESS'],
      response: {
        order: { amount: '20000', invoice_number: 'INV-1', currency: 'IDR', session_id: 's1' },
        payment: {
          payment_method_types: ['QRIS'],
          payment_due_date: 60,
          token_id: 'tok1',
          url: 'https://sandbox.doku.com/checkout-link-v2/tok1',
          expired_date: '20250326180000',
        },
        uuid: 123,
      },
    });
    expect(ok).toEqual({
      ok: true,
      redirectUrl: 'https://sandbox.doku.com/checkout-link-v2/tok1',
      tokenId: 'tok1',
      invoiceNumber: 'INV-1',
      expiresAt: new Date('2025-03-26T11:00:00Z'),
    });
    expect(parseDokuCreateResponse(400, { error_messages: ['order.invoice_number must be filled'] })).toEqual(
      { ok: false, messages: ['order.invoice_number must be filled'] },
    );
    expect(parseDokuCreateResponse(502, 'Bad Gateway')).toEqual({
      ok: false,
      messages: ['DOKU answered HTTP 502'],
    });
    expect(parseDokuCreateResponse(200, { response: {} })).toMatchObject({ ok: false });
  });

  it('a 409 carrying the first success is DOKU’s idempotent replay; other errors keep DOKU’s words', () => {
    const success = {
      message: ['SUCCESS'],
      response: {
        order: { amount: '20000', invoice_number: 'INV-1', currency: 'IDR' },
        payment: { url: 'https://sandbox.doku.com/checkout-link-v2/tok', token_id: 'tok' },
      },
    };
    expect(parseDokuCreateResponse(409, success)).toMatchObject({
      ok: true,
      invoiceNumber: 'INV-1',
      redirectUrl: 'https://sandbox.doku.com/checkout-link-v2/tok',
      replayed: true,
    });
    expect(parseDokuCreateResponse(200, success)).not.toHaveProperty('replayed');
    expect(
      parseDokuCreateResponse(401, {
        error: {
          code: 'invalid_signature',
          message: 'Invalid Header Signature',
          type: 'invalid_request_error',
        },
      }),
    ).toEqual({ ok: false, messages: ['Invalid Header Signature'], code: 'invalid_signature' });
    expect(
      dokuErrorOf({
        code: 'invalid_signature',
        message: 'Invalid Header Signature',
        type: 'invalid_request_error',
      }),
    ).toEqual({ messages: ['Invalid Header Signature'], code: 'invalid_signature' });
    expect(parseDokuCreateResponse(409, { error_messages: ['Duplicate'] })).toEqual({
      ok: false,
      messages: ['Duplicate'],
    });
  });

  it('expired_date is read as UTC+7', () => {
    expect(parseDokuExpiredDate('20250101000000')).toEqual(new Date('2024-12-31T17:00:00Z'));
    expect(parseDokuExpiredDate('2025-01-01')).toBeUndefined();
  });
});

describe('DOKU credentials (seed 002 rules)', () => {
  it('accepts the seed sample data', () => {
    expect(checkDokuCredentials(SEED_CREDENTIALS)).toEqual([]);
    expect(checkDokuCredentials({ ...SEED_CREDENTIALS, environment: 'sandbox' })).toEqual([]);
  });

  it('Mall ID must be numeric and exactly 8 characters', () => {
    for (const mall_id of ['1234567', '123456789', '1234567a', ' 12345678', '１２３４５６７８']) {
      const errors = checkDokuCredentials({ ...SEED_CREDENTIALS, mall_id });
      expect(errors).toHaveLength(1);
      expect(errors[0]!.field).toBe('mall_id');
    }
    expect(checkDokuCredentials({ ...SEED_CREDENTIALS, mall_id: '1234567' })[0]!.reason).toBe(
      'Mall ID must be exactly 8 digits (numeric, as issued by DOKU)',
    );
  });

  it('reports every missing and malformed field with a reason', () => {
    const errors = checkDokuCredentials({
      shared_key: 'abc-123',
      chain_merchant_id: 'CHAIN',
      api_key: 'has space',
      environment: 'staging',
      extra: 'x',
    });
    expect(Object.fromEntries(errors.map((e) => [e.field, e.reason]))).toEqual({
      extra: 'is not a field of this gateway',
      mall_id: 'Mall ID is required',
      shared_key: 'Shared Key must contain only letters and digits',
      chain_merchant_id: 'Chain Merchant ID must be numeric',
      api_key: 'API Key must be printable characters without spaces',
      secret_key: 'Secret Key is required',
      environment: 'Environment must be one of production, sandbox',
    });
  });
});

describe('legacy DOKU WORDS (spec vector)', () => {
  it('request WORDS of the spec vector', () => {
    expect(
      legacyRequestWords({
        amount: '10000.00',
        mallId: '1234',
        sharedKey: 'abcdEFGH1234',
        transIdMerchant: 'INV001',
      }),
    ).toBe('2f07810fddcb67fa9ce9821e0a79c7c273e9b189');
    expect(legacyAmount(1_000_000n)).toBe('10000.00');
    expect(legacyAmount(1_000_005n)).toBe('10000.05');
  });

  it('currency, notify and check-status WORDS are plain concatenations', () => {
    const base = { amount: '10000.00', mallId: '1234', sharedKey: 'abcdEFGH1234', transIdMerchant: 'INV001' };
    expect(legacyRequestWords({ ...base, currency: '360' })).not.toBe(legacyRequestWords(base));
    expect(legacyRequestWords({ ...base, currency: '360' })).toBe(
      legacyRequestWords({ ...base, transIdMerchant: 'INV001360' }),
    );
    expect(legacyNotifyWords({ ...base, resultMsg: 'SUCCESS', verifyStatus: 'APPROVE' })).toBe(
      legacyRequestWords({ ...base, transIdMerchant: 'INV001SUCCESSAPPROVE' }),
    );
    expect(legacyCheckStatusWords(base)).toMatch(/^[0-9a-f]{40}$/);
  });
});
