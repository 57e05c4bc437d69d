import { and, eq, sql } from 'drizzle-orm';
import { afterCommit, type TenantContext, type Tx } from '../../db/client.ts';
import { type EventType, events, webhookDeliveries, webhookEndpoints } from '../../db/schema.ts';
import { newId } from '../../platform/ids.ts';

/**
 * The transactional outbox. emitEvent() writes the event and one delivery per subscribed,
 * enabled endpoint in the caller's transaction: the event exists exactly when the change does,
 * and nothing is lost if the process dies after commit. Workers deliver (webhooks.worker.ts).
 */
type Listener = () => void;
const listeners = new Set<Listener>();

/** In-process wake-up for the dispatcher after a commit that emitted events, so delivery starts at once. */
export function onEventsCommitted(listener: Listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
/** Wakes the dispatchers; called after a commit that created deliveries (emitEvent, a replay). */
export function notifyEventsCommitted() {
  for (const l of listeners) l();
}

export async function emitEvent(tx: Tx, ctx: TenantContext, type: EventType, data: unknown): Promise<string> {
  const id = newId('evt');
  const payload = { id, object: 'event', type, livemode: ctx.mode === 'live', created: Math.floor(Date.now() / 1000), data };
  await tx.insert(events).values({ tenantId: ctx.tenantId, mode: ctx.mode, id, type, data: payload });
  const targets = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.tenantId, ctx.tenantId),
        eq(webhookEndpoints.mode, ctx.mode),
        eq(webhookEndpoints.status, 'enabled'),
        sql`${webhookEndpoints.events} @> ${JSON.stringify([type])}::jsonb`,
      ),
    );
  if (targets.length) {
    afterCommit(tx, notifyEventsCommitted);
    await tx.insert(webhookDeliveries).values(
      targets.map((t) => ({ tenantId: ctx.tenantId, mode: ctx.mode, id: newId('dlv'), eventId: id, endpointId: t.id })),
    );
  }
  return id;
}
