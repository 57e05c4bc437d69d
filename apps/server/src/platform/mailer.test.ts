import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail, type SmtpCatcher, startSmtpCatcher } from '../../test/fakes/smtp-catcher.ts';
import {
  createMailer,
  listFolderMail,
  type MailLogger,
  type MailMessage,
  MailSendError,
  mailerOptionsFrom,
  readFolderMail,
} from './mailer.ts';

// A CSV as a settlement report would carry it: UTF-8 BOM, LF line ends, non-ASCII text, and a
// line starting with "." (SMTP dot-stuffing must be undone on the way).
const CSV = '\uFEFFreference,payer,amount\n100045,Sébastien Çelik,120.50\n.100046,"Nguyễn, An",7.00\n';

async function xlsxReport(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Settlement');
  ws.addRow(['reference', 'amount']);
  ws.addRow(['100045', 120.5]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function report(): Promise<MailMessage> {
  return {
    from: 'Billrail <reports@billrail.test>',
    to: ['finance@water.test', 'Ops Team <ops@water.test>'],
    cc: 'audit@water.test',
    subject: 'Settlement report 2025-03-31 — Rp 1.250.000',
    text: 'Hello,\n.\nThe daily settlement report is attached.\nTerima kasih — Billrail\n',
    html: '<p>Hello,</p><p>The daily settlement report is attached.</p><p>Terima kasih — Billrail</p>',
    attachments: [
      { filename: 'settlement-2025-03-31.csv', content: CSV, contentType: 'text/csv' },
      {
        filename: 'settlement-2025-03-31.xlsx',
        content: await xlsxReport(),
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
    ],
  };
}

const crlfToLf = (s: string | undefined) => s?.replace(/\r\n/g, '\n');

function expectSameContent(got: ReturnType<typeof parseMail>, sent: MailMessage) {
  expect(got.subject).toBe(sent.subject);
  expect(crlfToLf(got.text)?.trimEnd()).toBe(sent.text.trimEnd());
  expect(got.html).toBe(sent.html);
  expect(got.attachments.map((a) => [a.filename, a.contentType])).toEqual(
    sent.attachments!.map((a) => [a.filename, a.contentType]),
  );
  for (const [i, a] of sent.attachments!.entries()) {
    const bytes = typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : a.content;
    expect(got.attachments[i]!.content.equals(bytes)).toBe(true);
  }
}

async function sendError(promise: Promise<unknown>): Promise<MailSendError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MailSendError);
  return err as MailSendError;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('mailer over SMTP', () => {
  let catcher: SmtpCatcher;
  beforeAll(async () => {
    catcher = await startSmtpCatcher();
  });
  afterAll(() => catcher.close());

  it('delivers text, html and CSV/XLSX attachments byte for byte', async () => {
    const mailer = createMailer({ kind: 'smtp', url: catcher.url });
    const message = await report();
    const result = await mailer.send(message);
    await mailer.close();

    expect(result.accepted.sort()).toEqual(['audit@water.test', 'finance@water.test', 'ops@water.test']);
    expect(result.rejected).toEqual([]);
    expect(result.response).toMatch(/^250/);
    const got = await catcher.waitFor((m) => m.messageId === result.messageId);
    expect(got.envelope.from).toBe('reports@billrail.test');
    expect(got.envelope.to.sort()).toEqual(['audit@water.test', 'finance@water.test', 'ops@water.test']);
    expect(got.to).toBe('finance@water.test, Ops Team <ops@water.test>');
    expect(got.cc).toBe('audit@water.test');
    expectSameContent(got, message);
  });

  it('reports a 451 as retryable and a 550 (after DATA or at RCPT) as final', async () => {
    const mailer = createMailer({ kind: 'smtp', url: catcher.url });
    const message: MailMessage = {
      from: 'receipts@billrail.test',
      to: 'payer@example.test',
      subject: 'Payment receipt',
      text: 'Paid.',
    };

    catcher.failNext(451, '4.7.1 Greylisted, try again later');
    const greylisted = await sendError(mailer.send(message));
    expect(greylisted).toMatchObject({ retryable: true, smtpCode: 451 });
    expect(greylisted.response).toContain('Greylisted');

    catcher.failNext(550, '5.1.1 Mailbox unavailable');
    const refused = await sendError(mailer.send(message));
    expect(refused).toMatchObject({ retryable: false, smtpCode: 550 });

    catcher.failNext(550, '5.1.1 No such user', 'rcpt');
    const unknown = await sendError(mailer.send(message));
    expect(unknown).toMatchObject({ retryable: false, smtpCode: 550 });

    catcher.failNext(452, '4.2.2 Mailbox full', 'rcpt');
    expect(await sendError(mailer.send(message))).toMatchObject({ retryable: true, smtpCode: 452 });

    // Each refusal covered one message only.
    const ok = await mailer.send({ ...message, subject: 'after the refusals' });
    expect((await catcher.waitFor((m) => m.messageId === ok.messageId)).subject).toBe('after the refusals');
    await mailer.close();
  });

  it('keeps a subject with line breaks from adding headers', async () => {
    const mailer = createMailer({ kind: 'smtp', url: catcher.url });
    const result = await mailer.send({
      from: 'receipts@billrail.test',
      to: 'payer@example.test',
      subject: 'Receipt\r\nBcc: attacker@evil.test',
      text: 'Paid.',
    });
    await mailer.close();
    const got = await catcher.waitFor((m) => m.messageId === result.messageId);
    expect(got.envelope.to).toEqual(['payer@example.test']);
    expect(got.headers.bcc).toBeUndefined();
    expect(got.raw.toString('latin1')).not.toMatch(/^Bcc:/im);
  });

  it('verifies the connection', async () => {
    const mailer = createMailer({ kind: 'smtp', url: catcher.url });
    expect(await mailer.verify()).toEqual({ kind: 'smtp', target: `smtp://127.0.0.1:${catcher.port}` });
    await mailer.close();
  });
});

describe('mailer SMTP authentication and connection failures', () => {
  it('authenticates with the credentials in the URL, percent-decoded; bad ones are final', async () => {
    const catcher = await startSmtpCatcher({
      auth: { user: 'billrail@relay.test', password: 'p@ss:w/rd %1' },
    });
    try {
      expect(catcher.url).toContain('billrail%40relay.test:p%40ss%3Aw%2Frd%20%251@');
      const mailer = createMailer({ kind: 'smtp', url: catcher.url });
      const result = await mailer.send({
        from: 'a@billrail.test',
        to: 'b@example.test',
        subject: 's',
        text: 't',
      });
      expect((await catcher.waitFor((m) => m.messageId === result.messageId)).user).toBe(
        'billrail@relay.test',
      );
      await mailer.close();

      const wrong = createMailer({
        kind: 'smtp',
        url: `smtp://billrail%40relay.test:nope@127.0.0.1:${catcher.port}`,
      });
      const err = await sendError(
        wrong.send({ from: 'a@billrail.test', to: 'b@example.test', subject: 's', text: 't' }),
      );
      expect(err).toMatchObject({ retryable: false, code: 'EAUTH', smtpCode: 535 });
      expect(err.message).not.toContain('nope');
      await wrong.close();
    } finally {
      await catcher.close();
    }
  });

  it('reports an unreachable server as retryable, without logging the message', async () => {
    const logs: unknown[] = [];
    const logger: MailLogger = { debug: (o) => logs.push(o), warn: (o) => logs.push(o) };
    const port = await closedPort();
    const mailer = createMailer({ kind: 'smtp', url: `smtp://user:secret@127.0.0.1:${port}`, logger });
    const err = await sendError(
      mailer.send({
        from: 'a@billrail.test',
        to: 'b@example.test',
        subject: 'Secret subject',
        text: 'Secret body',
      }),
    );
    expect(err.retryable).toBe(true);
    expect(err.smtpCode).toBeUndefined();
    expect(['ESOCKET', 'ECONNECTION']).toContain(err.code);
    expect(await sendError(mailer.verify())).toMatchObject({ retryable: true });
    await mailer.close();

    const logged = JSON.stringify(logs);
    expect(logs).toHaveLength(1);
    expect(logged).not.toMatch(/Secret|secret|b@example/);
    expect(logged).toContain(`smtp://127.0.0.1:${port}`);
  });

  it('reports a server that never greets as a retryable timeout (URL query options apply)', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const mailer = createMailer({ kind: 'smtp', url: `smtp://127.0.0.1:${port}?greetingTimeout=200` });
      const started = Date.now();
      const err = await sendError(
        mailer.send({ from: 'a@billrail.test', to: 'b@example.test', subject: 's', text: 't' }),
      );
      expect(err).toMatchObject({ retryable: true, code: 'ETIMEDOUT' });
      expect(Date.now() - started).toBeLessThan(5000);
      await mailer.close();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('refuses a URL that is not smtp:// or smtps:// without echoing it', () => {
    expect(() => createMailer({ kind: 'smtp', url: 'http://user:hunter2@mail.test' })).toThrow(
      /smtp:\/\/ or smtps:\/\//,
    );
    expect(() => createMailer({ kind: 'smtp', url: 'not a url hunter2' })).toThrow(/not a valid URL/);
    try {
      createMailer({ kind: 'smtp', url: 'http://user:hunter2@mail.test' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect(
      mailerOptionsFrom({ MAIL_SMTP_URL: 'smtps://relay.test', MAIL_FOLDER_DIR: './mail' }),
    ).toMatchObject({
      kind: 'smtp',
      url: 'smtps://relay.test',
    });
    expect(mailerOptionsFrom({ MAIL_FOLDER_DIR: './mail' })).toMatchObject({ kind: 'folder', dir: './mail' });
  });
});

describe('mailer into a folder', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'billrail-mail-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes each message as an RFC 5322 .eml plus an index line, and lists and reads them', async () => {
    const dir = join(root, 'outbox'); // created on first use
    expect(await listFolderMail(dir)).toEqual([]);
    const mailer = createMailer({ kind: 'folder', dir });
    expect(await mailer.verify()).toEqual({ kind: 'folder', target: dir });

    const message = await report();
    const first = await mailer.send(message);
    const second = await mailer.send({
      from: 'a@billrail.test',
      to: 'b@example.test',
      subject: 'Receipt',
      text: 'Paid.',
    });
    await mailer.close();
    expect(first.accepted.sort()).toEqual(['audit@water.test', 'finance@water.test', 'ops@water.test']);
    expect(first.rejected).toEqual([]);

    const files = (await readdir(dir)).sort();
    expect(files).toEqual([first.response, second.response, 'index.jsonl'].sort());
    const raw = await readFile(join(dir, first.response));
    // CRLF everywhere, as SMTP carries it: no bare LF, no bare CR.
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n|\r[^\n]/);
    const parsed = parseMail(raw);
    expect(parsed.messageId).toBe(first.messageId);
    expect(parsed.to).toBe('finance@water.test, Ops Team <ops@water.test>');
    expectSameContent(parsed, message);

    const listed = await listFolderMail(dir);
    expect(listed.map((e) => e.file)).toEqual([second.response, first.response]);
    expect(listed[1]).toMatchObject({
      file: first.response,
      messageId: first.messageId,
      from: 'Billrail <reports@billrail.test>',
      to: ['finance@water.test', 'Ops Team <ops@water.test>'],
      cc: ['audit@water.test'],
      subject: message.subject,
      attachments: ['settlement-2025-03-31.csv', 'settlement-2025-03-31.xlsx'],
      size: raw.length,
    });
    expect(Number.isNaN(Date.parse(listed[1]!.date))).toBe(false);
    expect(JSON.stringify(listed)).not.toContain('settlement report is attached');
    expect(await listFolderMail(dir, { limit: 1 })).toHaveLength(1);

    const read = await readFolderMail(dir, first.response);
    expect(read?.raw.equals(raw)).toBe(true);
    expect(read?.entry?.subject).toBe(message.subject);
    for (const bad of [
      '../outbox/x.eml',
      'index.jsonl',
      `.${first.response}.tmp`,
      '/etc/passwd',
      'none.eml',
    ]) {
      expect(await readFolderMail(dir, bad)).toBeNull();
    }
  });

  it('refuses a message without recipients as final', async () => {
    const mailer = createMailer({ kind: 'folder', dir: join(root, 'empty') });
    const err = await sendError(mailer.send({ from: 'a@billrail.test', to: [], subject: 's', text: 't' }));
    expect(err.retryable).toBe(false);
    expect(await listFolderMail(join(root, 'empty'))).toEqual([]);
  });
});
