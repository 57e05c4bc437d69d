import type { TenantContext, Tx } from '../../db/client.ts';
import { outboundMessages } from '../../db/schema.ts';
import { newId } from '../../platform/ids.ts';

/**
 * The message outbox (e-mail and SMS to payers and staff). A message is written in the
 * transaction of the change it reports, so it exists exactly when the change does; the sender
 * (notifications.service.ts, a worker job) delivers it. `dedupeKey` is unique per tenant: the
 * same change recorded again (a retried request, a replayed gateway event) adds nothing.
 */

/**
 * Files attached when the message is sent, rendered then from the database (the table keeps no
 * bytes): `receipt_pdf` is the numbered receipt of the message's payment.
 */
export type AttachmentKind = 'receipt_pdf';

/** Attachments belong to templates, since the table has no column for them (see attachmentsOf). */
const TEMPLATE_ATTACHMENTS: Record<string, AttachmentKind[]> = { 'payment.receipt': ['receipt_pdf'] };

export function attachmentsOf(template: string): AttachmentKind[] {
  return TEMPLATE_ATTACHMENTS[template] ?? [];
}

export interface OutboundMessage {
  channel: 'email' | 'sms';
  recipient: string;
  /** What kind of message ("payment.receipt"); decides its attachments. */
  template: string;
  subject?: string | null;
  body: string;
  paymentId?: string | null;
  dedupeKey: string;
  /** Must match the template's attachments (checked): a caller cannot ask for what will not be sent. */
  attachments?: AttachmentKind[];
}

/** Queues messages in the caller's transaction; returns the ids of those that were new. */
export async function enqueueMany(
  tx: Tx,
  ctx: TenantContext,
  messages: OutboundMessage[],
): Promise<string[]> {
  if (!messages.length) return [];
  for (const m of messages) {
    const expected = attachmentsOf(m.template);
    const asked = m.attachments ?? expected;
    if (asked.join() !== expected.join()) {
      throw new Error(`Template ${m.template} carries [${expected.join()}], not [${asked.join()}]`);
    }
  }
  const rows = await tx
    .insert(outboundMessages)
    .values(
      messages.map((m) => ({
        tenantId: ctx.tenantId,
        mode: ctx.mode,
        id: newId('msg'),
        channel: m.channel,
        recipient: m.recipient,
        template: m.template,
        subject: m.subject ?? null,
        body: m.body,
        paymentId: m.paymentId ?? null,
        dedupeKey: m.dedupeKey,
      })),
    )
    .onConflictDoNothing({ target: [outboundMessages.tenantId, outboundMessages.dedupeKey] })
    .returning({ id: outboundMessages.id });
  return rows.map((r) => r.id);
}

/** One message; `duplicate` when its dedupe key was already queued (nothing new is sent). */
export async function enqueue(tx: Tx, ctx: TenantContext, message: OutboundMessage) {
  const [id] = await enqueueMany(tx, ctx, [message]);
  return id ? { id, duplicate: false } : { id: null, duplicate: true };
}
