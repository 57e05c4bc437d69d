import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * Conventions (see DESIGN.md): every tenant-owned table has `tenant_id` and every unique key
 * starts with it; row-level security is applied to every table that has a `tenant_id` column
 * (db/migrations/*_security.sql, re-applied after every migration run); tables with a `mode`
 * column are also split between test and live data by that policy.
 *
 * The high-volume append tables (payments, allocations, ledger, events, deliveries) carry no
 * foreign key to tenants: row-level security already pins tenant_id to the authenticated tenant,
 * and a key check per inserted row against the one tenants row is a measurable cost.
 */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();
/** tenant_id with a foreign key to tenants; tenantIdColumn() for the high-volume tables (see above). */
const tenantRef = () =>
  text('tenant_id')
    .notNull()
    .references(() => tenants.id);
const tenantIdColumn = () => text('tenant_id').notNull();

export const MODES = ['test', 'live'] as const;
export type Mode = (typeof MODES)[number];

/** Five-digit tenant prefixes of bill reference ids (see modules/bills/reference.ts). */
export const tenantRefPrefixSeq = pgSequence('tenant_ref_prefix_seq', {
  startWith: 10000,
  minValue: 10000,
  maxValue: 99999,
});

export const tenants = pgTable(
  'tenants',
  {
    id: text('id').primaryKey(),
    // A tenant's own row carries its id as tenant_id too, so the generic policy covers it.
    tenantId: tenantIdColumn(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    currency: text('currency').notNull(),
    timeZone: text('time_zone').notNull(),
    locale: text('locale').notNull().default('en'),
    displayName: text('display_name').notNull(),
    logoUrl: text('logo_url'),
    primaryColor: text('primary_color').notNull().default('#1c7ed6'),
    status: text('status').notNull().default('active'),
    refPrefix: integer('ref_prefix').notNull().default(sql`nextval('tenant_ref_prefix_seq')`),
    // Reconciliation and settlement (issue 7): the platform's collection fee in basis points
    // (300 = 3%, seed 003), who receives the daily settlement report, and when (tenant's clock).
    platformFeeBps: integer('platform_fee_bps').notNull().default(0),
    reportEmails: jsonb('report_emails').$type<string[]>().notNull().default([]),
    reportTime: text('report_time').notNull().default('07:00'),
    lastReportDate: text('last_report_date'),
    // The tenant's QRIS / EMVCo merchant (issue 5): merchant name, city, NMID or PAN, MCC, ...
    // Without it no QRIS payload is printed on challans.
    qrisMerchant: jsonb('qris_merchant').$type<Record<string, string>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('tenants_slug_key').on(t.slug),
    uniqueIndex('tenants_ref_prefix_key').on(t.refPrefix),
    check('tenants_self_tenant', sql`${t.tenantId} = ${t.id}`),
    check('tenants_currency_format', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('tenants_platform_fee', sql`${t.platformFeeBps} between 0 and 10000`),
  ],
);

export const ROLES = ['platform_admin', 'tenant_admin', 'cso_admin', 'cso_executive', 'consumer'] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable(
  'users',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    phone: text('phone'),
    locale: text('locale'),
    role: text('role', { enum: ROLES }).notNull(),
    passwordHash: text('password_hash').notNull(),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    lockedUntil: ts('locked_until'),
    lastLoginAt: ts('last_login_at'),
    passwordChangedAt: ts('password_changed_at').notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('users_tenant_email_key').on(t.tenantId, t.email),
    check('users_email_lowercase', sql`${t.email} = lower(${t.email})`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    // SHA-256 of the cookie token; the token itself is never stored.
    tokenHash: text('token_hash').notNull(),
    csrfToken: text('csrf_token').notNull(),
    userId: text('user_id').notNull(),
    // Which data (test or live) the back office shows; named so the mode policy does not apply
    // to the session row itself.
    activeMode: text('active_mode', { enum: MODES }).notNull(),
    createdAt: createdAt(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // Looked up before the tenant is known (the cookie carries only the token).
    uniqueIndex('sessions_token_hash_key').on(t.tokenHash),
    index('sessions_user_idx').on(t.tenantId, t.userId),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    mode: text('mode', { enum: MODES }).notNull(),
    name: text('name').notNull(),
    // First characters of the key, shown in lists so a person can tell keys apart.
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // Looked up before the tenant is known (the bearer token is all a biller sends).
    uniqueIndex('api_keys_key_hash_key').on(t.keyHash),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'bank_partner', 'system', 'cli'] }).notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

// --- Bills, accounts, payments, ledger (issue: core) -------------------------------------------

const mode = () => text('mode', { enum: MODES }).notNull();
const money = (name: string) => bigint(name, { mode: 'bigint' });

/** Per-tenant counter behind bill reference ids (shared by test and live, so ids never collide). */
export const referenceCounters = pgTable('reference_counters', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  nextValue: bigint('next_value', { mode: 'bigint' }).notNull(),
});

/** A consumer's service account with the biller (e.g. CRN29391). */
export const accounts = pgTable(
  'accounts',
  {
    tenantId: tenantRef(),
    mode: mode(),
    id: text('id').notNull(),
    accountNumber: text('account_number').notNull(),
    name: text('name').notNull(),
    mobile: text('mobile'),
    email: text('email'),
    serviceTypes: jsonb('service_types').$type<string[]>().notNull().default([]),
    // The consumer user who may see and pay this account's bills on the web.
    userId: text('user_id'),
    status: text('status', { enum: ['active', 'closed'] })
      .notNull()
      .default('active'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('accounts_number_key').on(t.tenantId, t.mode, t.accountNumber),
    index('accounts_user_idx').on(t.tenantId, t.userId),
  ],
);

export const BILL_STATUSES = ['unpaid', 'partially_paid', 'paid', 'cancelled', 'expired'] as const;

export interface LineItem {
  description: string;
  amount: string; // minor units as a decimal string (JSON has no bigint)
}

/**
 * A bill or a service charge (e-challan). `amount` is due by `due_date`; `late_fee` is added when
 * paid after it (amount after due date = amount + late_fee). `amount_paid` is the sum of the
 * allocations, kept in the same transaction as each allocation.
 */
export const bills = pgTable(
  'bills',
  {
    tenantId: tenantRef(),
    mode: mode(),
    id: text('id').notNull(),
    accountId: text('account_id').notNull(),
    billNumber: text('bill_number').notNull(),
    referenceId: text('reference_id').notNull(),
    kind: text('kind', { enum: ['bill', 'service'] }).notNull(),
    serviceName: text('service_name').notNull(),
    billingPeriod: text('billing_period').notNull(),
    periodStart: date('period_start'),
    periodEnd: date('period_end'),
    lineItems: jsonb('line_items').$type<LineItem[]>().notNull().default([]),
    currency: text('currency').notNull(),
    amount: money('amount').notNull(),
    lateFee: money('late_fee').notNull().default(sql`0`),
    lateFeeCharged: boolean('late_fee_charged').notNull().default(false),
    amountPaid: money('amount_paid').notNull().default(sql`0`),
    allowPartial: boolean('allow_partial').notNull().default(false),
    dueDate: date('due_date').notNull(),
    expiresOn: date('expires_on'),
    status: text('status', { enum: BILL_STATUSES }).notNull().default('unpaid'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    paidAt: ts('paid_at'),
    cancelledAt: ts('cancelled_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('bills_number_key').on(t.tenantId, t.mode, t.billNumber),
    uniqueIndex('bills_reference_key').on(t.tenantId, t.referenceId),
    index('bills_account_idx').on(t.tenantId, t.mode, t.accountId),
    foreignKey({ columns: [t.tenantId, t.accountId], foreignColumns: [accounts.tenantId, accounts.id] }),
    check('bills_amounts', sql`${t.amount} > 0 and ${t.lateFee} >= 0 and ${t.amountPaid} >= 0`),
    check('bills_not_overpaid', sql`${t.amountPaid} <= ${t.amount} + ${t.lateFee}`),
  ],
);

export const PAYMENT_STATUSES = [
  'pending',
  'successful',
  'completed',
  'failed',
  'refunded',
  'reversed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const CHANNELS = [
  'bank_api',
  'cash',
  'gateway',
  'link',
  'qr',
  'agent',
  'wallet',
  // Money found on the tenant's bank statement that no other rail recorded (reconciliation).
  'bank_transfer',
] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Money received (or attempted) over one rail. `channel_ref` is the rail's own unique reference
 * (a bank transaction ref, a gateway event id, an agent request id): unique per channel source,
 * so a retried posting can never be recorded twice.
 */
export const payments = pgTable(
  'payments',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    accountId: text('account_id'),
    currency: text('currency').notNull(),
    amount: money('amount').notNull(),
    // Current parts of the amount: allocated to bills, held as account credit, unidentified (suspense).
    allocatedAmount: money('allocated_amount').notNull().default(sql`0`),
    creditAmount: money('credit_amount').notNull().default(sql`0`),
    suspenseAmount: money('suspense_amount').notNull().default(sql`0`),
    refundedAmount: money('refunded_amount').notNull().default(sql`0`),
    status: text('status', { enum: PAYMENT_STATUSES }).notNull(),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    channel: text('channel', { enum: CHANNELS }).notNull(),
    // Who on that channel: a bank partner id, a gateway id, a cashier's user id.
    channelSource: text('channel_source').notNull(),
    channelRef: text('channel_ref').notNull(),
    method: text('method'),
    requestHash: text('request_hash').notNull(),
    receivedAt: ts('received_at').notNull(),
    completedAt: ts('completed_at'),
    // What the rail kept when it settled (gateway fee), booked to fees:<channel>.
    settlementFee: money('settlement_fee').notNull().default(sql`0`),
    createdBy: text('created_by'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('payments_channel_ref_key').on(t.tenantId, t.mode, t.channel, t.channelSource, t.channelRef),
    index('payments_account_idx').on(t.tenantId, t.mode, t.accountId),
    // Reconciliation finds payments by the rail's reference quoted on a bank statement.
    index('payments_channel_ref_idx').on(t.tenantId, t.mode, t.channelRef),
    index('payments_list_idx').on(t.tenantId, t.mode, t.id),
    check(
      'payments_amounts',
      sql`${t.amount} > 0 and ${t.refundedAmount} >= 0 and ${t.refundedAmount} <= ${t.amount}`,
    ),
    // Where the money is now: on bills, held as account credit, in suspense, or refunded.
    check(
      'payments_parts',
      sql`${t.status} in ('pending', 'failed', 'reversed') or ${t.allocatedAmount} + ${t.creditAmount} + ${t.suspenseAmount} + ${t.refundedAmount} = ${t.amount}`,
    ),
  ],
);

/** How much of a payment went to which bill. Negative rows undo an allocation (reversal, refund). */
export const allocations = pgTable(
  'allocations',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    paymentId: text('payment_id').notNull(),
    billId: text('bill_id').notNull(),
    amount: money('amount').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('allocations_bill_idx').on(t.tenantId, t.billId),
    index('allocations_payment_idx').on(t.tenantId, t.paymentId),
    foreignKey({ columns: [t.tenantId, t.paymentId], foreignColumns: [payments.tenantId, payments.id] }),
    foreignKey({ columns: [t.tenantId, t.billId], foreignColumns: [bills.tenantId, bills.id] }),
  ],
);

export const LEDGER_ACCOUNT_TYPES = ['asset', 'liability', 'income', 'expense'] as const;

/** Ledger accounts, created on first use by code (receivable:acc_…, clearing:bank_api:bnk_…, suspense, …). */
export const ledgerAccounts = pgTable(
  'ledger_accounts',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    code: text('code').notNull(),
    type: text('type', { enum: LEDGER_ACCOUNT_TYPES }).notNull(),
    currency: text('currency').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('ledger_accounts_code_key').on(t.tenantId, t.mode, t.code, t.currency),
  ],
);

/** An immutable journal entry; its lines balance per currency (checked by code and by a deferred trigger). */
export const journalEntries = pgTable(
  'journal_entries',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    kind: text('kind').notNull(),
    // What the entry is about: a bill, a payment.
    subjectId: text('subject_id').notNull(),
    reversesId: text('reverses_id'),
    memo: text('memo'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('journal_entries_subject_idx').on(t.tenantId, t.subjectId),
  ],
);

/** One posting: positive amounts are debits, negative are credits. */
export const journalLines = pgTable(
  'journal_lines',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    entryId: text('entry_id').notNull(),
    lineNo: integer('line_no').notNull(),
    ledgerAccountId: text('ledger_account_id').notNull(),
    currency: text('currency').notNull(),
    amount: money('amount').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.entryId, t.lineNo] }),
    index('journal_lines_account_idx').on(t.tenantId, t.ledgerAccountId),
    foreignKey({
      columns: [t.tenantId, t.entryId],
      foreignColumns: [journalEntries.tenantId, journalEntries.id],
    }),
    foreignKey({
      columns: [t.tenantId, t.ledgerAccountId],
      foreignColumns: [ledgerAccounts.tenantId, ledgerAccounts.id],
    }),
    check('journal_lines_nonzero', sql`${t.amount} <> 0`),
  ],
);

// --- Webhooks (transactional outbox) ---------------------------------------------------------

export const EVENT_TYPES = [
  'bill.created',
  'bill.paid',
  'payment.successful',
  'payment.completed',
  'payment.failed',
  'payment.refunded',
  'payment.reversed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A biller system's receiver of payment confirmations. The secret is sealed (platform/crypto.ts). */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    tenantId: tenantRef(),
    mode: mode(),
    id: text('id').notNull(),
    url: text('url').notNull(),
    events: jsonb('events').$type<EventType[]>().notNull(),
    description: text('description'),
    secretSealed: text('secret_sealed').notNull(),
    status: text('status', { enum: ['enabled', 'disabled'] })
      .notNull()
      .default('enabled'),
    disabledReason: text('disabled_reason'),
    // Start of the current run of failed deliveries; cleared by any success.
    failingSince: ts('failing_since'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

/** The outbox: one row per event, written in the same transaction as the change it reports. */
export const events = pgTable(
  'events',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    type: text('type', { enum: EVENT_TYPES }).notNull(),
    data: jsonb('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

/** One event to one endpoint; claimed by workers with FOR UPDATE SKIP LOCKED and a lease. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    eventId: text('event_id').notNull(),
    endpointId: text('endpoint_id').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    leaseUntil: ts('lease_until'),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: ts('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(t.tenantId, t.endpointId, t.id),
    foreignKey({ columns: [t.tenantId, t.eventId], foreignColumns: [events.tenantId, events.id] }),
    foreignKey({
      columns: [t.tenantId, t.endpointId],
      foreignColumns: [webhookEndpoints.tenantId, webhookEndpoints.id],
    }),
  ],
);

/** The delivery log: every attempt with its outcome. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    deliveryId: text('delivery_id').notNull(),
    attemptNo: integer('attempt_no').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    responseBody: text('response_body'),
    durationMs: integer('duration_ms').notNull(),
    attemptedAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('webhook_attempts_delivery_idx').on(t.tenantId, t.deliveryId),
  ],
);

/** Something a tenant's admins must be told about (e.g. a webhook endpoint was disabled). */
export const notifications = pgTable(
  'notifications',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    audienceRole: text('audience_role', { enum: ROLES }).notNull(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    readAt: ts('read_at'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

// --- Bank and aggregator partners ---------------------------------------------------------------

/**
 * A bank or aggregator allowed to look up and pay this tenant's bills. It authenticates with
 * `username` + `password` headers (the 1LINK convention); the password is 256 random bits,
 * stored as SHA-256 and shown once.
 */
export const bankPartners = pgTable(
  'bank_partners',
  {
    tenantId: tenantRef(),
    mode: mode(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    mnemonic: text('mnemonic').notNull(),
    username: text('username').notNull(),
    passwordHash: text('password_hash').notNull(),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // Looked up before the tenant is known.
    uniqueIndex('bank_partners_username_key').on(t.username),
    uniqueIndex('bank_partners_mnemonic_key').on(t.tenantId, t.mode, t.mnemonic),
  ],
);

// --- Idempotency ----------------------------------------------------------------------------------

/**
 * `Idempotency-Key` records: the first response to a (principal, key) is stored and replayed to
 * retries with the same request; a different request under the same key is refused.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tenantId: tenantRef(),
    mode: mode(),
    principalId: text('principal_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['in_progress', 'done'] }).notNull(),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    lockedUntil: ts('locked_until').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.mode, t.principalId, t.key] })],
);

// --- Payment gateways (issue 4) -------------------------------------------------------------------

export const GATEWAY_CONFIG_STATUSES = ['not_connected', 'connecting', 'connected', 'failed'] as const;

/**
 * A tenant's settings for one gateway (Stripe, DOKU, sandbox), per mode. Non-secret credential
 * fields are kept in clear in `settings`; the secret ones only sealed (AES-256-GCM with a key id,
 * platform/crypto.ts) in `secrets_sealed`. `config_version` goes up whenever a credential changes,
 * so a connection proven for an older version shows "Connect" again (seed 002).
 * `webhook_token` is the unguessable last segment of the tenant's notification URL for this
 * gateway: the URL identifies tenant, mode and gateway before anything is verified.
 */
export const gatewayConfigs = pgTable(
  'gateway_configs',
  {
    tenantId: tenantRef(),
    mode: mode(),
    gateway: text('gateway').notNull(),
    active: boolean('active').notNull().default(false),
    settings: jsonb('settings').$type<Record<string, string>>().notNull().default({}),
    secretsSealed: text('secrets_sealed'),
    configVersion: integer('config_version').notNull().default(1),
    status: text('status', { enum: GATEWAY_CONFIG_STATUSES }).notNull().default('not_connected'),
    connectedVersion: integer('connected_version'),
    connectedAt: ts('connected_at'),
    lastConnectCheckoutId: text('last_connect_checkout_id'),
    lastConnectDetail: jsonb('last_connect_detail'),
    lastCheckAt: ts('last_check_at'),
    lastCheckOk: boolean('last_check_ok'),
    lastCheckDetail: text('last_check_detail'),
    // Settlement lines are read from the gateway up to this time (the next sync starts here).
    settlementsSyncedUntil: ts('settlements_synced_until'),
    webhookToken: text('webhook_token').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.mode, t.gateway] }),
    // Looked up before the tenant is known (inbound gateway notifications).
    uniqueIndex('gateway_configs_webhook_token_key').on(t.webhookToken),
  ],
);

export const CHECKOUT_PURPOSES = ['payment', 'connect_test'] as const;
export const CHECKOUT_STATUSES = [
  'creating',
  'open',
  'processing',
  'succeeded',
  'failed',
  'expired',
  'canceled',
] as const;
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

/**
 * One attempt to pay through a gateway's hosted page: the consumer's selected bills and services
 * as one amount (or the admin's 1-unit connect test). A retry after a failure is a new attempt.
 * The payment row is written only when the gateway says the money was taken; `payment_id` then
 * points to it (channel `gateway`, channel ref = this attempt's id, so it is recorded once).
 */
export const checkouts = pgTable(
  'checkouts',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    purpose: text('purpose', { enum: CHECKOUT_PURPOSES }).notNull(),
    gateway: text('gateway').notNull(),
    accountId: text('account_id'),
    billIds: jsonb('bill_ids').$type<string[]>().notNull().default([]),
    currency: text('currency').notNull(),
    amount: money('amount').notNull(),
    description: text('description').notNull(),
    status: text('status', { enum: CHECKOUT_STATUSES }).notNull(),
    failureReason: text('failure_reason'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    gatewayReference: text('gateway_reference'),
    gatewayPaymentId: text('gateway_payment_id'),
    redirectUrl: text('redirect_url'),
    // Where the payer's browser goes after the gateway sends it back (a Billrail page).
    returnTo: text('return_to'),
    paymentId: text('payment_id'),
    refundId: text('refund_id'),
    payerEmail: text('payer_email'),
    createdBy: text('created_by'),
    // The payment link the payer came from, if any (its use is counted on success).
    paymentLinkId: text('payment_link_id'),
    // For a connect test: the gateway configuration version it proves.
    configVersion: integer('config_version'),
    expiresAt: ts('expires_at').notNull(),
    // The gateway's last answer about this attempt, for the admin's "detailed response" and logs.
    gatewayDetail: jsonb('gateway_detail'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('checkouts_gateway_ref_key').on(t.tenantId, t.mode, t.gateway, t.gatewayReference),
    index('checkouts_account_idx').on(t.tenantId, t.mode, t.accountId),
    index('checkouts_open_idx').on(t.status, t.expiresAt),
    check('checkouts_amount', sql`${t.amount} > 0`),
  ],
);

export const GATEWAY_EVENT_STATUSES = ['received', 'processed', 'failed'] as const;

/**
 * The inbox of verified gateway notifications. The webhook route only verifies and inserts
 * (the gateway's event id is unique per tenant, mode and gateway, so a resent event is ignored)
 * and answers 2xx; the worker applies them with retries. The raw body is kept for troubleshooting.
 */
export const gatewayEvents = pgTable(
  'gateway_events',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    gateway: text('gateway').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    gatewayType: text('gateway_type').notNull(),
    checkoutId: text('checkout_id'),
    // The normalized event (amounts as strings) and the body exactly as received.
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
    rawBody: text('raw_body').notNull(),
    status: text('status', { enum: GATEWAY_EVENT_STATUSES }).notNull().default('received'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    outcome: text('outcome'),
    receivedAt: ts('received_at').notNull().defaultNow(),
    processedAt: ts('processed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('gateway_events_event_key').on(t.tenantId, t.mode, t.gateway, t.eventId),
    index('gateway_events_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

/**
 * Money sent back to a payer. Every refund of a payment is one row; a gateway refund carries the
 * gateway's refund id (unique), so a refund made in the gateway's own dashboard and reported by
 * webhook, or a retried back-office refund, is recorded once.
 */
export const refunds = pgTable(
  'refunds',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    paymentId: text('payment_id').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason').notNull(),
    gateway: text('gateway'),
    gatewayRefundId: text('gateway_refund_id'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('refunds_gateway_key').on(t.tenantId, t.mode, t.gateway, t.gatewayRefundId),
    index('refunds_payment_idx').on(t.tenantId, t.paymentId),
    check('refunds_amount', sql`${t.amount} > 0`),
  ],
);

// --- Reconciliation (issue 7) ---------------------------------------------------------------------

export const STATEMENT_LINE_STATUSES = [
  'matched',
  'unmatched',
  'amount_mismatch',
  'duplicate',
  'recorded',
  'ignored',
  'resolved',
] as const;
export type StatementLineStatus = (typeof STATEMENT_LINE_STATUSES)[number];

/**
 * One imported statement or settlement file. The file's SHA-256 is unique per tenant and mode, so
 * the same file imported twice applies nothing the second time. It is also the settlement batch:
 * the totals of what it matched, the fees, and its state.
 */
export const statementImports = pgTable(
  'statement_imports',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    source: text('source').notNull(),
    format: text('format').notNull(),
    filename: text('filename'),
    fileSha256: text('file_sha256').notNull(),
    currency: text('currency').notNull(),
    lineCount: integer('line_count').notNull().default(0),
    matchedCount: integer('matched_count').notNull().default(0),
    matchedAmount: money('matched_amount').notNull().default(sql`0`),
    recordedCount: integer('recorded_count').notNull().default(0),
    exceptionCount: integer('exception_count').notNull().default(0),
    gatewayFees: money('gateway_fees').notNull().default(sql`0`),
    platformFee: money('platform_fee').notNull().default(sql`0`),
    state: text('state', { enum: ['reconciled', 'exceptions'] }).notNull(),
    // A gateway payout imported as a batch (Stripe `po_...`): its id, the net sent to the bank
    // and the expected arrival day; `bank_line_id` is the bank statement line that received it.
    externalId: text('external_id'),
    netAmount: money('net_amount'),
    arrivalDate: text('arrival_date'),
    bankLineId: text('bank_line_id'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('statement_imports_file_key').on(t.tenantId, t.mode, t.fileSha256),
    index('statement_imports_external_idx').on(t.tenantId, t.mode, t.externalId),
  ],
);

/**
 * A line of an imported file and what the matching engine made of it. `dedupe_key` (the bank's
 * reference, else a digest of date, amount and text) is unique per source account: the same
 * transaction in an overlapping statement is a `duplicate`, never matched twice.
 */
export const statementLines = pgTable(
  'statement_lines',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    importId: text('import_id').notNull(),
    lineNo: integer('line_no').notNull(),
    account: text('account').notNull(),
    dedupeKey: text('dedupe_key'),
    bookingDate: text('booking_date').notNull(),
    valueDate: text('value_date'),
    direction: text('direction', { enum: ['credit', 'debit'] }).notNull(),
    reversal: boolean('reversal').notNull().default(false),
    amount: money('amount').notNull(),
    fee: money('fee').notNull().default(sql`0`),
    currency: text('currency').notNull(),
    reference: text('reference'),
    remittance: text('remittance').notNull().default(''),
    counterparty: text('counterparty'),
    status: text('status', { enum: STATEMENT_LINE_STATUSES }).notNull(),
    matchRule: text('match_rule'),
    paymentId: text('payment_id'),
    note: text('note'),
    resolvedBy: text('resolved_by'),
    resolvedAt: ts('resolved_at'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('statement_lines_dedupe_key').on(t.tenantId, t.mode, t.account, t.dedupeKey),
    index('statement_lines_import_idx').on(t.tenantId, t.importId),
    index('statement_lines_status_idx').on(t.tenantId, t.mode, t.status),
  ],
);

/**
 * A bank or settlement file source with what Billrail needs to read its files: for generic CSV
 * and XLSX exports, the column mapping (which column is the date, the amount, the text, ...),
 * saved once per source and used by every import from it.
 */
export const statementSources = pgTable(
  'statement_sources',
  {
    tenantId: tenantRef(),
    mode: mode(),
    name: text('name').notNull(),
    format: text('format').notNull().default('auto'),
    mapping: jsonb('mapping').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.mode, t.name] })],
);

// --- Payment links (issue 5) ------------------------------------------------------------------

/**
 * A link a tenant's staff share (WhatsApp, email, SMS) that opens a pay page: for one bill, or for
 * an amount on an account. `token` is the unguessable public segment of the URL. Single-use links
 * are `used` after a successful payment; any link stops working after `expires_at`.
 */
export const paymentLinks = pgTable(
  'payment_links',
  {
    tenantId: tenantRef(),
    mode: mode(),
    id: text('id').notNull(),
    token: text('token').notNull(),
    billId: text('bill_id'),
    accountId: text('account_id'),
    amount: money('amount'),
    currency: text('currency').notNull(),
    description: text('description').notNull(),
    reusable: boolean('reusable').notNull().default(false),
    status: text('status', { enum: ['active', 'used', 'disabled'] })
      .notNull()
      .default('active'),
    uses: integer('uses').notNull().default(0),
    expiresAt: ts('expires_at'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // Looked up before the tenant is known (the public pay page).
    uniqueIndex('payment_links_token_key').on(t.token),
    check(
      'payment_links_target',
      sql`${t.billId} is not null or (${t.accountId} is not null and ${t.amount} > 0)`,
    ),
  ],
);

// --- Documents, messages and behaviour tracking (issues 5 and 6) ---------------------------------

/**
 * Per-tenant, per-mode counters for numbered documents (`kind` = 'receipt', ...). A number is
 * taken with one `UPDATE ... RETURNING` in the transaction that issues the document, so numbers
 * are gap-free among committed documents and never repeat.
 */
export const documentCounters = pgTable(
  'document_counters',
  {
    tenantId: tenantRef(),
    mode: mode(),
    kind: text('kind').notNull(),
    nextValue: bigint('next_value', { mode: 'bigint' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.mode, t.kind] })],
);

/** A numbered receipt, issued once per payment when it is completed (or on first download). */
export const receipts = pgTable(
  'receipts',
  {
    tenantId: tenantRef(),
    mode: mode(),
    paymentId: text('payment_id').notNull(),
    number: bigint('number', { mode: 'bigint' }).notNull(),
    issuedAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.mode, t.paymentId] }),
    uniqueIndex('receipts_number_key').on(t.tenantId, t.mode, t.number),
  ],
);

/**
 * Outbox of e-mails and SMS to payers and tenant staff (receipts, payment status, notices).
 * Written in the transaction of the change it reports; a worker sends it. `dedupe_key` is unique
 * per tenant, so a retried change or a replayed event never sends the same message twice.
 */
export const outboundMessages = pgTable(
  'outbound_messages',
  {
    tenantId: tenantRef(),
    mode: mode(),
    id: text('id').notNull(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    recipient: text('recipient').notNull(),
    template: text('template').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    paymentId: text('payment_id'),
    dedupeKey: text('dedupe_key').notNull(),
    status: text('status', { enum: ['queued', 'sent', 'failed'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
    lastError: text('last_error'),
    providerRef: text('provider_ref'),
    sentAt: ts('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('outbound_messages_dedupe_key').on(t.tenantId, t.dedupeKey),
    index('outbound_messages_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

/**
 * Behaviour tracking (seed 002 section 12): named product events with their properties, e.g.
 * `gateway_activated`, `payment_searched`, `payment_history_viewed`. Append-only.
 */
export const analyticsEvents = pgTable(
  'analytics_events',
  {
    tenantId: tenantIdColumn(),
    mode: mode(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    actorId: text('actor_id'),
    actorRole: text('actor_role'),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('analytics_events_name_idx').on(t.tenantId, t.mode, t.name, t.occurredAt),
  ],
);
