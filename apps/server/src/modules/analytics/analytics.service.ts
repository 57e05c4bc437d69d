import { type SQL, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, TenantContext, Tx } from '../../db/client.ts';
import { analyticsEvents } from '../../db/schema.ts';
import { validationFailed } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { todayIn, toWire } from '../../platform/wire.ts';
import { tenantSettings } from '../tenants/tenants.service.ts';
import {
  ALL_EVENTS,
  CLIENT_EVENTS,
  type ClientEventName,
  isClientEvent,
  isServerEvent,
  type ServerEventName,
  type ServerEventProperties,
} from './analytics.events.ts';

/** Who did it: a request's Actor (platform/audit.ts) fits, and so does `{ id, role }`. */
export interface TrackActor {
  type?: string;
  id?: string | null;
  role?: string | null;
}

const roleOf = (actor: TrackActor | null) =>
  actor?.role ?? (actor?.type && actor.type !== 'user' ? actor.type : null);

/**
 * Records one behaviour event inside the caller's transaction: it exists exactly when the action
 * does (a rolled-back action leaves no event, a replayed Idempotency-Key request runs nothing, so
 * nothing is counted twice). Row-level security confines it to the transaction's tenant and mode.
 */
export async function track<N extends ServerEventName>(
  tx: Tx,
  ctx: TenantContext,
  name: N,
  properties: ServerEventProperties[N],
  actor: TrackActor | null,
): Promise<void> {
  await tx.insert(analyticsEvents).values({
    tenantId: ctx.tenantId,
    mode: ctx.mode,
    id: newId('ane'),
    name,
    actorId: actor?.id ?? null,
    actorRole: roleOf(actor),
    properties: properties as Record<string, unknown>,
  });
}

/**
 * Like track(), but skipped when the same actor recorded the same event with the same `key`
 * properties within `windowSeconds`. For reads the app repeats by itself (History refreshes every
 * 4 s, a list refetches when the tab regains focus): one look is one event, not one per poll.
 */
export async function trackOnce<N extends ServerEventName>(
  tx: Tx,
  ctx: TenantContext,
  name: N,
  properties: ServerEventProperties[N],
  actor: TrackActor | null,
  once: { windowSeconds: number; key: Partial<ServerEventProperties[N]> },
): Promise<void> {
  const actorId = actor?.id ?? null;
  await tx.execute(sql`
    insert into analytics_events (tenant_id, mode, id, name, actor_id, actor_role, properties)
    select ${ctx.tenantId}, ${ctx.mode}, ${newId('ane')}, ${name}, ${actorId}, ${roleOf(actor)},
           ${JSON.stringify(properties)}::jsonb
     where not exists (
       select 1 from analytics_events
        where tenant_id = ${ctx.tenantId} and mode = ${ctx.mode} and name = ${name}
          and actor_id is not distinct from ${actorId}
          and created_at > now() - make_interval(secs => ${once.windowSeconds})
          and properties @> ${JSON.stringify(once.key)}::jsonb)`);
}

export interface InsightsQuery {
  from?: string | undefined;
  to?: string | undefined;
}

const DAY_MS = 86_400_000;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
/** 0.1234 from 1234/10000: a share with four decimals, or null when there is nothing to divide by. */
export const ratio = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
const big = (v: unknown) => BigInt((v as string | number | bigint | null) ?? 0);
const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
/** Seconds a payment may take to reconcile and still be "on time" (seed 002: settlement takes 2 days). */
export const ON_TIME_SECONDS = 2 * 86_400;
const FAILED = ['failed', 'expired', 'canceled'];

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;

export function createAnalyticsService({ db, log }: { db: Database; log?: Logger }) {
  return {
    /** A server event outside any write transaction (reads: searches, views). */
    async record<N extends ServerEventName>(
      ctx: TenantContext,
      name: N,
      properties: ServerEventProperties[N],
      actor: TrackActor | null,
      once?: { windowSeconds: number; key: Partial<ServerEventProperties[N]> },
    ) {
      try {
        await db.withTenant(ctx, (tx) =>
          once ? trackOnce(tx, ctx, name, properties, actor, once) : track(tx, ctx, name, properties, actor),
        );
      } catch (err) {
        // A read must not fail because its tracking did.
        log?.warn({ err, event: name }, 'analytics event not recorded');
      }
    },

    /** An event the web or mobile app sends: a known client event with valid properties. */
    async recordClient(ctx: TenantContext, name: string, properties: unknown, actor: TrackActor) {
      if (!isClientEvent(name)) {
        throw validationFailed(
          [
            {
              field: 'name',
              reason: isServerEvent(name)
                ? 'is recorded by the server and cannot be sent'
                : `is not a known event (one of: ${Object.keys(CLIENT_EVENTS).join(', ')})`,
            },
          ],
          'Unknown event.',
        );
      }
      const parsed = CLIENT_EVENTS[name as ClientEventName].safeParse(properties ?? {});
      if (!parsed.success) {
        throw validationFailed(
          parsed.error.issues.map((i) => ({
            field: ['properties', ...i.path].join('.'),
            reason: i.message,
          })),
        );
      }
      const id = newId('ane');
      await db.withTenant(ctx, (tx) =>
        tx.insert(analyticsEvents).values({
          tenantId: ctx.tenantId,
          mode: ctx.mode,
          id,
          name,
          actorId: actor.id ?? null,
          actorRole: roleOf(actor),
          properties: parsed.data as Record<string, unknown>,
        }),
      );
      return { id, name };
    },

    /** The key insights of seed 002 section 12 over a range of days in the tenant's calendar. */
    async insights(ctx: TenantContext, q: InsightsQuery) {
      return db.withTenant(ctx, async (tx) => {
        const settings = await tenantSettings(tx, ctx.tenantId);
        const tz = settings.timeZone;
        const to = q.to ?? todayIn(tz);
        const from = q.from ?? addDays(to, -29);
        if (from > to) throw validationFailed([{ field: 'from', reason: 'must not be after to' }]);
        if (Date.parse(to) - Date.parse(from) > 366 * DAY_MS)
          throw validationFailed([{ field: 'from', reason: 'the range may span at most 366 days' }]);
        const start = sql`(${from}::date::timestamp at time zone ${tz})`;
        const end = sql`((${to}::date + 1)::timestamp at time zone ${tz})`;
        const scope = sql`tenant_id = ${ctx.tenantId} and mode = ${ctx.mode}`;
        const inRange = sql`${scope} and created_at >= ${start} and created_at < ${end}`;
        const rows = <R>(query: SQL) => db.rows<R>(tx, query);

        const totals = await rows<{ name: string; n: number; actors: number }>(sql`
          select name, count(*)::int as n, count(distinct actor_id)::int as actors
            from analytics_events where ${inRange} group by name`);
        const count = (name: string) => totals.find((t) => t.name === name)?.n ?? 0;
        const actors = (name: string) => totals.find((t) => t.name === name)?.actors ?? 0;

        // Gateways: the set-up funnel in the range, and all-time firsts for time to first connect.
        const funnel = await rows<{ gateway: string; name: string; status: string; n: number }>(sql`
          select properties->>'gateway_name' as gateway, name,
                 coalesce(properties->>'test_status', '') as status, count(*)::int as n
            from analytics_events
           where ${inRange} and name in ('Gateway Activated', 'Gateway Configured', 'Gateway Test Transaction')
           group by 1, 2, 3`);
        const firsts = await rows<{
          gateway: string;
          activated: string | null;
          configured: string | null;
          connected: string | null;
        }>(sql`
          select properties->>'gateway_name' as gateway,
                 min(created_at) filter (where name = 'Gateway Activated') as activated,
                 min(created_at) filter (where name = 'Gateway Configured') as configured,
                 min(created_at) filter (where name = 'Gateway Test Transaction'
                                           and properties->>'test_status' = 'succeeded') as connected
            from analytics_events
           where ${scope} and name in ('Gateway Activated', 'Gateway Configured', 'Gateway Test Transaction')
           group by 1`);
        // Checkout conversion by cohort: attempts initiated in the range and how each ended
        // (its latest outcome: a success that follows a failure counts as a success).
        const checkoutRows = await rows<{
          gateway: string;
          initiated: number;
          succeeded: number;
          failed: number;
          initiated_amount: string;
          collected_amount: string;
          payers: number;
        }>(sql`
          with init as (
            select properties->>'checkout_id' as cid, properties->>'gateway_name' as gateway,
                   (properties->>'payment_amount')::bigint as amount, actor_id
              from analytics_events where ${inRange} and name = 'Payment Initiated'),
          outcome as (
            select distinct on (properties->>'checkout_id') properties->>'checkout_id' as cid,
                   properties->>'payment_status' as status, (properties->>'payment_amount')::bigint as amount
              from analytics_events
             where ${scope} and created_at >= ${start} and name = 'Payment Completed'
             order by properties->>'checkout_id', created_at desc, id desc)
          select init.gateway, count(*)::int as initiated,
                 count(*) filter (where outcome.status = 'successful')::int as succeeded,
                 count(*) filter (where outcome.status in ('failed', 'expired', 'canceled'))::int as failed,
                 coalesce(sum(init.amount), 0)::text as initiated_amount,
                 coalesce(sum(outcome.amount) filter (where outcome.status = 'successful'), 0)::text as collected_amount,
                 count(distinct init.actor_id)::int as payers
            from init left join outcome using (cid)
           group by init.gateway order by init.gateway`);
        const recon = await rows<{
          status: string;
          n: number;
          median_lag: number | null;
          on_time: number;
        }>(sql`
          select properties->>'reconciliation_status' as status, count(*)::int as n,
                 percentile_cont(0.5) within group (order by (properties->>'lag_seconds')::numeric)::float8 as median_lag,
                 count(*) filter (where (properties->>'lag_seconds')::numeric <= ${ON_TIME_SECONDS})::int as on_time
            from analytics_events where ${inRange} and name = 'Payment Reconciled' group by 1`);
        const lookups = await rows<{ n: number }>(sql`
          select count(*)::int as n from analytics_events
           where ${inRange} and name = 'Payment Searched' and properties->>'transaction_id' is not null`);
        const daily = await rows<{ day: string; name: string; n: number }>(sql`
          select to_char(created_at at time zone ${tz}, 'YYYY-MM-DD') as day, name, count(*)::int as n
            from analytics_events
           where ${inRange} and (name in ('Payment Initiated', 'Payment Searched', 'Payment History Viewed')
                 or (name = 'Payment Completed' and properties->>'payment_status' = 'successful'))
           group by 1, 2`);

        const gatewayIds = [
          ...new Set([
            ...funnel.map((f) => f.gateway),
            ...firsts.map((f) => f.gateway),
            ...checkoutRows.map((c) => c.gateway),
          ]),
        ]
          .filter(Boolean)
          .sort();
        const f = (gateway: string, name: string, status = '') =>
          funnel.find((r) => r.gateway === gateway && r.name === name && r.status === status)?.n ?? 0;
        const gateways = gatewayIds.map((gateway) => {
          const first = firsts.find((r) => r.gateway === gateway);
          const c = checkoutRows.find((r) => r.gateway === gateway);
          const began = [first?.activated, first?.configured]
            .filter((d): d is string => !!d)
            .map((d) => Date.parse(iso(d)!))
            .sort((a, b) => a - b)[0];
          const connected = first?.connected ? Date.parse(iso(first.connected)!) : undefined;
          const testsFailed = FAILED.reduce((s, st) => s + f(gateway, 'Gateway Test Transaction', st), 0);
          return {
            gateway,
            activated: f(gateway, 'Gateway Activated'),
            configured: f(gateway, 'Gateway Configured'),
            tests_initiated: f(gateway, 'Gateway Test Transaction', 'initiated'),
            tests_succeeded: f(gateway, 'Gateway Test Transaction', 'succeeded'),
            tests_failed: testsFailed,
            first_activated_at: iso(first?.activated),
            first_configured_at: iso(first?.configured),
            first_connected_at: iso(first?.connected),
            time_to_first_connect_seconds:
              began !== undefined && connected !== undefined && connected >= began
                ? Math.round((connected - began) / 1000)
                : null,
            payments_initiated: c?.initiated ?? 0,
            payments_succeeded: c?.succeeded ?? 0,
            collected_amount: toWire(big(c?.collected_amount)),
          };
        });
        // Most used first: by successful payments, then by attempts.
        const mostUsed = [...gateways]
          .filter((g) => g.payments_initiated > 0)
          .sort(
            (a, b) =>
              b.payments_succeeded - a.payments_succeeded || b.payments_initiated - a.payments_initiated,
          )
          .map((g) => g.gateway);

        const initiated = checkoutRows.reduce((s, c) => s + c.initiated, 0);
        const succeeded = checkoutRows.reduce((s, c) => s + c.succeeded, 0);
        const failed = checkoutRows.reduce((s, c) => s + c.failed, 0);
        const matched = recon.find((r) => r.status === 'matched');
        const reconciled = recon.reduce((s, r) => s + r.n, 0);
        const onTime = recon.reduce((s, r) => s + r.on_time, 0);
        const historyViews = count('Payment History Viewed');
        const historyViewers = actors('Payment History Viewed');
        const testsInitiated = gateways.reduce((s, g) => s + g.tests_initiated, 0);
        const testsSucceeded = gateways.reduce((s, g) => s + g.tests_succeeded, 0);

        const days: {
          date: string;
          initiated: number;
          completed: number;
          searches: number;
          history_views: number;
        }[] = [];
        for (let d = from; d <= to; d = addDays(d, 1)) {
          const n = (name: string) => daily.find((r) => r.day === d && r.name === name)?.n ?? 0;
          days.push({
            date: d,
            initiated: n('Payment Initiated'),
            completed: n('Payment Completed'),
            searches: n('Payment Searched'),
            history_views: n('Payment History Viewed'),
          });
        }

        return {
          range: { from, to, time_zone: tz },
          currency: settings.currency,
          events: ALL_EVENTS.map((name) => ({ name, count: count(name), actors: actors(name) })),
          gateways,
          most_used_gateways: mostUsed,
          gateway_setup: {
            activations: count('Gateway Activated'),
            configurations: count('Gateway Configured'),
            tests_initiated: testsInitiated,
            tests_succeeded: testsSucceeded,
            test_success_rate: ratio(testsSucceeded, testsInitiated),
          },
          checkout: {
            initiated,
            succeeded,
            failed,
            open: initiated - succeeded - failed,
            conversion_rate: ratio(succeeded, initiated),
            initiated_amount: toWire(checkoutRows.reduce((s, c) => s + big(c.initiated_amount), 0n)),
            collected_amount: toWire(checkoutRows.reduce((s, c) => s + big(c.collected_amount), 0n)),
            payers: actors('Payment Initiated'),
          },
          back_office: {
            searches: count('Payment Searched'),
            searchers: actors('Payment Searched'),
            transaction_lookups: lookups[0]?.n ?? 0,
            details_viewed: count('Payment Details Viewed'),
            reconciled,
            reconciled_matched: matched?.n ?? 0,
            reconciled_ignored: recon.find((r) => r.status === 'ignored')?.n ?? 0,
            median_reconcile_lag_seconds:
              matched?.median_lag === null || matched?.median_lag === undefined
                ? null
                : Math.round(Number(matched.median_lag)),
            reconciled_on_time_rate: ratio(onTime, matched?.n ?? 0),
            report_views: count('Reconciliation Report Viewed'),
          },
          consumers: {
            history_views: historyViews,
            history_viewers: historyViewers,
            views_per_viewer:
              historyViewers > 0 ? Math.round((historyViews / historyViewers) * 100) / 100 : null,
            bill_pay_views: count('Bill Pay Viewed'),
          },
          daily: days,
        };
      });
    },
  };
}
