import { type SQL, sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.ts';
import type { Database } from '../src/db/client.ts';
import { serve } from '../src/main.ts';
import { verifySignature } from '../src/modules/webhooks/signature.ts';
import {
  claimDueDeliveries,
  RETRY_LADDER_MS,
  recordOutcome,
  retryDelayMs,
  sendDelivery,
  startWebhookDispatcher,
} from '../src/modules/webhooks/webhooks.worker.ts';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhook-receiver.ts';
import {
  type Credentials,
  createTenantFixture,
  createTestApp,
  type TenantFixture,
  type TestContext,
  testConfig,
} from './helpers.ts';

/**
 * Signed webhooks end to end: endpoints managed over the API, bills and payments created over
 * the API, a real dispatcher, and a real HTTP receiver on 127.0.0.1. Time is controlled by moving
 * next_attempt_at / failing_since / lease_until in the database, never by sleeping through it.
 */
const silent = pino({ level: 'silent' });
const REQUEST_TIMEOUT_MS = 500;

let ctx: TestContext;
let fx: TenantFixture;
let other: TenantFixture;
let admin: Credentials;
let biller: Credentials;
let receiver: WebhookReceiver;
let stopDispatcher: (() => Promise<void>) | null = null;

const startDispatcher = () =>
  startWebhookDispatcher({ db: ctx.db, config: ctx.config, log: silent, timeoutMs: REQUEST_TIMEOUT_MS });

beforeAll(async () => {
  ctx = await createTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
  fx = await createTenantFixture(ctx);
  other = await createTenantFixture(ctx);
  admin = await fx.as('tenant_admin');
  biller = await fx.as('api_key');
  await createAccount(biller);
  stopDispatcher = startDispatcher();
});
afterAll(async () => {
  await stopDispatcher?.();
  await ctx.close();
});
beforeEach(async () => {
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  // Each test starts with no enabled endpoint, so events fan out only to the endpoints it makes.
  for (const creds of [admin, await fx.as('tenant_admin', 'test')]) {
    const list = await call(creds, 'GET', '/v1/webhook-endpoints?limit=200');
    for (const e of list.json().data) {
      if (e.status === 'enabled') await call(creds, 'DELETE', `/v1/webhook-endpoints/${e.id}`);
    }
  }
  await receiver.close();
});

// --- helpers -------------------------------------------------------------------------------------

function call(
  creds: Credentials,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) {
  return ctx.app.inject({
    method,
    url,
    headers: method === 'GET' ? creds.headers : creds.write,
    ...(payload ? { payload } : {}),
  });
}

async function createAccount(creds: Credentials) {
  const res = await call(creds, 'POST', '/v1/accounts', { account_number: 'ACC-1', name: 'Isidro Garcia' });
  expect(res.statusCode, res.body).toBe(201);
}

let billSeq = 0;
async function createBill(creds: Credentials = biller, app = ctx.app) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/bills',
    headers: creds.write,
    payload: {
      account_number: 'ACC-1',
      bill_number: `B-${++billSeq}`,
      service_name: 'Water',
      billing_period: 'March 2025',
      amount: 12050,
      due_date: '2099-12-31',
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; amount: number; currency: string };
}

async function createEndpoint(payload: object = {}, creds = admin, url = receiver.url) {
  const res = await call(creds, 'POST', '/v1/webhook-endpoints', {
    url,
    events: ['bill.created'],
    ...payload,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string; url: string; status: string };
}

const getJson = async (url: string, creds = admin) => {
  const res = await call(creds, 'GET', url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const deliveriesOf = async (endpointId: string) =>
  (await getJson(`/v1/webhook-endpoints/${endpointId}/deliveries`)).data as Delivery[];
const getDelivery = (id: string) => getJson(`/v1/webhook-deliveries/${id}`) as Promise<DeliveryDetail>;

interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
}
interface DeliveryDetail extends Delivery {
  attempt_log: {
    attempt_no: number;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
    response_body: string | null;
    attempted_at: string;
  }[];
  event: unknown;
}

/** Owner-connection SQL: how a test moves time (next_attempt_at, failing_since, lease_until). */
const system = (query: SQL) => ctx.db.system((tx) => ctx.db.rows(tx, query));

async function waitFor<T>(probe: () => Promise<T | false | undefined | null>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const header = (r: { headers: Record<string, unknown> }, name: string) => r.headers[name] as string;

// --- the retry ladder (pure) ---------------------------------------------------------------------

describe('retry ladder', () => {
  it('backs off 1m, 5m, 30m, 2h, 5h, 10h, 24h, 24h with ±15% jitter, about three days in all', () => {
    expect(RETRY_LADDER_MS.map((ms) => ms / 60_000)).toEqual([1, 5, 30, 120, 300, 600, 1440, 1440]);
    expect(retryDelayMs(1, () => 0)).toBe(Math.round(0.85 * 60_000));
    expect(retryDelayMs(1, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(8, () => 1)).toBe(Math.round(1.15 * 24 * 3600_000));
    expect(retryDelayMs(9)).toBeNull();
    const totalHours = RETRY_LADDER_MS.reduce((a, b) => a + b, 0) / 3600_000;
    expect(totalHours).toBeGreaterThan(60);
    expect(totalHours).toBeLessThan(76);
  });
});

// --- delivery -----------------------------------------------------------------------------------

describe('delivery', () => {
  it('delivers a bill created over the API within a second, signed with the secret shown at creation', async () => {
    const endpoint = await createEndpoint({ description: 'ERP' });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const started = performance.now();
    const bill = await createBill();
    const answered = performance.now();
    const [received] = await receiver.waitForRequests(1, 2000);
    const latency = received!.receivedAt - started;
    console.info(
      `[webhooks] bill.created: request start -> receipt ${latency.toFixed(1)} ms; API response -> receipt ${(received!.receivedAt - answered).toFixed(1)} ms (${ctx.db.kind})`,
    );
    expect(latency).toBeLessThan(1000);

    // Headers and signature, checked the way a receiver would (README "Webhooks").
    expect(received!.method).toBe('POST');
    expect(received!.path).toBe('/hooks');
    expect(header(received!, 'content-type')).toBe('application/json');
    expect(header(received!, 'user-agent')).toBe('Billrail-Webhooks/1.0');
    expect(header(received!, 'billrail-event-type')).toBe('bill.created');
    const eventId = header(received!, 'billrail-event-id');
    expect(eventId).toMatch(/^evt_/);
    const signature = header(received!, 'billrail-signature');
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(endpoint.secret, signature, received!.rawBody)).toBe(true);
    expect(verifySignature(`${endpoint.secret}x`, signature, received!.rawBody)).toBe(false);

    // The body is exactly the stored event.
    const [stored] = await system(sql`select data from events where id = ${eventId}`);
    expect(received!.rawBody).toBe(JSON.stringify((stored as { data: unknown }).data));
    const event = JSON.parse(received!.rawBody);
    expect(event).toMatchObject({ id: eventId, object: 'event', type: 'bill.created', livemode: true });
    expect(event.data).toMatchObject({ id: bill.id, amount: 12050, object: 'bill' });

    const [delivery] = await waitFor(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list[0]?.status === 'succeeded' && list;
    });
    expect(delivery).toMatchObject({
      event_id: eventId,
      event_type: 'bill.created',
      attempts: 1,
      last_status_code: 200,
    });
    expect(delivery!.next_attempt_at).toBeNull();
    expect(delivery!.delivered_at).not.toBeNull();
  });

  it('confirms a payment to the biller: payment.successful and bill.paid', async () => {
    const endpoint = await createEndpoint({ events: ['payment.successful', 'bill.paid'] });
    const bill = await createBill();
    const cashier = await fx.as('cso_executive');
    const pay = await call(cashier, 'POST', '/v1/payments/cash', {
      account_number: 'ACC-1',
      bill_ids: [bill.id],
      amount: bill.amount,
      currency: bill.currency,
      receipt_number: `R-${billSeq}`,
    });
    expect(pay.statusCode, pay.body).toBe(201);
    const requests = await receiver.waitForRequests(2);
    const types = requests.map((r) => header(r, 'billrail-event-type')).sort();
    expect(types).toEqual(['bill.paid', 'payment.successful']);
    for (const r of requests)
      expect(verifySignature(endpoint.secret, header(r, 'billrail-signature'), r.rawBody)).toBe(true);
    const payment = requests.find((r) => header(r, 'billrail-event-type') === 'payment.successful')!;
    expect(JSON.parse(payment.rawBody).data).toMatchObject({ id: pay.json().id, amount: bill.amount });
  });

  it('retries a failing receiver along the ladder, logs every attempt, then gives up', async () => {
    receiver.respondWith({ status: 500, body: 'x'.repeat(10_000) });
    const endpoint = await createEndpoint();
    await createBill();
    const [first] = await waitFor(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list[0]?.attempts === 1 && list;
    });
    const id = first!.id;

    for (let n = 1; n <= RETRY_LADDER_MS.length + 1; n++) {
      const d = await waitFor(async () => {
        const x = await getDelivery(id);
        return x.attempts === n && x.attempt_log.length === n && x;
      });
      const last = d.attempt_log[n - 1]!;
      expect(last).toMatchObject({ attempt_no: n, status_code: 500, error: 'HTTP 500' });
      expect(last.response_body).toHaveLength(4096); // truncated
      expect(last.duration_ms).toBeGreaterThanOrEqual(0);
      expect(d).toMatchObject({ last_status_code: 500, last_error: 'HTTP 500' });
      if (n <= RETRY_LADDER_MS.length) {
        expect(d.status).toBe('pending');
        const waited = Date.parse(d.next_attempt_at!) - Date.parse(last.attempted_at);
        const base = RETRY_LADDER_MS[n - 1]!;
        expect(waited).toBeGreaterThanOrEqual(base * 0.85 - 2);
        expect(waited).toBeLessThanOrEqual(base * 1.15 + 2);
        // Fast-forward: the retry is due now.
        await system(sql`update webhook_deliveries set next_attempt_at = now() where id = ${id}`);
      } else {
        expect(d.status).toBe('failed');
        expect(d.next_attempt_at).toBeNull();
      }
    }
    expect(receiver.requests).toHaveLength(9);
    expect(new Set(receiver.requests.map((r) => header(r, 'billrail-event-id'))).size).toBe(1);
    // Failing for minutes, not days: the endpoint stays enabled and remembers when failures began.
    const ep = await getJson(`/v1/webhook-endpoints/${endpoint.id}`);
    expect(ep.status).toBe('enabled');
    expect(ep.failing_since).not.toBeNull();
  });

  it('gives up on a slow receiver after the timeout, never follows redirects, reports refused connections', async () => {
    receiver.respondWith('timeout');
    const endpoint = await createEndpoint();
    await createBill();
    const [d] = await waitFor(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list[0]?.attempts === 1 && list;
    });
    let detail = await getDelivery(d!.id);
    expect(detail.attempt_log[0]).toMatchObject({
      status_code: null,
      error: `timed out after ${REQUEST_TIMEOUT_MS} ms`,
    });
    expect(detail.attempt_log[0]!.duration_ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 5);

    receiver.respondWith({ status: 302, headers: { location: `${receiver.origin}/elsewhere` } });
    await system(sql`update webhook_deliveries set next_attempt_at = now() where id = ${d!.id}`);
    detail = await waitFor(async () => {
      const x = await getDelivery(d!.id);
      return x.attempts === 2 && x;
    });
    expect(detail.attempt_log[1]).toMatchObject({ status_code: 302 });
    expect(detail.attempt_log[1]!.error).toMatch(/redirect \(HTTP 302 to .*\/elsewhere\) not followed/);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/hooks', '/hooks']);

    // A new URL applies to pending retries; nothing listens there any more.
    const gone = await startWebhookReceiver();
    await gone.close();
    const patched = await call(admin, 'PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { url: gone.url });
    expect(patched.statusCode, patched.body).toBe(200);
    await system(sql`update webhook_deliveries set next_attempt_at = now() where id = ${d!.id}`);
    detail = await waitFor(async () => {
      const x = await getDelivery(d!.id);
      return x.attempts === 3 && x;
    });
    expect(detail.attempt_log[2]!.error).toMatch(/^connection failed: ECONNREFUSED/);
  });

  it('sends only to endpoints of the event’s mode', async () => {
    const testAdmin = await fx.as('tenant_admin', 'test');
    const testBiller = await fx.as('api_key', 'test');
    await createAccount(testBiller);
    const testReceiver = await startWebhookReceiver();
    try {
      await createEndpoint({}, admin, receiver.url);
      await createEndpoint({}, testAdmin, testReceiver.url);
      await createBill(biller);
      await createBill(testBiller);
      const [live] = await receiver.waitForRequests(1);
      const [test] = await testReceiver.waitForRequests(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.requests).toHaveLength(1);
      expect(testReceiver.requests).toHaveLength(1);
      expect(JSON.parse(live!.rawBody).livemode).toBe(true);
      expect(JSON.parse(test!.rawBody).livemode).toBe(false);
    } finally {
      await testReceiver.close();
    }
  });
});

// --- replay, auto-disable, a killed worker --------------------------------------------------------

describe('recovery', () => {
  it('replays a delivery as a new one; the receiver sees the same event id again', async () => {
    const endpoint = await createEndpoint();
    await createBill();
    const [original] = await waitFor(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list[0]?.status === 'succeeded' && list;
    });
    const res = await call(admin, 'POST', `/v1/webhook-deliveries/${original!.id}/replay`);
    expect(res.statusCode, res.body).toBe(201);
    const replayed = res.json();
    expect(replayed.id).not.toBe(original!.id);
    expect(replayed).toMatchObject({ event_id: original!.event_id, status: 'pending', attempts: 0 });

    const [a, b] = await receiver.waitForRequests(2);
    expect(header(b!, 'billrail-event-id')).toBe(header(a!, 'billrail-event-id'));
    expect(header(b!, 'billrail-delivery-id')).toBe(replayed.id);
    expect(b!.rawBody).toBe(a!.rawBody);
    expect(verifySignature(endpoint.secret, header(b!, 'billrail-signature'), b!.rawBody)).toBe(true);

    const list = await waitFor(async () => {
      const l = await deliveriesOf(endpoint.id);
      return l[0]?.status === 'succeeded' && l;
    });
    expect(list.map((d) => d.id)).toEqual([replayed.id, original!.id]); // newest first
    const audit = await getJson(`/v1/audit-log?action=webhook_delivery.replayed&target_id=${replayed.id}`);
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0].before).toEqual({ replay_of: original!.id });

    // Not to a disabled endpoint.
    expect((await call(admin, 'DELETE', `/v1/webhook-endpoints/${endpoint.id}`)).statusCode).toBe(200);
    const refused = await call(admin, 'POST', `/v1/webhook-deliveries/${original!.id}/replay`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('endpoint_disabled');
  });

  it('disables an endpoint failing for more than three days, notifies the tenant admins, and can be re-enabled', async () => {
    receiver.respondWith({ status: 503, body: 'down for maintenance' });
    const endpoint = await createEndpoint();
    await createBill();
    const [d] = await waitFor(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list[0]?.attempts === 1 && list;
    });
    expect((await getJson(`/v1/webhook-endpoints/${endpoint.id}`)).failing_since).not.toBeNull();

    // Three days and a minute of failures, then one more.
    await system(
      sql`update webhook_endpoints set failing_since = now() - interval '3 days 1 minute' where id = ${endpoint.id}`,
    );
    await system(sql`update webhook_deliveries set next_attempt_at = now() where id = ${d!.id}`);
    const disabled = await waitFor(async () => {
      const ep = await getJson(`/v1/webhook-endpoints/${endpoint.id}`);
      return ep.status === 'disabled' && ep;
    });
    expect(disabled.disabled_reason).toMatch(/every delivery has failed since .* \(more than 3 days\)/);
    const delivery = await getDelivery(d!.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 2, last_error: 'endpoint disabled' });
    expect(delivery.attempt_log.map((a) => a.status_code)).toEqual([503, 503]);

    const notes = await getJson('/v1/notifications');
    const note = notes.data.find((n: { body: string }) => n.body.includes(endpoint.url));
    expect(note).toMatchObject({
      kind: 'webhook_endpoint.disabled',
      audience_role: 'tenant_admin',
      read_at: null,
    });
    expect(note.body).toMatch(
      /^Webhook endpoint http:\/\/127\.0\.0\.1:\d+\/hooks \(live mode\) was disabled after failing since /,
    );
    expect((await call(await fx.as('cso_admin'), 'GET', '/v1/notifications')).statusCode).toBe(403);
    const otherNotes = await getJson('/v1/notifications', await other.as('tenant_admin'));
    expect(otherNotes.data).toEqual([]);

    const audit = await getJson(`/v1/audit-log?action=webhook_endpoint.disabled&target_id=${endpoint.id}`);
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0]).toMatchObject({ actor_type: 'system', actor_id: 'webhook-dispatcher' });

    // A disabled endpoint gets no new deliveries.
    await createBill();
    expect(await deliveriesOf(endpoint.id)).toHaveLength(1);

    // Re-enabling starts afresh; a replay then succeeds.
    const enabled = await call(admin, 'PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { status: 'enabled' });
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json()).toMatchObject({ status: 'enabled', failing_since: null, disabled_reason: null });
    receiver.respondWith({ status: 204 });
    expect((await call(admin, 'POST', `/v1/webhook-deliveries/${d!.id}/replay`)).statusCode).toBe(201);
    await waitFor(async () => (await deliveriesOf(endpoint.id))[0]?.status === 'succeeded');
    expect((await getJson(`/v1/webhook-endpoints/${endpoint.id}`)).failing_since).toBeNull();
  });

  it('a worker killed mid-delivery loses nothing: its lease expires and another worker delivers again', async () => {
    await stopDispatcher?.();
    stopDispatcher = null;
    try {
      const endpoint = await createEndpoint();
      await createBill();
      // Worker A claims the delivery and sends it, then dies before recording the outcome.
      const claimed = await claimDueDeliveries(ctx.db, { limit: 10, tenantId: fx.tenantId });
      expect(claimed).toHaveLength(1);
      const outcome = await sendDelivery(claimed[0]!, endpoint.secret);
      expect(outcome).toMatchObject({ kind: 'attempted', ok: true, statusCode: 200 });
      expect(receiver.requests).toHaveLength(1);

      // Worker B runs, but the lease still holds.
      stopDispatcher = startDispatcher();
      await new Promise((r) => setTimeout(r, 600));
      expect(receiver.requests).toHaveLength(1);
      const [pending] = await deliveriesOf(endpoint.id);
      expect(pending).toMatchObject({ status: 'pending', attempts: 0 });

      // The lease runs out: worker B delivers the same event again.
      await system(
        sql`update webhook_deliveries set lease_until = now() - interval '1 second' where id = ${pending!.id}`,
      );
      const [first, second] = await receiver.waitForRequests(2);
      expect(header(second!, 'billrail-event-id')).toBe(header(first!, 'billrail-event-id'));
      const done = await waitFor(async () => {
        const x = await getDelivery(pending!.id);
        return x.status === 'succeeded' && x;
      });
      expect(done.attempts).toBe(1);

      // Worker A's late bookkeeping, were it to come back, changes nothing but the log.
      expect(await recordOutcome(ctx.db, claimed[0]!, outcome)).toBe('lease_lost');
      const after = await getDelivery(pending!.id);
      expect(after).toMatchObject({ status: 'succeeded', attempts: 1 });
    } finally {
      stopDispatcher ??= startDispatcher();
    }
  });
});

// --- management ------------------------------------------------------------------------------------

describe('endpoint management', () => {
  it('updates, rotates the secret, disables on DELETE, audits every change without secrets', async () => {
    const created = await createEndpoint({ description: 'ERP' });
    const listed = await getJson('/v1/webhook-endpoints');
    const item = listed.data.find((e: { id: string }) => e.id === created.id);
    expect(item).toMatchObject({
      url: receiver.url,
      events: ['bill.created'],
      status: 'enabled',
      livemode: true,
    });
    expect(item).not.toHaveProperty('secret');
    expect(await getJson(`/v1/webhook-endpoints/${created.id}`)).not.toHaveProperty('secret');

    const [row] = await system(sql`select secret_sealed from webhook_endpoints where id = ${created.id}`);
    const sealed = (row as { secret_sealed: string }).secret_sealed;
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain(created.secret);

    const patched = await call(admin, 'PATCH', `/v1/webhook-endpoints/${created.id}`, {
      events: ['bill.created', 'payment.successful'],
      description: null,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      events: ['bill.created', 'payment.successful'],
      description: null,
    });

    const rotated = await call(admin, 'POST', `/v1/webhook-endpoints/${created.id}/rotate-secret`);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const newSecret = rotated.json().secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(created.secret);

    await createBill();
    const [received] = await receiver.waitForRequests(1);
    const sig = header(received!, 'billrail-signature');
    expect(verifySignature(newSecret, sig, received!.rawBody)).toBe(true);
    expect(verifySignature(created.secret, sig, received!.rawBody)).toBe(false);

    const deleted = await call(admin, 'DELETE', `/v1/webhook-endpoints/${created.id}`);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({
      status: 'disabled',
      disabled_reason: 'disabled by an administrator',
    });
    await createBill();
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(1);

    const audit = await getJson(`/v1/audit-log?target_id=${created.id}`);
    expect(audit.data.map((a: { action: string }) => a.action).sort()).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.disabled',
      'webhook_endpoint.secret_rotated',
      'webhook_endpoint.updated',
    ]);
    const auditText = JSON.stringify(audit.data);
    expect(auditText).not.toContain(created.secret);
    expect(auditText).not.toContain(newSecret);
    expect(auditText).not.toContain('whsec_');
    expect(auditText).not.toContain(sealed);
  });

  it('lists endpoints newest first with cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createEndpoint({ description: `n${i}` })).id);
    const page1 = await getJson('/v1/webhook-endpoints?limit=2');
    expect(page1.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    expect(page1.has_more).toBe(true);
    const page2 = await getJson(`/v1/webhook-endpoints?limit=2&starting_after=${page1.next_cursor}`);
    expect(page2.data[0].id).toBe(ids[0]);
  });

  it('refuses bad input with 400 problem+json naming the fields, and changes nothing', async () => {
    const endpoint = await createEndpoint();
    const countRows = async () =>
      (
        await system(sql`select (select count(*) from webhook_endpoints where tenant_id = ${fx.tenantId})::int as endpoints,
                               (select count(*) from audit_log where tenant_id = ${fx.tenantId})::int as audits`)
      )[0];
    const before = await countRows();
    const cases: [string, 'POST' | 'PATCH', object, string[]][] = [
      [
        'http to a remote host',
        'POST',
        { url: 'http://billing.example.com/hooks', events: ['bill.created'] },
        ['url'],
      ],
      [
        'not http at all',
        'POST',
        { url: 'ftp://billing.example.com/hooks', events: ['bill.created'] },
        ['url'],
      ],
      ['not a URL', 'POST', { url: 'billing hooks', events: ['bill.created'] }, ['url']],
      [
        'credentials in the URL',
        'POST',
        { url: 'https://u:p@billing.example.com/', events: ['bill.created'] },
        ['url'],
      ],
      [
        'unknown event type',
        'POST',
        { url: 'https://billing.example.com/h', events: ['bill.eaten'] },
        ['events.0'],
      ],
      ['no event types', 'POST', { url: 'https://billing.example.com/h', events: [] }, ['events']],
      [
        'repeated event type',
        'POST',
        { url: 'https://b.example.com/h', events: ['bill.paid', 'bill.paid'] },
        ['events'],
      ],
      [
        'unknown field',
        'POST',
        { url: 'https://b.example.com/h', events: ['bill.paid'], secret: 'mine' },
        ['secret'],
      ],
      ['missing fields', 'POST', {}, ['url', 'events']],
      ['empty update', 'PATCH', {}, ['body']],
      ['bad status', 'PATCH', { status: 'paused' }, ['status']],
      ['http URL on update', 'PATCH', { url: 'http://10.0.0.5/hooks' }, ['url']],
    ];
    for (const [label, method, payload, fields] of cases) {
      const url = method === 'POST' ? '/v1/webhook-endpoints' : `/v1/webhook-endpoints/${endpoint.id}`;
      const res = await call(admin, method, url, payload);
      expect(res.statusCode, `${label}: ${res.body}`).toBe(400);
      expect(res.headers['content-type'], label).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body.code, label).toBe('validation_failed');
      expect(body.errors.map((e: { field: string }) => e.field).sort(), label).toEqual(fields.sort());
    }
    expect(await countRows()).toEqual(before);
    expect(await getJson(`/v1/webhook-endpoints/${endpoint.id}`)).toMatchObject({
      url: receiver.url,
      status: 'enabled',
    });

    // What is allowed: https anywhere, plain http on this machine.
    for (const url of [
      'https://billing.example.com/hooks?x=1',
      'http://localhost:8080/hooks',
      'http://127.0.0.1/h',
    ]) {
      expect(
        (await call(admin, 'POST', '/v1/webhook-endpoints', { url, events: ['bill.paid'] })).statusCode,
        url,
      ).toBe(201);
    }
  });

  it("another tenant's or another mode's endpoint and delivery ids are 404; other roles get 403", async () => {
    const endpoint = await createEndpoint();
    await createBill();
    const [delivery] = await waitFor(async () => {
      const list = await deliveriesOf(endpoint.id);
      return list.length > 0 && list;
    });
    const probes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, object?][] = [
      ['GET', `/v1/webhook-endpoints/${endpoint.id}`],
      ['PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { description: 'mine now' }],
      ['DELETE', `/v1/webhook-endpoints/${endpoint.id}`],
      ['POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`],
      ['GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`],
      ['GET', `/v1/webhook-deliveries/${delivery!.id}`],
      ['POST', `/v1/webhook-deliveries/${delivery!.id}/replay`],
    ];
    for (const creds of [await other.as('tenant_admin'), await fx.as('tenant_admin', 'test')]) {
      for (const [method, url, payload] of probes) {
        const res = await call(creds, method, url, payload);
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
        expect(res.json().code).toBe('not_found');
      }
      const list = await getJson('/v1/webhook-endpoints', creds);
      expect(list.data.map((e: { id: string }) => e.id)).not.toContain(endpoint.id);
    }
    for (const principal of ['cso_admin', 'cso_executive', 'consumer', 'api_key'] as const) {
      const res = await call(await fx.as(principal), 'GET', '/v1/webhook-endpoints');
      expect(res.statusCode, principal).toBe(403);
    }
    expect(await getJson(`/v1/webhook-endpoints/${endpoint.id}`)).toMatchObject({
      status: 'enabled',
      description: null,
    });
    expect(await deliveriesOf(endpoint.id)).toHaveLength(1);
  });
});

// --- one process: serve() runs the dispatcher ------------------------------------------------------

describe('WORKER_IN_PROCESS', () => {
  it('defaults to true and can be turned off', () => {
    expect(loadConfig({}).WORKER_IN_PROCESS).toBe(true);
    expect(loadConfig({ WORKER_IN_PROCESS: 'false' }).WORKER_IN_PROCESS).toBe(false);
  });

  it('`billrail serve` delivers by itself unless WORKER_IN_PROCESS=false', async () => {
    // serve() on the test database (its close() must not close it), with this file's dispatcher
    // paused so that only the served process can deliver.
    await stopDispatcher?.();
    stopDispatcher = null;
    const db: Database = { ...ctx.db, close: async () => {} };
    const serveWith = (flag: string) =>
      serve(testConfig({ HOST: '127.0.0.1', PORT: '0', WORKER_IN_PROCESS: flag }), db);
    try {
      const endpoint = await createEndpoint();

      const off = await serveWith('false');
      try {
        await createBill(biller, off.app);
        await new Promise((r) => setTimeout(r, 600));
        expect(receiver.requests).toHaveLength(0);
      } finally {
        await off.stop();
      }

      const on = await serveWith('true');
      try {
        // The bill left pending above is found by polling; a new one is sent at once.
        await receiver.waitForRequests(1, 2000);
        const started = performance.now();
        await createBill(biller, on.app);
        const [, received] = await receiver.waitForRequests(2, 2000);
        expect(received!.receivedAt - started).toBeLessThan(1000);
        expect(
          verifySignature(endpoint.secret, header(received!, 'billrail-signature'), received!.rawBody),
        ).toBe(true);
      } finally {
        await on.stop();
      }
    } finally {
      stopDispatcher ??= startDispatcher();
    }
  });
});
