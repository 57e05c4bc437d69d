import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Outgoing SMS behind one small interface, so a real provider (Twilio, Vonage, a local
 * aggregator) is one more implementation chosen by SMS_PROVIDER. Only `log` exists for now: each
 * message becomes one JSON line in `<SMS_FOLDER_DIR>/sms.jsonl`, the embedded demo's readable
 * SMS outbox (the counterpart of the mail folder).
 */

export interface SmsMessage {
  /** E.164 where known ("+6281234567890"); sent as stored on the user. */
  to: string;
  body: string;
  /** Billrail's id of the message, so a provider's delivery report can be matched to it. */
  reference: string;
}

export interface SmsResult {
  /** The provider's id for the message. */
  providerRef: string;
}

/** An SMS was not handed over. `retryable`: sending the same message later may succeed. */
export class SmsSendError extends Error {
  readonly retryable: boolean;
  constructor(message: string, opts: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'SmsSendError';
    this.retryable = opts.retryable;
  }
}

export interface SmsProvider {
  readonly kind: 'log';
  send(message: SmsMessage): Promise<SmsResult>;
}

export const SMS_LOG_FILE = 'sms.jsonl';

/** One line of the log provider's file. */
export interface LoggedSms {
  id: string;
  at: string;
  to: string;
  body: string;
  reference: string;
}

// Local file-system conditions that clear by themselves.
const TRANSIENT_FS_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN']);

export function logSmsProvider(dir: string): SmsProvider {
  return {
    kind: 'log',
    async send(message) {
      const line: LoggedSms = {
        id: `sms_${randomUUID()}`,
        at: new Date().toISOString(),
        to: message.to,
        body: message.body,
        reference: message.reference,
      };
      try {
        await mkdir(dir, { recursive: true });
        // One write per line in append mode: concurrent senders never interleave within a line.
        await appendFile(join(dir, SMS_LOG_FILE), `${JSON.stringify(line)}\n`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new SmsSendError(`SMS not written: ${(err as Error).message}`, {
          retryable: code !== undefined && TRANSIENT_FS_CODES.has(code),
          cause: err,
        });
      }
      return { providerRef: line.id };
    },
  };
}

/** Chooses the provider from configuration (two settings, so this stays independent of env.ts). */
export function createSmsProvider(settings: { SMS_PROVIDER: 'log'; SMS_FOLDER_DIR: string }): SmsProvider {
  switch (settings.SMS_PROVIDER) {
    case 'log':
      return logSmsProvider(settings.SMS_FOLDER_DIR);
  }
}
