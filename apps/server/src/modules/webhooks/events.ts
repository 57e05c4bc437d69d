import {
  afterCommit,
  execPrepared,
  insertSql,
  jsonRows,
  type TenantContext,
  type Tx,
} from '../../db/client.ts';
import { type EventType, events, webhookDeliveries } from '../../db/schema.ts';
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

/**
 * The rows of events and their deliveries (one per subscribed, enabled endpoint), ready to be
 * written in the caller's transaction by one statement: see emitEvents. Reads the endpoints.
 */
export async function eventRows(tx: Tx, ctx: TenantContext, items: { type: EventType; data: unknown }[]) {
  const created = Math.floor(Date.now() / 1000);
  const rows = items.map(({ type, data }) => {
    const id = newId('evt');
    return { id, type, payload: { id, object: 'event', type, livemode: ctx.mode === 'live', created, data } };
  });
  const endpoints = await execPrepared<{ id: string; events: EventType[] | string }>(
    tx,
    `select id, events from webhook_endpoints where tenant_id = $1 and mode = $2 and status = 'enabled'`,
    [ctx.tenantId, ctx.mode],
  );
  const subscribed = endpoints.map((e) => ({
    id: e.id,
    events: new Set<string>(typeof e.events === 'string' ? (JSON.parse(e.events) as string[]) : e.events),
  }));
  const deliveries = rows.flatMap((r) =>
    subscribed
      .filter((e) => e.events.has(r.type))
      .map((e) => ({
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        id: newId('dlv'),
        eventId: r.id,
        endpointId: e.id,
      })),
  );
  if (deliveries.length) afterCommit(tx, notifyEventsCommitted);
  return {
    ids: rows.map((r) => r.id),
    events: jsonRows(
      events,
      rows.map((r) => ({ tenantId: ctx.tenantId, mode: ctx.mode, id: r.id, type: r.type, data: r.payload })),
    ),
    deliveries: deliveries.length ? jsonRows(webhookDeliveries, deliveries) : null,
  };
}

/** Emits many events with two statements in all (endpoints; events and deliveries). */
export async function emitEvents(
  tx: Tx,
  ctx: TenantContext,
  items: { type: EventType; data: unknown }[],
): Promise<string[]> {
  if (items.length === 0) return [];
  const { ids, events: ev, deliveries } = await eventRows(tx, ctx, items);
  if (deliveries) {
    await execPrepared(tx, `with e as (${insertSql(ev, 1)}) ${insertSql(deliveries, 2)}`, [
      ev.json,
      deliveries.json,
    ]);
  } else {
    await execPrepared(tx, insertSql(ev, 1), [ev.json]);
  }
  return ids;
}
