import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { TenantContext } from '../db/client.ts';
import { idempotencyKeys } from '../db/schema.ts';
import { tenantOf } from './auth.ts';
import { decryptSecret, encryptSecret, sha256Hex } from './crypto.ts';
import { AppError } from './errors.ts';
import { keyringOf } from './keyring.ts';

/**
 * `Idempotency-Key` on mutating /v1 calls. The first request with a key runs and its response
 * (status and body, errors included) is stored; a retry with the same key and the same request
 * gets that response again (header `Idempotent-Replayed: true`); the same key with a different
 * request is refused (422). Keys are scoped to the caller (API key, user or bank partner) and mode.
 * Stored responses are encrypted with the secrets keyring, as they may hold a secret shown once.
 *
 * A request still running holds the key for LOCK_MS; a retry meanwhile gets 409. If the process
 * died after its transaction committed but before the response was stored, the retry runs again
 * after LOCK_MS — money is still recorded once, because every rail's own reference is unique
 * (bank transaction_ref, receipt number, gateway event id) and bills are unique by bill_number.
 */
const LOCK_MS = 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Claim {
  ctx: TenantContext;
  principalId: string;
  key: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: Claim | null;
  }
}

/** What identifies a request body: its bytes for uploads, its parsed JSON otherwise (amounts are bigint). */
function bodyDigest(body: unknown): string {
  if (Buffer.isBuffer(body)) return sha256Hex(body);
  return JSON.stringify(body ?? null, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

export function registerIdempotency(app: FastifyInstance) {
  app.decorateRequest('idempotency', null);
  // Stored responses can hold secrets shown once (API keys, webhook secrets): they are sealed.
  const keyring = keyringOf(app.config);

  app.addHook('preHandler', async (request, reply) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined || SAFE.has(request.method) || !request.auth || !request.url.startsWith('/v1/'))
      return;
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw new AppError(
        400,
        'invalid_idempotency_key',
        'Idempotency-Key must be 1-255 visible ASCII characters.',
        {
          errors: [{ field: 'Idempotency-Key', reason: 'must be 1-255 visible ASCII characters' }],
        },
      );
    }
    const auth = request.auth;
    const ctx = tenantOf(request);
    const principalId = auth.apiKeyId ?? auth.userId ?? auth.partnerId ?? 'unknown';
    const requestHash = sha256Hex(`${request.method} ${request.url}\n${bodyDigest(request.body)}`);
    const where = and(
      eq(idempotencyKeys.tenantId, ctx.tenantId),
      eq(idempotencyKeys.mode, ctx.mode),
      eq(idempotencyKeys.principalId, principalId),
      eq(idempotencyKeys.key, header),
    );
    const outcome = await app.db.withTenant(ctx, async (tx) => {
      const lockedUntil = new Date(Date.now() + LOCK_MS);
      const [claimed] = await tx
        .insert(idempotencyKeys)
        .values({
          tenantId: ctx.tenantId,
          mode: ctx.mode,
          principalId,
          key: header,
          requestHash,
          state: 'in_progress',
          lockedUntil,
        })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (claimed) return { kind: 'claimed' as const };
      const [row] = await tx.select().from(idempotencyKeys).where(where).for('update');
      if (!row) return { kind: 'busy' as const };
      if (row.requestHash !== requestHash) return { kind: 'mismatch' as const };
      if (row.state === 'done') return { kind: 'replay' as const, row };
      if (row.lockedUntil > new Date()) return { kind: 'busy' as const };
      await tx.update(idempotencyKeys).set({ lockedUntil }).where(where);
      return { kind: 'claimed' as const };
    });
    if (outcome.kind === 'mismatch') {
      throw new AppError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was already used with a different request.',
        {
          errors: [{ field: 'Idempotency-Key', reason: 'was used with a different request' }],
        },
      );
    }
    if (outcome.kind === 'busy') {
      throw new AppError(
        409,
        'idempotency_in_progress',
        'A request with this Idempotency-Key is still in progress; retry shortly.',
        {
          headers: { 'retry-after': '1' },
        },
      );
    }
    if (outcome.kind === 'replay') {
      const status = outcome.row.responseStatus ?? 200;
      return reply
        .code(status)
        .header('idempotent-replayed', 'true')
        .type(status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8')
        .serializer((p: unknown) => p as string)
        .send(outcome.row.responseBody ? decryptSecret(keyring, outcome.row.responseBody) : '');
    }
    request.idempotency = { ctx, principalId, key: header };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    const where = and(
      eq(idempotencyKeys.tenantId, claim.ctx.tenantId),
      eq(idempotencyKeys.mode, claim.ctx.mode),
      eq(idempotencyKeys.principalId, claim.principalId),
      eq(idempotencyKeys.key, claim.key),
    );
    await app.db.withTenant(claim.ctx, async (tx) => {
      if (reply.statusCode >= 500 || typeof payload !== 'string') {
        // Nothing was applied (or nothing storable was produced): let a retry run afresh.
        await tx.delete(idempotencyKeys).where(where);
      } else {
        await tx
          .update(idempotencyKeys)
          .set({
            state: 'done',
            responseStatus: reply.statusCode,
            responseBody: encryptSecret(keyring, payload),
          })
          .where(where);
      }
    });
    return payload;
  });
}
