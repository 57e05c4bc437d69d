/**
 * API contracts shared by the server (validation, OpenAPI) and the web app (types, forms).
 * Field names are snake_case on the wire.
 */
import { z } from 'zod';

export const ROLES = ['platform_admin', 'tenant_admin', 'cso_admin', 'cso_executive', 'consumer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const MODES = ['test', 'live'] as const;
export const modeSchema = z.enum(MODES);

export const LOCALES = ['en', 'es', 'id'] as const;
export const localeSchema = z.enum(LOCALES);

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'must be 2-40 lowercase letters, digits or dashes');
export const phoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number');
export const emailSchema = z.email().max(254);
export const passwordSchema = z.string().min(1).max(200);
export const colorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1c7ed6');
export const timeZoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Asia/Jakarta');
export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
  .refine((c) => Intl.supportedValuesOf('currency').includes(c), 'is not an ISO 4217 currency');
export const logoUrlSchema = z
  .string()
  .max(2048)
  .refine(
    (v) => /^https?:\/\//.test(v) || v.startsWith('/'),
    'must be an http(s) URL or a path on this server',
  );

// --- auth -------------------------------------------------------------------------------------
export const loginRequest = z.strictObject({
  tenant: z.string().min(1).max(40).describe('Tenant slug, e.g. demo-water'),
  email: emailSchema,
  password: passwordSchema,
});

export const branding = z.object({
  slug: z.string(),
  name: z.string(),
  display_name: z.string(),
  logo_url: z.string().nullable(),
  primary_color: z.string(),
  locale: z.string(),
  currency: z.string(),
  time_zone: z.string(),
});
export type Branding = z.infer<typeof branding>;

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  locale: z.string().nullable(),
  role: roleSchema,
  status: z.enum(['active', 'disabled']),
  locked_until: z.string().nullable(),
  last_login_at: z.string().nullable(),
  created_at: z.string(),
});
export type UserView = z.infer<typeof userView>;

export const sessionView = z.object({
  user: userView,
  tenant: branding,
  mode: modeSchema,
  csrf_token: z.string().describe('Send as X-CSRF-Token on every cookie-authenticated write'),
  expires_at: z.string(),
  allowed_actions: z
    .array(z.string())
    .describe(
      "What this user's role may do (the actions of the permission matrix); the web app shows only those pages",
    ),
});
export type SessionView = z.infer<typeof sessionView>;

export const changePasswordRequest = z.strictObject({
  current_password: passwordSchema,
  new_password: passwordSchema,
});

export const profileUpdate = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  phone: phoneSchema.nullable().optional(),
  locale: localeSchema.nullable().optional(),
});

// --- tenants ----------------------------------------------------------------------------------
const reportSettings = {
  report_emails: z
    .array(emailSchema)
    .max(20)
    .describe('Who receives the daily settlement report (CSV and XLSX attached)'),
  report_time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)')
    .describe("When the daily report is sent, on the tenant's clock"),
};

/**
 * The tenant's QRIS merchant (issue 5): what its acquirer registered, so challans of IDR bills
 * carry a dynamic QRIS code (apps/server/src/channels/qr/README.md). Checked in full on save.
 */
export const qrisMerchantSchema = z.strictObject({
  acquirer: z.strictObject({
    guid: z.string().max(32).describe('Reverse domain of the acquirer, e.g. ID.CO.BANKNAME.WWW'),
    mpan: z.string().max(19).describe('Merchant PAN, 16-19 digits starting 9360'),
    merchant_id: z.string().max(15),
    criteria: z.enum(['UMI', 'UKE', 'UME', 'UBE', 'URE']),
    tag: z.string().max(2).optional().describe('Root id of the acquirer template, 26-45 (default 26)'),
  }),
  nmid: z.string().max(15).describe('National Merchant ID, 15 characters'),
  criteria: z.enum(['UMI', 'UKE', 'UME', 'UBE', 'URE']),
  mcc: z.string().regex(/^\d{4}$/, 'must be 4 digits'),
  name: z.string().min(1).max(25),
  city: z.string().min(1).max(15),
  postal_code: z.string().max(10),
});
export type QrisMerchantWire = z.infer<typeof qrisMerchantSchema>;

export const tenantView = branding.extend({
  id: z.string(),
  status: z.string(),
  created_at: z.string(),
  ...reportSettings,
  platform_fee_bps: z.number().int().describe("The platform's collection fee in basis points (300 = 3%)"),
  qris_merchant: qrisMerchantSchema.nullable().optional().describe('QRIS merchant; null when none'),
});
export type TenantView = z.infer<typeof tenantView>;

export const tenantUpdate = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  display_name: z.string().trim().min(1).max(120).optional(),
  logo_url: logoUrlSchema.nullable().optional(),
  primary_color: colorSchema.optional(),
  time_zone: timeZoneSchema.optional(),
  locale: localeSchema.optional(),
  currency: z.string().optional().describe('Fixed at onboarding; sending a different value is an error'),
  report_emails: reportSettings.report_emails.optional(),
  report_time: reportSettings.report_time.optional(),
  qris_merchant: qrisMerchantSchema
    .nullable()
    .optional()
    .describe('QRIS merchant for challans of IDR bills; null removes it'),
});

export const tenantCreate = z.strictObject({
  name: z.string().trim().min(1).max(120),
  slug: slugSchema,
  currency: currencySchema,
  time_zone: timeZoneSchema,
  locale: localeSchema.default('en'),
  display_name: z.string().trim().min(1).max(120).optional(),
  logo_url: logoUrlSchema.nullable().optional(),
  primary_color: colorSchema.optional(),
  platform_fee_bps: z
    .number()
    .int()
    .min(0)
    .max(10000)
    .default(0)
    .describe("The platform's collection fee on settled money, in basis points (seed 003: 300 = 3%)"),
  admin: z
    .strictObject({ email: emailSchema, name: z.string().trim().min(1).max(120), password: passwordSchema })
    .describe('The first tenant admin'),
});

// --- users ------------------------------------------------------------------------------------
export const userCreate = z.strictObject({
  email: emailSchema,
  name: z.string().trim().min(1).max(120),
  phone: phoneSchema.nullable().optional(),
  role: roleSchema,
  password: passwordSchema,
});

export const userUpdate = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  phone: phoneSchema.nullable().optional(),
  role: roleSchema.optional(),
  status: z.enum(['active', 'disabled']).optional(),
  unlock: z.literal(true).optional().describe('Clears a sign-in lockout'),
});

// --- api keys ---------------------------------------------------------------------------------
export const apiKeyCreate = z.strictObject({
  name: z.string().trim().min(1).max(80),
  mode: modeSchema,
});
export const apiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  mode: modeSchema,
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export const apiKeyCreated = apiKeyView.extend({
  secret: z.string().describe('Shown once; Billrail stores only its hash'),
});

// --- audit ------------------------------------------------------------------------------------
export const auditEntryView = z.object({
  id: z.string(),
  actor_type: z.string(),
  actor_id: z.string().nullable(),
  action: z.string(),
  target_type: z.string(),
  target_id: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  request_id: z.string().nullable(),
  ip: z.string().nullable(),
  created_at: z.string(),
});

// --- errors -----------------------------------------------------------------------------------
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  code: z.string(),
  detail: z.string(),
  instance: z.string().optional(),
  request_id: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
});
export type ProblemBody = z.infer<typeof problemSchema>;

// --- behaviour tracking -----------------------------------------------------------------------
const gatewayNameSchema = z
  .string()
  .max(64)
  .regex(/^[a-z0-9_-]+$/, 'must be a gateway id such as stripe, doku or sandbox');

/**
 * Events the web and mobile apps may send (POST /v1/analytics/events), each with a strict property
 * schema: what only the browser sees (seed 002 section 12). The server records the others itself.
 */
export const CLIENT_EVENTS = {
  // Tenant admin key insight: "How frequently do they review payment reconciliation reports?"
  'Reconciliation Report Viewed': z.strictObject({
    report_name: z.enum(['settlement', 'compensation', 'exceptions', 'imports']),
  }),
  // The consumer funnel before "Payment Initiated".
  'Bill Pay Viewed': z.strictObject({ items_shown: z.number().int().min(0).max(10_000) }),
  'Payment Method Selected': z.strictObject({ gateway_name: gatewayNameSchema }),
} as const;
export type ClientEventName = keyof typeof CLIENT_EVENTS;
export type ClientEventProperties<N extends ClientEventName> = z.input<(typeof CLIENT_EVENTS)[N]>;
