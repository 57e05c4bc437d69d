import { and, asc, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Config } from '../../config/env.ts';
import { afterCommit, type Database, first, type TenantContext, type Tx } from '../../db/client.ts';
import {
  events,
  notifications,
  type Role,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
} from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { encryptSecret, randomToken } from '../../platform/crypto.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { keyringOf } from '../../platform/keyring.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import { notifyEventsCommitted } from './events.ts';
import type {
  WebhookDeliveryView,
  WebhookEndpointCreate,
  WebhookEndpointUpdate,
  WebhookEndpointView,
} from './webhooks.schemas.ts';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type AttemptRow = typeof webhookAttempts.$inferSelect;

export const endpointToView = (e: EndpointRow): WebhookEndpointView => ({
  id: e.id,
  object: 'webhook_endpoint',
  url: e.url,
  events: e.events,
  description: e.description,
  status: e.status,
  disabled_reason: e.disabledReason,
  failing_since: e.failingSince?.toISOString() ?? null,
  livemode: e.mode === 'live',
  created_at: e.createdAt.toISOString(),
  updated_at: e.updatedAt.toISOString(),
});

export const deliveryToView = (
  d: DeliveryRow,
  eventType: WebhookDeliveryView['event_type'],
): WebhookDeliveryView => ({
  id: d.id,
  object: 'webhook_delivery',
  endpoint_id: d.endpointId,
  event_id: d.eventId,
  event_type: eventType,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  delivered_at: d.deliveredAt?.toISOString() ?? null,
  created_at: d.createdAt.toISOString(),
});

const attemptToView = (a: AttemptRow) => ({
  id: a.id,
  attempt_no: a.attemptNo,
  status_code: a.statusCode,
  error: a.error,
  duration_ms: a.durationMs,
  response_body: a.responseBody,
  attempted_at: a.attemptedAt.toISOString(),
});

/** 256 random bits; the receiver's HMAC key (signature.ts). Stored only sealed. */
export const newSigningSecret = () => `whsec_${randomToken(32)}`;

export const ENDPOINT_DISABLED_ERROR = 'endpoint disabled';

/**
 * Disables an endpoint in the caller's transaction (an administrator, or the dispatcher after a
 * long run of failures). Its pending deliveries end as failed at once, so the delivery log says
 * what happened and no worker keeps polling rows that will never be sent; an administrator can
 * replay any of them after re-enabling.
 */
export async function disableEndpointIn(tx: Tx, endpoint: EndpointRow, reason: string) {
  const [after] = await tx
    .update(webhookEndpoints)
    .set({ status: 'disabled', disabledReason: reason, updatedAt: new Date() })
    .where(and(eq(webhookEndpoints.tenantId, endpoint.tenantId), eq(webhookEndpoints.id, endpoint.id)))
    .returning();
  await tx
    .update(webhookDeliveries)
    .set({ status: 'failed', lastError: ENDPOINT_DISABLED_ERROR })
    .where(
      and(
        eq(webhookDeliveries.tenantId, endpoint.tenantId),
        eq(webhookDeliveries.endpointId, endpoint.id),
        eq(webhookDeliveries.status, 'pending'),
      ),
    );
  return after!;
}

export type WebhookService = ReturnType<typeof createWebhookService>;

/**
 * Webhook endpoints of biller systems, per tenant and per mode (a test-mode endpoint receives
 * only test-mode events), their delivery log, manual replay, and the tenant's notifications.
 * Delivery itself is the dispatcher's job (webhooks.worker.ts).
 */
export function createWebhookService({ db, config }: { db: Database; config: Config }) {
  const keyring = keyringOf(config);

  async function endpointIn(tx: Tx, ctx: TenantContext, id: string, lock = false) {
    const query = tx
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.id, id)))
      .limit(1);
    const row = await (lock ? query.for('update') : query).then(first);
    if (!row) throw notFound('Webhook endpoint', id);
    return row;
  }

  async function deliveryIn(tx: Tx, ctx: TenantContext, id: string) {
    const row = await tx
      .select({ delivery: webhookDeliveries, eventType: events.type, event: events.data })
      .from(webhookDeliveries)
      .innerJoin(
        events,
        and(eq(events.tenantId, webhookDeliveries.tenantId), eq(events.id, webhookDeliveries.eventId)),
      )
      .where(and(eq(webhookDeliveries.tenantId, ctx.tenantId), eq(webhookDeliveries.id, id)))
      .limit(1)
      .then(first);
    if (!row) throw notFound('Webhook delivery', id);
    return row;
  }

  return {
    /** Creates an enabled endpoint; the signing secret is returned here and never again. */
    async create(ctx: TenantContext, input: WebhookEndpointCreate, actor: Actor) {
      const secret = newSigningSecret();
      const row = await db.withTenant(ctx, async (tx) => {
        const [row] = await tx
          .insert(webhookEndpoints)
          .values({
            tenantId: ctx.tenantId,
            mode: ctx.mode,
            id: newId('whe'),
            url: input.url,
            events: input.events,
            description: input.description ?? null,
            secretSealed: encryptSecret(keyring, secret),
          })
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'webhook_endpoint.created',
          targetType: 'webhook_endpoint',
          targetId: row!.id,
          after: endpointToView(row!),
        });
        return row!;
      });
      return { endpoint: row, secret };
    },

    async list(ctx: TenantContext, page: PageQuery) {
      const rows = await db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(webhookEndpoints)
          .where(
            and(
              eq(webhookEndpoints.tenantId, ctx.tenantId),
              eq(webhookEndpoints.mode, ctx.mode),
              page.starting_after ? lt(webhookEndpoints.id, page.starting_after) : undefined,
            ),
          )
          .orderBy(desc(webhookEndpoints.id))
          .limit(page.limit + 1),
      );
      return toPage(rows, page.limit);
    },

    get: (ctx: TenantContext, id: string) => db.withTenant(ctx, (tx) => endpointIn(tx, ctx, id)),

    async update(ctx: TenantContext, id: string, patch: WebhookEndpointUpdate, actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const before = await endpointIn(tx, ctx, id, true);
        const reEnabling = patch.status === 'enabled' && before.status === 'disabled';
        let [after] = await tx
          .update(webhookEndpoints)
          .set({
            ...(patch.url !== undefined ? { url: patch.url } : {}),
            ...(patch.events !== undefined ? { events: patch.events } : {}),
            ...(patch.description !== undefined ? { description: patch.description } : {}),
            // A fresh start: the failure window that disabled it begins again from the next failure.
            ...(reEnabling ? { status: 'enabled' as const, disabledReason: null, failingSince: null } : {}),
            updatedAt: new Date(),
          })
          .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.id, id)))
          .returning();
        if (patch.status === 'disabled' && before.status === 'enabled') {
          after = await disableEndpointIn(tx, after!, 'disabled by an administrator');
        }
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'webhook_endpoint.updated',
          targetType: 'webhook_endpoint',
          targetId: id,
          before: endpointToView(before),
          after: endpointToView(after!),
        });
        return after!;
      });
    },

    /** DELETE: the endpoint is disabled, not removed, so its delivery log stays readable. */
    async disable(ctx: TenantContext, id: string, actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const before = await endpointIn(tx, ctx, id, true);
        if (before.status === 'disabled') return before;
        const after = await disableEndpointIn(tx, before, 'disabled by an administrator');
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'webhook_endpoint.disabled',
          targetType: 'webhook_endpoint',
          targetId: id,
          before: endpointToView(before),
          after: endpointToView(after),
        });
        return after;
      });
    },

    /**
     * Replaces the signing secret at once: every request sent from now on, retries of older
     * deliveries included, is signed with the new one. The new secret is returned only here.
     */
    async rotateSecret(ctx: TenantContext, id: string, actor: Actor) {
      const secret = newSigningSecret();
      const row = await db.withTenant(ctx, async (tx) => {
        await endpointIn(tx, ctx, id, true);
        const [after] = await tx
          .update(webhookEndpoints)
          .set({ secretSealed: encryptSecret(keyring, secret), updatedAt: new Date() })
          .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.id, id)))
          .returning();
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'webhook_endpoint.secret_rotated',
          targetType: 'webhook_endpoint',
          targetId: id,
        });
        return after!;
      });
      return { endpoint: row, secret };
    },

    /** An endpoint's deliveries, newest first. */
    async listDeliveries(
      ctx: TenantContext,
      endpointId: string,
      page: PageQuery & { status?: DeliveryRow['status'] | undefined },
    ) {
      return db.withTenant(ctx, async (tx) => {
        await endpointIn(tx, ctx, endpointId);
        const rows = await tx
          .select({ delivery: webhookDeliveries, eventType: events.type })
          .from(webhookDeliveries)
          .innerJoin(
            events,
            and(eq(events.tenantId, webhookDeliveries.tenantId), eq(events.id, webhookDeliveries.eventId)),
          )
          .where(
            and(
              eq(webhookDeliveries.tenantId, ctx.tenantId),
              eq(webhookDeliveries.endpointId, endpointId),
              page.status ? eq(webhookDeliveries.status, page.status) : undefined,
              page.starting_after ? lt(webhookDeliveries.id, page.starting_after) : undefined,
            ),
          )
          .orderBy(desc(webhookDeliveries.id))
          .limit(page.limit + 1);
        const views = rows.map((r) => deliveryToView(r.delivery, r.eventType));
        return toPage(views, page.limit);
      });
    },

    /** One delivery with every attempt and the exact event body it sends. */
    async getDelivery(ctx: TenantContext, id: string) {
      return db.withTenant(ctx, async (tx) => {
        const { delivery, eventType, event } = await deliveryIn(tx, ctx, id);
        const attempts = await tx
          .select()
          .from(webhookAttempts)
          .where(and(eq(webhookAttempts.tenantId, ctx.tenantId), eq(webhookAttempts.deliveryId, id)))
          .orderBy(asc(webhookAttempts.attemptNo), asc(webhookAttempts.id));
        return { ...deliveryToView(delivery, eventType), attempt_log: attempts.map(attemptToView), event };
      });
    },

    /**
     * Sends an event to an endpoint again as a new delivery, due now, whatever became of the
     * original. The receiver sees the same event id again (it should dedupe by it).
     */
    async replay(ctx: TenantContext, deliveryId: string, actor: Actor) {
      return db.withTenant(ctx, async (tx) => {
        const { delivery: original, eventType } = await deliveryIn(tx, ctx, deliveryId);
        const endpoint = await endpointIn(tx, ctx, original.endpointId);
        if (endpoint.status !== 'enabled') {
          throw conflict(
            'endpoint_disabled',
            `Webhook endpoint ${endpoint.id} is disabled; enable it before replaying deliveries to it.`,
          );
        }
        const [replayed] = await tx
          .insert(webhookDeliveries)
          .values({
            tenantId: ctx.tenantId,
            mode: original.mode,
            id: newId('dlv'),
            eventId: original.eventId,
            endpointId: original.endpointId,
          })
          .returning();
        const view = deliveryToView(replayed!, eventType);
        await recordAudit(tx, actor, {
          tenantId: ctx.tenantId,
          action: 'webhook_delivery.replayed',
          targetType: 'webhook_delivery',
          targetId: replayed!.id,
          before: { replay_of: original.id },
          after: view,
        });
        afterCommit(tx, notifyEventsCommitted);
        return view;
      });
    },

    /** Notifications addressed to the caller's role, newest first. */
    async listNotifications(
      ctx: TenantContext,
      role: Role,
      page: PageQuery & { unread?: boolean | undefined },
    ) {
      const rows = await db.withTenant(ctx, (tx) =>
        tx
          .select()
          .from(notifications)
          .where(
            and(
              eq(notifications.tenantId, ctx.tenantId),
              eq(notifications.audienceRole, role),
              page.unread ? isNull(notifications.readAt) : undefined,
              page.starting_after ? lt(notifications.id, page.starting_after) : undefined,
            ),
          )
          .orderBy(desc(notifications.id))
          .limit(page.limit + 1),
      );
      const page_ = toPage(rows, page.limit);
      return {
        ...page_,
        data: page_.data.map((n) => ({
          id: n.id,
          object: 'notification' as const,
          kind: n.kind,
          title: n.title,
          body: n.body,
          audience_role: n.audienceRole,
          read_at: n.readAt?.toISOString() ?? null,
          created_at: n.createdAt.toISOString(),
        })),
      };
    },
  };
}
