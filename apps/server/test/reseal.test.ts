import { randomBytes } from 'node:crypto';
import { eq, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resealSecrets } from '../src/db/reseal.ts';
import { gatewayConfigs } from '../src/db/schema.ts';
import { credentialsOf, type GatewayConfigRow } from '../src/modules/gateways/gateways.service.ts';
import { decryptSecret } from '../src/platform/crypto.ts';
import { keyringOf } from '../src/platform/keyring.ts';
import {
  createTenantFixture,
  createTestApp,
  type TenantFixture,
  type TestContext,
  testConfig,
} from './helpers.ts';

/** `billrail secrets rotate`: every sealed value moves to the new master key; nothing is lost. */
const OLD_KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('base64');
let ctx: TestContext;
let fx: TenantFixture;
const rows = <R>(q: SQL) => ctx.db.system((tx) => ctx.db.rows<R>(tx, q));

beforeAll(async () => {
  ctx = await createTestApp({ SECRETS_MASTER_KEY: OLD_KEY, SECRETS_KEY_ID: 'old' });
  fx = await createTenantFixture(ctx);
});
afterAll(() => ctx.close());

it('re-seals gateway credentials and webhook secrets under the new key, and can be re-run', async () => {
  const admin = await fx.as('tenant_admin');
  const saved = await ctx.app.inject({
    method: 'PUT',
    url: '/v1/gateways/sandbox/credentials',
    headers: admin.write,
    payload: { credentials: {} },
  });
  expect(saved.statusCode).toBe(200);
  const hook = await ctx.app.inject({
    method: 'POST',
    url: '/v1/webhook-endpoints',
    headers: admin.write,
    payload: { url: 'https://billing.example.com/hooks', events: ['payment.successful'] },
  });
  expect(hook.statusCode, hook.body).toBe(201);
  const before = await rows<GatewayConfigRow & { secrets_sealed: string }>(
    sql`select * from gateway_configs where tenant_id = ${fx.tenantId}`,
  );
  const oldConfig = testConfig({ SECRETS_MASTER_KEY: OLD_KEY, SECRETS_KEY_ID: 'old' });
  const secret = JSON.parse(decryptSecret(keyringOf(oldConfig), before[0]!.secrets_sealed)).signing_secret;

  const rotated = testConfig({
    SECRETS_MASTER_KEY: NEW_KEY,
    SECRETS_KEY_ID: 'new',
    SECRETS_PREVIOUS_KEYS: `old:${OLD_KEY}`,
  });
  // Scoped to this tenant: on a shared test database other files' rows stay under their key.
  const counts = await resealSecrets(ctx.db, keyringOf(rotated), { tenantId: fx.tenantId });
  expect(counts['gateway credentials']).toBeGreaterThanOrEqual(1);
  expect(counts['webhook signing secrets']).toBeGreaterThanOrEqual(1);
  const sealed = await rows<{ v: string }>(sql`
    select secrets_sealed as v from gateway_configs where secrets_sealed is not null and tenant_id = ${fx.tenantId}
    union all select secret_sealed from webhook_endpoints where tenant_id = ${fx.tenantId}
    union all select response_body from idempotency_keys where response_body is not null and tenant_id = ${fx.tenantId}`);
  for (const r of sealed) expect(r.v.startsWith('v1:new:')).toBe(true);

  // Only the new key is needed from now on.
  const onlyNew = testConfig({ SECRETS_MASTER_KEY: NEW_KEY, SECRETS_KEY_ID: 'new' });
  const [after] = await ctx.db.system((tx) =>
    tx.select().from(gatewayConfigs).where(eq(gatewayConfigs.tenantId, fx.tenantId)),
  );
  expect(credentialsOf(onlyNew, after!).signing_secret).toBe(secret);
  expect(
    Object.values(await resealSecrets(ctx.db, keyringOf(rotated), { tenantId: fx.tenantId })).every(
      (n) => n === 0,
    ),
  ).toBe(true);
});
