import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Stripe fake for tests: a real HTTP server on 127.0.0.1 speaking the subset of Stripe's REST
 * API that Billrail uses, in Stripe's wire format (specs/wire-formats.md section 1), so the real
 * `stripe` SDK can be pointed at it with `{ host: '127.0.0.1', port, protocol: 'http' }`.
 *
 * - Requests: `Authorization: Bearer <key>`, form-encoded bodies with qs brackets
 *   (`line_items[0][price_data][currency]=usd`), `Idempotency-Key` replay (same key and body:
 *   the first response again; same key, other body: 400 idempotency_error).
 * - Responses: JSON objects with `object`, a `request-id` header; errors as
 *   `{"error":{"type","code","message","param"}}` with the status recent SDKs classify by
 *   (400/404 invalid_request_error, 401 authentication, 402 card_error, 403 permission, 429, 5xx).
 * - Endpoints: POST /v1/checkout/sessions, GET /v1/checkout/sessions/:id (expand[]=payment_intent),
 *   POST /v1/checkout/sessions/:id/expire, POST /v1/refunds, GET /v1/balance,
 *   GET /v1/balance_transactions.
 * - Test controls (not part of Stripe): pay or decline a session as a payer would, fail or hang
 *   the next request, and sign events with `Stripe-Signature` for delivery to a webhook URL.
 */

type Obj = Record<string, unknown>;

export interface StripeFakeOptions {
  /** Keys that authenticate. Default: any key starting sk_test_ or rk_test_. */
  keys?: string[];
  /** Restricted keys (rk_) get 403 on GET /v1/balance when true (a key without balance read). */
  restrictedKeysLackBalance?: boolean;
  webhookSecret?: string;
}

export type PayerOutcome =
  | 'paid'
  | 'insufficient_funds'
  | 'card_declined'
  | 'processing_error'
  | 'async_pending';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  rawBody: string;
  params: Obj;
}

export interface StripeFake {
  origin: string;
  host: string;
  port: number;
  requests: RecordedRequest[];
  /** Every event the fake generated, oldest first (Stripe's envelope). */
  events: Obj[];
  sessions: Map<string, Obj>;
  /** The payer on the hosted page: pay, get declined, or start a delayed payment. */
  payerCompletes(sessionId: string, outcome: PayerOutcome): Obj[];
  /** A delayed payment (e.g. bank debit) settles or fails. */
  asyncResult(sessionId: string, ok: boolean): Obj[];
  /** Stripe expires the session (as after expires_at). */
  expire(sessionId: string): Obj[];
  /** The next request gets this status and Stripe error body instead of its normal answer. */
  failNext(status: number, error?: { type?: string; code?: string; message?: string }): void;
  /** The next `count` requests (default 1; the SDK retries) never get an answer (until close). */
  hangNext(count?: number): void;
  /** Funds of every balance transaction become available (as after Stripe's payout delay). */
  makeAvailable(): void;
  /**
   * An automatic payout of every available charge and refund not paid out yet: a `po_...` for
   * their net, a `payout` balance transaction taking it out of the balance, and the lines listed
   * under `GET /v1/balance_transactions?payout=po_...`. Returns the payout.
   */
  payout(opts?: { status?: string; arrivalDate?: Date }): Obj;
  /** `Stripe-Signature` and body for an event, as Stripe would send it. */
  sign(event: Obj, opts?: { secret?: string; timestamp?: number }): { body: string; header: string };
  /** POSTs an event to a URL with its signature; returns the HTTP status. */
  deliver(url: string, event: Obj, opts?: { secret?: string; timestamp?: number }): Promise<number>;
  close(): Promise<void>;
}

const API_VERSION = '2026-10-28.endive';
const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const nowS = () => Math.floor(Date.now() / 1000);

/** Parses a qs-style form body (`a[b][0][c]=1`, `expand[]=x`) into nested objects and arrays. */
export function parseStripeForm(body: string): Obj {
  const root: Obj = {};
  if (!body) return root;
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(rawKey);
    if (!m) continue;
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)];
    let node: Obj = root;
    for (let i = 0; i < path.length; i++) {
      let seg = path[i]!;
      if (seg === '') seg = String(Object.keys(node).length); // `[]` appends
      if (i === path.length - 1) node[seg] = value;
      else {
        node[seg] ??= {};
        node = node[seg] as Obj;
      }
    }
  }
  const arrays = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const o = v as Obj;
    const keys = Object.keys(o);
    const fixed = Object.fromEntries(keys.map((k) => [k, arrays(o[k])]));
    if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => fixed[k]);
    return fixed;
  };
  return arrays(root) as Obj;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: { type: string; code?: string; message: string; param?: string; decline_code?: string },
  ) {
    super(error.message);
  }
}

const invalid = (message: string, param?: string, code = 'parameter_missing') =>
  new StripeApiError(400, { type: 'invalid_request_error', code, message, ...(param ? { param } : {}) });
const missing = (kind: string, value: string) =>
  new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param: 'id',
    message: `No such ${kind}: '${value}'`,
  });

const int = (v: unknown, param: string): number => {
  if (typeof v !== 'string' || !/^\d+$/.test(v))
    throw invalid(`Invalid integer: ${String(v)}`, param, 'parameter_invalid_integer');
  return Number(v);
};

export async function startStripeFake(opts: StripeFakeOptions = {}): Promise<StripeFake> {
  const requests: RecordedRequest[] = [];
  const events: Obj[] = [];
  const sessions = new Map<string, Obj>();
  const intents = new Map<string, Obj>();
  const charges = new Map<string, Obj>();
  const refunds = new Map<string, Obj>();
  const balanceTxns: Obj[] = [];
  const payouts: Obj[] = [];
  const payoutOf = new Map<string, string>(); // balance transaction id -> payout id
  const idempotency = new Map<string, { body: string; status: number; response: string }>();
  const hanging = new Set<ServerResponse>();
  let nextFailure: { status: number; error: Obj } | 'hang' | undefined;
  let hangsLeft = 0;
  const webhookSecret = opts.webhookSecret ?? 'whsec_fake_secret';

  const authenticate = (req: IncomingMessage): string => {
    const auth = req.headers.authorization ?? '';
    const key = /^Bearer (.+)$/.exec(auth)?.[1];
    const ok = key && (opts.keys ? opts.keys.includes(key) : /^(sk|rk)_test_/.test(key));
    if (!key || !ok) {
      const shown = key
        ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
        : '';
      throw new StripeApiError(401, {
        type: 'invalid_request_error',
        message: key
          ? `Invalid API Key provided: ${shown}`
          : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
    }
    return key;
  };

  const emit = (type: string, object: Obj): Obj => {
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: nowS(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    events.push(event);
    return event;
  };

  const createSession = (p: Obj): Obj => {
    if (p.mode !== 'payment') throw invalid('Missing required param: mode.', 'mode');
    if (!p.success_url) throw invalid('Missing required param: success_url.', 'success_url');
    const items = p.line_items;
    if (!Array.isArray(items) || items.length === 0)
      throw invalid('Missing required param: line_items.', 'line_items');
    let total = 0;
    let currency: string | undefined;
    items.forEach((li, i) => {
      const pd = (li as Obj).price_data as Obj | undefined;
      const prefix = `line_items[${i}][price_data]`;
      if (!pd) throw invalid(`Missing required param: ${prefix}.`, prefix);
      if (!pd.currency) throw invalid(`Missing required param: ${prefix}[currency].`, `${prefix}[currency]`);
      if (!(pd.product_data as Obj | undefined)?.name) {
        throw invalid(
          `Missing required param: ${prefix}[product_data][name].`,
          `${prefix}[product_data][name]`,
        );
      }
      if (currency && pd.currency !== currency)
        throw invalid('All line items must have the same currency.', prefix);
      currency = pd.currency as string;
      total +=
        int(pd.unit_amount, `${prefix}[unit_amount]`) *
        int((li as Obj).quantity, `line_items[${i}][quantity]`);
    });
    const created = nowS();
    let expiresAt = created + 24 * 3600;
    if (p.expires_at !== undefined) {
      expiresAt = int(p.expires_at, 'expires_at');
      if (expiresAt < created + 30 * 60 - 5 || expiresAt > created + 24 * 3600) {
        throw invalid(
          'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.',
          'expires_at',
          'parameter_invalid_integer',
        );
      }
    }
    const sid = id('cs_test');
    const session: Obj = {
      id: sid,
      object: 'checkout.session',
      amount_subtotal: total,
      amount_total: total,
      cancel_url: p.cancel_url ?? null,
      client_reference_id: p.client_reference_id ?? null,
      created,
      currency,
      customer_details: null,
      customer_email: p.customer_email ?? null,
      expires_at: expiresAt,
      livemode: false,
      metadata: p.metadata ?? {},
      mode: 'payment',
      payment_intent: null,
      payment_status: 'unpaid',
      status: 'open',
      success_url: p.success_url,
      url: `${origin}/c/pay/${sid}`,
      // Not part of the Session object; kept here for the PaymentIntent created on payment.
      _payment_intent_data: p.payment_intent_data ?? {},
    };
    sessions.set(sid, session);
    return session;
  };

  const publicSession = (s: Obj, expand: string[]): Obj => {
    const { _payment_intent_data: _, ...out } = s;
    if (expand.includes('payment_intent') && typeof out.payment_intent === 'string') {
      out.payment_intent = intents.get(out.payment_intent) ?? out.payment_intent;
    }
    return out;
  };

  const sessionOr404 = (sid: string) => {
    const s = sessions.get(sid);
    if (!s) throw missing('checkout.session', sid);
    return s;
  };

  const ensureIntent = (s: Obj): Obj => {
    if (typeof s.payment_intent === 'string') return intents.get(s.payment_intent)!;
    const pid = s._payment_intent_data as Obj;
    const pi: Obj = {
      id: id('pi'),
      object: 'payment_intent',
      amount: s.amount_total,
      amount_received: 0,
      currency: s.currency,
      created: nowS(),
      description: pid.description ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: pid.metadata ?? {},
      status: 'requires_payment_method',
    };
    intents.set(pi.id as string, pi);
    s.payment_intent = pi.id;
    return pi;
  };

  const settle = (pi: Obj) => {
    const amount = pi.amount as number;
    const fee = Math.round(amount * 0.029) + 30;
    const txn: Obj = {
      id: id('txn'),
      object: 'balance_transaction',
      amount,
      available_on: nowS() + 2 * 86400,
      created: nowS(),
      currency: pi.currency,
      fee,
      fee_details: [
        { amount: fee, currency: pi.currency, description: 'Stripe processing fees', type: 'stripe_fee' },
      ],
      net: amount - fee,
      reporting_category: 'charge',
      source: null,
      status: 'pending',
      type: 'charge',
      exchange_rate: null,
    };
    const charge: Obj = {
      id: id('ch'),
      object: 'charge',
      amount,
      amount_refunded: 0,
      balance_transaction: txn.id,
      currency: pi.currency,
      payment_intent: pi.id,
      metadata: pi.metadata,
      paid: true,
      refunded: false,
      status: 'succeeded',
    };
    txn.source = charge.id;
    charges.set(charge.id as string, charge);
    balanceTxns.push(txn);
    Object.assign(pi, {
      status: 'succeeded',
      amount_received: amount,
      latest_charge: charge.id,
      last_payment_error: null,
    });
  };

  const DECLINES: Record<string, Obj> = {
    insufficient_funds: {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    },
    card_declined: {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    },
    processing_error: {
      type: 'card_error',
      code: 'processing_error',
      message: 'An error occurred while processing your card. Try again in a little bit.',
    },
  };

  const payerCompletes = (sid: string, outcome: PayerOutcome): Obj[] => {
    const s = sessionOr404(sid);
    if (s.status !== 'open') throw new Error(`Session ${sid} is ${s.status}`);
    const pi = ensureIntent(s);
    const out: Obj[] = [];
    const pub = () => publicSession(s, []);
    if (outcome === 'paid') {
      settle(pi);
      Object.assign(s, { status: 'complete', payment_status: 'paid' });
      out.push(emit('payment_intent.succeeded', pi), emit('checkout.session.completed', pub()));
    } else if (outcome === 'async_pending') {
      pi.status = 'processing';
      Object.assign(s, { status: 'complete', payment_status: 'unpaid' });
      out.push(emit('checkout.session.completed', pub()));
    } else {
      // The session stays open: the payer may try another card.
      Object.assign(pi, { status: 'requires_payment_method', last_payment_error: DECLINES[outcome] });
      out.push(emit('payment_intent.payment_failed', pi));
    }
    return out;
  };

  const asyncResult = (sid: string, ok: boolean): Obj[] => {
    const s = sessionOr404(sid);
    const pi = ensureIntent(s);
    if (ok) {
      settle(pi);
      s.payment_status = 'paid';
      return [
        emit('payment_intent.succeeded', pi),
        emit('checkout.session.async_payment_succeeded', publicSession(s, [])),
      ];
    }
    Object.assign(pi, { status: 'requires_payment_method', last_payment_error: DECLINES.card_declined });
    return [
      emit('payment_intent.payment_failed', pi),
      emit('checkout.session.async_payment_failed', publicSession(s, [])),
    ];
  };

  const expire = (sid: string): Obj[] => {
    const s = sessionOr404(sid);
    if (s.status !== 'open') {
      throw invalid(
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${s.status}".`,
        undefined,
        'checkout_session_not_open',
      );
    }
    s.status = 'expired';
    return [emit('checkout.session.expired', publicSession(s, []))];
  };

  const createRefund = (p: Obj): Obj => {
    let charge: Obj | undefined;
    if (typeof p.payment_intent === 'string') {
      const pi = intents.get(p.payment_intent);
      if (!pi) throw missing('payment_intent', p.payment_intent);
      if (pi.status !== 'succeeded' || !pi.latest_charge) {
        throw invalid(
          `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
          'payment_intent',
          'charge_not_refundable',
        );
      }
      charge = charges.get(pi.latest_charge as string);
    } else if (typeof p.charge === 'string') {
      charge = charges.get(p.charge);
      if (!charge) throw missing('charge', p.charge);
    } else
      throw invalid(
        'One of the following params should be provided for this request: payment_intent or charge.',
        undefined,
      );
    const c = charge!;
    const remaining = (c.amount as number) - (c.amount_refunded as number);
    const amount = p.amount === undefined ? remaining : int(p.amount, 'amount');
    if (amount <= 0) throw invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
    if (remaining === 0)
      throw invalid(`Charge ${c.id} has already been refunded.`, undefined, 'charge_already_refunded');
    if (amount > remaining) {
      throw invalid(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount',
        'amount_too_large',
      );
    }
    const txn: Obj = {
      id: id('txn'),
      object: 'balance_transaction',
      amount: -amount,
      available_on: nowS(),
      created: nowS(),
      currency: c.currency,
      fee: 0,
      fee_details: [],
      net: -amount,
      reporting_category: 'refund',
      source: null,
      status: 'available',
      type: 'refund',
      exchange_rate: null,
    };
    const refund: Obj = {
      id: id('re'),
      object: 'refund',
      amount,
      balance_transaction: txn.id,
      charge: c.id,
      created: nowS(),
      currency: c.currency,
      metadata: p.metadata ?? {},
      payment_intent: c.payment_intent,
      reason: p.reason ?? null,
      status: 'succeeded',
    };
    txn.source = refund.id;
    balanceTxns.push(txn);
    refunds.set(refund.id as string, refund);
    c.amount_refunded = (c.amount_refunded as number) + amount;
    c.refunded = c.amount_refunded === c.amount;
    emit('refund.created', refund);
    emit('charge.refunded', c);
    return refund;
  };

  const route = (method: string, path: string, p: Obj, key: string): Obj => {
    if (method === 'POST' && path === '/v1/checkout/sessions') return publicSession(createSession(p), []);
    const one = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && one) {
      const expand = Array.isArray(p.expand) ? (p.expand as string[]) : [];
      return publicSession(sessionOr404(decodeURIComponent(one[1]!)), expand);
    }
    const toExpire = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path);
    if (method === 'POST' && toExpire) {
      const sid = decodeURIComponent(toExpire[1]!);
      expire(sid);
      return publicSession(sessionOr404(sid), []);
    }
    if (method === 'POST' && path === '/v1/refunds') return createRefund(p);
    if (method === 'GET' && path === '/v1/balance') {
      if (key.startsWith('rk_') && opts.restrictedKeysLackBalance) {
        throw new StripeApiError(403, {
          type: 'invalid_request_error',
          message:
            "The provided key does not have the required permissions for this endpoint on account. Having the 'rak_balance_read' permission would allow this request to continue.",
        });
      }
      return {
        object: 'balance',
        available: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
        livemode: false,
        pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
      };
    }
    if (method === 'GET' && path === '/v1/payouts') {
      const created = (p.created ?? {}) as Obj;
      const gte = created.gte === undefined ? -Infinity : int(created.gte, 'created[gte]');
      const lt = created.lt === undefined ? Infinity : int(created.lt, 'created[lt]');
      const limit = p.limit === undefined ? 10 : int(p.limit, 'limit');
      let list = payouts.filter((t) => (t.created as number) >= gte && (t.created as number) < lt).reverse();
      if (typeof p.starting_after === 'string') {
        const i = list.findIndex((t) => t.id === p.starting_after);
        list = i < 0 ? [] : list.slice(i + 1);
      }
      return {
        object: 'list',
        data: list.slice(0, limit),
        has_more: list.length > limit,
        url: '/v1/payouts',
      };
    }
    const onePayout = /^\/v1\/payouts\/([^/]+)$/.exec(path);
    if (method === 'GET' && onePayout) {
      const found = payouts.find((x) => x.id === decodeURIComponent(onePayout[1]!));
      if (!found) {
        throw new StripeApiError(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'id',
          message: `No such payout: '${onePayout[1]}'`,
        });
      }
      return found;
    }
    if (method === 'GET' && path === '/v1/balance_transactions') {
      const created = (p.created ?? {}) as Obj;
      const gte = created.gte === undefined ? -Infinity : int(created.gte, 'created[gte]');
      const lt = created.lt === undefined ? Infinity : int(created.lt, 'created[lt]');
      const limit = p.limit === undefined ? 10 : int(p.limit, 'limit');
      const payout = typeof p.payout === 'string' ? p.payout : undefined;
      // Stripe lists newest first; starting_after pages towards older objects.
      let list = balanceTxns
        .filter((t) => (t.created as number) >= gte && (t.created as number) < lt)
        .filter((t) => payout === undefined || payoutOf.get(t.id as string) === payout)
        .reverse();
      if (typeof p.starting_after === 'string') {
        const i = list.findIndex((t) => t.id === p.starting_after);
        list = i < 0 ? [] : list.slice(i + 1);
      }
      const expand = Array.isArray(p.expand) ? (p.expand as string[]) : [];
      return {
        object: 'list',
        data: list
          .slice(0, limit)
          .map((t) =>
            expand.includes('data.source') && typeof t.source === 'string'
              ? { ...t, source: charges.get(t.source) ?? refunds.get(t.source) ?? t.source }
              : t,
          ),
        has_more: list.length > limit,
        url: '/v1/balance_transactions',
      };
    }
    throw new StripeApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    });
  };

  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'request-id': id('req'),
      'stripe-version': API_VERSION,
      ...(status >= 500 ? { 'stripe-should-retry': 'false' } : {}),
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      const method = req.method ?? 'GET';
      const params = parseStripeForm(method === 'GET' || method === 'DELETE' ? url.search.slice(1) : rawBody);
      requests.push({ method, path: url.pathname, headers: req.headers, rawBody, params });
      if (nextFailure === 'hang') {
        if (--hangsLeft <= 0) nextFailure = undefined;
        hanging.add(res);
        return;
      }
      if (nextFailure) {
        const f = nextFailure;
        nextFailure = undefined;
        send(res, f.status, JSON.stringify({ error: f.error }));
        return;
      }
      try {
        const key = authenticate(req);
        const idemKey = method === 'POST' ? req.headers['idempotency-key'] : undefined;
        const cacheKey = typeof idemKey === 'string' ? `${key} ${idemKey}` : undefined;
        const cached = cacheKey ? idempotency.get(cacheKey) : undefined;
        if (cached) {
          if (cached.body !== rawBody) {
            throw new StripeApiError(400, {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
            });
          }
          res.setHeader('idempotent-replayed', 'true');
          send(res, cached.status, cached.response);
          return;
        }
        const response = JSON.stringify(route(method, url.pathname, params, key));
        if (cacheKey) idempotency.set(cacheKey, { body: rawBody, status: 200, response });
        send(res, 200, response);
      } catch (err) {
        if (err instanceof StripeApiError) send(res, err.status, JSON.stringify({ error: err.error }));
        else send(res, 500, JSON.stringify({ error: { type: 'api_error', message: String(err) } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const sign = (event: Obj, o: { secret?: string; timestamp?: number } = {}) => {
    const body = JSON.stringify(event, null, 2); // Stripe pretty-prints event bodies.
    const t = o.timestamp ?? nowS();
    const v1 = createHmac('sha256', o.secret ?? webhookSecret)
      .update(`${t}.${body}`)
      .digest('hex');
    return { body, header: `t=${t},v1=${v1}` };
  };

  return {
    origin,
    host: '127.0.0.1',
    port,
    requests,
    events,
    sessions,
    payerCompletes,
    asyncResult,
    expire,
    failNext(status, error = {}) {
      nextFailure = {
        status,
        error: {
          type: error.type ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
          message: error.message ?? "Something went wrong on Stripe's end.",
          ...(error.code ? { code: error.code } : {}),
        },
      };
    },
    hangNext(count = 1) {
      hangsLeft = count;
      nextFailure = 'hang';
    },
    makeAvailable() {
      for (const t of balanceTxns) {
        t.status = 'available';
        t.available_on = nowS();
      }
    },
    payout(o = {}) {
      const lines = balanceTxns.filter(
        (t) =>
          t.status === 'available' &&
          (t.type === 'charge' || t.type === 'refund') &&
          !payoutOf.has(t.id as string),
      );
      const net = lines.reduce((sum, t) => sum + (t.net as number), 0);
      const currency = (lines[0]?.currency as string | undefined) ?? 'usd';
      const po: Obj = {
        id: id('po'),
        object: 'payout',
        amount: net,
        arrival_date: Math.floor((o.arrivalDate ?? new Date()).getTime() / 1000),
        automatic: true,
        balance_transaction: null,
        created: nowS(),
        currency,
        livemode: false,
        method: 'standard',
        reconciliation_status: 'completed',
        statement_descriptor: null,
        status: o.status ?? 'paid',
        type: 'bank_account',
      };
      const txn: Obj = {
        id: id('txn'),
        object: 'balance_transaction',
        amount: -net,
        available_on: nowS(),
        created: nowS(),
        currency,
        description: 'STRIPE PAYOUT',
        fee: 0,
        fee_details: [],
        net: -net,
        reporting_category: 'payout',
        source: po.id,
        status: 'available',
        type: 'payout',
        exchange_rate: null,
      };
      po.balance_transaction = txn.id;
      for (const t of lines) payoutOf.set(t.id as string, po.id as string);
      balanceTxns.push(txn);
      payouts.push(po);
      return po;
    },
    sign,
    async deliver(url, event, o = {}) {
      const { body, header } = sign(event, o);
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': header,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    },
    async close() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
