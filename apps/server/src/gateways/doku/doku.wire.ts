import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FieldError } from '../../platform/errors.ts';
import {
  type CheckoutRequest,
  type CredentialField,
  type Credentials,
  checkCredentialFields,
  headerValue,
  lineItemsTotal,
  mapStatus,
  type NormalizedEvent,
  type PaymentFailure,
  type PaymentStatus,
  type WebhookResult,
} from '../gateway.ts';

/**
 * DOKU Checkout (Jokul, non-SNAP): pure wire transformers. Everything here follows
 * specs/wire-formats.md section 2; quotes from it are marked "spec:".
 *
 * Credentials (seed 002's field set) and what each is for:
 * - `api_key`     DOKU's Client-Id (spec: "Client-Id (e.g. MCH-.../BRN-...)"), sent in clear in
 *                 the Client-Id header, but the seed asks for it to be stored encrypted.
 * - `secret_key`  the HMAC-SHA256 key of request and notification signatures.
 * - `mall_id`, `shared_key`, `chain_merchant_id`: the legacy Merchant Hosted integration's
 *                 MALLID, WORDS secret and CHAINMERCHANT (spec: "Legacy DOKU"); kept because the
 *                 seed lists them and legacy WORDS checks use them (legacyWords below).
 * - `environment` sandbox | production: which base URL.
 */

export const DOKU_BASE_URLS = {
  sandbox: 'https://api-sandbox.doku.com',
  production: 'https://api.doku.com',
} as const;
export type DokuEnvironment = keyof typeof DOKU_BASE_URLS;

export const DOKU_CHECKOUT_PATH = '/checkout/v1/payment';
/** spec: "GET /orders/v1/status/{invoice_number or Request-Id} (signed without Digest)". */
export const dokuStatusPath = (invoiceNumber: string) =>
  `/orders/v1/status/${encodeURIComponent(invoiceNumber)}`;

export const SIGNATURE_PREFIX = 'HMACSHA256=';

// ---------------------------------------------------------------------------------------------
// Credentials

export const DOKU_CREDENTIAL_FIELDS: readonly CredentialField[] = [
  {
    key: 'mall_id',
    label: 'Mall ID',
    secret: false,
    required: true,
    // Seed 002: "Mall ID must be numeric and 8 characters long".
    pattern: '^\\d{8}$',
    patternReason: 'Mall ID must be exactly 8 digits (numeric, as issued by DOKU)',
    placeholder: '12345678',
  },
  {
    key: 'shared_key',
    label: 'Shared Key',
    secret: true,
    required: true,
    // Seed 002: "Shared Key: Alphanumeric security key".
    pattern: '^[A-Za-z0-9]+$',
    patternReason: 'Shared Key must contain only letters and digits',
    maxLength: 128,
  },
  {
    key: 'chain_merchant_id',
    label: 'Chain Merchant ID',
    secret: false,
    required: true,
    // Seed 002: "Chain Merchant ID: Numeric identifier for merchant group". Whether it belongs
    // to the Mall ID can only be checked by DOKU (validateCredentials), not by its format.
    pattern: '^\\d{1,20}$',
    patternReason: 'Chain Merchant ID must be numeric',
    placeholder: '87654321',
  },
  {
    key: 'api_key',
    label: 'API Key (Client ID)',
    secret: true,
    required: true,
    // Checkout sends it as the Client-Id header: no whitespace, and Request-Id's limit is a
    // sane bound for it too.
    pattern: '^[\\x21-\\x7E]+$',
    patternReason: 'API Key must be printable characters without spaces',
    maxLength: 128,
    help: 'The Client ID from the DOKU dashboard (e.g. MCH-... or BRN-...)',
  },
  {
    key: 'secret_key',
    label: 'Secret Key',
    secret: true,
    required: true,
    pattern: '^[\\x21-\\x7E]+$',
    patternReason: 'Secret Key must be printable characters without spaces',
    maxLength: 256,
    help: 'The Secret Key from the DOKU dashboard, used to sign requests and verify notifications',
  },
  {
    key: 'environment',
    label: 'Environment',
    secret: false,
    required: false,
    options: ['production', 'sandbox'],
  },
];

export function checkDokuCredentials(values: Readonly<Record<string, unknown>>): FieldError[] {
  return checkCredentialFields(DOKU_CREDENTIAL_FIELDS, values);
}

export const dokuEnvironment = (c: Credentials): DokuEnvironment =>
  c.environment === 'sandbox' ? 'sandbox' : 'production';

// ---------------------------------------------------------------------------------------------
// Signatures (spec: "Signature components, lines joined by \n, no trailing newline")

/** spec: Digest = base64(SHA-256(raw JSON body)). */
export const dokuDigest = (rawBody: string | Buffer): string =>
  createHash('sha256').update(rawBody).digest('base64');

/** spec: Request-Timestamp is UTC `YYYY-MM-DDTHH:mm:ssZ` (no milliseconds). */
export const dokuTimestamp = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Parses a Request-Timestamp; undefined when it is not in DOKU's format. */
export function parseDokuTimestamp(value: string): Date | undefined {
  if (!TIMESTAMP_RE.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export interface ComponentInput {
  clientId: string;
  requestId: string;
  timestamp: string;
  /** Path only, e.g. `/checkout/v1/payment`, or the notification URL's path. */
  target: string;
  /** base64 SHA-256 of the body; omitted for GET (spec: "GET requests omit the Digest line"). */
  digest?: string | undefined;
  /** spec: "DOKU's responses carry a Signature built the same way with Response-Timestamp". */
  timestampHeader?: 'Request-Timestamp' | 'Response-Timestamp';
}

export function dokuComponents(c: ComponentInput): string {
  const lines = [
    `Client-Id:${c.clientId}`,
    `Request-Id:${c.requestId}`,
    `${c.timestampHeader ?? 'Request-Timestamp'}:${c.timestamp}`,
    `Request-Target:${c.target}`,
  ];
  if (c.digest !== undefined) lines.push(`Digest:${c.digest}`);
  return lines.join('\n');
}

/** spec: Signature = "HMACSHA256=" + base64(HMAC-SHA256(SecretKey, components)). */
export const dokuSignature = (secretKey: string, components: string): string =>
  SIGNATURE_PREFIX + createHmac('sha256', secretKey).update(components).digest('base64');

export interface SignedRequest {
  headers: Record<string, string>;
  /** The exact body bytes that were digested: send these, do not re-serialise. */
  body?: string;
  components: string;
}

/**
 * Headers for a DOKU API call. `body` is the JSON text exactly as it will be sent (POST);
 * leave it out for GET. `requestId` must be unique per request (<= 128 characters).
 */
export function signDokuRequest(input: {
  clientId: string;
  secretKey: string;
  requestId: string;
  timestamp: Date | string;
  target: string;
  body?: string;
}): SignedRequest {
  if (input.requestId.length === 0 || input.requestId.length > 128) {
    throw new Error('DOKU Request-Id must be 1 to 128 characters');
  }
  const timestamp = typeof input.timestamp === 'string' ? input.timestamp : dokuTimestamp(input.timestamp);
  const digest = input.body === undefined ? undefined : dokuDigest(input.body);
  const components = dokuComponents({
    clientId: input.clientId,
    requestId: input.requestId,
    timestamp,
    target: input.target,
    digest,
  });
  const headers: Record<string, string> = {
    'Client-Id': input.clientId,
    'Request-Id': input.requestId,
    'Request-Timestamp': timestamp,
    Signature: dokuSignature(input.secretKey, components),
  };
  if (input.body !== undefined) headers['Content-Type'] = 'application/json';
  return input.body === undefined ? { headers, components } : { headers, body: input.body, components };
}

/** Constant-time comparison of two `HMACSHA256=<base64>` values. */
export function signaturesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(received.trim());
  return a.length === b.length && timingSafeEqual(a, b);
}

export const DEFAULT_NOTIFICATION_TOLERANCE_SECONDS = 300;

export type NotificationCheck =
  | { ok: true; requestId: string; timestamp: Date }
  | {
      ok: false;
      reason: 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'malformed';
      detail: string;
    };

/**
 * Verifies an HTTP notification from DOKU (spec: "Verify by rebuilding the components with
 * Request-Target = the path of the merchant's notification URL and Digest of the raw body").
 * The Client-Id must be the tenant's own. The timestamp window is Billrail's rule, not DOKU's
 * (the spec names none): it stops replays of a captured notification; DOKU signs each delivery
 * afresh, so a retry carries a new timestamp.
 */
export function verifyDokuNotification(input: {
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  rawBody: string | Buffer;
  path: string;
  clientId: string;
  secretKey: string;
  now?: Date;
  toleranceSeconds?: number;
}): NotificationCheck {
  const h = (n: string) => headerValue(input.headers, n);
  const signature = h('Signature');
  const clientId = h('Client-Id');
  const requestId = h('Request-Id');
  const ts = h('Request-Timestamp');
  if (!signature) return { ok: false, reason: 'missing_signature', detail: 'No Signature header' };
  if (!clientId || !requestId || !ts) {
    return {
      ok: false,
      reason: 'malformed',
      detail: 'Client-Id, Request-Id and Request-Timestamp are required',
    };
  }
  if (!signature.startsWith(SIGNATURE_PREFIX)) {
    return {
      ok: false,
      reason: 'bad_signature',
      detail: `Signature does not start with ${SIGNATURE_PREFIX}`,
    };
  }
  const timestamp = parseDokuTimestamp(ts);
  if (!timestamp)
    return {
      ok: false,
      reason: 'malformed',
      detail: `Request-Timestamp "${ts}" is not YYYY-MM-DDTHH:mm:ssZ`,
    };
  // The path the signature covers is the notification URL's path, without any query string.
  const target = input.path.split('?')[0]!;
  const expected = dokuSignature(
    input.secretKey,
    dokuComponents({ clientId, requestId, timestamp: ts, target, digest: dokuDigest(input.rawBody) }),
  );
  // Check the signature before the Client-Id and the clock, so an unsigned request learns nothing.
  if (!signaturesEqual(expected, signature)) {
    return { ok: false, reason: 'bad_signature', detail: 'Signature does not match the body and headers' };
  }
  if (!signaturesEqual(input.clientId, clientId)) {
    return { ok: false, reason: 'bad_signature', detail: 'Client-Id is not this merchant' };
  }
  const now = input.now ?? new Date();
  const tolerance = input.toleranceSeconds ?? DEFAULT_NOTIFICATION_TOLERANCE_SECONDS;
  if (Math.abs(now.getTime() - timestamp.getTime()) > tolerance * 1000) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      detail: `Request-Timestamp ${ts} is outside ${tolerance} s`,
    };
  }
  return { ok: true, requestId, timestamp };
}

// ---------------------------------------------------------------------------------------------
// Amounts

/** DOKU Checkout charges in IDR only (spec: order.currency "IDR"). */
export const DOKU_CURRENCIES = ['IDR'] as const;

const IDR_MINOR_PER_RUPIAH = 100n; // ISO 4217 gives IDR 2 decimals; DOKU takes whole rupiah.
const MAX_DOKU_AMOUNT = 999_999_999_999n; // spec: "amount (IDR, integer, <=12 digits)"

/**
 * Billrail minor units (sen, ISO exponent 2) to DOKU's amount: whole rupiah as an integer.
 * Refuses fractions of a rupiah rather than rounding money.
 */
export function toDokuAmount(minor: bigint, currency: string): number {
  if (currency !== 'IDR') throw new Error(`DOKU Checkout charges in IDR only, not ${currency}`);
  if (minor <= 0n) throw new Error('DOKU amount must be positive');
  if (minor % IDR_MINOR_PER_RUPIAH !== 0n) {
    throw new Error(`DOKU takes whole rupiah; ${minor} sen is not a whole number of rupiah`);
  }
  const rupiah = minor / IDR_MINOR_PER_RUPIAH;
  if (rupiah > MAX_DOKU_AMOUNT) throw new Error('DOKU amount has at most 12 digits');
  return Number(rupiah);
}

/**
 * DOKU's amount (a JSON number in notifications, a string in the create response, possibly with
 * ".00") back to Billrail minor units. Undefined when it is not a whole, non-negative amount.
 */
export function fromDokuAmount(value: unknown): bigint | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return undefined;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else return undefined;
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(2, '0');
  return BigInt(m[1]!) * IDR_MINOR_PER_RUPIAH + BigInt(frac);
}

// ---------------------------------------------------------------------------------------------
// Create payment

export interface DokuPaymentBody {
  order: {
    amount: number;
    invoice_number: string;
    currency: 'IDR';
    callback_url: string;
    callback_url_cancel: string;
    language?: string;
    auto_redirect?: boolean;
    line_items?: { id?: string; name: string; quantity: number; price: number }[];
  };
  payment: { payment_due_date: number; payment_method_types?: string[] };
  customer?: { id?: string; name?: string; email?: string; phone?: string };
  additional_info?: { override_notification_url: string };
}

/**
 * The create-payment body for a checkout request. The invoice number is the attempt id: DOKU
 * wants it unique per payment request (a retry is a new attempt), and Billrail's ids are 30
 * characters, within DOKU's limit of 30 for card payments (spec: "<=64; <=30 with cards").
 */
export function buildDokuPaymentBody(
  req: CheckoutRequest,
  opts: { now: Date; paymentMethodTypes?: readonly string[]; language?: string } = { now: new Date() },
): DokuPaymentBody {
  if (req.attemptId.length > 30) throw new Error('DOKU invoice_number must be at most 30 characters');
  const amount = toDokuAmount(req.amount, req.currency);
  // spec: payment_due_date in minutes (default 60).
  let dueMinutes = 60;
  if (req.expiresAt) {
    dueMinutes = Math.floor((req.expiresAt.getTime() - opts.now.getTime()) / 60_000);
    if (dueMinutes < 1) throw new Error('Checkout expiry must be at least one minute ahead');
  }
  const body: DokuPaymentBody = {
    order: {
      amount,
      invoice_number: req.attemptId,
      currency: 'IDR',
      callback_url: req.returnUrl,
      callback_url_cancel: req.cancelUrl,
      auto_redirect: true,
    },
    payment: { payment_due_date: dueMinutes },
  };
  if (opts.language) body.order.language = opts.language;
  if (req.lineItems && req.lineItems.length > 0) {
    if (lineItemsTotal(req.lineItems) !== req.amount)
      throw new Error('Line items do not add up to the amount');
    body.order.line_items = req.lineItems.map((li) => ({
      ...(li.reference ? { id: li.reference } : {}),
      name: li.name.slice(0, 255),
      quantity: li.quantity,
      price: toDokuAmount(li.amount, req.currency),
    }));
  }
  if (opts.paymentMethodTypes && opts.paymentMethodTypes.length > 0) {
    body.payment.payment_method_types = [...opts.paymentMethodTypes];
  }
  if (req.customer) {
    const c: NonNullable<DokuPaymentBody['customer']> = {};
    if (req.customer.id) c.id = req.customer.id;
    if (req.customer.name) c.name = req.customer.name;
    if (req.customer.email) c.email = req.customer.email;
    if (req.customer.phone) c.phone = req.customer.phone;
    body.customer = c;
  }
  if (req.notificationUrl) body.additional_info = { override_notification_url: req.notificationUrl };
  return body;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * DOKU's `expired_date` is `yyyyMMddHHmmss` in UTC+7 (Jakarta, no daylight saving).
 */
export function parseDokuExpiredDate(value: unknown): Date | undefined {
  const m = typeof value === 'string' ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value) : null;
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+07:00`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export type DokuCreateResult =
  | {
      ok: true;
      redirectUrl: string;
      tokenId?: string;
      invoiceNumber: string;
      expiresAt?: Date;
      /**
       * DOKU answered a repeated Request-Id with the first response (DOKU's idempotency: "same
       * request ID and same Request Body, DOKU system will send the same Response body with HTTP
       * Status Code 409 Conflict").
       */
      replayed?: true;
    }
  | { ok: false; messages: string[]; code?: string };

/** A create-payment body that carries a payment URL (DOKU's success shape). */
const isDokuCreateSuccess = (root: Record<string, unknown> | undefined): boolean =>
  str(obj(obj(root?.response)?.payment)?.url) !== undefined;

/**
 * The gateway's own words from an error body, leniently: `error_messages` (validation, spec),
 * `message` as a list or a string, or `error.message` with `error.code` (signature and lookup
 * errors; their exact shape is not in the spec).
 */
export function dokuErrorOf(json: unknown): { messages: string[]; code?: string } {
  const root = obj(json);
  const error = obj(root?.error);
  const texts = (v: unknown): string[] =>
    Array.isArray(v)
      ? v.filter((m): m is string => typeof m === 'string' && m !== '')
      : str(v)
        ? [v as string]
        : [];
  const messages = [...texts(root?.error_messages), ...texts(error?.message), ...texts(root?.message)];
  const code = str(error?.code) ?? str(root?.code);
  return code ? { messages, code } : { messages };
}

/**
 * Reads a create-payment response (HTTP 200 success, 409 replay of a success, 400
 * `error_messages`), leniently.
 */
export function parseDokuCreateResponse(httpStatus: number, json: unknown): DokuCreateResult {
  const root = obj(json);
  const replayed = httpStatus === 409 && isDokuCreateSuccess(root);
  if ((httpStatus !== 200 && !replayed) || !root) {
    const e = dokuErrorOf(json);
    const messages = e.messages.length ? e.messages : [`DOKU answered HTTP ${httpStatus}`];
    return e.code ? { ok: false, messages, code: e.code } : { ok: false, messages };
  }
  const response = obj(root.response);
  const payment = obj(response?.payment);
  const order = obj(response?.order);
  const url = str(payment?.url);
  const invoiceNumber = str(order?.invoice_number);
  if (!url || !invoiceNumber) return { ok: false, messages: ['DOKU response has no payment.url'] };
  const result: DokuCreateResult = { ok: true, redirectUrl: url, invoiceNumber };
  const tokenId = str(payment?.token_id);
  if (tokenId) result.tokenId = tokenId;
  const expiresAt = parseDokuExpiredDate(payment?.expired_date);
  if (expiresAt) result.expiresAt = expiresAt;
  if (replayed) result.replayed = true;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Statuses and notifications

/**
 * spec: notification `transaction.status` SUCCESS|FAILED (some channels TIMEOUT); check status
 * PENDING|SUCCESS|FAILED|EXPIRED|REFUNDED|TIMEOUT|REDIRECT. Anything else is pending.
 *
 * TIMEOUT is not final: DOKU's status table (developers.doku.com, Check Status API, non-SNAP)
 * marks it "Final Status: NO ... Call Check Status API to get final status" (e-money). Taking it
 * for a failure would let the payer start another attempt while the first may still succeed, so
 * it stays pending, with the timeout kept as the failure detail (event `payment.attempt_failed`).
 */
export const DOKU_STATUS: Readonly<Record<string, PaymentStatus>> = {
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  TIMEOUT: 'pending',
  EXPIRED: 'expired',
  REFUNDED: 'refunded',
  PENDING: 'pending',
  REDIRECT: 'pending',
};

export const mapDokuStatus = (raw: unknown): PaymentStatus =>
  mapStatus(DOKU_STATUS, raw, { caseInsensitive: true });

function dokuFailure(
  rawStatus: string,
  channel: string | undefined,
  message: string | undefined,
): PaymentFailure {
  const via = channel ? ` via ${channel}` : '';
  if (rawStatus === 'TIMEOUT') {
    return {
      reason: 'timeout',
      code: rawStatus,
      message: message ?? `DOKU: the payment${via} timed out (not final yet)`,
    };
  }
  if (rawStatus === 'EXPIRED') {
    return {
      reason: 'expired',
      code: rawStatus,
      message: message ?? `DOKU: the payment${via} expired unpaid`,
    };
  }
  return { reason: 'declined', code: rawStatus, message: message ?? `DOKU: the payment${via} failed` };
}

export interface DokuTransactionView {
  invoiceNumber?: string | undefined;
  rawStatus?: string | undefined;
  status: PaymentStatus;
  amount?: bigint | undefined;
  channel?: string | undefined;
  date?: Date | undefined;
  originalRequestId?: string | undefined;
  failure?: PaymentFailure | undefined;
}

/** Reads a notification or check-status body (same shape, spec); DOKU may add fields. */
export function readDokuTransaction(json: unknown): DokuTransactionView {
  const root = obj(json) ?? {};
  const transaction = obj(root.transaction);
  const order = obj(root.order);
  const rawStatus = str(transaction?.status)?.toUpperCase();
  const status = mapDokuStatus(rawStatus);
  const channel = str(obj(root.channel)?.id);
  const dateText = str(transaction?.date);
  const date = dateText ? new Date(dateText) : undefined;
  // Not in the spec's sample, but DOKU bodies often carry a message; use it when present.
  const message = str(transaction?.message) ?? str(obj(root.error)?.message);
  const view: DokuTransactionView = {
    invoiceNumber: str(order?.invoice_number),
    rawStatus,
    status,
    amount: fromDokuAmount(order?.amount),
    channel,
    date: date && !Number.isNaN(date.getTime()) ? date : undefined,
    originalRequestId: str(transaction?.original_request_id),
  };
  if ((status === 'failed' || status === 'expired' || rawStatus === 'TIMEOUT') && rawStatus) {
    view.failure = dokuFailure(rawStatus, channel, message);
  }
  return view;
}

/**
 * A verified notification body as a normalized event. DOKU sends no event id, so the dedupe key
 * is the invoice number with the status: DOKU's retries of one notification collapse into one
 * inbox row, and a later, different status (a refund) is a new event.
 */
export function dokuNotificationToEvent(json: unknown, receivedAt: Date): NormalizedEvent | undefined {
  const t = readDokuTransaction(json);
  if (!t.invoiceNumber) return undefined;
  const base = {
    eventId: `${t.invoiceNumber}:${t.rawStatus ?? 'UNKNOWN'}`,
    gatewayType: t.rawStatus ?? 'UNKNOWN',
    occurredAt: t.date ?? receivedAt,
    gatewayReference: t.invoiceNumber,
    gatewayPaymentId: t.originalRequestId,
    amount: t.amount,
    currency: 'IDR',
    raw: json,
  };
  switch (t.status) {
    case 'succeeded':
      return { ...base, type: 'payment.succeeded' };
    case 'failed':
      return { ...base, type: 'payment.failed', failure: t.failure! };
    case 'expired':
      return { ...base, type: 'payment.expired', failure: t.failure! };
    case 'refunded':
      return { ...base, type: 'refund.succeeded' };
    default:
      // TIMEOUT (not final, see DOKU_STATUS): the core keeps the message and waits.
      if (t.failure) return { ...base, type: 'payment.attempt_failed', failure: t.failure };
      return { ...base, type: 'payment.pending' };
  }
}

/** Verify, parse and normalize one DOKU notification (the adapter's verifyWebhook). */
export function handleDokuNotification(input: {
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  rawBody: string | Buffer;
  path: string;
  credentials: Credentials;
  now?: Date;
  toleranceSeconds?: number;
}): WebhookResult {
  const clientId = input.credentials.api_key;
  const secretKey = input.credentials.secret_key;
  if (!clientId || !secretKey)
    return { ok: false, reason: 'malformed', detail: 'DOKU credentials are incomplete' };
  const now = input.now ?? new Date();
  const check = verifyDokuNotification({
    headers: input.headers,
    rawBody: input.rawBody,
    path: input.path,
    clientId,
    secretKey,
    now,
    ...(input.toleranceSeconds === undefined ? {} : { toleranceSeconds: input.toleranceSeconds }),
  });
  if (!check.ok) return check;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.isBuffer(input.rawBody) ? input.rawBody.toString('utf8') : input.rawBody);
  } catch {
    return { ok: false, reason: 'malformed', detail: 'Body is not JSON' };
  }
  const event = dokuNotificationToEvent(json, now);
  if (!event) return { ok: false, reason: 'malformed', detail: 'Notification has no order.invoice_number' };
  return { ok: true, event };
}

// ---------------------------------------------------------------------------------------------
// Legacy Merchant Hosted WORDS (spec: "Legacy DOKU"), for the seed's Mall ID / Shared Key fields

const sha1Hex = (s: string) => createHash('sha1').update(s, 'utf8').digest('hex');

/** Legacy AMOUNT: IDR with two decimals, e.g. "10000.00" (spec). */
export function legacyAmount(minor: bigint): string {
  const whole = minor / 100n;
  const frac = (minor % 100n).toString().padStart(2, '0');
  return `${whole}.${frac}`;
}

/** spec: request WORDS = SHA1(AMOUNT+MALLID+SHAREDKEY+TRANSIDMERCHANT) (+CURRENCY when set). */
export const legacyRequestWords = (p: {
  amount: string;
  mallId: string;
  sharedKey: string;
  transIdMerchant: string;
  currency?: string;
}) => sha1Hex(p.amount + p.mallId + p.sharedKey + p.transIdMerchant + (p.currency ?? ''));

/** spec: notify WORDS = SHA1(AMOUNT+MALLID+SHAREDKEY+TRANSIDMERCHANT+RESULTMSG+VERIFYSTATUS). */
export const legacyNotifyWords = (p: {
  amount: string;
  mallId: string;
  sharedKey: string;
  transIdMerchant: string;
  resultMsg: string;
  verifyStatus: string;
}) => sha1Hex(p.amount + p.mallId + p.sharedKey + p.transIdMerchant + p.resultMsg + p.verifyStatus);

/** spec: check status WORDS = SHA1(MALLID+SHAREDKEY+TRANSIDMERCHANT). */
export const legacyCheckStatusWords = (p: { mallId: string; sharedKey: string; transIdMerchant: string }) =>
  sha1Hex(p.mallId + p.sharedKey + p.transIdMerchant);
