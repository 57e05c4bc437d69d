import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookDispatcher } from '../src/modules/webhooks/webhooks.worker.ts';
import { createAccount, createBill } from './billing.fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhook-receiver.ts';
import {
  createTenantFixture,
  createTestApp,
  type TenantFixture,
  type TestContext,
  testConfig,
} from './helpers.ts';

/** With WEBHOOK_PRIVATE_TARGETS=deny (the production default) nothing is sent to a private address. */
let ctx: TestContext;
let fx: TenantFixture;
let receiver: WebhookReceiver;
let stop: () => Promise<void>;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

beforeAll(async () => {
  ctx = await createTestApp();
  fx = await createTenantFixture(ctx);
  receiver = await startWebhookReceiver();
  stop = startWebhookDispatcher({
    db: ctx.db,
    config: testConfig({ WEBHOOK_PRIVATE_TARGETS: 'deny' }),
    log: silent,
  });
});
afterAll(async () => {
  await stop();
  await receiver.close();
  await ctx.close();
});

describe('webhook egress in deny mode', () => {
  it('refuses a private target, logs why, and sends nothing', async () => {
    const admin = await fx.as('tenant_admin');
    const endpoint = await ctx.app.inject({
      method: 'POST',
      url: '/v1/webhook-endpoints',
      headers: admin.write,
      payload: { url: receiver.url, events: ['bill.created'] },
    });
    expect(endpoint.statusCode).toBe(201);
    await createAccount(ctx, fx, 'EGRESS-1');
    await createBill(ctx, fx, 'EGRESS-1', 'EGRESS-BILL');
    let attempts: { error: string | null }[] = [];
    for (let i = 0; i < 100 && attempts.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      attempts = await ctx.db.withTenant({ tenantId: fx.tenantId, mode: 'live' }, (tx) =>
        ctx.db.rows<{ error: string | null }>(tx, sql`select error from webhook_attempts`),
      );
    }
    expect(attempts[0]?.error).toMatch(/127\.0\.0\.1 is a private address/);
    expect(receiver.requests).toHaveLength(0);
    expect(
      testConfig({
        BILLRAIL_ENV: 'production',
        PUBLIC_URL: 'https://x.test',
        SECRETS_MASTER_KEY: Buffer.alloc(32).toString('base64'),
      }).webhookPrivateTargets,
    ).toBe('deny');
    expect(testConfig().webhookPrivateTargets).toBe('allow');
  });
});
