import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/**
 * A mail server for tests: real SMTP (smtp-server) on 127.0.0.1, no TLS, optional AUTH. Every
 * accepted message is kept exactly as received (raw bytes, envelope) and parsed into headers,
 * text, html and attachments. `failNext` makes the server refuse the next message with a reply
 * of the test's choosing (451 greylisting, 550 unknown mailbox, …).
 *
 * The MIME reader below is deliberately independent of nodemailer (which produces what it reads)
 * and handles what tests need: nested multipart, base64 / quoted-printable / 7bit bodies, RFC 2047
 * encoded words and RFC 2231 parameters.
 */

export interface MailAttachmentPart {
  filename: string | undefined;
  contentType: string;
  content: Buffer;
}

export interface ParsedMail {
  /** Unfolded header values by lower-case name, in order; encoded words left as sent. */
  headers: Record<string, string[]>;
  /** Decoded (RFC 2047) headers most tests look at. */
  subject: string | undefined;
  from: string | undefined;
  to: string | undefined;
  cc: string | undefined;
  messageId: string | undefined;
  /** The first text/plain and text/html parts that are not attachments, decoded to strings. */
  text: string | undefined;
  html: string | undefined;
  attachments: MailAttachmentPart[];
}

export interface Caught extends ParsedMail {
  envelope: { from: string; to: string[] };
  /** The message as carried by DATA (dot-stuffing already removed by the server). */
  raw: Buffer;
  /** The user name the client authenticated as, if it did. */
  user: string | undefined;
}

export interface SmtpCatcher {
  /** smtp://127.0.0.1:<port>, or smtp://user:password@127.0.0.1:<port> when started with auth. */
  url: string;
  port: number;
  messages: Caught[];
  /** The first message (already here or still to come) that matches. */
  waitFor(predicate?: (m: Caught) => boolean, timeoutMs?: number): Promise<Caught>;
  /**
   * Refuse the next message with this reply: after DATA by default, or at RCPT TO (then every
   * recipient of that message is refused).
   */
  failNext(code: number, message: string, at?: 'data' | 'rcpt'): void;
  close(): Promise<void>;
}

export async function startSmtpCatcher(
  opts: { auth?: { user: string; password: string } } = {},
): Promise<SmtpCatcher> {
  const messages: Caught[] = [];
  const waiters = new Set<() => void>();
  let failure:
    | { code: number; message: string; at: 'data' | 'rcpt'; transaction?: string | undefined }
    | undefined;

  const smtpError = (code: number, message: string) =>
    Object.assign(new Error(message), { responseCode: code });

  const options: SMTPServerOptions = {
    secure: false,
    // Without this smtp-server offers STARTTLS with a self-signed certificate, which a client
    // verifying certificates refuses.
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    // A reverse DNS lookup of 127.0.0.1 per connection only slows tests down.
    disableReverseLookup: true,
    // Answer pooled clients' open connections at once on close instead of after 30 s.
    closeTimeout: 50,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.password) {
        callback(null, { user: auth.username });
      } else {
        callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
      }
    },
    onRcptTo(_address, session, callback) {
      if (failure?.at === 'rcpt') {
        // The refusal covers every recipient of one message (one transaction of one session).
        const transaction = `${session.id}/${session.transaction}`;
        failure.transaction ??= transaction;
        if (failure.transaction === transaction) return callback(smtpError(failure.code, failure.message));
        failure = undefined;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        // The message must be read to its end before the reply is given.
        const f = failure?.at === 'data' ? failure : undefined;
        if (f) {
          failure = undefined;
          return callback(smtpError(f.code, f.message));
        }
        const raw = Buffer.concat(chunks);
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          ...parseMail(raw),
          envelope: {
            from: mailFrom ? mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          raw,
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        for (const w of waiters) w();
        callback(null);
      });
    },
  };
  const server = new SMTPServer(options);
  // A client that drops the connection shows up as an error event; a test server shrugs it off.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const credentials = opts.auth
    ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.password)}@`
    : '';

  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages,
    waitFor(predicate = () => true, timeoutMs = 5000) {
      return new Promise<Caught>((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const subjects = messages.map((m) => JSON.stringify(m.subject)).join(', ') || 'none';
          reject(new Error(`no matching email within ${timeoutMs} ms (received: ${subjects})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    failNext(code, message, at = 'data') {
      failure = { code, message, at };
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// MIME reading (RFC 2045-2047, 2231, 5322), enough for tests.

interface Part {
  headers: Record<string, string[]>;
  body: Buffer;
}

function splitPart(buf: Buffer): Part {
  // Header and body are separated by the first empty line; a part may start with it (no headers).
  let sep = buf.indexOf('\r\n\r\n');
  let skip = 4;
  if (buf.subarray(0, 2).toString('latin1') === '\r\n') {
    sep = 0;
    skip = 2;
  } else if (sep < 0) {
    sep = buf.indexOf('\n\n');
    skip = 2;
  }
  if (sep < 0) return { headers: parseHeaders(buf.toString('latin1')), body: Buffer.alloc(0) };
  return { headers: parseHeaders(buf.subarray(0, sep).toString('latin1')), body: buf.subarray(sep + skip) };
}

function parseHeaders(head: string): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  // Unfolding removes the line break before continuation whitespace (RFC 5322 2.2.3).
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    // Header bytes are read as latin1 above; 8-bit (SMTPUTF8) values are UTF-8.
    const value = Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8');
    const values = headers[name] ?? [];
    values.push(value);
    headers[name] = values;
  }
  return headers;
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

function decodeQuotedPrintable(input: string): Buffer {
  const bytes: number[] = [];
  const s = input.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i++) {
    const hex = s.slice(i + 1, i + 3);
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(s.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words, e.g. `=?UTF-8?Q?Kwitansi_pembayaran?=`; whitespace between two is dropped. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (_m, charset: string, enc: string, text: string) => {
        const bytes =
          enc.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : decodeQuotedPrintable(text.replace(/_/g, ' '));
        return decodeCharset(bytes, charset);
      },
    );
}

/** `text/plain; charset=utf-8; name*0*=…` → value and parameters, RFC 2231 continuations joined. */
function parseStructured(header: string | undefined): { value: string; params: Record<string, string> } {
  if (!header) return { value: '', params: {} };
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i]!;
    if (ch === '"') quoted = !quoted;
    if (ch === '\\' && quoted) {
      current += header[++i] ?? '';
      continue;
    }
    if (ch === ';' && !quoted) {
      pieces.push(current);
      current = '';
    } else current += ch;
  }
  pieces.push(current);
  const value = (pieces.shift() ?? '').trim().toLowerCase();
  const raw: Record<string, { sections: Map<number, { text: string; encoded: boolean }> }> = {};
  const params: Record<string, string> = {};
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    let val = piece.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1);
    const m = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key);
    if (!m) continue;
    const entry = raw[m[1]!] ?? { sections: new Map() };
    raw[m[1]!] = entry;
    entry.sections.set(Number(m[2] ?? 0), { text: val, encoded: Boolean(m[3]) });
  }
  for (const [name, { sections }] of Object.entries(raw)) {
    const ordered = [...sections.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
    let charset: string | undefined;
    const bytes: Buffer[] = [];
    for (const [i, s] of ordered.entries()) {
      if (!s.encoded) {
        bytes.push(Buffer.from(s.text, 'utf8'));
        continue;
      }
      let text = s.text;
      if (i === 0) {
        // charset'language'percent-encoded
        const parts = text.split("'");
        if (parts.length >= 3) {
          charset = parts[0];
          text = parts.slice(2).join("'");
        }
      }
      bytes.push(
        Buffer.from(
          text.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
          'latin1',
        ),
      );
    }
    params[name] = decodeWords(decodeCharset(Buffer.concat(bytes), charset));
  }
  return { value, params };
}

function decodeBody(part: Part): Buffer {
  const cte = (part.headers['content-transfer-encoding']?.[0] ?? '7bit').trim().toLowerCase();
  if (cte === 'base64')
    return Buffer.from(part.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(part.body.toString('latin1'));
  return part.body;
}

/** The parts of a multipart body between its `--boundary` delimiter lines (RFC 2046 5.1.1). */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const s = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const starts: { at: number; close: boolean; next: number }[] = [];
  let from = 0;
  for (;;) {
    const at = s.indexOf(delimiter, from);
    if (at < 0) break;
    from = at + delimiter.length;
    if (at !== 0 && s[at - 1] !== '\n') continue; // not at the start of a line
    const close = s.startsWith('--', from);
    const eol = s.indexOf('\n', from);
    starts.push({ at, close, next: eol < 0 ? s.length : eol + 1 });
    if (close) break;
  }
  const parts: Buffer[] = [];
  for (let i = 0; i + 1 < starts.length; i++) {
    let end = starts[i + 1]!.at;
    // The line break before a delimiter belongs to the delimiter.
    if (s[end - 1] === '\n') end--;
    if (s[end - 1] === '\r') end--;
    parts.push(body.subarray(starts[i]!.next, Math.max(end, starts[i]!.next)));
  }
  return parts;
}

function walk(part: Part, out: ParsedMail) {
  const type = parseStructured(part.headers['content-type']?.[0] ?? 'text/plain');
  const disposition = parseStructured(part.headers['content-disposition']?.[0]);
  if (type.value.startsWith('multipart/') && type.params.boundary) {
    for (const child of splitMultipart(part.body, type.params.boundary)) walk(splitPart(child), out);
    return;
  }
  const content = decodeBody(part);
  const filename = disposition.params.filename ?? type.params.name;
  const isAttachment = disposition.value === 'attachment' || filename !== undefined;
  if (!isAttachment && type.value === 'text/plain' && out.text === undefined) {
    out.text = decodeCharset(content, type.params.charset);
  } else if (!isAttachment && type.value === 'text/html' && out.html === undefined) {
    out.html = decodeCharset(content, type.params.charset);
  } else {
    out.attachments.push({ filename, contentType: type.value, content });
  }
}

/** Parses an RFC 5322 message (as an SMTP server receives it) into headers, bodies and attachments. */
export function parseMail(raw: Buffer): ParsedMail {
  const root = splitPart(raw);
  const first = (name: string) => {
    const v = root.headers[name]?.[0];
    return v === undefined ? undefined : decodeWords(v);
  };
  const mail: ParsedMail = {
    headers: root.headers,
    subject: first('subject'),
    from: first('from'),
    to: first('to'),
    cc: first('cc'),
    messageId: root.headers['message-id']?.[0],
    text: undefined,
    html: undefined,
    attachments: [],
  };
  walk(root, mail);
  return mail;
}
