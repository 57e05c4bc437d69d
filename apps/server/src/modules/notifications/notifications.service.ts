import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, TenantContext } from '../../db/client.ts';
import { outboundMessages } from '../../db/schema.ts';
import { type MailAttachment, type Mailer, MailSendError } from '../../platform/mailer.ts';
import { type PageQuery, toPage } from '../../platform/pagination.ts';
import { type SmsProvider, SmsSendError } from '../../platform/sms.ts';
import type { ReceiptService } from '../receipts/receipts.service.ts';
import { attachmentsOf } from './outbox.ts';

/**
 * Sends the outbox (outbox.ts). A worker job: claim due messages of every tenant with
 * FOR UPDATE SKIP LOCKED and lease them by moving next_attempt_at LEASE_MS ahead (the table has
 * no lease column; a sender that dies leaves the message due again when the lease runs out),
 * then send outside any transaction and record the outcome. At least once: a crash between the
 * hand-over and the record sends again, which is why e-mails carry a stable Message-ID.
 */

const MINUTE = 60_000;
/** Wait after the n-th failed attempt; 7 attempts over about 7.5 hours, then failed. */
export const MESSAGE_RETRY_MS = [
  30_000,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  2 * 60 * MINUTE,
  5 * 60 * MINUTE,
];
export const MESSAGE_LEASE_MS = 5 * MINUTE;

export type MessageRow = typeof outboundMessages.$inferSelect;

export function messageView(m: MessageRow) {
  return {
    id: m.id,
    object: 'outbound_message' as const,
    channel: m.channel,
    recipient: m.recipient,
    template: m.template,
    subject: m.subject,
    payment_id: m.paymentId,
    status: m.status,
    attempts: m.attempts,
    next_attempt_at: m.status === 'queued' ? m.nextAttemptAt.toISOString() : null,
    last_error: m.lastError,
    provider_ref: m.providerRef,
    sent_at: m.sentAt?.toISOString() ?? null,
    created_at: m.createdAt.toISOString(),
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;

export function createNotificationService({
  db,
  config,
  mailer,
  sms,
  receipts,
  log,
}: {
  db: Database;
  config: { MAIL_FROM: string; publicUrl: string };
  mailer: Mailer;
  sms: SmsProvider;
  receipts: Pick<ReceiptService, 'render'>;
  log?: Logger | undefined;
}) {
  const domain = (() => {
    try {
      return new URL(config.publicUrl).hostname || 'billrail.local';
    } catch {
      return 'billrail.local';
    }
  })();

  async function attachmentsFor(m: MessageRow): Promise<MailAttachment[]> {
    const out: MailAttachment[] = [];
    for (const kind of attachmentsOf(m.template)) {
      if (kind === 'receipt_pdf' && m.paymentId) {
        const r = await receipts.render({ tenantId: m.tenantId, mode: m.mode }, m.paymentId);
        out.push({ filename: r.filename, content: r.pdf, contentType: 'application/pdf' });
      }
    }
    return out;
  }

  /** Hands one message over; resolves with the provider's reference. */
  async function deliver(m: MessageRow): Promise<string> {
    if (m.channel === 'sms') {
      return (await sms.send({ to: m.recipient, body: m.body, reference: m.id })).providerRef;
    }
    const sent = await mailer.send({
      from: config.MAIL_FROM,
      to: m.recipient,
      subject: m.subject ?? '',
      text: m.body,
      attachments: await attachmentsFor(m),
      // The same id on every attempt, so a copy sent twice after a lost reply folds in mail clients.
      messageId: `<${m.id}@${domain}>`,
    });
    if (sent.accepted.length === 0)
      throw new MailSendError(`Email refused for ${m.recipient}`, { retryable: false });
    return sent.response ? `${sent.messageId} ${sent.response}`.slice(0, 500) : sent.messageId;
  }

  async function record(
    m: MessageRow,
    leaseUntil: Date,
    outcome: { ok: true; ref: string } | { ok: false; err: unknown },
  ) {
    const ctx: TenantContext = { tenantId: m.tenantId, mode: m.mode };
    const leased = and(
      eq(outboundMessages.tenantId, m.tenantId),
      eq(outboundMessages.id, m.id),
      eq(outboundMessages.status, 'queued'),
      // Still our lease: another sender may have taken the message after it ran out.
      eq(outboundMessages.nextAttemptAt, leaseUntil),
    );
    if (outcome.ok) {
      await db.withTenant(ctx, (tx) =>
        tx
          .update(outboundMessages)
          .set({ status: 'sent', sentAt: new Date(), providerRef: outcome.ref, lastError: null })
          .where(leased),
      );
      return true;
    }
    const err = outcome.err;
    const retryable =
      err instanceof MailSendError || err instanceof SmsSendError
        ? err.retryable
        : !(err instanceof TypeError);
    const wait = MESSAGE_RETRY_MS[m.attempts - 1];
    const giveUp = !retryable || wait === undefined;
    const message = err instanceof Error ? err.message : String(err);
    log?.warn(
      { message: m.id, channel: m.channel, attempts: m.attempts, retryable, giveUp },
      'message not sent',
    );
    await db.withTenant(ctx, (tx) =>
      tx
        .update(outboundMessages)
        .set({
          status: giveUp ? 'failed' : 'queued',
          lastError: message.slice(0, 2000),
          // ±10% so messages that failed together do not come back in lockstep.
          nextAttemptAt: giveUp
            ? leaseUntil
            : new Date(Date.now() + Math.round((wait ?? 0) * (0.9 + 0.2 * Math.random()))),
        })
        .where(leased),
    );
    return false;
  }

  return {
    /**
     * Worker: sends messages that are due, of every tenant. Returns how many were sent. Safe on
     * many workers at once (SKIP LOCKED claim, lease).
     */
    async sendDue(limit = 20): Promise<number> {
      const leaseUntil = new Date(Math.floor((Date.now() + MESSAGE_LEASE_MS) / 1000) * 1000);
      const claimed = await db.system(async (tx) =>
        db.rows<{ tenant_id: string; id: string }>(
          tx,
          sql`with due as (
                select tenant_id, id from outbound_messages
                 where status = 'queued' and next_attempt_at <= now()
                 order by next_attempt_at limit ${limit}
                 for update skip locked)
              update outbound_messages m
                 set next_attempt_at = ${leaseUntil.toISOString()}::timestamptz, attempts = m.attempts + 1
                from due
               where m.tenant_id = due.tenant_id and m.id = due.id
           returning m.tenant_id, m.id`,
        ),
      );
      let sent = 0;
      for (const c of claimed) {
        const [m] = await db.system((tx) =>
          tx
            .select()
            .from(outboundMessages)
            .where(and(eq(outboundMessages.tenantId, c.tenant_id), eq(outboundMessages.id, c.id))),
        );
        if (!m) continue;
        let outcome: { ok: true; ref: string } | { ok: false; err: unknown };
        try {
          outcome = { ok: true, ref: await deliver(m) };
        } catch (err) {
          outcome = { ok: false, err };
        }
        if (await record(m, leaseUntil, outcome)) sent++;
      }
      return sent;
    },

    /** The tenant's outbox, newest first (troubleshooting: was the receipt e-mailed?). */
    async list(
      ctx: TenantContext,
      q: PageQuery & { payment_id?: string | undefined; status?: MessageRow['status'] | undefined },
    ) {
      return db.withTenant(ctx, async (tx) => {
        const rows = await tx
          .select()
          .from(outboundMessages)
          .where(
            and(
              eq(outboundMessages.tenantId, ctx.tenantId),
              eq(outboundMessages.mode, ctx.mode),
              q.payment_id ? eq(outboundMessages.paymentId, q.payment_id) : undefined,
              q.status ? eq(outboundMessages.status, q.status) : undefined,
              q.starting_after ? lt(outboundMessages.id, q.starting_after) : undefined,
            ),
          )
          .orderBy(desc(outboundMessages.id))
          .limit(q.limit + 1);
        const page = toPage(rows, q.limit);
        return { ...page, data: page.data.map(messageView) };
      });
    },
  };
}
