import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhook-receiver.ts';
import { onPostgres, uniqueSlug } from './helpers.ts';

/**
 * The product end to end, as deployed: the `billrail` CLI onboards a tenant and prints an API
 * key; `billrail serve` runs the API with its in-process webhook dispatcher; a biller system
 * creates an account and a bill over the API; a bank looks the bill up and pays it by reference
 * id; the biller's receiver gets a correctly signed `payment.successful` within a second.
 */
const BIN = fileURLToPath(new URL('../bin/billrail.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'billrail-e2e-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const base = `http://127.0.0.1:${port}`;
const env = {
  ...process.env,
  PGLITE_DATA_DIR: dir,
  PORT: String(port),
  HOST: '127.0.0.1',
  LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
};
const slug = uniqueSlug('e2e');
const password = 'e2e-admin-password';
let server: ChildProcess;
let receiver: WebhookReceiver;
let apiKey: string;

// The receiver-side check from README.md ("Webhooks"), verbatim.
function isFromBillrail(secret: string, header: string | undefined, rawBody: Buffer, toleranceSeconds = 300) {
  const items = (header ?? '').split(',').map((p) => p.trim().split('='));
  const t = Number(items.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return items.some(
    ([k, v]) =>
      k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? '') && timingSafeEqual(Buffer.from(v!, 'hex'), expected),
  );
}

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`billrail ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

beforeAll(async () => {
  cli(
    'tenant',
    'create',
    '--name',
    'E2E Water',
    '--slug',
    slug,
    '--currency',
    'USD',
    '--time-zone',
    'UTC',
    '--admin-email',
    `admin@${slug}.test`,
    '--admin-password',
    password,
  );
  apiKey = cli('api-key', 'create', '--tenant', slug, '--mode', 'live', '--name', 'billing system');
  receiver = await startWebhookReceiver();
  server = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/ready`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('billrail serve did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads fields of JSON answers directly
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
}

describe(`end to end on ${onPostgres ? 'PostgreSQL' : 'PGlite'}: bill → bank payment → signed webhook`, () => {
  it('a bill created over the API is looked up and paid through the bank API, and the receiver gets payment.successful within a second', async () => {
    // The tenant admin signs in, registers the receiver and a bank partner.
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: slug, email: `admin@${slug}.test`, password }),
    });
    const session = (await login.json()) as { csrf_token: string };
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const admin = { cookie, 'x-csrf-token': session.csrf_token };
    const endpoint = await call('/v1/webhook-endpoints', {
      method: 'POST',
      headers: admin,
      body: { url: receiver.url, events: ['payment.successful', 'bill.paid'] },
    });
    expect(endpoint.status).toBe(201);
    const secret: string = endpoint.json.secret;
    const partner = await call('/v1/bank-partners', {
      method: 'POST',
      headers: admin,
      body: { name: 'Habib Bank', mnemonic: 'HBL' },
    });
    expect(partner.status).toBe(201);
    const bank = { username: partner.json.username, password: partner.json.password };

    // The biller's system creates the account and the bill with its API key.
    const biller = { authorization: `Bearer ${apiKey}`, 'idempotency-key': `acc-${slug}` };
    expect(
      (
        await call('/v1/accounts', {
          method: 'POST',
          headers: biller,
          body: { account_number: 'CRN29391', name: 'Isidro Garcia', service_types: ['water'] },
        })
      ).status,
    ).toBe(201);
    const bill = await call('/v1/bills', {
      method: 'POST',
      headers: { ...biller, 'idempotency-key': `bill-${slug}` },
      body: {
        account_number: 'CRN29391',
        bill_number: 'BILL7890',
        service_name: 'Water Supply',
        billing_period: 'March 2025',
        amount: 12050,
        due_date: '2099-03-31',
      },
    });
    expect(bill.status).toBe(201);

    // The bank looks the bill up by the reference the consumer keyed in, then pays it.
    const inquiry = await call('/v1/bank/bill-inquiry', {
      method: 'POST',
      headers: bank,
      body: { reference: bill.json.reference_display },
    });
    expect(inquiry.json).toMatchObject({
      response_code: '00',
      consumer_name: 'Isidro Garcia',
      payable_now: 12050,
      status_code: 'U',
    });
    const before = receiver.requests.length;
    const paid = await call('/v1/bank/bill-payment', {
      method: 'POST',
      headers: bank,
      body: {
        reference: bill.json.reference_id,
        transaction_ref: 'HBL-2025-000001',
        amount: 12050,
        currency: 'USD',
      },
    });
    const paidAt = performance.now();
    expect(paid.status).toBe(201);
    expect(paid.json).toMatchObject({ response_code: '00', status: 'successful' });

    const arrived = await receiver.waitForRequests(before + 2, 5_000);
    const hook = arrived
      .slice(before)
      .find((r) => r.headers['billrail-event-type'] === 'payment.successful')!;
    expect(hook).toBeDefined();
    const latencyMs = hook.receivedAt - paidAt;
    console.log(
      `[e2e] payment.successful arrived ${latencyMs.toFixed(0)} ms after the bank's payment response`,
    );
    expect(latencyMs).toBeLessThan(1000);

    // Correctly signed (checked with the README's receiver code), and carries the payment.
    expect(
      isFromBillrail(secret, hook.headers['billrail-signature'] as string, Buffer.from(hook.rawBody)),
    ).toBe(true);
    expect(
      isFromBillrail(`${secret}x`, hook.headers['billrail-signature'] as string, Buffer.from(hook.rawBody)),
    ).toBe(false);
    const event = JSON.parse(hook.rawBody);
    expect(hook.headers['billrail-event-id']).toBe(event.id);
    expect(event).toMatchObject({
      type: 'payment.successful',
      livemode: true,
      data: {
        id: paid.json.payment_id,
        status: 'successful',
        amount: 12050,
        currency: 'USD',
        channel: 'bank_api',
        channel_ref: 'HBL-2025-000001',
        account_number: 'CRN29391',
        allocations: [{ bill_id: bill.json.id, reference_id: bill.json.reference_id, amount: 12050 }],
      },
    });
    const billPaid = arrived.slice(before).find((r) => r.headers['billrail-event-type'] === 'bill.paid')!;
    expect(JSON.parse(billPaid.rawBody).data).toMatchObject({
      id: bill.json.id,
      status: 'paid',
      outstanding: 0,
    });

    // The verification call the biller's portal uses now shows the bill paid by that bank payment.
    const verify = await call(`/v1/verify/${bill.json.reference_id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(verify.json).toMatchObject({
      bill: { status: 'paid' },
      payments: [{ channel: 'bank_api', channel_ref: 'HBL-2025-000001', amount: 12050 }],
    });
  });
});
