import { randomBytes } from 'node:crypto';
import { access, appendFile, constants, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import nodemailer, { type NodemailerError } from 'nodemailer';

/**
 * Outgoing email. Two transports behind one interface:
 * - `smtp`: any SMTP relay, configured by one URL (smtp://user:pass@host:587 or smtps://…:465).
 *   Query parameters are handed to nodemailer as options (`?pool=true`, `?requireTLS=true`,
 *   `?tls.servername=…`), so a deployment can tune the transport without a code change.
 * - `folder`: the embedded demo. Each message is rendered by nodemailer exactly as it would go
 *   over SMTP (RFC 5322, CRLF line ends) and written as an `.eml` file, with one line per message
 *   in `index.jsonl` so a local page can list them without parsing every file.
 *
 * Message bodies and attachments are never logged; failures are logged with the SMTP code and
 * the server's reply only.
 */

export interface MailAttachment {
  filename: string;
  content: Buffer | string;
  contentType: string;
}

export interface MailMessage {
  from: string;
  to: string | string[];
  cc?: string | string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /**
   * A stable Message-ID (`<…@domain>`) for a message that may be sent again after a failure whose
   * outcome is unknown (connection lost after the data was sent), so mail clients can fold copies.
   */
  messageId?: string;
}

export interface SendResult {
  messageId: string;
  /** Recipients the server took. A server may refuse some recipients and still take the message. */
  accepted: string[];
  rejected: string[];
  /** The server's final reply (often carries its queue id); the file name for the folder transport. */
  response: string;
}

export type MailerOptions =
  | { kind: 'smtp'; url: string; logger?: MailLogger }
  | { kind: 'folder'; dir: string; logger?: MailLogger };

/** The slice of a pino logger the mailer uses. */
export interface MailLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Mailer {
  readonly kind: 'smtp' | 'folder';
  /** Resolves once the message is handed over; rejects with MailSendError. */
  send(message: MailMessage): Promise<SendResult>;
  /** Checks that mail can go out (connects and authenticates, or the folder is writable). */
  verify(): Promise<{ kind: 'smtp' | 'folder'; target: string }>;
  close(): Promise<void>;
}

/**
 * A message was not handed over. `retryable` says whether sending the same message again later
 * may succeed: an SMTP 4xx reply, a dropped or refused connection, a timeout (true); a 5xx reply
 * such as an unknown mailbox or bad credentials, or a message nodemailer cannot build (false).
 * RFC 5321 makes 503 (bad sequence of commands) the exception among 5xx: it is about the session,
 * not the message, so it counts as retryable (as nodemailer's `permanent` flag says).
 */
export class MailSendError extends Error {
  readonly retryable: boolean;
  /** nodemailer's error code (ECONNECTION, ESOCKET, ETIMEDOUT, EAUTH, EENVELOPE, EMESSAGE, …) or an fs code. */
  readonly code: string | undefined;
  /** The SMTP reply code, when the server answered with one. */
  readonly smtpCode: number | undefined;
  /** The server's reply text, e.g. "451 4.7.1 Greylisted, try again later". */
  readonly response: string | undefined;

  constructor(
    message: string,
    opts: { retryable: boolean; code?: string; smtpCode?: number; response?: string; cause?: unknown },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'MailSendError';
    this.retryable = opts.retryable;
    this.code = opts.code;
    this.smtpCode = opts.smtpCode;
    this.response = opts.response;
  }
}

// Errors where nothing was refused: the connection failed, dropped or timed out before or while
// talking to the server. The same message can go through once the server is reachable again.
const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EPROXY']);
// Local file-system conditions that clear by themselves (the folder transport).
const TRANSIENT_FS_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN']);

export function toMailSendError(err: unknown): MailSendError {
  if (err instanceof MailSendError) return err;
  const e = (err ?? {}) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const smtpCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  let retryable: boolean;
  if (smtpCode !== undefined) {
    // nodemailer ≥ 10.2 sets `permanent` from the reply class; derive it the same way otherwise.
    const permanent =
      typeof e.permanent === 'boolean' ? e.permanent : smtpCode >= 500 && smtpCode < 600 && smtpCode !== 503;
    retryable = !permanent;
  } else {
    retryable = code !== undefined && (CONNECTION_CODES.has(code) || TRANSIENT_FS_CODES.has(code));
  }
  const reason = e instanceof Error ? e.message : String(err);
  return new MailSendError(`Email not sent: ${reason}`, {
    retryable,
    code,
    smtpCode,
    response: typeof e.response === 'string' ? e.response : undefined,
    cause: err,
  });
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const address = (a: unknown) =>
  typeof a === 'string' ? a : a && typeof a === 'object' && 'address' in a ? String(a.address) : String(a);

/** The options nodemailer gets for a message; identical for both transports. */
function composeOptions(message: MailMessage) {
  return {
    from: message.from,
    to: list(message.to),
    cc: list(message.cc),
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    attachments: (message.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      // Always base64: nodemailer would otherwise pick quoted-printable for text/* attachments,
      // which lets line ends be normalised on the way. A CSV report must arrive byte for byte.
      contentTransferEncoding: 'base64',
    })),
  };
}

/**
 * Checks an SMTP URL without echoing it (it usually carries a password) and returns where it
 * points, for messages and verify().
 */
export function describeSmtpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('The SMTP URL is not a valid URL (expected smtp://user:password@host:port)');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new Error(`The SMTP URL must start with smtp:// or smtps://, not ${parsed.protocol}//`);
  }
  if (!parsed.hostname) throw new Error('The SMTP URL names no host');
  const port = parsed.port || (parsed.protocol === 'smtps:' ? '465' : '587');
  return `${parsed.protocol}//${parsed.hostname}:${port}`;
}

export function createMailer(options: MailerOptions): Mailer {
  return options.kind === 'smtp'
    ? smtpMailer(options.url, options.logger)
    : folderMailer(options.dir, options.logger);
}

/**
 * Chooses the transport from configuration: SMTP when a URL is set, else the demo folder.
 * Takes the two settings rather than the whole Config so it stays independent of env.ts.
 */
export function mailerOptionsFrom(
  settings: { MAIL_SMTP_URL?: string | undefined; MAIL_FOLDER_DIR: string },
  logger?: MailLogger,
): MailerOptions {
  return settings.MAIL_SMTP_URL
    ? { kind: 'smtp', url: settings.MAIL_SMTP_URL, logger }
    : { kind: 'folder', dir: settings.MAIL_FOLDER_DIR, logger };
}

function smtpMailer(url: string, logger: MailLogger | undefined): Mailer {
  const target = describeSmtpUrl(url);
  const transport = nodemailer.createTransport({
    url,
    // nodemailer waits 2 minutes to connect and 10 minutes on an idle socket by default; a worker
    // should rather fail fast and retry. The URL's query parameters override these.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    // nodemailer's own logger would print the SMTP dialogue, message included.
    logger: false,
    debug: false,
  });

  return {
    kind: 'smtp',
    async send(message) {
      const started = performance.now();
      try {
        const info = await transport.sendMail(composeOptions(message));
        const result: SendResult = {
          messageId: info.messageId,
          accepted: (info.accepted ?? []).map(address),
          rejected: (info.rejected ?? []).map(address),
          response: String(info.response ?? ''),
        };
        logger?.debug(
          {
            messageId: result.messageId,
            accepted: result.accepted.length,
            rejected: result.rejected.length,
            ms: Math.round(performance.now() - started),
          },
          'email sent',
        );
        return result;
      } catch (err) {
        const failure = toMailSendError(err);
        logger?.warn(
          {
            target,
            code: failure.code,
            smtpCode: failure.smtpCode,
            response: failure.response,
            retryable: failure.retryable,
          },
          'email not sent',
        );
        throw failure;
      }
    },
    async verify() {
      try {
        await transport.verify();
      } catch (err) {
        throw toMailSendError(err);
      }
      return { kind: 'smtp', target };
    },
    async close() {
      transport.close();
    },
  };
}

/** One line of the folder's index.jsonl. */
export interface FolderMailEntry {
  file: string;
  messageId: string;
  date: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  attachments: string[];
  size: number;
}

const INDEX_FILE = 'index.jsonl';
// What folderMailer writes, and all readFolderMail will open: no separators, no dot files.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*\.eml$/;

function folderMailer(dir: string, logger: MailLogger | undefined): Mailer {
  // The stream transport runs nodemailer's SMTP message builder without the network. CRLF line
  // ends ("windows"), since that is what SMTP carries and RFC 5322 requires; the default is LF.
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    logger: false,
  });

  return {
    kind: 'folder',
    async send(message) {
      let raw: Buffer;
      let info: { messageId: string; envelope: { to: string[] } };
      try {
        const sent = await transport.sendMail(composeOptions(message));
        raw = sent.message as Buffer;
        info = { messageId: sent.messageId, envelope: { to: sent.envelope.to ?? [] } };
      } catch (err) {
        throw toMailSendError(err);
      }
      // The stream transport has no RCPT TO to fail; refuse what an SMTP server would never take.
      if (info.envelope.to.length === 0) {
        throw new MailSendError('Email not sent: No recipients defined', {
          retryable: false,
          code: 'EENVELOPE',
        });
      }
      const stamp = new Date();
      const file = `${stamp.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
      const entry: FolderMailEntry = {
        file,
        messageId: info.messageId,
        date: stamp.toISOString(),
        from: message.from,
        to: list(message.to),
        cc: list(message.cc),
        subject: message.subject,
        attachments: (message.attachments ?? []).map((a) => a.filename),
        size: raw.length,
      };
      try {
        await mkdir(dir, { recursive: true });
        // Written under a temporary name and renamed, so a reader never sees half a message; the
        // index line follows, one append (O_APPEND) per message, so several processes can share it.
        const tmp = join(dir, `.${file}.tmp`);
        await writeFile(tmp, raw);
        await rename(tmp, join(dir, file));
        await appendFile(join(dir, INDEX_FILE), `${JSON.stringify(entry)}\n`);
      } catch (err) {
        const failure = toMailSendError(err);
        logger?.warn({ dir, code: failure.code, retryable: failure.retryable }, 'email not written');
        throw failure;
      }
      logger?.debug({ messageId: info.messageId, file }, 'email written to folder');
      return { messageId: info.messageId, accepted: info.envelope.to, rejected: [], response: file };
    },
    async verify() {
      try {
        await mkdir(dir, { recursive: true });
        await access(dir, constants.W_OK);
      } catch (err) {
        throw toMailSendError(err);
      }
      return { kind: 'folder', target: dir };
    },
    async close() {
      transport.close();
    },
  };
}

/** The messages in a mail folder, newest first. An absent folder has none. */
export async function listFolderMail(dir: string, opts: { limit?: number } = {}): Promise<FolderMailEntry[]> {
  let text: string;
  try {
    text = await readFile(join(dir, INDEX_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: FolderMailEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as FolderMailEntry);
    } catch {
      // A line cut short by a crash mid-append; its .eml is still there.
    }
  }
  entries.reverse();
  return opts.limit === undefined ? entries : entries.slice(0, opts.limit);
}

/**
 * One message of a mail folder: its raw RFC 5322 bytes (serve as `message/rfc822` to open it in a
 * mail client) and its index entry. Null for a name that is not a message of this folder, so a
 * page can pass a file name from a URL straight in (no path can escape the folder).
 */
export async function readFolderMail(
  dir: string,
  file: string,
): Promise<{ file: string; raw: Buffer; entry: FolderMailEntry | undefined } | null> {
  if (!FILE_NAME.test(file) || basename(file) !== file) return null;
  let raw: Buffer;
  try {
    raw = await readFile(join(dir, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const entry = (await listFolderMail(dir)).find((e) => e.file === file);
  return { file, raw, entry };
}
