import { randomUUID } from 'node:crypto';
import {
  type CheckoutSession,
  type CredentialCheck,
  type Credentials,
  errorKindForStatus,
  type GatewayAdapter,
  type GatewayCallContext,
  GatewayError,
  type PaymentSnapshot,
} from '../gateway.ts';
import {
  buildDokuPaymentBody,
  checkDokuCredentials,
  DOKU_BASE_URLS,
  DOKU_CHECKOUT_PATH,
  DOKU_CREDENTIAL_FIELDS,
  dokuEnvironment,
  dokuErrorOf,
  dokuStatusPath,
  handleDokuNotification,
  parseDokuCreateResponse,
  readDokuTransaction,
  signDokuRequest,
} from './doku.wire.ts';

/**
 * DOKU Checkout adapter: the flows over fetch (DOKU has no official Node SDK for Checkout).
 * Signing, parsing and mappings are in doku.wire.ts.
 */
export interface DokuAdapterOptions {
  /** Override the base URLs (tests point both at a loopback fake). */
  baseUrls?: { sandbox: string; production: string };
  /** Per-request timeout (ms) when the call context gives none. */
  timeoutMs?: number;
  /** Request-Id for calls that are not idempotent creates (default: a random UUID). */
  newRequestId?: () => string;
  fetch?: typeof fetch;
  /** Seconds a notification's Request-Timestamp may differ from now (Billrail's rule). */
  notificationToleranceSeconds?: number;
}

/** Why `refund` refuses (shown to the admin who asked for the refund). */
export const DOKU_REFUND_UNSUPPORTED =
  'DOKU Checkout refunds are made in the DOKU dashboard (card payments) or through DOKU support ' +
  '(other methods); DOKU offers no refund API for Checkout, so Billrail cannot start one';

interface DokuResponse {
  status: number;
  json: unknown;
  text: string;
}

export function createDokuAdapter(opts: DokuAdapterOptions = {}): GatewayAdapter {
  const baseUrls = opts.baseUrls ?? DOKU_BASE_URLS;
  const doFetch = opts.fetch ?? fetch;
  const newRequestId = opts.newRequestId ?? randomUUID;
  const nowOf = (ctx?: GatewayCallContext) => (ctx?.now ? ctx.now() : new Date());

  const keysOf = (c: Credentials) => {
    if (!c.api_key || !c.secret_key) {
      throw new GatewayError(
        'doku',
        'authentication',
        'DOKU Client ID (API Key) and Secret Key are required',
      );
    }
    return { clientId: c.api_key, secretKey: c.secret_key };
  };

  async function send(
    c: Credentials,
    method: 'GET' | 'POST',
    target: string,
    requestId: string,
    body: string | undefined,
    ctx?: GatewayCallContext,
  ): Promise<DokuResponse> {
    const { clientId, secretKey } = keysOf(c);
    const signed = signDokuRequest({
      clientId,
      secretKey,
      requestId,
      timestamp: nowOf(ctx),
      target,
      ...(body === undefined ? {} : { body }),
    });
    const timeout = AbortSignal.timeout(ctx?.timeoutMs ?? opts.timeoutMs ?? 30_000);
    const signal = ctx?.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await doFetch(baseUrls[dokuEnvironment(c)] + target, {
        method,
        headers: signed.headers,
        ...(body === undefined ? {} : { body }),
        signal,
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new GatewayError(
        'doku',
        timedOut ? 'timeout' : 'network',
        err instanceof Error ? err.message : String(err),
        {
          cause: err,
        },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  /** A non-success answer as a GatewayError carrying DOKU's own words and code. */
  const errorFrom = (r: DokuResponse, fallback: string): GatewayError => {
    const e = dokuErrorOf(r.json);
    const message = r.status === 200 || e.messages.length === 0 ? fallback : e.messages.join('; ');
    return new GatewayError('doku', errorKindForStatus(r.status === 200 ? 502 : r.status), message, {
      httpStatus: r.status,
      ...(e.code ? { gatewayCode: e.code } : {}),
      raw: r.json ?? r.text,
    });
  };

  /**
   * The cheapest signed call: check status of an invoice that does not exist. DOKU answers
   * 401/403 when the Client-Id or signature is wrong and something else (404, 400) when they are
   * right. (The exact bodies of DOKU's auth errors are not in the spec; the status decides.)
   */
  async function probe(
    c: Credentials,
    ctx?: GatewayCallContext,
  ): Promise<{ ok: boolean; detail: string; ms: number }> {
    const started = performance.now();
    const r = await send(
      c,
      'GET',
      dokuStatusPath(`billrail-probe-${newRequestId()}`),
      newRequestId(),
      undefined,
      ctx,
    );
    const ms = Math.round(performance.now() - started);
    if (r.status === 401 || r.status === 403) {
      const words = dokuErrorOf(r.json).messages.join('; ') || r.text.slice(0, 300);
      return { ok: false, detail: `DOKU refused the credentials (HTTP ${r.status}): ${words}`, ms };
    }
    if (r.status >= 500) return { ok: false, detail: `DOKU answered HTTP ${r.status}`, ms };
    return { ok: true, detail: `DOKU accepted the signed request (HTTP ${r.status})`, ms };
  }

  return {
    id: 'doku',
    displayName: 'DOKU',
    capabilities: {
      currencies: ['IDR'],
      // DOKU documents no refund API for Checkout (non-SNAP): card refunds are made in the DOKU
      // dashboard, other methods through DOKU support (docs.doku.com, Manage Finances > Refund).
      // The only non-SNAP refund call is Direct API cards' /cancellation/credit-card/refund.
      refunds: { full: false, partial: false },
      methods: ['virtual_account', 'qris', 'card', 'ewallet', 'convenience_store'],
      webhooks: true,
      settlements: false,
    },
    credentialFields: DOKU_CREDENTIAL_FIELDS,
    checkCredentialFormat: checkDokuCredentials,

    async validateCredentials(credentials, ctx): Promise<CredentialCheck> {
      const format = checkDokuCredentials(credentials);
      if (format.length > 0) {
        return {
          ok: false,
          errors: format,
          detail: 'Please review all the details entered above and retry to connect',
        };
      }
      try {
        const p = await probe(credentials, ctx);
        return {
          ok: p.ok,
          errors: p.ok ? [] : [{ field: 'api_key', reason: p.detail }],
          detail: p.detail,
          mode: dokuEnvironment(credentials) === 'sandbox' ? 'test' : 'live',
        };
      } catch (err) {
        const g = err instanceof GatewayError ? err : new GatewayError('doku', 'network', String(err));
        return { ok: false, errors: [], detail: `DOKU could not be reached: ${g.gatewayMessage}` };
      }
    },

    async createCheckout(credentials, req, ctx): Promise<CheckoutSession> {
      const body = JSON.stringify(buildDokuPaymentBody(req, { now: nowOf(ctx) }));
      // The idempotency key is the Request-Id: a retried create is recognisable as the same
      // request, and DOKU answers it with the first response under HTTP 409 (parsed as a success).
      const r = await send(credentials, 'POST', DOKU_CHECKOUT_PATH, req.idempotencyKey, body, ctx);
      const parsed = parseDokuCreateResponse(r.status, r.json);
      if (!parsed.ok) throw errorFrom(r, `DOKU did not create the payment (HTTP ${r.status})`);
      return {
        redirectUrl: parsed.redirectUrl,
        gatewayReference: parsed.invoiceNumber,
        ...(parsed.expiresAt ? { expiresAt: parsed.expiresAt } : {}),
        raw: r.json,
      };
    },

    async retrievePayment(credentials, lookup, ctx): Promise<PaymentSnapshot> {
      const r = await send(
        credentials,
        'GET',
        dokuStatusPath(lookup.gatewayReference),
        newRequestId(),
        undefined,
        ctx,
      );
      // Before the payer picks a method DOKU may know no transaction yet: still pending.
      if (r.status === 404) {
        return {
          gatewayReference: lookup.gatewayReference,
          status: 'pending',
          rawStatus: 'NOT_FOUND',
          raw: r.json,
        };
      }
      if (r.status !== 200) throw errorFrom(r, `DOKU answered HTTP ${r.status}`);
      const t = readDokuTransaction(r.json);
      return {
        gatewayReference: lookup.gatewayReference,
        status: t.status,
        gatewayPaymentId: t.originalRequestId,
        amount: t.amount,
        currency: 'IDR',
        failure: t.failure,
        rawStatus: t.rawStatus,
        raw: r.json,
      };
    },

    async refund() {
      throw new GatewayError('doku', 'invalid_request', DOKU_REFUND_UNSUPPORTED);
    },

    async verifyWebhook(input) {
      return handleDokuNotification({
        ...input,
        ...(opts.notificationToleranceSeconds === undefined
          ? {}
          : { toleranceSeconds: opts.notificationToleranceSeconds }),
      });
    },

    async healthCheck(credentials, ctx) {
      try {
        const p = await probe(credentials, ctx);
        return { ok: p.ok, latencyMs: p.ms, detail: p.detail };
      } catch (err) {
        return {
          ok: false,
          latencyMs: 0,
          detail: err instanceof GatewayError ? err.gatewayMessage : String(err),
        };
      }
    },

    async listSettlements() {
      return { items: [] };
    },
  };
}
