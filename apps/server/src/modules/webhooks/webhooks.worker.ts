import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { BaseLogger } from 'pino';
import { type Agent, fetch as undiciFetch } from 'undici';
import type { Config } from '../../config/env.ts';
import { type Database, first, type Tx } from '../../db/client.ts';
import {
  events,
  notifications,
  webhookAttempts,
  webhookDeliveries,
  webhookEndpoints,
} from '../../db/schema.ts';
import { type Actor, recordAudit } from '../../platform/audit.ts';
import { decryptSecret, type Keyring } from '../../platform/crypto.ts';
import { newId } from '../../platform/ids.ts';
import { keyringOf } from '../../platform/keyring.ts';
import { literalPrivateTarget, publicOnlyAgent } from './egress.ts';
import { onEventsCommitted } from './events.ts';
import { SIGNATURE_HEADER, signPayload } from './signature.ts';
import {
  type DeliveryRow,
  disableEndpointIn,
  ENDPOINT_DISABLED_ERROR,
  type EndpointRow,
  endpointToView,
} from './webhooks.service.ts';

/**
 * Delivery of webhook events to biller systems. The outbox (events.ts) leaves one pending
 * `webhook_deliveries` row per event and endpoint; dispatchers, in the API process
 * (WORKER_IN_PROCESS) and in any number of `billrail worker` processes, deliver them:
 *
 * 1. claim: one short transaction takes due rows with FOR UPDATE SKIP LOCKED and leases them;
 * 2. send: POST outside any transaction (a slow receiver holds no lock or connection);
 * 3. record: a second transaction logs the attempt and moves the delivery on, if the lease is
 *    still ours.
 *
 * At-least-once: a worker that dies between 1 and 3 loses nothing, its lease simply expires and
 * another worker sends again, so a receiver may see an event twice and must dedupe by its id.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Wait after the n-th failed attempt (index n-1); 9 attempts over about 2.7 days, then failed. */
export const RETRY_LADDER_MS = [
  1 * MINUTE,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  24 * HOUR,
  24 * HOUR,
];
/** Each wait varies by up to ±15%, so deliveries that failed together do not retry in lockstep. */
export const RETRY_JITTER = 0.15;
/** An endpoint failing without a single success for longer than this is disabled at its next failure. */
export const AUTO_DISABLE_AFTER_MS = 3 * 24 * HOUR;
export const LEASE_MS = 30_000;
export const REQUEST_TIMEOUT_MS = 10_000;
/** How much of a receiver's response is kept in the attempt log. */
export const RESPONSE_BODY_LIMIT = 4096;
export const USER_AGENT = 'Billrail-Webhooks/1.0';

/** What the dispatcher logs with: pino's logger or Fastify's. */
export type DispatcherLog = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

const DISPATCHER: Actor = { type: 'system', id: 'webhook-dispatcher' };

/** Milliseconds to wait after `failedAttempts` attempts, or null when the ladder is exhausted. */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number | null {
  const base = RETRY_LADDER_MS[failedAttempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random()));
}

export interface ClaimedDelivery {
  delivery: DeliveryRow;
  endpoint: Pick<EndpointRow, 'id' | 'url' | 'status' | 'secretSealed'>;
  eventType: string;
  /** The stored event (events.data), sent as the request body. */
  event: unknown;
}

/**
 * Step 1: leases up to `limit` due deliveries of every tenant (or of one, `tenantId`) on the owner
 * connection and commits at once. The lease is cut to milliseconds so the value read back into a
 * JS Date compares equal in step 3.
 */
export async function claimDueDeliveries(
  db: Database,
  opts: { limit: number; leaseMs?: number; tenantId?: string },
): Promise<ClaimedDelivery[]> {
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  return db.system(async (tx) => {
    const leased = await db.rows<{ tenant_id: string; id: string }>(
      tx,
      sql`with due as (
            select tenant_id, id from webhook_deliveries
             where status = 'pending' and next_attempt_at <= now()
               and (lease_until is null or lease_until < now())
               ${opts.tenantId ? sql`and tenant_id = ${opts.tenantId}` : sql``}
             order by next_attempt_at
             limit ${opts.limit}
             for update skip locked)
          update webhook_deliveries d
             set lease_until = date_trunc('milliseconds', now() + ${leaseMs} * interval '1 millisecond')
            from due
           where d.tenant_id = due.tenant_id and d.id = due.id
       returning d.tenant_id, d.id`,
    );
    if (leased.length === 0) return [];
    const keys = sql.join(
      leased.map((r) => sql`(${r.tenant_id}, ${r.id})`),
      sql`, `,
    );
    const rows = await tx
      .select({
        delivery: webhookDeliveries,
        endpoint: {
          id: webhookEndpoints.id,
          url: webhookEndpoints.url,
          status: webhookEndpoints.status,
          secretSealed: webhookEndpoints.secretSealed,
        },
        eventType: events.type,
        event: events.data,
      })
      .from(webhookDeliveries)
      .innerJoin(
        webhookEndpoints,
        and(
          eq(webhookEndpoints.tenantId, webhookDeliveries.tenantId),
          eq(webhookEndpoints.id, webhookDeliveries.endpointId),
        ),
      )
      .innerJoin(
        events,
        and(eq(events.tenantId, webhookDeliveries.tenantId), eq(events.id, webhookDeliveries.eventId)),
      )
      .where(sql`(${webhookDeliveries.tenantId}, ${webhookDeliveries.id}) in (${keys})`)
      .orderBy(webhookDeliveries.nextAttemptAt);
    return rows;
  });
}

export type SendOutcome =
  | {
      kind: 'attempted';
      ok: boolean;
      statusCode: number | null;
      error: string | null;
      responseBody: string | null;
      durationMs: number;
    }
  /** Not sent: the endpoint was disabled after the delivery was queued. */
  | { kind: 'skipped'; error: string };

/** The request headers of a delivery: the signature, what the event is, who sends it. */
export function deliveryHeaders(claimed: ClaimedDelivery, body: string, secret: string, t: number) {
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    [SIGNATURE_HEADER]: signPayload(secret, body, t),
    'Billrail-Event-Id': claimed.delivery.eventId,
    'Billrail-Event-Type': claimed.eventType,
    'Billrail-Delivery-Id': claimed.delivery.id,
  };
}

// Postgres text cannot hold NUL; a receiver may send anything.
const storable = (s: string) => s.replaceAll('\u0000', '');

async function readCapped(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return storable(Buffer.concat(chunks).subarray(0, limit).toString('utf8'));
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  // undici reports network errors as TypeError('fetch failed') with the system error as cause.
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ? `${cause.code}: ${cause.message ?? ''}` : (cause?.message ?? String(err));
  return storable(`connection failed: ${detail}`.slice(0, 500));
}

/**
 * Step 2: one signed POST of the stored event. Never follows a redirect (the endpoint URL is what
 * the tenant registered and what must answer), gives up after `timeoutMs`, and counts only 2xx as
 * delivered.
 */
export async function sendDelivery(
  claimed: ClaimedDelivery,
  secret: string,
  opts: { timeoutMs?: number; publicOnly?: Agent } = {},
): Promise<SendOutcome> {
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const body = JSON.stringify(claimed.event);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refused = opts.publicOnly ? literalPrivateTarget(claimed.endpoint.url) : null;
  if (refused) {
    return {
      kind: 'attempted',
      ok: false,
      statusCode: null,
      error: `not sent: ${refused} is a private address (WEBHOOK_PRIVATE_TARGETS=allow permits it)`,
      responseBody: null,
      durationMs: 0,
    };
  }
  let res: Response;
  try {
    res = (await undiciFetch(claimed.endpoint.url, {
      method: 'POST',
      headers: deliveryHeaders(claimed, body, secret, Math.floor(Date.now() / 1000)),
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      ...(opts.publicOnly ? { dispatcher: opts.publicOnly } : {}),
    })) as unknown as Response;
  } catch (err) {
    const error = describeFailure(err, timeoutMs);
    return {
      kind: 'attempted',
      ok: false,
      statusCode: null,
      error,
      responseBody: null,
      durationMs: elapsed(),
    };
  }
  const ok = res.status >= 200 && res.status < 300;
  // The status decides; a body that stalls or breaks after a 2xx does not undo the delivery.
  const responseBody = await readCapped(res, RESPONSE_BODY_LIMIT).catch(() => null);
  let error: string | null = null;
  if (res.status >= 300 && res.status < 400) {
    error = `redirect (HTTP ${res.status}${res.headers.get('location') ? ` to ${res.headers.get('location')}` : ''}) not followed; register the final URL`;
  } else if (!ok) {
    error = `HTTP ${res.status}`;
  }
  return { kind: 'attempted', ok, statusCode: res.status, error, responseBody, durationMs: elapsed() };
}

export type RecordResult = 'succeeded' | 'retry' | 'failed' | 'disabled' | 'lease_lost';

/**
 * Step 3: logs the attempt and moves the delivery on in one transaction. If our lease expired
 * meanwhile (another worker owns the delivery now), only the attempt is logged.
 */
export async function recordOutcome(
  db: Database,
  claimed: ClaimedDelivery,
  outcome: SendOutcome,
  log?: DispatcherLog,
): Promise<RecordResult> {
  const { tenantId, mode, id } = claimed.delivery;
  const deliveryKey = and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.id, id));
  const endpointKey = and(
    eq(webhookEndpoints.tenantId, tenantId),
    eq(webhookEndpoints.id, claimed.delivery.endpointId),
  );
  return db.system(async (tx) => {
    const current = await tx.select().from(webhookDeliveries).where(deliveryKey).for('update').then(first);
    if (!current) return 'lease_lost';
    const attemptNo = current.attempts + 1;
    if (outcome.kind === 'attempted') {
      await tx.insert(webhookAttempts).values({
        tenantId,
        mode,
        id: newId('wha'),
        deliveryId: id,
        attemptNo,
        statusCode: outcome.statusCode,
        error: outcome.error,
        responseBody: outcome.responseBody,
        durationMs: outcome.durationMs,
      });
    }
    if (current.leaseUntil?.getTime() !== claimed.delivery.leaseUntil?.getTime()) return 'lease_lost';

    if (outcome.kind === 'skipped') {
      await tx
        .update(webhookDeliveries)
        .set({ status: 'failed', lastError: outcome.error, leaseUntil: null })
        .where(deliveryKey);
      return 'failed';
    }
    if (outcome.ok) {
      await tx
        .update(webhookDeliveries)
        .set({
          status: 'succeeded',
          attempts: attemptNo,
          deliveredAt: sql`now()`,
          lastStatusCode: outcome.statusCode,
          lastError: null,
          leaseUntil: null,
        })
        .where(deliveryKey);
      await tx
        .update(webhookEndpoints)
        .set({ failingSince: null })
        .where(and(endpointKey, isNotNull(webhookEndpoints.failingSince)));
      return 'succeeded';
    }

    // A failure. (A delivery no longer pending was ended meanwhile, e.g. by disabling its endpoint.)
    const delay = current.status === 'pending' ? retryDelayMs(attemptNo) : null;
    await tx
      .update(webhookDeliveries)
      .set({
        attempts: attemptNo,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.error,
        leaseUntil: null,
        ...(delay === null
          ? { status: 'failed' as const }
          : { nextAttemptAt: sql`now() + ${delay} * interval '1 millisecond'` }),
      })
      .where(deliveryKey);
    const [endpoint] = await tx
      .update(webhookEndpoints)
      .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, now())` })
      .where(endpointKey)
      .returning({
        row: webhookEndpoints,
        overdue: sql<boolean>`${webhookEndpoints.failingSince} < now() - ${AUTO_DISABLE_AFTER_MS} * interval '1 millisecond'`,
      });
    if (endpoint?.overdue && endpoint.row.status === 'enabled') {
      await autoDisable(tx, endpoint.row);
      log?.warn(
        { tenantId, endpointId: endpoint.row.id },
        'webhook endpoint disabled after failing too long',
      );
      return 'disabled';
    }
    return delay === null ? 'failed' : 'retry';
  });
}

async function autoDisable(tx: Tx, endpoint: EndpointRow) {
  const since = endpoint.failingSince!.toISOString();
  const days = AUTO_DISABLE_AFTER_MS / (24 * HOUR);
  const after = await disableEndpointIn(
    tx,
    endpoint,
    `every delivery has failed since ${since} (more than ${days} days)`,
  );
  await tx.insert(notifications).values({
    tenantId: endpoint.tenantId,
    id: newId('ntf'),
    audienceRole: 'tenant_admin',
    kind: 'webhook_endpoint.disabled',
    title: 'Webhook endpoint disabled',
    body:
      `Webhook endpoint ${endpoint.url} (${endpoint.mode} mode) was disabled after failing since ${since}. ` +
      'Fix the receiver, re-enable the endpoint, then replay the failed deliveries from its delivery log.',
  });
  await recordAudit(tx, DISPATCHER, {
    tenantId: endpoint.tenantId,
    action: 'webhook_endpoint.disabled',
    targetType: 'webhook_endpoint',
    targetId: endpoint.id,
    before: endpointToView(endpoint),
    after: endpointToView(after),
  });
}

/** Steps 2 and 3 for one claimed delivery. */
export async function deliverClaimed(
  db: Database,
  keyring: Keyring,
  claimed: ClaimedDelivery,
  opts: { timeoutMs?: number; log?: DispatcherLog; publicOnly?: Agent } = {},
): Promise<RecordResult> {
  let outcome: SendOutcome;
  if (claimed.endpoint.status !== 'enabled') {
    outcome = { kind: 'skipped', error: ENDPOINT_DISABLED_ERROR };
  } else {
    let secret: string | undefined;
    try {
      secret = decryptSecret(keyring, claimed.endpoint.secretSealed);
    } catch (err) {
      opts.log?.error({ err, endpointId: claimed.endpoint.id }, 'cannot unseal a webhook signing secret');
    }
    outcome = secret
      ? await sendDelivery(claimed, secret, opts)
      : {
          kind: 'attempted',
          ok: false,
          statusCode: null,
          error: 'not sent: the signing secret cannot be decrypted (is its master key configured?)',
          responseBody: null,
          durationMs: 0,
        };
  }
  const result = await recordOutcome(db, claimed, outcome, opts.log);
  opts.log?.debug(
    { deliveryId: claimed.delivery.id, eventId: claimed.delivery.eventId, result },
    'webhook delivery attempt',
  );
  return result;
}

export interface DispatcherOptions {
  db: Database;
  config: Config;
  log: DispatcherLog;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Poll for due deliveries (retries, other processes' events) this often. */
  pollIntervalMs?: number;
  timeoutMs?: number;
  leaseMs?: number;
}

/**
 * Runs a dispatcher until the returned stop() is called. It wakes at once when this process
 * commits events (onEventsCommitted), so a delivery starts within milliseconds of the commit, and
 * polls every `pollIntervalMs` for retries that come due and events committed by other processes.
 * stop() waits for deliveries in flight (at most the request timeout).
 */
export function startWebhookDispatcher(opts: DispatcherOptions): () => Promise<void> {
  const { db, log } = opts;
  const concurrency = opts.concurrency ?? 8;
  const pollIntervalMs = opts.pollIntervalMs ?? 250;
  const keyring = keyringOf(opts.config);
  // Unless the operator allows private targets, connections may only reach public addresses.
  const publicOnly = opts.config.webhookPrivateTargets === 'deny' ? publicOnlyAgent() : undefined;
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  let woken = false;
  let interruptSleep: (() => void) | null = null;

  // Never throws: it runs in other transactions' commit hooks.
  const wake = () => {
    woken = true;
    interruptSleep?.();
  };
  const unsubscribe = onEventsCommitted(wake);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interruptSleep = null;
        resolve();
      }
      interruptSleep = done;
    });

  async function loop() {
    while (!stopped) {
      woken = false;
      const free = concurrency - inFlight.size;
      let claimed: ClaimedDelivery[] = [];
      let failed = false;
      if (free > 0) {
        try {
          claimed = await claimDueDeliveries(db, {
            limit: free,
            ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
          });
        } catch (err) {
          failed = true;
          log.error({ err }, 'claiming webhook deliveries failed');
        }
      }
      for (const c of claimed) {
        const job: Promise<unknown> = deliverClaimed(db, keyring, c, {
          ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
          ...(publicOnly ? { publicOnly } : {}),
          log,
        })
          .catch((err) => log.error({ err, deliveryId: c.delivery.id }, 'webhook delivery failed to record'))
          .finally(() => {
            inFlight.delete(job);
            wake(); // a free slot: claim more
          });
        inFlight.add(job);
      }
      // A full batch means more may be due: claim again at once.
      if (claimed.length > 0 && claimed.length === free) continue;
      if (stopped || (woken && !failed)) continue;
      await sleep(failed ? Math.max(pollIntervalMs, 1000) : pollIntervalMs);
    }
  }

  const running = loop();
  return async () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    interruptSleep?.();
    await running;
    await Promise.allSettled([...inFlight]);
  };
}
