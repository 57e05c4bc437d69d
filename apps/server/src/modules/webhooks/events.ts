import { and, eq } from 'drizzle-orm';
import { afterCommit, insertJson, type TenantContext, type Tx } from '../../db/client.ts';
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
  const [id] = await emitEvents(tx, ctx, [{ type, data }]);
  return id!;
}

/** Emits many events with three statements in all (endpoints, events, deliveries). */
export async function emitEvents(
  tx: Tx,
  ctx: TenantContext,
  items: { type: EventType; data: unknown }[],
): Promise<string[]> {
  if (items.length === 0) return [];
  const created = Math.floor(Date.now() / 1000);
  const rows = items.map(({ type, data }) => {
    const id = newId('evt');
    return { id, type, payload: { id, object: 'event', type, livemode: ctx.mode === 'live', created, data } };
  });
  const endpoints = await tx
    .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.tenantId, ctx.tenantId),
        eq(webhookEndpoints.mode, ctx.mode),
        eq(webhookEndpoints.status, 'enabled'),
      ),
    );
  await tx.execute(
    insertJson(
      events,
      rows.map((r) => ({ tenantId: ctx.tenantId, mode: ctx.mode, id: r.id, type: r.type, data: r.payload })),
    ),
  );
  const deliveries = rows.flatMap((r) =>
    endpoints
      .filter((e) => e.events.includes(r.type))
      .map((e) => ({
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        id: newId('dlv'),
        eventId: r.id,
        endpointId: e.id,
      })),
  );
  if (deliveries.length) {
    afterCommit(tx, notifyEventsCommitted);
    await tx.execute(insertJson(webhookDeliveries, deliveries));
  }
  return rows.map((r) => r.id);
}
