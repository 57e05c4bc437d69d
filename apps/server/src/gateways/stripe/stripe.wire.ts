import type { FieldError } from '../../platform/errors.ts';
import { currencyExponent } from '../../platform/money.ts';
import {
  type CheckoutRequest,
  type CredentialField,
  checkCredentialFields,
  errorKindForStatus,
  GatewayError,
  type GatewayErrorKind,
  lineItemsTotal,
  mapStatus,
  type NormalizedEvent,
  type PaymentFailure,
  type PaymentSnapshot,
  type PaymentStatus,
  type Payout,
  type RefundResult,
  type Settlement,
} from '../gateway.ts';

/**
 * Stripe: pure wire transformers (no SDK calls; stripe.adapter.ts does those). Follows
 * specs/wire-formats.md section 1; quotes from it are marked "spec:". Objects are read
 * leniently as plain JSON, so the same code reads SDK results, webhook bodies and the fake's
 * answers.
 */

// ---------------------------------------------------------------------------------------------
// Credentials (seed 002, "Stripe Integration")

export type StripeMode = 'live' | 'test';

/**
 * Seed 002 names the live prefixes; the `_test_` variants are accepted for test mode. The seed
 * calls the `sk_` key "API Key" and the `rk_` (restricted) key "Secret Key"; Billrail calls the
 * API with the `sk_` key.
 */
export const STRIPE_CREDENTIAL_FIELDS: readonly CredentialField[] = [
  {
    key: 'api_key',
    label: 'API Key',
    secret: true,
    required: true,
    pattern: '^sk_(live|test)_[A-Za-z0-9]+$',
    patternReason: 'API Key must be a Stripe secret key starting with sk_live_ (or sk_test_ in test mode)',
    maxLength: 255,
    placeholder: 'sk_live_...',
  },
  {
    key: 'secret_key',
    label: 'Secret Key',
    secret: true,
    required: true,
    pattern: '^rk_(live|test)_[A-Za-z0-9]+$',
    patternReason:
      'Secret Key must be a Stripe restricted key starting with rk_live_ (or rk_test_ in test mode)',
    maxLength: 255,
    placeholder: 'rk_live_...',
  },
  {
    key: 'webhook_secret',
    label: 'Webhook Secret',
    secret: true,
    required: true,
    pattern: '^whsec_[A-Za-z0-9]+$',
    patternReason:
      'Webhook Secret must start with whsec_ (from the webhook endpoint in the Stripe dashboard)',
    maxLength: 255,
    placeholder: 'whsec_...',
  },
  {
    key: 'publishable_key',
    label: 'Public Key',
    secret: false,
    required: true,
    pattern: '^pk_(live|test)_[A-Za-z0-9]+$',
    patternReason:
      'Public Key must be a Stripe publishable key starting with pk_live_ (or pk_test_ in test mode)',
    maxLength: 255,
    placeholder: 'pk_live_...',
  },
];

/** Live or test, from a key's prefix (`sk_live_...`, `rk_test_...`, `pk_live_...`). */
export function stripeKeyMode(key: string): StripeMode | undefined {
  const m = /^(?:sk|rk|pk)_(live|test)_/.exec(key);
  return m ? (m[1] as StripeMode) : undefined;
}

/** Field rules plus the cross-field rule that all keys belong to the same mode. */
export function checkStripeCredentials(values: Readonly<Record<string, unknown>>): FieldError[] {
  const errors = checkCredentialFields(STRIPE_CREDENTIAL_FIELDS, values);
  if (errors.length > 0) return errors;
  const apiMode = stripeKeyMode(values.api_key as string);
  for (const key of ['secret_key', 'publishable_key'] as const) {
    const mode = stripeKeyMode(values[key] as string);
    if (mode !== apiMode) {
      errors.push({
        field: key,
        reason: `is a ${mode} mode key but the API Key is a ${apiMode} mode key; use keys from the same mode`,
      });
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Amounts

/**
 * Stripe's own decimals per currency where they differ from "two" (Stripe's currencies page; the
 * spec only says unit_amount is "integer minor units"): zero-decimal currencies take whole units;
 * three-decimal currencies take thousandths whose last digit must be 0; ISK is zero-decimal in
 * ISO 4217 but Stripe takes it as two-decimal (amounts divisible by 100) for backwards
 * compatibility.
 */
const STRIPE_ZERO_DECIMAL = [
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
];
const STRIPE_THREE_DECIMAL = ['BHD', 'JOD', 'KWD', 'OMR', 'TND'];

export function stripeExponent(currency: string): number {
  if (STRIPE_ZERO_DECIMAL.includes(currency)) return 0;
  if (STRIPE_THREE_DECIMAL.includes(currency)) return 3;
  return 2;
}

/**
 * Billrail minor units (ISO exponent, platform/money.ts) to Stripe's integer amount. Refuses
 * amounts Stripe cannot represent exactly instead of rounding money.
 */
export function toStripeAmount(minor: bigint, currency: string): number {
  const iso = currencyExponent(currency);
  const stripe = stripeExponent(currency);
  let amount: bigint;
  if (stripe >= iso) amount = minor * 10n ** BigInt(stripe - iso);
  else {
    const div = 10n ** BigInt(iso - stripe);
    if (minor % div !== 0n) {
      throw new Error(
        `Stripe takes ${currency} in whole units of 10^-${stripe}; ${minor} minor units do not fit`,
      );
    }
    amount = minor / div;
  }
  if (stripe === 3 && amount % 10n !== 0n) {
    throw new Error(`Stripe requires ${currency} amounts to end in 0 (three-decimal currency)`);
  }
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('Amount is too large for Stripe');
  return Number(amount);
}

/** Stripe's integer amount back to Billrail minor units (exact in this direction only if it fits). */
export function fromStripeAmount(amount: number, currency: string): bigint {
  if (!Number.isSafeInteger(amount)) throw new Error(`Stripe amount ${amount} is not an integer`);
  const iso = currencyExponent(currency);
  const stripe = stripeExponent(currency);
  const a = BigInt(amount);
  if (iso >= stripe) return a * 10n ** BigInt(iso - stripe);
  const div = 10n ** BigInt(stripe - iso);
  if (a % div !== 0n)
    throw new Error(`Stripe amount ${amount} ${currency} has more decimals than ISO 4217 allows`);
  return a / div;
}

/** Stripe sends currency codes in lowercase (spec); Billrail uses ISO upper case. */
export const stripeCurrency = (iso: string) => iso.toLowerCase();
export const isoCurrency = (stripe: string) => stripe.toUpperCase();

// ---------------------------------------------------------------------------------------------
// Checkout Session

/** Metadata keys Billrail puts on every Session and PaymentIntent. */
export const META_PAYMENT_ID = 'billrail_payment_id';
export const META_ATTEMPT_ID = 'billrail_attempt_id';

/** Literal placeholder Stripe replaces in success_url (spec); must not be URL-encoded. */
export const CHECKOUT_SESSION_ID_PLACEHOLDER = '{CHECKOUT_SESSION_ID}';

export function withSessionIdParam(url: string): string {
  if (url.includes(CHECKOUT_SESSION_ID_PLACEHOLDER)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}session_id=${CHECKOUT_SESSION_ID_PLACEHOLDER}`;
}

const MIN_EXPIRY_S = 30 * 60;
const MAX_EXPIRY_S = 24 * 60 * 60;

export interface CheckoutSessionParams {
  mode: 'payment';
  line_items: {
    price_data: { currency: string; unit_amount: number; product_data: { name: string } };
    quantity: number;
  }[];
  success_url: string;
  cancel_url: string;
  client_reference_id: string;
  metadata: Record<string, string>;
  payment_intent_data: { metadata: Record<string, string>; description: string };
  expires_at?: number;
  customer_email?: string;
}

function checkMetadata(meta: Record<string, string>): void {
  // spec: "metadata[k]=v (<=50 keys, key <=40 chars, value <=500 chars)"
  const keys = Object.keys(meta);
  if (keys.length > 50) throw new Error('Stripe metadata takes at most 50 keys');
  for (const k of keys) {
    if (k.length > 40) throw new Error(`Stripe metadata key "${k}" is longer than 40 characters`);
    if (meta[k]!.length > 500)
      throw new Error(`Stripe metadata value of "${k}" is longer than 500 characters`);
  }
}

/**
 * The `POST /v1/checkout/sessions` parameters for one attempt of a payment. The payment and
 * attempt ids go into client_reference_id and metadata on both the Session and its
 * PaymentIntent, so every later event (checkout.session.*, payment_intent.*) leads back to them.
 */
export function buildCheckoutSessionParams(req: CheckoutRequest, now: Date): CheckoutSessionParams {
  const currency = stripeCurrency(req.currency);
  const items =
    req.lineItems && req.lineItems.length > 0
      ? req.lineItems
      : [{ name: req.description, amount: req.amount, quantity: 1 }];
  if (lineItemsTotal(items) !== req.amount) throw new Error('Line items do not add up to the amount');
  const metadata: Record<string, string> = {
    ...req.metadata,
    [META_PAYMENT_ID]: req.paymentId,
    [META_ATTEMPT_ID]: req.attemptId,
  };
  checkMetadata(metadata);
  const params: CheckoutSessionParams = {
    mode: 'payment',
    line_items: items.map((li) => ({
      price_data: {
        currency,
        unit_amount: toStripeAmount(li.amount, req.currency),
        product_data: { name: li.name },
      },
      quantity: li.quantity,
    })),
    success_url: withSessionIdParam(req.returnUrl),
    cancel_url: req.cancelUrl,
    client_reference_id: req.paymentId,
    metadata,
    payment_intent_data: { metadata: { ...metadata }, description: req.description },
  };
  if (req.expiresAt) {
    // spec: "expires_at (30 min to 24 h ahead, default 24 h)"; Unix seconds. An attempt's own
    // expiry may fall outside that window (a shorter CHECKOUT_TTL_MINUTES, or the seconds spent
    // between creating the attempt and this call), so it is brought inside: a minute's slack on
    // the near side covers the trip to Stripe. The adapter returns the session's real expiry,
    // and the attempt adopts it.
    const nowS = Math.floor(now.getTime() / 1000);
    const wanted = Math.floor(req.expiresAt.getTime() / 1000);
    params.expires_at = Math.min(Math.max(wanted, nowS + MIN_EXPIRY_S + 60), nowS + MAX_EXPIRY_S);
  }
  if (req.customer?.email) params.customer_email = req.customer.email;
  return params;
}

// ---------------------------------------------------------------------------------------------
// Reading Stripe objects

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
/** An expandable field: the id string, or the expanded object's id. */
const idOf = (v: unknown): string | undefined => str(v) ?? str(obj(v)?.id);

function amountOf(v: unknown, currency: string | undefined): bigint | undefined {
  const n = int(v);
  if (n === undefined || !currency) return undefined;
  try {
    return fromStripeAmount(n, currency);
  } catch {
    return undefined;
  }
}

const metaOf = (o: Obj | undefined): Obj => obj(o?.metadata) ?? {};

/**
 * A failed attempt's last_payment_error (spec: `{type,code,decline_code,message}`) as a
 * normalized failure, keeping Stripe's message verbatim for the payer.
 */
export function failureFromPaymentError(err: unknown): PaymentFailure {
  const e = obj(err) ?? {};
  const code = str(e.code);
  const decline = str(e.decline_code);
  const type = str(e.type);
  const message = str(e.message) ?? 'Your payment was declined.';
  let reason: PaymentFailure['reason'] = 'declined';
  if (decline === 'insufficient_funds' || code === 'insufficient_funds') reason = 'insufficient_funds';
  else if (code === 'processing_error' || type === 'api_error' || decline === 'processing_error') {
    reason = 'technical_issue';
  } else if (
    code === 'expired_card' ||
    code === 'incorrect_cvc' ||
    code === 'card_declined' ||
    type === 'card_error'
  ) {
    reason = 'declined';
  }
  return { reason, code: decline ?? code, message };
}

/** Checkout Session status (open|complete|expired) with payment_status (unpaid|paid|...). */
export function sessionStatus(session: unknown): PaymentStatus {
  const s = obj(session) ?? {};
  const status = str(s.status);
  if (status === 'expired') return 'expired';
  // spec: "payment_status may still be unpaid for delayed methods: fulfil only when paid".
  if (status === 'complete' && str(s.payment_status) === 'paid') return 'succeeded';
  return 'pending';
}

/** PaymentIntent statuses; requires_payment_method after a failure is not final (the payer may retry). */
export const PAYMENT_INTENT_STATUS: Readonly<Record<string, PaymentStatus>> = {
  succeeded: 'succeeded',
  canceled: 'canceled',
  processing: 'pending',
  requires_payment_method: 'pending',
  requires_confirmation: 'pending',
  requires_action: 'pending',
  requires_capture: 'pending',
};

/** A retrieved Session (payment_intent possibly expanded) as a snapshot. */
export function sessionToSnapshot(session: unknown): PaymentSnapshot {
  const s = obj(session) ?? {};
  const currency = str(s.currency) ? isoCurrency(s.currency as string) : undefined;
  const pi = obj(s.payment_intent);
  let status = sessionStatus(s);
  const piStatus = mapStatus(PAYMENT_INTENT_STATUS, pi?.status);
  if (status === 'pending' && piStatus === 'canceled') status = 'canceled';
  const snapshot: PaymentSnapshot = {
    gatewayReference: str(s.id) ?? '',
    status,
    gatewayPaymentId: idOf(s.payment_intent),
    amount: amountOf(s.amount_total, currency),
    currency,
    rawStatus: `${str(s.status) ?? '?'}/${str(s.payment_status) ?? '?'}`,
    raw: session,
  };
  if (status === 'expired') {
    snapshot.failure = {
      reason: 'expired',
      code: 'checkout_session_expired',
      message: pi?.last_payment_error
        ? failureFromPaymentError(pi.last_payment_error).message
        : 'The Stripe Checkout session expired before the payment was completed.',
    };
  } else if (pi?.last_payment_error) {
    // Not final while the session is open, but the payer should see Stripe's words.
    snapshot.failure = failureFromPaymentError(pi.last_payment_error);
  }
  return snapshot;
}

export const REFUND_STATUS: Readonly<Record<string, RefundResult['status']>> = {
  pending: 'pending',
  requires_action: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'failed',
};

export function refundToResult(refund: unknown): RefundResult {
  const r = obj(refund) ?? {};
  const currency = isoCurrency(str(r.currency) ?? '');
  const status = str(r.status);
  const result: RefundResult = {
    refundId: str(r.id) ?? '',
    // Unknown refund statuses stay pending: never report money returned that Stripe did not confirm.
    status: status && Object.hasOwn(REFUND_STATUS, status) ? REFUND_STATUS[status]! : 'pending',
    amount: amountOf(r.amount, currency) ?? 0n,
    currency,
    raw: refund,
  };
  const reason = str(r.failure_reason);
  if (reason) result.failureMessage = reason;
  return result;
}

const SETTLEMENT_TYPES: Record<string, Settlement['type']> = {
  charge: 'charge',
  payment: 'charge',
  refund: 'refund',
  payment_refund: 'refund',
  payout: 'payout',
  stripe_fee: 'fee',
  adjustment: 'adjustment',
};

const PAYOUT_STATUSES = ['pending', 'in_transit', 'paid', 'failed', 'canceled'] as const;

/** A payout (`po_...`, spec "Reconciliation objects"): what Stripe sends to the bank account. */
export function stripePayoutToPayout(payout: unknown): Payout {
  const p = obj(payout) ?? {};
  const currency = isoCurrency(str(p.currency) ?? '');
  const status = str(p.status) ?? '';
  const arrival = int(p.arrival_date) ?? int(p.created) ?? 0;
  return {
    id: str(p.id) ?? '',
    amount: amountOf(p.amount, currency) ?? 0n,
    currency,
    // Anything Stripe adds later is treated as not yet paid.
    status: (PAYOUT_STATUSES as readonly string[]).includes(status)
      ? (status as Payout['status'])
      : 'pending',
    arrivalDate: new Date(arrival * 1000).toISOString().slice(0, 10),
    createdAt: new Date((int(p.created) ?? 0) * 1000),
    raw: payout,
  };
}

/** A balance transaction (`txn_...`, spec "Reconciliation objects") as a settlement line. */
export function balanceTransactionToSettlement(txn: unknown): Settlement {
  const t = obj(txn) ?? {};
  const currency = isoCurrency(str(t.currency) ?? '');
  const available = int(t.available_on);
  const created = int(t.created) ?? 0;
  const type = str(t.type) ?? '';
  return {
    id: str(t.id) ?? '',
    type: Object.hasOwn(SETTLEMENT_TYPES, type) ? SETTLEMENT_TYPES[type]! : 'other',
    // A charge is matched by its PaymentIntent (what Checkout reports); the adapter expands
    // `data.source` so the charge's payment_intent is at hand.
    source: idOf(obj(t.source)?.payment_intent) ?? idOf(t.source),
    amount: amountOf(t.amount, currency) ?? 0n,
    fee: amountOf(t.fee, currency) ?? 0n,
    net: amountOf(t.net, currency) ?? 0n,
    currency,
    status: str(t.status) === 'available' ? 'available' : 'pending',
    availableOn: available === undefined ? undefined : new Date(available * 1000),
    createdAt: new Date(created * 1000),
    raw: txn,
  };
}

// ---------------------------------------------------------------------------------------------
// Events

/**
 * A verified Stripe event as a normalized event. Which payment it belongs to comes from
 * Billrail's metadata (Session and PaymentIntent) or client_reference_id (Session).
 *
 * - checkout.session.completed: succeeded only when payment_status is `paid`; otherwise a
 *   delayed method is still on its way (pending) and async_payment_succeeded/failed follows.
 * - payment_intent.payment_failed: the payer's try failed but the Checkout page stays open for
 *   another try, so it is `payment.attempt_failed` (the core keeps Stripe's message for the return
 *   page); the attempt is over when checkout.session.expired arrives or the payer cancels.
 * - refund.created/updated are per refund (with its id); charge.refunded carries the cumulative
 *   amount_refunded. Everything else is `ignored`.
 */
export function stripeEventToNormalized(event: unknown): NormalizedEvent | undefined {
  const e = obj(event);
  const id = str(e?.id);
  const type = str(e?.type);
  const o = obj(obj(e?.data)?.object);
  if (!e || !id || !type || !o) return undefined;
  const created = int(e.created);
  const currency = str(o.currency) ? isoCurrency(o.currency as string) : undefined;
  const meta = metaOf(o);
  const base = {
    eventId: id,
    gatewayType: type,
    occurredAt: new Date((created ?? 0) * 1000),
    paymentId: str(meta[META_PAYMENT_ID]) ?? str(o.client_reference_id),
    currency,
    raw: event,
  };

  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const s = {
        ...base,
        gatewayReference: str(o.id),
        gatewayPaymentId: idOf(o.payment_intent),
        amount: amountOf(o.amount_total, currency),
      };
      return sessionStatus(o) === 'succeeded'
        ? { ...s, type: 'payment.succeeded' }
        : { ...s, type: 'payment.pending' };
    }
    case 'checkout.session.async_payment_failed':
      return {
        ...base,
        type: 'payment.failed',
        gatewayReference: str(o.id),
        gatewayPaymentId: idOf(o.payment_intent),
        amount: amountOf(o.amount_total, currency),
        failure: {
          reason: 'declined',
          code: 'async_payment_failed',
          message: 'The payment could not be completed by the payment method (delayed payment failed).',
        },
      };
    case 'checkout.session.expired':
      return {
        ...base,
        type: 'payment.expired',
        gatewayReference: str(o.id),
        amount: amountOf(o.amount_total, currency),
        failure: {
          reason: 'expired',
          code: 'checkout_session_expired',
          message: 'The Stripe Checkout session expired before the payment was completed.',
        },
      };
    case 'payment_intent.succeeded':
      return {
        ...base,
        type: 'payment.succeeded',
        gatewayPaymentId: str(o.id),
        amount: amountOf(o.amount_received ?? o.amount, currency),
      };
    case 'payment_intent.payment_failed':
      return {
        ...base,
        type: 'payment.attempt_failed',
        gatewayPaymentId: str(o.id),
        amount: amountOf(o.amount, currency),
        failure: failureFromPaymentError(o.last_payment_error),
      };
    case 'charge.refunded':
      return {
        ...base,
        type: 'refund.succeeded',
        gatewayPaymentId: idOf(o.payment_intent),
        amount: amountOf(o.amount, currency),
        refundedTotal: amountOf(o.amount_refunded, currency),
        fullyRefunded: o.refunded === true,
      };
    case 'refund.created':
    case 'refund.updated': {
      const r = refundToResult(o);
      const common = {
        ...base,
        gatewayPaymentId: idOf(o.payment_intent),
        amount: r.amount,
        refundId: r.refundId,
      };
      if (r.status === 'succeeded') return { ...common, type: 'refund.succeeded' };
      if (r.status === 'failed') {
        return { ...common, type: 'refund.failed', message: r.failureMessage ?? 'The refund failed.' };
      }
      return { ...common, type: 'ignored' };
    }
    default:
      return { ...base, type: 'ignored' };
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * A Stripe error (the SDK's StripeError or the wire body's `error` object) as a GatewayError,
 * keeping Stripe's message (seed 002: show the gateway's own words). Recent SDKs classify by
 * HTTP status (spec), so the status decides the kind when there is one.
 */
export function stripeErrorToGatewayError(err: unknown): GatewayError {
  const e = obj(err) ?? {};
  const raw = obj(e.raw) ?? e;
  const status = int(e.statusCode) ?? int(raw.statusCode);
  const type = str(e.type) ?? str(raw.type);
  const code = str(e.code) ?? str(raw.code);
  const decline = str(e.decline_code) ?? str(raw.decline_code);
  const message = str(e.message) ?? str(raw.message) ?? 'Stripe did not answer';
  let kind: GatewayErrorKind;
  if (status !== undefined) kind = errorKindForStatus(status);
  else if (type === 'StripeConnectionError' || type === 'api_connection_error') {
    // The SDK reports its own timeout as a connection error ("Request aborted due to timeout").
    kind = /timeout/i.test(message) ? 'timeout' : 'network';
  } else if (type === 'StripeAuthenticationError' || type === 'authentication_error') kind = 'authentication';
  else if (type === 'StripeCardError' || type === 'card_error') kind = 'declined';
  else if (type === 'StripeRateLimitError' || type === 'rate_limit_error') kind = 'rate_limited';
  else if (type === 'StripeInvalidRequestError' || type === 'invalid_request_error') kind = 'invalid_request';
  else kind = 'gateway_error';
  const gatewayCode = decline ?? code;
  return new GatewayError('stripe', kind, message, {
    ...(status === undefined ? {} : { httpStatus: status }),
    ...(gatewayCode === undefined ? {} : { gatewayCode }),
    raw: e.raw ?? err,
    cause: err,
  });
}
