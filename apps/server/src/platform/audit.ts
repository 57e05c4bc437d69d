import type { FastifyRequest } from 'fastify';
import type { Tx } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import { newId } from './ids.ts';

/** Who made a change. Requests derive it from their authentication; the CLI and workers name themselves. */
export interface Actor {
  type: 'user' | 'api_key' | 'bank_partner' | 'system' | 'cli';
  id: string | null;
  /** The signed-in user's role (or the principal), for behaviour tracking; absent for CLI and workers. */
  role?: string | null;
  requestId?: string | null;
  ip?: string | null;
}

export function actorOf(request: FastifyRequest): Actor {
  const auth = request.auth;
  const type = !auth ? 'system' : auth.via === 'session' ? 'user' : auth.via;
  return {
    type,
    id: auth ? (auth.userId ?? auth.apiKeyId ?? auth.partnerId ?? null) : null,
    role: auth ? (auth.role ?? auth.principal) : null,
    requestId: request.id,
    ip: request.ip,
  };
}

export interface AuditEntry {
  tenantId: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Appends one record to the audit log inside the caller's transaction, so the record exists
 * exactly when the change does. The table is append-only (a trigger refuses UPDATE and DELETE).
 */
export async function recordAudit(tx: Tx, actor: Actor, entry: AuditEntry): Promise<void> {
  await recordAudits(tx, actor, [entry]);
}

/** Many records in one statement (batch operations such as bill creation). */
export async function recordAudits(tx: Tx, actor: Actor, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.insert(auditLog).values(
    entries.map((entry) => ({
      tenantId: entry.tenantId,
      id: newId('aud'),
      actorType: actor.type,
      actorId: actor.id,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: entry.before ?? null,
      after: entry.after ?? null,
      requestId: actor.requestId ?? null,
      ip: actor.ip ?? null,
    })),
  );
}
