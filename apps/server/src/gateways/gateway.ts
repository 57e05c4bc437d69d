import type { FieldError } from '../platform/errors.ts';

/**
 * The payment gateway adapter contract (issue 4). Adapters are stateless: every call gets the
 * tenant's decrypted credentials and everything it needs; the core persists payments, attempts,
 * inbox events and refunds. Adapters never touch the database, never import platform services
 * beyond pure helpers, and never decide that money moved unless the gateway said so: any status
 * an adapter does not recognise maps to `pending` (Hyperswitch's rule), never to `succeeded`.
 *
 * Amounts cross this interface as bigint minor units of the ISO 4217 currency with Billrail's
 * exponent (platform/money.ts). Each adapter converts to its gateway's own format at its edge
 * (Stripe's zero-decimal list, DOKU's whole rupiah, ...).
 */

export type GatewayId = 'stripe' | 'doku' | 'sandbox';

// ---------------------------------------------------------------------------------------------
// Normalized statuses

/**
 * A gateway payment's state as the core understands it. Seed 002's consumer-facing statuses map
 * onto these: Payment Successful = `succeeded` (paid, awaiting settlement); Payment Completed is
 * decided later by reconciliation (settlement received), not by a gateway status; Failed =
 * `failed` | `expired` | `canceled`; Refund = `refunded` | `partially_refunded`.
 */
export const PAYMENT_STATUSES = [
  'pending',
  'succeeded',
  'failed',
  'expired',
  'canceled',
  'refunded',
  'partially_refunded',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Terminal statuses: no later gateway status for the same attempt can change the outcome. */
export const isTerminal = (s: PaymentStatus): boolean => s !== 'pending';

/**
 * Why a payment failed, in seed 002's words ("Failed → network error, insufficient funds,
 * technical issue") plus the outcomes a hosted checkout adds. The gateway's own message is kept
 * verbatim next to it (seed 002: show "the exact error that occurred in the payment gateway").
 */
export const FAILURE_REASONS = [
  'insufficient_funds',
  'network_error',
  'technical_issue',
  'declined',
  'abandoned',
  'expired',
  'timeout',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface PaymentFailure {
  reason: FailureReason;
  /** The gateway's machine code, e.g. Stripe's `card_declined` / decline code, DOKU's status. */
  code?: string | undefined;
  /** The gateway's human message, shown to the consumer as the gateway worded it. */
  message: string;
}

/**
 * Maps a gateway's raw status through `table`. Anything missing from the table, empty, or of an
 * unexpected type is `pending`: an unknown status must never be taken for money received.
 * Lookup is case-sensitive by default; pass `caseInsensitive` when a gateway is loose about it.
 */
export function mapStatus(
  table: Readonly<Record<string, PaymentStatus>>,
  raw: unknown,
  opts: { caseInsensitive?: boolean } = {},
): PaymentStatus {
  if (typeof raw !== 'string' || raw === '') return 'pending';
  const key = opts.caseInsensitive ? raw.toUpperCase() : raw;
  return Object.hasOwn(table, key) ? table[key]! : 'pending';
}

// ---------------------------------------------------------------------------------------------
// Capabilities and credentials

export type PaymentMethodKind =
  | 'card'
  | 'bank_transfer'
  | 'virtual_account'
  | 'qris'
  | 'ewallet'
  | 'convenience_store'
  | 'sandbox';

export interface GatewayCapabilities {
  /** ISO 4217 codes the gateway can charge in; `'*'` means any currency Billrail knows. */
  currencies: readonly string[] | '*';
  refunds: { full: boolean; partial: boolean };
  methods: readonly PaymentMethodKind[];
  /** Whether the gateway pushes signed notifications (else the core must poll retrievePayment). */
  webhooks: boolean;
  /** Whether listSettlements returns anything (reconciliation falls back to statements if not). */
  settlements: boolean;
}

/**
 * One field of a gateway's configuration form. Serializable (no functions, the pattern is a
 * regex source string) so the same definition drives the admin form, the API's validation and
 * the OpenAPI description.
 */
export interface CredentialField {
  /** snake_case key in the stored credentials object and in the API. */
  key: string;
  label: string;
  /** Encrypted at rest, never returned in clear (seed 002 lists which fields are sensitive). */
  secret: boolean;
  required: boolean;
  /** Anchored regex source the value must match, with the reason shown when it does not. */
  pattern?: string;
  patternReason?: string;
  maxLength?: number;
  /** For a choice field: the allowed values (the first is the default). */
  options?: readonly string[];
  placeholder?: string;
  help?: string;
  /** Billrail fills it with a fresh random secret (`whsec_...`) when it is left empty. */
  generated?: boolean;
}

export type Credentials = Readonly<Record<string, string>>;

/**
 * Checks values against field definitions: required, maxLength, pattern, options. Returns one
 * FieldError per bad field (field = the credential key), empty when the shape is fine. Unknown
 * keys are reported too, so a typo in an API call does not silently drop a value.
 */
export function checkCredentialFields(
  fields: readonly CredentialField[],
  values: Readonly<Record<string, unknown>>,
): FieldError[] {
  const errors: FieldError[] = [];
  const known = new Set(fields.map((f) => f.key));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) errors.push({ field: key, reason: 'is not a field of this gateway' });
  }
  for (const f of fields) {
    const raw = values[f.key];
    if (raw === undefined || raw === null || raw === '') {
      if (f.required) errors.push({ field: f.key, reason: `${f.label} is required` });
      continue;
    }
    if (typeof raw !== 'string') {
      errors.push({ field: f.key, reason: `${f.label} must be text` });
      continue;
    }
    if (raw !== raw.trim()) {
      errors.push({ field: f.key, reason: `${f.label} has leading or trailing spaces` });
      continue;
    }
    if (f.maxLength !== undefined && raw.length > f.maxLength) {
      errors.push({ field: f.key, reason: `${f.label} must be at most ${f.maxLength} characters` });
      continue;
    }
    if (f.options && !f.options.includes(raw)) {
      errors.push({ field: f.key, reason: `${f.label} must be one of ${f.options.join(', ')}` });
      continue;
    }
    if (f.pattern && !new RegExp(f.pattern).test(raw)) {
      errors.push({ field: f.key, reason: f.patternReason ?? `${f.label} has an invalid format` });
    }
  }
  return errors;
}

/** Only the non-secret fields of a credentials object: what the API may return in clear. */
export function publicCredentialView(
  fields: readonly CredentialField[],
  values: Credentials,
): Record<string, string | { set: boolean; last4?: string }> {
  const out: Record<string, string | { set: boolean; last4?: string }> = {};
  for (const f of fields) {
    const v = values[f.key];
    if (!f.secret) {
      if (v !== undefined) out[f.key] = v;
    } else {
      // The last 4 characters let an admin tell keys apart without exposing them
      // (only for values long enough that 4 characters leave most of the secret hidden).
      out[f.key] = v ? (v.length >= 16 ? { set: true, last4: v.slice(-4) } : { set: true }) : { set: false };
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Calls

/** Per-call context: injectable clock and abort signal so adapters stay deterministic in tests. */
export interface GatewayCallContext {
  now?: () => Date;
  signal?: AbortSignal;
  /** Time limit for one call to the gateway (seed 002: a gateway that does not answer fails). */
  timeoutMs?: number;
}

export interface CheckoutLineItem {
  name: string;
  /** Unit amount in minor units. */
  amount: bigint;
  quantity: number;
  /** Billrail's bill or service id, for the gateway's line item id/sku where it has one. */
  reference?: string;
}

export interface CheckoutRequest {
  /** Billrail's payment id (`pay_...`): sent as the gateway's client reference / invoice number. */
  paymentId: string;
  /** One attempt of the payment (a retry after failure is a new attempt, a new checkout). */
  attemptId: string;
  amount: bigint;
  currency: string;
  description: string;
  /** When given, must sum to `amount`; otherwise one line with `description` is sent. */
  lineItems?: readonly CheckoutLineItem[];
  customer?: { id?: string; name?: string; email?: string; phone?: string };
  /** Where the gateway sends the payer after paying. */
  returnUrl: string;
  /** Where the gateway sends the payer who gives up (seed 002: recorded as a failed attempt). */
  cancelUrl: string;
  /** Billrail's webhook URL for this tenant and gateway, when the gateway takes it per request. */
  notificationUrl?: string;
  expiresAt?: Date;
  /** Sent as the gateway's idempotency key / request id so a retried create is not doubled. */
  idempotencyKey: string;
  metadata?: Readonly<Record<string, string>>;
}

export interface CheckoutSession {
  /** Where to send the payer's browser. */
  redirectUrl: string;
  /** The gateway's id for this checkout (Stripe `cs_...`, DOKU invoice number, sandbox id). */
  gatewayReference: string;
  expiresAt?: Date;
  /** The gateway's response body, for the attempt log (seed 002: log for troubleshooting). */
  raw: unknown;
}

export interface PaymentLookup {
  gatewayReference: string;
  paymentId?: string;
  /** Echo-check data: the core compares what the gateway reports with what was asked. */
  expected?: { amount: bigint; currency: string };
}

export interface PaymentSnapshot {
  gatewayReference: string;
  status: PaymentStatus;
  /** The gateway's own id of the money movement once there is one (PaymentIntent, DOKU txn). */
  gatewayPaymentId?: string | undefined;
  amount?: bigint | undefined;
  currency?: string | undefined;
  failure?: PaymentFailure | undefined;
  /** The gateway's status string as received, for logs and the admin's "detailed response". */
  rawStatus?: string | undefined;
  raw: unknown;
}

export interface RefundRequest {
  gatewayReference: string;
  gatewayPaymentId?: string;
  /**
   * Amount to refund, always given (the core knows the payment; adapters should not have to
   * look it up). Equal to `paymentAmount` for a full refund.
   */
  amount: bigint;
  /** The payment's captured amount, so an adapter can tell a full refund from a partial one. */
  paymentAmount: bigint;
  currency: string;
  reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  idempotencyKey: string;
  metadata?: Readonly<Record<string, string>>;
}

export interface RefundResult {
  refundId: string;
  status: 'pending' | 'succeeded' | 'failed';
  amount: bigint;
  currency: string;
  failureMessage?: string | undefined;
  raw: unknown;
}

export interface HealthResult {
  ok: boolean;
  latencyMs: number;
  /** The gateway's answer or the transport error, shown to the tenant admin on failure. */
  detail: string;
}

export interface CredentialCheck {
  ok: boolean;
  /** Per-field reasons when the gateway pinned the failure on a field. */
  errors: FieldError[];
  /** The gateway's own response, for the connect screen's "detailed response". */
  detail: string;
  /** Test or live, when the gateway tells (Stripe keys do). */
  mode?: 'test' | 'live';
}

export interface Settlement {
  /** Gateway id of the settlement line (Stripe balance transaction `txn_...`). */
  id: string;
  /** Gateway id of the payout/batch it belongs to, if any (`po_...`). */
  batchId?: string | undefined;
  type: 'charge' | 'refund' | 'payout' | 'fee' | 'adjustment' | 'other';
  /** The payment or refund this line settles (`ch_...`, `re_...`, invoice number). */
  source?: string | undefined;
  amount: bigint;
  fee: bigint;
  net: bigint;
  currency: string;
  status: 'pending' | 'available';
  availableOn?: Date | undefined;
  createdAt: Date;
  raw: unknown;
}

export interface SettlementPage {
  items: Settlement[];
  nextCursor?: string | undefined;
}

/** A transfer of settled funds from the gateway to the merchant's bank account (Stripe `po_...`). */
export interface Payout {
  id: string;
  /** What reaches the bank: the net of the payout's settlement lines, minor units. */
  amount: bigint;
  currency: string;
  status: 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';
  /** YYYY-MM-DD (UTC) the bank should receive it. */
  arrivalDate: string;
  createdAt: Date;
  raw: unknown;
}

export interface PayoutPage {
  items: Payout[];
  nextCursor?: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Webhooks

export interface WebhookInput {
  /** The body bytes exactly as received: re-serialised JSON breaks every signature scheme. */
  rawBody: string | Buffer;
  /** Request headers; names are matched case-insensitively. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Path of Billrail's notification URL as the gateway called it (DOKU signs it). */
  path: string;
  credentials: Credentials;
  now?: Date;
}

interface EventBase {
  /** The gateway's event id, unique per gateway: the inbox's dedupe key. */
  eventId: string;
  /** The gateway's event type as received (`checkout.session.completed`, `SUCCESS`, ...). */
  gatewayType: string;
  occurredAt: Date;
  /** Billrail's payment id when the gateway echoes it (client_reference_id, invoice number). */
  paymentId?: string | undefined;
  gatewayReference?: string | undefined;
  gatewayPaymentId?: string | undefined;
  /** Echoed by the gateway, checked by the core against what was asked (issue 4, item 5). */
  amount?: bigint | undefined;
  currency?: string | undefined;
  raw: unknown;
}

export type NormalizedEvent =
  | (EventBase & { type: 'payment.succeeded' })
  | (EventBase & { type: 'payment.failed'; failure: PaymentFailure })
  | (EventBase & { type: 'payment.expired'; failure: PaymentFailure })
  | (EventBase & { type: 'payment.pending' })
  /**
   * One try of the payer failed but the hosted page stays open for another (Stripe Checkout after
   * a decline). Not final: the core keeps the gateway's message for the return page and waits
   * for success, expiry or cancellation.
   */
  | (EventBase & { type: 'payment.attempt_failed'; failure: PaymentFailure })
  | (EventBase & {
      type: 'refund.succeeded';
      refundId?: string | undefined;
      /** Cumulative amount refunded on the payment, when the gateway reports it. */
      refundedTotal?: bigint | undefined;
      fullyRefunded?: boolean | undefined;
    })
  | (EventBase & { type: 'refund.failed'; refundId?: string | undefined; message: string })
  /** Verified but of no interest (stored for troubleshooting, then acknowledged). */
  | (EventBase & { type: 'ignored' });

export type NormalizedEventType = NormalizedEvent['type'];

export type WebhookRejection = 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'malformed';

/** Verification is an expected outcome, so a typed result rather than an exception. */
export type WebhookResult =
  | { ok: true; event: NormalizedEvent }
  | { ok: false; reason: WebhookRejection; detail: string };

/** Status a normalized event implies for the payment (for the core's state machine). */
export function statusOfEvent(e: NormalizedEvent): PaymentStatus | undefined {
  switch (e.type) {
    case 'payment.succeeded':
      return 'succeeded';
    case 'payment.failed':
      return 'failed';
    case 'payment.expired':
      return 'expired';
    case 'payment.pending':
    case 'payment.attempt_failed':
      return 'pending';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors from gateway calls

export type GatewayErrorKind =
  | 'authentication'
  | 'invalid_request'
  | 'declined'
  | 'rate_limited'
  | 'network'
  | 'timeout'
  | 'gateway_error'
  | 'not_found';

/**
 * A call to the gateway did not give an answer we can use. `gatewayMessage` is the gateway's own
 * wording (seed 002: the connect screen shows it); `retryable` says whether trying again later
 * may help (network, timeouts, 5xx, rate limits).
 */
export class GatewayError extends Error {
  readonly gateway: GatewayId;
  readonly kind: GatewayErrorKind;
  readonly httpStatus: number | undefined;
  readonly gatewayCode: string | undefined;
  readonly gatewayMessage: string;
  readonly retryable: boolean;
  readonly raw: unknown;

  constructor(
    gateway: GatewayId,
    kind: GatewayErrorKind,
    gatewayMessage: string,
    opts: { httpStatus?: number; gatewayCode?: string; raw?: unknown; cause?: unknown } = {},
  ) {
    super(`${gateway}: ${kind}: ${gatewayMessage}`, opts.cause === undefined ? {} : { cause: opts.cause });
    this.name = 'GatewayError';
    this.gateway = gateway;
    this.kind = kind;
    this.gatewayMessage = gatewayMessage;
    this.httpStatus = opts.httpStatus;
    this.gatewayCode = opts.gatewayCode;
    this.raw = opts.raw;
    this.retryable =
      kind === 'network' || kind === 'timeout' || kind === 'rate_limited' || kind === 'gateway_error';
  }
}

/** The GatewayErrorKind an HTTP status from a gateway implies. */
export function errorKindForStatus(status: number): GatewayErrorKind {
  if (status === 401 || status === 403) return 'authentication';
  if (status === 402) return 'declined';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'gateway_error';
  return 'invalid_request';
}

// ---------------------------------------------------------------------------------------------
// The adapter

export interface GatewayAdapter {
  readonly id: GatewayId;
  readonly displayName: string;
  readonly capabilities: GatewayCapabilities;
  readonly credentialFields: readonly CredentialField[];

  /** Pure format check (field rules plus cross-field rules); runs before any network call. */
  checkCredentialFormat(values: Readonly<Record<string, unknown>>): FieldError[];
  /** Live check against the gateway's API, before saving (seed 002). */
  validateCredentials(credentials: Credentials, ctx?: GatewayCallContext): Promise<CredentialCheck>;
  createCheckout(
    credentials: Credentials,
    request: CheckoutRequest,
    ctx?: GatewayCallContext,
  ): Promise<CheckoutSession>;
  retrievePayment(
    credentials: Credentials,
    lookup: PaymentLookup,
    ctx?: GatewayCallContext,
  ): Promise<PaymentSnapshot>;
  refund(credentials: Credentials, request: RefundRequest, ctx?: GatewayCallContext): Promise<RefundResult>;
  /** Verifies the signature on the raw body and normalizes the event; never throws on bad input. */
  verifyWebhook(input: WebhookInput): Promise<WebhookResult>;
  /** The daily handshake (seed 002): a cheap authenticated call. */
  healthCheck(credentials: Credentials, ctx?: GatewayCallContext): Promise<HealthResult>;
  listSettlements(
    credentials: Credentials,
    query: { since: Date; until: Date; cursor?: string; limit?: number; payout?: string },
    ctx?: GatewayCallContext,
  ): Promise<SettlementPage>;
  /** Payouts created in the window, newest first (gateways that pay out in batches). */
  listPayouts?(
    credentials: Credentials,
    query: { since: Date; until: Date; cursor?: string; limit?: number },
    ctx?: GatewayCallContext,
  ): Promise<PayoutPage>;
}

/** A header's single value, matched case-insensitively; repeated headers take the first. */
export function headerValue(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== want || v === undefined) continue;
    return typeof v === 'string' ? v : v[0];
  }
  return undefined;
}

/** The sum of line items in minor units (for checking that they match the payment amount). */
export const lineItemsTotal = (items: readonly CheckoutLineItem[]): bigint =>
  items.reduce((sum, i) => sum + i.amount * BigInt(i.quantity), 0n);

/**
 * Compares what a gateway reports (event or snapshot) with what Billrail asked for (issue 4:
 * "Amount and currency echoed by the gateway are checked against what was asked"). Returns the
 * reasons for a mismatch, empty when they agree. A gateway that echoes nothing is not a mismatch
 * (Stripe's payment_intent events may omit the currency of the session, DOKU omits it always);
 * the core decides whether a silent echo is acceptable for a status.
 */
export function echoMismatches(
  expected: { amount: bigint; currency: string },
  reported: { amount?: bigint | undefined; currency?: string | undefined },
): string[] {
  const out: string[] = [];
  if (reported.currency !== undefined && reported.currency !== expected.currency) {
    out.push(`currency ${reported.currency} differs from the requested ${expected.currency}`);
  }
  if (reported.amount !== undefined && reported.amount !== expected.amount) {
    out.push(`amount ${reported.amount} differs from the requested ${expected.amount} (minor units)`);
  }
  return out;
}
