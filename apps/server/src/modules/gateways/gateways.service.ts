import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config/env.ts';
import { type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import { gatewayConfigs, notifications, users } from '../../db/schema.ts';
import {
  type Credentials,
  type GatewayAdapter,
  GatewayError,
  publicCredentialView,
} from '../../gateways/gateway.ts';
import type { GatewayRegistry } from '../../gateways/registry.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { decryptSecret, encryptSecret, randomToken } from '../../platform/crypto.ts';
import { AppError, conflict, notFound, validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { keyringOf } from '../../platform/keyring.ts';
import type { Mailer } from '../../platform/mailer.ts';
import { track } from '../analytics/analytics.service.ts';

export type GatewayConfigRow = typeof gatewayConfigs.$inferSelect;

/**
 * Tenant gateway configuration (issue 4, seed 002 "Payment Integrations"): several gateways may be
 * active at once; credentials are checked for format, then live against the gateway, before they
 * are saved; secret fields are stored only sealed and never returned; every configuration has its
 * own notification URL. A gateway is offered to consumers only when it is active and connected
 * (the 1-unit connect test succeeded for its current credentials).
 */

/** The path of a tenant's notification URL for one gateway (DOKU signs this path). */
export const webhookPath = (token: string) => `/hooks/gateways/${token}`;

/** Credentials in clear: the non-secret settings plus the unsealed secrets. */
export function credentialsOf(config: Config, row: GatewayConfigRow): Credentials {
  const secrets = row.secretsSealed
    ? (JSON.parse(decryptSecret(keyringOf(config), row.secretsSealed)) as Record<string, string>)
    : {};
  return { ...row.settings, ...secrets };
}

/** Whether the connect test passed for the credentials as they are now. */
export const isConnected = (row: GatewayConfigRow) =>
  row.status === 'connected' && row.connectedVersion === row.configVersion;

/** Offered to payers: switched on by the admin and proven by the connect test. */
export const isAvailable = (row: GatewayConfigRow) => row.active && isConnected(row);

export async function loadGatewayConfig(tx: Tx, ctx: TenantContext, gateway: string) {
  return tx
    .select()
    .from(gatewayConfigs)
    .where(
      and(
        eq(gatewayConfigs.tenantId, ctx.tenantId),
        eq(gatewayConfigs.mode, ctx.mode),
        eq(gatewayConfigs.gateway, gateway),
      ),
    )
    .limit(1)
    .then(first);
}

export function gatewayView(config: Config, adapter: GatewayAdapter, row: GatewayConfigRow | undefined) {
  const credentials = row ? credentialsOf(config, row) : {};
  const connected = row ? isConnected(row) : false;
  return {
    object: 'gateway' as const,
    gateway: adapter.id,
    display_name: adapter.displayName,
    capabilities: {
      currencies: adapter.capabilities.currencies === '*' ? ['*'] : [...adapter.capabilities.currencies],
      refunds: adapter.capabilities.refunds,
      methods: [...adapter.capabilities.methods],
    },
    fields: adapter.credentialFields.map((f) => ({
      key: f.key,
      label: f.label,
      secret: f.secret,
      required: f.required,
      pattern: f.pattern ?? null,
      pattern_reason: f.patternReason ?? null,
      max_length: f.maxLength ?? null,
      options: f.options ? [...f.options] : null,
      placeholder: f.placeholder ?? null,
      help: f.help ?? null,
    })),
    configured: Boolean(row?.secretsSealed || (row && Object.keys(row.settings).length)),
    active: row?.active ?? false,
    // not_connected | connecting | connected | failed; "connected" only for the current credentials.
    status: row ? (row.status === 'connected' && !connected ? 'not_connected' : row.status) : 'not_connected',
    connected,
    available: row ? isAvailable(row) : false,
    credentials: publicCredentialView(adapter.credentialFields, credentials),
    webhook_url: row ? `${config.publicUrl}${webhookPath(row.webhookToken)}` : null,
    connected_at: connected ? (row?.connectedAt?.toISOString() ?? null) : null,
    last_connect: (row?.lastConnectDetail as Record<string, unknown> | null) ?? null,
    last_check: row?.lastCheckAt
      ? { at: row.lastCheckAt.toISOString(), ok: row.lastCheckOk ?? false, detail: row.lastCheckDetail ?? '' }
      : null,
    updated_at: row?.updatedAt.toISOString() ?? null,
  };
}
export type GatewayView = ReturnType<typeof gatewayView>;

export type GatewayService = ReturnType<typeof createGatewayService>;

const HANDSHAKE_EVERY_MS = 24 * 3600_000;

export function createGatewayService({
  db,
  config,
  gateways,
  mailer,
  log,
}: {
  db: Database;
  config: Config;
  gateways: GatewayRegistry;
  mailer?: Mailer;
  log?: Logger;
}) {
  const keyring = keyringOf(config);
  const adapterOf = (id: string) => {
    const a = gateways.get(id);
    if (!a) throw notFound('Gateway', id);
    return a;
  };

  /** Creates the configuration row on first use (inactive, no credentials, its webhook token). */
  async function ensureRow(tx: Tx, ctx: TenantContext, gateway: string) {
    const existing = await loadGatewayConfig(tx, ctx, gateway);
    if (existing) return existing;
    await tx
      .insert(gatewayConfigs)
      .values({ tenantId: ctx.tenantId, mode: ctx.mode, gateway, webhookToken: `gwh_${randomToken(24)}` })
      .onConflictDoNothing();
    return (await loadGatewayConfig(tx, ctx, gateway))!;
  }

  return {
    adapterOf,

    async list(ctx: TenantContext) {
      const rows = await db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(gatewayConfigs)
          .where(and(eq(gatewayConfigs.tenantId, ctx.tenantId), eq(gatewayConfigs.mode, ctx.mode))),
      );
      const byId = new Map(rows.map((r) => [r.gateway, r]));
      return gateways.list().map((a) => gatewayView(config, a, byId.get(a.id)));
    },

    async get(ctx: TenantContext, gateway: string) {
      const adapter = adapterOf(gateway);
      const row = await db.withTenant(ctx, (tx) => loadGatewayConfig(tx, ctx, gateway));
      return gatewayView(config, adapter, row);
    },

    /** What a payer may choose from: active and connected gateways, in the admin's card order. */
    async available(ctx: TenantContext) {
      const list = await this.list(ctx);
      return list
        .filter((g) => g.available)
        .map((g) => ({ gateway: g.gateway, display_name: g.display_name, methods: g.capabilities.methods }));
    },

    /**
     * Saves credentials after checking them: format first (per-field reasons), then live against
     * the gateway (seed 002: "validated against the gateway API before saving"). Secret fields left
     * out keep their stored value, so editing a Mall ID does not mean retyping the Secret Key. A
     * change of any value bumps the version, which turns "Connected" back into "Connect".
     */
    async saveCredentials(ctx: TenantContext, gateway: string, input: Record<string, unknown>, actor: Actor) {
      const adapter = adapterOf(gateway);
      const current = await db.withTenant(ctx, (tx) => loadGatewayConfig(tx, ctx, gateway));
      const stored = current ? credentialsOf(config, current) : {};
      const merged: Record<string, unknown> = {};
      for (const f of adapter.credentialFields) {
        const given = input[f.key];
        merged[f.key] = f.secret && (given === undefined || given === '') ? stored[f.key] : given;
        if (f.generated && (merged[f.key] === undefined || merged[f.key] === '')) {
          merged[f.key] = `whsec_${randomToken(24)}`;
        }
      }
      for (const k of Object.keys(input)) if (!(k in merged)) merged[k] = input[k];
      const formatErrors = adapter.checkCredentialFormat(merged);
      if (formatErrors.length) {
        throw validationFailed(
          formatErrors.map((e) => ({ field: `credentials.${e.field}`, reason: e.reason })),
          `The ${adapter.displayName} credentials have invalid fields.`,
        );
      }
      const values = Object.fromEntries(
        Object.entries(merged).filter(([, v]) => typeof v === 'string' && v !== ''),
      ) as Record<string, string>;
      let check: Awaited<ReturnType<GatewayAdapter['validateCredentials']>>;
      try {
        check = await adapter.validateCredentials(values, { timeoutMs: config.GATEWAY_TIMEOUT_MS });
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        check = { ok: false, errors: [], detail: err.gatewayMessage };
      }
      if (!check.ok) {
        throw new AppError(
          422,
          'gateway_credentials_rejected',
          `${adapter.displayName} did not accept these credentials: ${check.detail}`,
          {
            errors: check.errors.map((e) => ({ field: `credentials.${e.field}`, reason: e.reason })),
            extensions: { gateway_response: check.detail },
          },
        );
      }
      const settings: Record<string, string> = {};
      const secrets: Record<string, string> = {};
      for (const f of adapter.credentialFields) {
        const v = values[f.key];
        if (v === undefined) continue;
        if (f.secret) secrets[f.key] = v;
        else settings[f.key] = v;
      }
      const changed =
        JSON.stringify(Object.entries(values).sort()) !== JSON.stringify(Object.entries(stored).sort());
      return db.withTenant(ctx, async (tx) => {
        const row = await ensureRow(tx, ctx, gateway);
        const [after] = await tx
          .update(gatewayConfigs)
          .set({
            settings,
            secretsSealed: encryptSecret(keyring, JSON.stringify(secrets)),
            ...(changed ? { configVersion: row.configVersion + 1, status: 'not_connected' as const } : {}),
            updatedAt: new Date(),
          })
          .where(
            and(
              eq(gatewayConfigs.tenantId, ctx.tenantId),
              eq(gatewayConfigs.mode, ctx.mode),
              eq(gatewayConfigs.gateway, gateway),
            ),
          )
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'gateway.configured',
          targetType: 'gateway',
          targetId: gateway,
          // Secrets never reach the audit log: only which secret fields are set.
          before: { settings: row.settings, version: row.configVersion },
          after: {
            settings,
            secrets_set: Object.keys(secrets).sort(),
            version: after!.configVersion,
            gateway_response: check.detail,
          },
        });
        await track(
          tx,
          ctx,
          'Gateway Configured',
          { gateway_name: gateway, credentials_entered: Object.keys(values).sort(), changed },
          actor,
        );
        return { view: gatewayView(config, adapter, after), check };
      });
    },

    /** The toggle on the gateway card (seed 002). */
    async setActive(ctx: TenantContext, gateway: string, active: boolean, actor: Actor) {
      const adapter = adapterOf(gateway);
      return db.withTenant(ctx, async (tx) => {
        const row = await ensureRow(tx, ctx, gateway);
        const [after] = await tx
          .update(gatewayConfigs)
          .set({ active, updatedAt: new Date() })
          .where(
            and(
              eq(gatewayConfigs.tenantId, ctx.tenantId),
              eq(gatewayConfigs.mode, ctx.mode),
              eq(gatewayConfigs.gateway, gateway),
            ),
          )
          .returning();
        if (row.active !== active) {
          await recordAudit(tx, actor, {
            tenantId: ctx.tenantId,
            action: active ? 'gateway.activated' : 'gateway.deactivated',
            targetType: 'gateway',
            targetId: gateway,
            before: { active: row.active },
            after: { active },
          });
        }
        if (active && !row.active) {
          const activation_time = new Date().toISOString();
          await track(tx, ctx, 'Gateway Activated', { gateway_name: gateway, activation_time }, actor);
        }
        return gatewayView(config, adapter, after);
      });
    },

    /** Disconnect: the credentials are erased and the gateway is switched off. */
    async disconnect(ctx: TenantContext, gateway: string, actor: Actor) {
      const adapter = adapterOf(gateway);
      return db.withTenant(ctx, async (tx) => {
        const row = await loadGatewayConfig(tx, ctx, gateway);
        if (!row) return gatewayView(config, adapter, undefined);
        const [after] = await tx
          .update(gatewayConfigs)
          .set({
            active: false,
            settings: {},
            secretsSealed: null,
            status: 'not_connected',
            configVersion: row.configVersion + 1,
            connectedVersion: null,
            connectedAt: null,
            updatedAt: new Date(),
          })
          .where(
            and(
              eq(gatewayConfigs.tenantId, ctx.tenantId),
              eq(gatewayConfigs.mode, ctx.mode),
              eq(gatewayConfigs.gateway, gateway),
            ),
          )
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'gateway.disconnected',
          targetType: 'gateway',
          targetId: gateway,
          before: { status: row.status, active: row.active },
          after: { status: 'not_connected', active: false },
        });
        return gatewayView(config, adapter, after);
      });
    },

    /**
     * The handshake (seed 002: checked daily): a cheap authenticated call; the result is kept on
     * the configuration. Returns the result; the caller decides whom to tell.
     */
    async healthCheck(ctx: TenantContext, gateway: string) {
      const adapter = adapterOf(gateway);
      const row = await db.withTenant(ctx, (tx) => loadGatewayConfig(tx, ctx, gateway));
      if (!row?.secretsSealed)
        throw conflict('gateway_not_configured', `${adapter.displayName} has no credentials.`);
      let result: { ok: boolean; detail: string; latencyMs: number };
      try {
        result = await adapter.healthCheck(credentialsOf(config, row), {
          timeoutMs: config.GATEWAY_TIMEOUT_MS,
        });
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        result = { ok: false, detail: err.gatewayMessage, latencyMs: 0 };
      }
      await db.withTenant(ctx, (tx) =>
        tx
          .update(gatewayConfigs)
          .set({ lastCheckAt: new Date(), lastCheckOk: result.ok, lastCheckDetail: result.detail })
          .where(
            and(
              eq(gatewayConfigs.tenantId, ctx.tenantId),
              eq(gatewayConfigs.mode, ctx.mode),
              eq(gatewayConfigs.gateway, gateway),
            ),
          ),
      );
      return result;
    },

    /**
     * The daily handshake (seed 002) of every connected gateway that has not been checked for a
     * day. A failure becomes a notice in the back office and an email to the tenant's admins.
     */
    async runDueHandshakes(only?: TenantContext, limit = 100) {
      const due = await db.system((tx) =>
        tx
          .select()
          .from(gatewayConfigs)
          .where(
            and(
              eq(gatewayConfigs.status, 'connected'),
              only ? eq(gatewayConfigs.tenantId, only.tenantId) : undefined,
              only ? eq(gatewayConfigs.mode, only.mode) : undefined,
              or(
                isNull(gatewayConfigs.lastCheckAt),
                lt(gatewayConfigs.lastCheckAt, new Date(Date.now() - HANDSHAKE_EVERY_MS)),
              ),
            ),
          )
          .limit(limit),
      );
      let failed = 0;
      for (const row of due) {
        const ctx = { tenantId: row.tenantId, mode: row.mode };
        const adapter = gateways.get(row.gateway);
        if (!adapter) continue;
        const r = await this.healthCheck(ctx, row.gateway);
        if (r.ok) continue;
        failed++;
        const title = `${adapter.displayName}: daily connection check failed`;
        const body = `Billrail could not reach ${adapter.displayName} with your saved credentials (${row.mode} mode). The gateway answered: ${r.detail}. Payers may be unable to pay through it; check the credentials under Payment Integrations.`;
        const admins = await db.withTenant(ctx, async (tx) => {
          await tx.insert(notifications).values({
            tenantId: ctx.tenantId,
            id: newId('ntf'),
            audienceRole: 'tenant_admin',
            kind: 'gateway.handshake_failed',
            title,
            body,
          });
          return tx
            .select({ email: users.email })
            .from(users)
            .where(
              and(
                eq(users.tenantId, ctx.tenantId),
                eq(users.role, 'tenant_admin'),
                eq(users.status, 'active'),
              ),
            );
        });
        if (mailer && admins.length) {
          await mailer
            .send({ from: config.MAIL_FROM, to: admins.map((a) => a.email), subject: title, text: body })
            .catch((err) => log?.error({ err, gateway: row.gateway }, 'handshake failure email not sent'));
        }
      }
      return failed;
    },
  };
}
