import { z } from 'zod';

/**
 * Every setting Billrail reads from the environment, validated once at boot. A bad value stops
 * the process with a message naming the variable; production mode refuses to start without the
 * secrets it needs (there are no secret defaults there).
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const DEV_MASTER_KEY = 'ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE='; // 32 bytes, development only

export const envSchema = z
  .object({
    BILLRAIL_ENV: z.enum(['development', 'production']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url().optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    PGLITE_DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SESSION_TTL_MINUTES: z.coerce.number().int().min(1).max(43200).default(720),
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
    LOGIN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(20),
    PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce
      .number()
      .int()
      .min(1)
      .max(100000)
      .default(60)
      .describe('Requests per minute and IP to each public pay, link and verification route'),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(1024 * 1024),
    COOKIE_SECURE: bool.default(true),
    SECRETS_MASTER_KEY: z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
      .optional(),
    SECRETS_KEY_ID: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/)
      .default('k1'),
    SECRETS_PREVIOUS_KEYS: z
      .string()
      .regex(
        /^([a-z0-9-]{1,32}:[A-Za-z0-9+/=]{44})(,[a-z0-9-]{1,32}:[A-Za-z0-9+/=]{44})*$/,
        'must be id:base64key pairs separated by commas',
      )
      .optional(),
    WEB_DIST_DIR: z.string().optional(),
    WEBHOOK_PRIVATE_TARGETS: z
      .enum(['allow', 'deny'])
      .optional()
      .describe(
        'Whether webhooks may reach private addresses; default deny in production, allow in development',
      ),
    // Run the webhook dispatcher inside `serve`/`start` too (the single-process embedded setup).
    WORKER_IN_PROCESS: bool.default(true),
    STRIPE_API_URL: z
      .url()
      .optional()
      .describe('Where the Stripe SDK sends API calls (default https://api.stripe.com)'),
    DOKU_API_URL: z
      .url()
      .optional()
      .describe("Overrides DOKU's sandbox and production API base URLs (e.g. a proxy or a fake)"),
    GATEWAY_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(15_000)
      .describe('A gateway call without an answer in this time fails (seed 002)'),
    CHECKOUT_TTL_MINUTES: z.coerce.number().int().min(5).max(1440).default(30),
    SANDBOX_SETTLEMENT_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86400)
      .default(60)
      .describe('The sandbox gateway settles a successful payment this long after it succeeded'),
    MAIL_SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
    MAIL_FOLDER_DIR: z.string().min(1).default('./mail'),
    MAIL_FROM: z.string().min(3).default('Billrail <billrail@localhost>'),
    SMS_PROVIDER: z
      .enum(['log'])
      .default('log')
      .describe('How SMS go out; `log` writes them to SMS_FOLDER_DIR'),
    SMS_FOLDER_DIR: z.string().min(1).default('./sms'),
  })
  .superRefine((env, ctx) => {
    if (env.BILLRAIL_ENV === 'production' && !env.SECRETS_MASTER_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['SECRETS_MASTER_KEY'],
        message: 'is required when BILLRAIL_ENV=production (generate one with `openssl rand -base64 32`)',
      });
    }
    if (env.BILLRAIL_ENV === 'production' && !env.PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message: 'is required when BILLRAIL_ENV=production',
      });
    }
  });

export type Env = z.output<typeof envSchema>;

export interface Config extends Env {
  publicUrl: string;
  masterKey: Buffer;
  webhookPrivateTargets: 'allow' | 'deny';
}

export class ConfigError extends Error {}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset so `FOO= billrail serve` does not trip validation.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  return {
    ...env,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
    masterKey: Buffer.from(env.SECRETS_MASTER_KEY ?? DEV_MASTER_KEY, 'base64'),
    webhookPrivateTargets:
      env.WEBHOOK_PRIVATE_TARGETS ?? (env.BILLRAIL_ENV === 'production' ? 'deny' : 'allow'),
  };
}
