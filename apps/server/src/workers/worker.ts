import { and, isNotNull, lt, or } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../config/env.ts';
import type { Database } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import { startWebhookDispatcher } from '../modules/webhooks/webhooks.worker.ts';
import type { Services } from '../services.ts';

/**
 * The worker process: the same program as the API, started with `billrail worker`. Jobs run on
 * an interval; every job must be safe to run on N workers at once (claim with
 * FOR UPDATE SKIP LOCKED, or be idempotent like the purge below).
 */
export interface Job {
  name: string;
  everyMs: number;
  run(db: Database): Promise<number>;
}

const SESSION_RETENTION_MS = 7 * 24 * 3600_000;

export const purgeSessions: Job = {
  name: 'sessions.purge',
  everyMs: 3600_000,
  async run(db) {
    // Platform-wide housekeeping: expired or revoked sessions older than a week are removed.
    const cutoff = new Date(Date.now() - SESSION_RETENTION_MS);
    const deleted = await db.system((tx) =>
      tx
        .delete(sessions)
        .where(
          or(
            lt(sessions.expiresAt, cutoff),
            and(isNotNull(sessions.revokedAt), lt(sessions.revokedAt, cutoff)),
          ),
        )
        .returning({ id: sessions.id }),
    );
    return deleted.length;
  },
};

export const JOBS: Job[] = [purgeSessions];

/**
 * Gateway work (issue 4): inbox events due for another try, attempts past their expiry, connect
 * tests whose refund has not gone through, settlement lines (Payment Completed) and the daily
 * handshake. Each is safe on many workers (row locks with SKIP LOCKED, or idempotent steps).
 */
export function gatewayJobs(
  services: Pick<Services, 'checkouts' | 'gateways' | 'reports' | 'reconciliation'>,
): Job[] {
  const { checkouts, gateways, reports, reconciliation } = services;
  return [
    { name: 'gateways.inbox', everyMs: 2_000, run: () => checkouts.processDueEvents() },
    { name: 'checkouts.expire', everyMs: 30_000, run: () => checkouts.expireDue() },
    { name: 'gateways.connect_refunds', everyMs: 60_000, run: () => checkouts.retryConnectRefunds() },
    { name: 'gateways.settlements', everyMs: 300_000, run: () => checkouts.syncSettlements() },
    { name: 'sandbox.settlements', everyMs: 10_000, run: () => checkouts.settleSandbox() },
    // Gateway payouts become settlement batches that bank statements then match (rule 4).
    { name: 'gateways.payouts', everyMs: 900_000, run: () => reconciliation.syncPayouts() },
    { name: 'gateways.handshake', everyMs: 3600_000, run: () => gateways.runDueHandshakes() },
    // Daily settlement reports, each at its tenant's own report time (issue 7).
    { name: 'reports.daily', everyMs: 300_000, run: () => reports.sendDueDailyReports() },
  ];
}

/** Payer e-mails and SMS of the outbox (modules/notifications): polled every second. */
export function notificationJobs(services: Pick<Services, 'notifications'>): Job[] {
  return [{ name: 'notifications.send', everyMs: 1_000, run: () => services.notifications.sendDue() }];
}

/**
 * Runs the interval jobs and, given the config (it unseals signing secrets), the webhook
 * dispatcher, which is continuous rather than interval-driven (modules/webhooks/webhooks.worker.ts).
 * The returned stop() resolves once deliveries in flight have been recorded.
 */
export function runWorker(db: Database, log: Logger, jobs: Job[] = JOBS, config?: Config) {
  const timers: NodeJS.Timeout[] = [];
  let stopping = false;
  for (const job of jobs) {
    const tick = async () => {
      if (stopping) return;
      try {
        const n = await job.run(db);
        if (n) log.info({ job: job.name, processed: n }, 'job ran');
      } catch (err) {
        log.error({ err, job: job.name }, 'job failed');
      }
    };
    void tick();
    timers.push(setInterval(tick, job.everyMs));
  }
  const stopDispatcher = config ? startWebhookDispatcher({ db, config, log }) : null;
  return async () => {
    stopping = true;
    for (const t of timers) clearInterval(t);
    await stopDispatcher?.();
  };
}
