import { and, eq, isNotNull, not, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { decryptSecret, encryptSecret, type Keyring } from '../platform/crypto.ts';
import type { Database } from './client.ts';
import { gatewayConfigs, idempotencyKeys, webhookEndpoints } from './schema.ts';

/**
 * Master-key rotation, second half: after SECRETS_MASTER_KEY/SECRETS_KEY_ID name a new key and
 * SECRETS_PREVIOUS_KEYS keeps the old one, every stored secret sealed under another key id is
 * opened and sealed again under the current key (`billrail secrets rotate`). Row by row, each in
 * its own short transaction, so it can run while Billrail serves and can be re-run after a crash;
 * once it reports nothing left, the old key can be dropped from SECRETS_PREVIOUS_KEYS. `tenantId`
 * limits a run to one tenant (a large installation can rotate tenant by tenant).
 */
const SEALED: { name: string; table: PgTable; column: PgColumn; key: PgColumn[] }[] = [
  {
    name: 'gateway credentials',
    table: gatewayConfigs,
    column: gatewayConfigs.secretsSealed,
    key: [gatewayConfigs.tenantId, gatewayConfigs.mode, gatewayConfigs.gateway],
  },
  {
    name: 'webhook signing secrets',
    table: webhookEndpoints,
    column: webhookEndpoints.secretSealed,
    key: [webhookEndpoints.tenantId, webhookEndpoints.id],
  },
  {
    name: 'stored idempotent responses',
    table: idempotencyKeys,
    column: idempotencyKeys.responseBody,
    key: [idempotencyKeys.tenantId, idempotencyKeys.mode, idempotencyKeys.principalId, idempotencyKeys.key],
  },
];

export async function resealSecrets(db: Database, keyring: Keyring, opts: { tenantId?: string } = {}) {
  const prefix = `v1:${keyring.currentKeyId}:`;
  const counts: Record<string, number> = {};
  for (const s of SEALED) {
    let n = 0;
    for (;;) {
      const batch = await db.system((tx) =>
        tx
          .select({ key: sql<unknown[]>`json_build_array(${sql.join(s.key, sql`, `)})`, value: s.column })
          .from(s.table)
          .where(
            and(
              isNotNull(s.column),
              not(sql`starts_with(${s.column}, ${prefix})`),
              opts.tenantId ? eq(s.key[0]!, opts.tenantId) : undefined,
            ),
          )
          .limit(200),
      );
      if (!batch.length) break;
      for (const row of batch) {
        const value = row.value as string;
        const resealed = encryptSecret(keyring, decryptSecret(keyring, value));
        const keyValues = row.key as unknown[];
        await db.system((tx) =>
          tx
            .update(s.table)
            .set({ [columnKey(s.table, s.column)]: resealed })
            .where(and(...s.key.map((c, i) => eq(c, keyValues[i])), eq(s.column, value))),
        );
        n++;
      }
    }
    counts[s.name] = n;
  }
  return counts;
}

/** The property name of a column in its Drizzle table (update().set() takes those). */
function columnKey(table: PgTable, column: PgColumn): string {
  const entry = Object.entries(table).find(([, v]) => v === column);
  if (!entry) throw new Error(`column ${column.name} not found`);
  return entry[0];
}
