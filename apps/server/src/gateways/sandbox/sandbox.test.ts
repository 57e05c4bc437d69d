import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSandboxAdapter } from './sandbox.adapter.ts';
import {
  decodeSandboxSession,
  encodeSandboxSession,
  isSandboxOutcome,
  outcomeNotification,
  type SANDBOX_OUTCOMES,
  type SandboxSession,
  sandboxNotificationToEvent,
  sandboxSessionId,
  signSandboxNotification,
  verifySandboxNotification,
} from './sandbox.wire.ts';

const SECRET = 'whsec_sandbox_0123456789abcdef';
const credentials = { signing_secret: SECRET };
const now = new Date('2025-03-26T10:00:00Z');
const nowS = Math.floor(now.getTime() / 1000);

const session: SandboxSession = {
  id: sandboxSessionId('att_1'),
  paymentId: 'pay_1',
  attemptId: 'att_1',
  amount: '12050',
  currency: 'USD',
  description: 'BILL7890 Water Supply',
  returnUrl: 'https://demo.test/pay/return',
  cancelUrl: 'https://demo.test/pay/cancel',
  expiresAt: nowS + 3600,
};

describe('sandbox session token', () => {
  it('round-trips and is tamper-evident', () => {
    const token = encodeSandboxSession(session, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(decodeSandboxSession(token, SECRET, now)).toEqual({ ok: true, session });
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...session, amount: '1' })).toString('base64url');
    expect(decodeSandboxSession(`${forged}.${mac}`, SECRET, now)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(decodeSandboxSession(token, 'whsec_other_secret_000000', now)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(decodeSandboxSession(`${payload}`, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(decodeSandboxSession(`${token}.x`, SECRET, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('expires', () => {
    const token = encodeSandboxSession(session, SECRET);
    expect(decodeSandboxSession(token, SECRET, new Date((session.expiresAt - 1) * 1000)).ok).toBe(true);
    expect(decodeSandboxSession(token, SECRET, new Date(session.expiresAt * 1000))).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('session ids are stable per attempt and distinct across attempts', () => {
    expect(sandboxSessionId('att_1')).toBe(sandboxSessionId('att_1'));
    expect(sandboxSessionId('att_1')).not.toBe(sandboxSessionId('att_2'));
    expect(sandboxSessionId('att_1')).toMatch(/^sbx_cs_[A-Za-z0-9_-]{24}$/);
  });
});

describe('sandbox outcomes to normalized events', () => {
  const event = (outcome: (typeof SANDBOX_OUTCOMES)[number]) =>
    sandboxNotificationToEvent(
      JSON.parse(JSON.stringify(outcomeNotification(session, outcome, { eventId: 'sbx_evt_1', now }))),
    );

  it('success', () => {
    expect(event('success')).toMatchObject({
      type: 'payment.succeeded',
      eventId: 'sbx_evt_1',
      paymentId: 'pay_1',
      gatewayReference: session.id,
      amount: 12050n,
      currency: 'USD',
      occurredAt: now,
    });
  });

  it('each failure carries the seed reason and a gateway-style message', () => {
    expect(event('insufficient_funds')).toMatchObject({
      type: 'payment.failed',
      failure: {
        reason: 'insufficient_funds',
        code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      },
    });
    expect(event('network_error')).toMatchObject({
      type: 'payment.failed',
      failure: { reason: 'network_error', code: 'issuer_unavailable' },
    });
    expect(event('technical_issue')).toMatchObject({
      type: 'payment.failed',
      failure: { reason: 'technical_issue', code: 'processing_error' },
    });
    expect(event('abandoned')).toMatchObject({
      type: 'payment.failed',
      failure: { reason: 'abandoned', message: 'The payment page was closed without paying.' },
    });
  });

  it('unknown types are pending; junk is refused', () => {
    const n = outcomeNotification(session, 'success', { eventId: 'e', now });
    expect(sandboxNotificationToEvent({ ...n, type: 'payment.whatever' })).toMatchObject({
      type: 'payment.pending',
    });
    expect(sandboxNotificationToEvent({ id: 'e' })).toBeUndefined();
    expect(sandboxNotificationToEvent(null)).toBeUndefined();
    expect(isSandboxOutcome('success')).toBe(true);
    expect(isSandboxOutcome('paid')).toBe(false);
  });
});

describe('sandbox notification signatures (Billrail scheme)', () => {
  const signed = signSandboxNotification(
    outcomeNotification(session, 'success', { eventId: 'sbx_evt_1', now }),
    SECRET,
    now,
  );

  it('is HMAC-SHA256 over "t.body" with the whole secret, hex', () => {
    const header = signed.headers['Sandbox-Signature']!;
    const v1 = createHmac('sha256', SECRET).update(`${nowS}.${signed.body}`).digest('hex');
    expect(header).toBe(`t=${nowS},v1=${v1}`);
  });

  it('verifies and rejects tampering, other secrets, stale timestamps and missing headers', () => {
    const verify = (body: string, headers: Record<string, string>, at = now, secret = SECRET) =>
      verifySandboxNotification({ rawBody: body, headers, secret, now: at });
    expect(verify(signed.body, signed.headers)).toMatchObject({
      ok: true,
      event: { type: 'payment.succeeded' },
    });
    expect(verify(signed.body.replace('12050', '1'), signed.headers)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify(signed.body, signed.headers, now, 'whsec_other_secret_000000')).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verify(signed.body, signed.headers, new Date(now.getTime() + 301_000))).toMatchObject({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verify(signed.body, {})).toMatchObject({ ok: false, reason: 'missing_signature' });
    expect(verify(signed.body, { 'sandbox-signature': 'v1=abc' })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('sandbox adapter', () => {
  const adapter = createSandboxAdapter({ hostedPageBaseUrl: 'https://demo.test/sandbox/checkout/' });
  const req = {
    paymentId: 'pay_1',
    attemptId: 'att_1',
    amount: 12050n,
    currency: 'USD',
    description: 'BILL7890 Water Supply',
    returnUrl: 'https://demo.test/pay/return',
    cancelUrl: 'https://demo.test/pay/cancel',
    idempotencyKey: 'att_1',
  };

  it('creates a checkout whose URL carries a verifiable session', async () => {
    const c = await adapter.createCheckout(credentials, req, { now: () => now });
    expect(c.gatewayReference).toBe(sandboxSessionId('att_1'));
    expect(c.expiresAt).toEqual(new Date(now.getTime() + 3600_000));
    const prefix = 'https://demo.test/sandbox/checkout/';
    expect(c.redirectUrl.startsWith(prefix)).toBe(true);
    const decoded = decodeSandboxSession(c.redirectUrl.slice(prefix.length), SECRET, now);
    expect(decoded).toMatchObject({
      ok: true,
      session: { amount: '12050', currency: 'USD', paymentId: 'pay_1' },
    });
  });

  it('verifies its own notifications through the adapter interface', async () => {
    const n = signSandboxNotification(
      outcomeNotification(session, 'technical_issue', { eventId: 'e1', now }),
      SECRET,
      now,
    );
    const r = await adapter.verifyWebhook({
      rawBody: n.body,
      headers: n.headers,
      path: '/',
      credentials,
      now,
    });
    expect(r).toMatchObject({
      ok: true,
      event: { type: 'payment.failed', failure: { reason: 'technical_issue' } },
    });
  });

  it('refunds idempotently, reports pending without a store, validates its secret', async () => {
    const a = await adapter.refund(credentials, {
      gatewayReference: 'x',
      amount: 50n,
      paymentAmount: 12050n,
      currency: 'USD',
      idempotencyKey: 'k1',
    });
    const b = await adapter.refund(credentials, {
      gatewayReference: 'x',
      amount: 50n,
      paymentAmount: 12050n,
      currency: 'USD',
      idempotencyKey: 'k1',
    });
    expect(a).toMatchObject({ status: 'succeeded', amount: 50n });
    expect(a.refundId).toBe(b.refundId);
    await expect(
      adapter.refund(credentials, {
        gatewayReference: 'x',
        amount: 12051n,
        paymentAmount: 12050n,
        currency: 'USD',
        idempotencyKey: 'k2',
      }),
    ).rejects.toThrow(/between/);
    expect((await adapter.retrievePayment(credentials, { gatewayReference: 'x' })).status).toBe('pending');
    expect((await adapter.validateCredentials(credentials)).ok).toBe(true);
    expect(adapter.checkCredentialFormat({ signing_secret: 'short' })).toHaveLength(1);
    await expect(adapter.createCheckout({}, req)).rejects.toThrow(/signing secret/);
  });
});
