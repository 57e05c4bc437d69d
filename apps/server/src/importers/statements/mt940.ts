import { type ByteSource, bomEncoding, decode, peek, splitLines, type TextEncoding } from './source.ts';
import {
  type Balance,
  type Collector,
  checkBalance,
  type Direction,
  type StatementLine,
  type StatementSummary,
} from './statement.ts';
import {
  checkCurrency,
  findRfReference,
  isoDate,
  isRealDate,
  money,
  parseAmount,
  parseYymmdd,
} from './values.ts';

/**
 * SWIFT MT940 customer statements (spec section 4), read line by line as a stream.
 *
 * - Files may hold several statements (each starts at `:20:`), each possibly wrapped in a SWIFT
 *   envelope `{1:...}{2:...}{3:...}{4:` ... `-}{5:...}`; plain files separate messages with `-`.
 * - `:60F:`/`:60M:` and `:62F:`/`:62M:` balances are `1!a6!n3!a15d`: D/C, YYMMDD, currency,
 *   amount with a decimal comma. Every statement is checked: opening + credits − debits = closing.
 * - `:61:` is `6!n[4!n]2a[1!a]15d1!a3!c16x[//16x][CRLF 34x]` (see parse61).
 * - `:86:` (6*65x) belongs to the `:61:` before it; its lines are joined as they are (the wrap
 *   at 65 characters splits words and references alike). German (`?20`...`?63`, `EREF+`,
 *   `SVWZ+`) and Dutch (`/EREF/`, `/NAME/`, `/REMI/`) structured layouts are read for the
 *   end-to-end id, mandate, counterparty and creditor reference; the text stays whole.
 * Fields not needed for lines (`:21:`, `:64:`, `:65:`, `:13D:`, ...) are passed over.
 */

export interface Mt940Options {
  /** SWIFT files are ASCII; bank exports are UTF-8 or Latin-1 (umlauts). Default UTF-8 (a BOM wins). */
  encoding?: TextEncoding;
  /** "Today", for the century of YYMMDD dates (default: the clock). */
  now?: Date;
}

const TAG = /^:(\d{2}[A-Z]?):/;
/** Fields that are one line (SWIFT 16x, 35x, balances); `:61:` has two, `:86:` six. */
const ONE_LINE = new Set(['20', '21', '25', '28', '28C', '60F', '60M', '62F', '62M', '64', '65']);

interface Field {
  tag: string;
  line: number;
  lines: string[];
}

interface Stmt {
  ref: string;
  line: number;
  account: string | undefined;
  sequence: string | undefined;
  currency: string | undefined;
  opening: Balance | undefined;
  closing: Balance | undefined;
  entries: number;
  credits: bigint;
  debits: bigint;
  lines: number;
  entryErrors: boolean;
  missingOpeningReported: boolean;
  /** A :62F:/:62M: was there (possibly unreadable, which has its own error). */
  closingSeen: boolean;
}

interface Pending {
  line: StatementLine | undefined;
  info: string | undefined;
}

/** A parsed `:61:` field, before the statement's currency is applied. */
export interface Field61 {
  valueDate: string;
  entryDate: string | undefined;
  direction: Direction;
  reversal: boolean;
  fundsCode: string | undefined;
  /** As written, e.g. "1234,56". */
  amount: string;
  typeCode: string;
  ownerReference: string | undefined;
  bankReference: string | undefined;
  supplementary: string | undefined;
}

/**
 * `:61:` = `6!n[4!n]2a[1!a]15d1!a3!c16x[//16x]` then optionally a line of 34x:
 * value date YYMMDD; entry date MMDD (year from the value date, rolling over at New Year);
 * mark C, D, RC (reversal of credit: a debit) or RD (reversal of debit: a credit); funds code
 * (third letter of the currency); amount with a decimal comma; type `S`+3 digits or `N`/`F`+3
 * characters (NTRF, NCHG, ...); owner reference (`NONREF` if none); `//` bank reference.
 */
export type Parsed61 =
  | { ok: true; value: Field61 }
  | { ok: false; reason: string; code: 'bad_date' | 'bad_amount' | 'syntax' };

export function parse61(first: string, second: string | undefined, now?: Date): Parsed61 {
  const bad = (reason: string, code: 'bad_date' | 'bad_amount' | 'syntax' = 'syntax'): Parsed61 => ({
    ok: false,
    reason,
    code,
  });
  let s = first;
  const vd = /^\d{6}/.exec(s)?.[0];
  if (!vd) return bad(`it must start with the value date YYMMDD, not "${s.slice(0, 6)}"`);
  const valueDate = parseYymmdd(vd, now);
  if (!valueDate.ok) return bad(`the value date ${valueDate.reason}`, 'bad_date');
  s = s.slice(6);
  let entryDate: string | undefined;
  const ed = /^\d{4}/.exec(s)?.[0];
  if (ed) {
    const r = entryDateNear(valueDate.value, ed);
    if (!r) return bad(`the entry date "${ed}" (MMDD) is not a calendar date`, 'bad_date');
    entryDate = r;
    s = s.slice(4);
  }
  const mark = /^(RC|RD|C|D)/.exec(s)?.[1];
  if (!mark) return bad(`after the date(s) comes C, D, RC or RD, not "${s.slice(0, 2)}"`);
  s = s.slice(mark.length);
  let fundsCode: string | undefined;
  if (/^[A-Z]/.test(s)) {
    fundsCode = s[0];
    s = s.slice(1);
  }
  const amount = /^[\d,.]+/.exec(s)?.[0];
  if (!amount) return bad(`an amount must follow the ${mark} mark, not "${s.slice(0, 6)}"`);
  if (amount.includes('.')) {
    return bad(`the amount "${amount}" has a '.'; MT940 amounts use a decimal comma`, 'bad_amount');
  }
  if (!amount.includes(','))
    return bad(`the amount "${amount}" has no decimal comma (write "${amount},")`, 'bad_amount');
  if (amount.length > 15) return bad(`the amount "${amount}" is longer than 15 characters`, 'bad_amount');
  s = s.slice(amount.length);
  const type = /^[SNF][A-Z0-9]{3}/.exec(s)?.[0];
  if (!type) {
    return bad(
      `the transaction type after the amount must be S, N or F and 3 characters (e.g. NTRF), not "${s.slice(0, 4)}"`,
    );
  }
  s = s.slice(4);
  const split = s.indexOf('//');
  const owner = (split >= 0 ? s.slice(0, split) : s).trim();
  const bank = split >= 0 ? s.slice(split + 2).trim() : '';
  return {
    ok: true,
    value: {
      valueDate: valueDate.value,
      entryDate,
      direction: mark === 'C' || mark === 'RD' ? 'credit' : 'debit',
      reversal: mark.startsWith('R'),
      fundsCode,
      amount,
      typeCode: type,
      ownerReference: owner && owner !== 'NONREF' ? owner : undefined,
      bankReference: bank || undefined,
      supplementary: second?.trim() || undefined,
    },
  };
}

/** MMDD in the year that puts it nearest the value date (a 31 Dec value date may book on 2 Jan). */
function entryDateNear(valueDate: string, mmdd: string): string | undefined {
  const y = Number(valueDate.slice(0, 4));
  const m = Number(mmdd.slice(0, 2));
  const d = Number(mmdd.slice(2));
  const v = Date.UTC(y, Number(valueDate.slice(5, 7)) - 1, Number(valueDate.slice(8)));
  let best: string | undefined;
  let distance = Number.POSITIVE_INFINITY;
  for (const year of [y - 1, y, y + 1]) {
    if (!isRealDate(year, m, d)) continue;
    const dist = Math.abs(Date.UTC(year, m - 1, d) - v);
    if (dist < distance) {
      distance = dist;
      best = isoDate(year, m, d);
    }
  }
  return best;
}

export interface Information {
  endToEndId?: string;
  mandateId?: string;
  creditorReference?: string;
  counterpartyName?: string;
  counterpartyAccount?: string;
}

const SEPA_KEYS = /(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT)\+/g;
const DUTCH_KEYS =
  /\/(TRTP|IBAN|BIC|NAME|REMI|EREF|MARF|CSID|ORDP|BENM|ID|ADDR|RTRN|CDTRREFTP|CDTRREF|PURP|ISDT|CNTP|SVCL|ULTC|ULTD|IREF|PREF|KREF|CD|ISSR|FX)\//g;
const notProvided = (v: string | undefined) => (v && !/^NOTPROVIDED$/i.test(v) ? v : undefined);

/**
 * Structured content of a `:86:` text, where the bank uses one of the common layouts:
 * - German DFÜ (ZKA): `GVC?00text?10primanota?20..?29 purpose?30BIC?31IBAN?32..?33name?60..?63`,
 *   the purpose holding SEPA keywords `EREF+`, `MREF+`, `CRED+`, `SVWZ+`, ...;
 * - Dutch / SWIFT-style: `/EREF/...//NAME/.../IBAN/.../REMI/USTD//text/` (ING, Rabobank) and
 *   ABN AMRO's `/CNTP/IBAN/BIC/NAME/CITY/`.
 * Anything else is free text; a valid RF creditor reference is looked for in every case.
 */
export function parseInformation(text: string): Information {
  const info: Information = {};
  const german = /^\d{3}\?\d{2}/.test(text);
  if (german) {
    const fields = new Map<string, string>();
    const re = /\?(\d{2})/g;
    const marks = [...text.matchAll(re)];
    marks.forEach((m, i) => {
      const end = i + 1 < marks.length ? marks[i + 1]!.index : text.length;
      const key = m[1]!;
      fields.set(key, (fields.get(key) ?? '') + text.slice(m.index + m[0].length, end));
    });
    const purpose = ['20', '21', '22', '23', '24', '25', '26', '27', '28', '29', '60', '61', '62', '63']
      .map((k) => fields.get(k) ?? '')
      .join('');
    const sepa = new Map<string, string>();
    const keys = [...purpose.matchAll(SEPA_KEYS)];
    keys.forEach((m, i) => {
      const end = i + 1 < keys.length ? keys[i + 1]!.index : purpose.length;
      if (!sepa.has(m[1]!)) sepa.set(m[1]!, purpose.slice(m.index + m[0].length, end).trim());
    });
    const name = `${fields.get('32') ?? ''}${fields.get('33') ?? ''}`.trim();
    if (name) info.counterpartyName = name;
    const account = fields.get('31')?.trim();
    if (account) info.counterpartyAccount = account;
    const e2e = notProvided(sepa.get('EREF'));
    if (e2e) info.endToEndId = e2e;
    const mandate = sepa.get('MREF');
    if (mandate) info.mandateId = mandate;
    const rf = findRfReference(sepa.get('SVWZ') ?? purpose);
    if (rf) info.creditorReference = rf;
    return info;
  }
  if (/^\/[A-Z]{2,9}\//.test(text)) {
    const values = new Map<string, string>();
    const keys = [...text.matchAll(DUTCH_KEYS)];
    keys.forEach((m, i) => {
      const end = i + 1 < keys.length ? keys[i + 1]!.index : text.length;
      if (!values.has(m[1]!))
        values.set(
          m[1]!,
          text
            .slice(m.index + m[0].length, end)
            .replace(/\/+$/, '')
            .trim(),
        );
    });
    const cntp = values.get('CNTP')?.split('/');
    const name = values.get('NAME') || cntp?.[2];
    if (name) info.counterpartyName = name.trim();
    const account = values.get('IBAN') || cntp?.[0];
    if (account) info.counterpartyAccount = account.trim();
    const e2e = notProvided(values.get('EREF'));
    if (e2e) info.endToEndId = e2e;
    const mandate = values.get('MARF');
    if (mandate) info.mandateId = mandate;
    const remi = values.get('REMI') ?? '';
    const strd = /^STRD\/(?:CUR|ISO)\/(.+)$/.exec(remi)?.[1]?.trim() ?? values.get('CDTRREF');
    const rf = strd || findRfReference(remi) || findRfReference(text);
    if (rf) info.creditorReference = rf;
    return info;
  }
  const rf = findRfReference(text);
  if (rf) info.creditorReference = rf;
  return info;
}

/** Reads MT940; see the module comment. */
export async function* parseMt940(
  source: ByteSource,
  c: Collector,
  opts: Mt940Options = {},
): AsyncGenerator<StatementLine> {
  c.format = 'mt940';
  const { head, rest } = await peek(source, 4);
  if (head.length === 0) {
    c.error({ code: 'unreadable', line: 0, message: 'The file is empty.' });
    return;
  }
  const encoding = bomEncoding(head) ?? opts.encoding ?? 'utf-8';
  const out: StatementLine[] = [];
  let stmt: Stmt | undefined;
  let field: Field | undefined;
  let pending: Pending | undefined;
  /** Inside a SWIFT `{4:` block (so that its end `-}` is expected). */
  let block4: number | undefined;
  let sawStatement = false;
  let badBytesReported = false;
  let lastLine = 0;
  /** The closing balance of the previous statement of each account, to check continuity. */
  const lastClosing = new Map<string, { balance: Balance; ref: string }>();

  const err = (
    code: Parameters<Collector['error']>[0]['code'],
    line: number,
    message: string,
    statementId = stmt?.ref,
  ) => c.error({ code, line, statementId, message });

  function balance(f: Field): Balance | undefined {
    const v = f.lines[0]!.trim();
    const m = /^([CD])(\d{6})([A-Z]{3})([\d,.]*)$/.exec(v);
    if (!m) {
      err(
        'syntax',
        f.line,
        `:${f.tag}: must be D or C, a date YYMMDD, a currency and an amount with a decimal comma (e.g. C240301EUR1234,56), not "${v}".`,
      );
      return undefined;
    }
    const date = parseYymmdd(m[2]!, opts.now);
    if (!date.ok) {
      err('bad_date', f.line, `:${f.tag}: the date ${date.reason}.`);
      return undefined;
    }
    const ccy = checkCurrency(m[3]);
    if (!ccy.ok) {
      err('bad_value', f.line, `:${f.tag}: the balance ${ccy.reason}.`);
      return undefined;
    }
    const amount = mtAmount(m[4]!, ccy.value, f, 'balance');
    if (amount === undefined) return undefined;
    if (stmt?.currency && stmt.currency !== ccy.value) {
      err(
        'currency_mismatch',
        f.line,
        `:${f.tag}: the balance is in ${ccy.value}, but statement ${stmt.ref} is in ${stmt.currency}.`,
      );
      return undefined;
    }
    return { type: f.tag, amount: m[1] === 'D' ? -amount : amount, date: date.value, line: f.line };
  }

  function mtAmount(raw: string, currency: string, f: Field, what: string): bigint | undefined {
    if (raw.includes('.')) {
      err(
        'bad_amount',
        f.line,
        `:${f.tag}: the ${what} "${raw}" has a '.'; MT940 amounts use a decimal comma.`,
      );
      return undefined;
    }
    if (!raw.includes(',')) {
      err('bad_amount', f.line, `:${f.tag}: the ${what} "${raw}" has no decimal comma.`);
      return undefined;
    }
    const r = parseAmount(raw, currency, { decimal: ',', trailingSeparator: true });
    if (!r.ok) {
      err('bad_amount', f.line, `:${f.tag}: the ${what} ${r.reason}.`);
      return undefined;
    }
    return r.value;
  }

  function flushPending(): void {
    if (!pending) return;
    const p = pending;
    pending = undefined;
    if (!p.line || !stmt) return;
    const l = p.line;
    if (p.info !== undefined) {
      l.remittance = p.info;
      const info = parseInformation(p.info);
      if (info.endToEndId) l.endToEndId = info.endToEndId;
      if (info.mandateId) l.mandateId = info.mandateId;
      if (info.creditorReference) l.creditorReference = info.creditorReference;
      if (info.counterpartyName) l.counterpartyName = info.counterpartyName;
      if (info.counterpartyAccount) l.counterpartyAccount = info.counterpartyAccount;
    }
    out.push(l);
    stmt.lines++;
  }

  function startStatement(f: Field): void {
    if (stmt) endStatement(f.line, 'next');
    sawStatement = true;
    const ref = f.lines.join('').trim();
    stmt = {
      ref,
      line: f.line,
      account: undefined,
      sequence: undefined,
      currency: undefined,
      opening: undefined,
      closing: undefined,
      entries: 0,
      credits: 0n,
      debits: 0n,
      lines: 0,
      entryErrors: false,
      missingOpeningReported: false,
      closingSeen: false,
    };
    if (!ref) err('missing_element', f.line, 'The statement reference :20: is empty.', '');
  }

  function endStatement(line: number, why: 'next' | 'end' | 'eof'): void {
    flushPending();
    const s = stmt;
    if (!s) return;
    stmt = undefined;
    if (!s.closing && !s.closingSeen) {
      c.error({
        code: why === 'eof' ? 'truncated' : 'missing_element',
        line,
        statementId: s.ref,
        message:
          why === 'eof'
            ? `The file ends before the closing balance (:62F:) of statement ${s.ref} (started line ${s.line}); it was cut short.`
            : `Statement ${s.ref} (line ${s.line}) has no closing balance (:62F:) before ${why === 'next' ? 'the next statement' : 'the end of its message'} (line ${line}).`,
      });
      s.entryErrors = true;
    }
    if (!s.account) {
      c.error({
        code: 'missing_element',
        line: s.line,
        statementId: s.ref,
        message: `Statement ${s.ref} (line ${s.line}) has no account (:25:).`,
      });
    }
    if (!s.opening && !s.missingOpeningReported) {
      c.error({
        code: 'missing_element',
        line: s.line,
        statementId: s.ref,
        message: `Statement ${s.ref} (line ${s.line}) has no opening balance (:60F:).`,
      });
      s.entryErrors = true;
    }
    const summary: StatementSummary = {
      format: 'mt940',
      statementId: s.ref,
      sequence: s.sequence,
      account: s.account ?? '',
      currency: s.currency ?? '',
      line: s.line,
      opening: s.opening,
      closing: s.closing,
      entries: s.entries,
      credits: s.credits,
      debits: s.debits,
      lines: s.lines,
      balanceChecked: false,
    };
    if (s.opening && s.closing) {
      checkBalance(c, summary, s.entryErrors, (m) => (s.currency ? money(m, s.currency) : String(m)));
    }
    if (s.account && s.closing) lastClosing.set(s.account, { balance: s.closing, ref: s.ref });
    c.statements.push(summary);
  }

  function complete(f: Field): void {
    const tag = f.tag;
    if (tag === '20') {
      startStatement(f);
      return;
    }
    if (!stmt) {
      err('syntax', f.line, `:${tag}: appears outside a statement; a statement starts with :20:.`, '');
      return;
    }
    const s = stmt;
    if (tag === '86') {
      if (pending && pending.info === undefined) pending.info = f.lines.join('');
      flushPending();
      return;
    }
    flushPending();
    switch (tag) {
      case '25':
        s.account = f.lines.join('').trim() || undefined;
        if (!s.account) err('missing_element', f.line, 'The account :25: is empty.');
        return;
      case '28':
      case '28C':
        s.sequence = f.lines.join('').trim() || undefined;
        return;
      case '60F':
      case '60M': {
        if (s.opening) {
          err('syntax', f.line, `Statement ${s.ref} has a second opening balance (:${tag}:).`);
          return;
        }
        const b = balance(f);
        if (!b) {
          s.entryErrors = true;
          s.missingOpeningReported = true;
          return;
        }
        s.currency = /^[CD]\d{6}([A-Z]{3})/.exec(f.lines[0]!.trim())![1];
        s.opening = b;
        const prev = s.account ? lastClosing.get(s.account) : undefined;
        if (prev && prev.balance.amount !== b.amount) {
          c.warn({
            line: f.line,
            statementId: s.ref,
            message: `The opening balance of statement ${s.ref} is ${money(b.amount, s.currency!)}, but the previous statement ${prev.ref} of the account closed at ${money(prev.balance.amount, s.currency!)}: a statement may be missing.`,
          });
        }
        return;
      }
      case '61':
        entry(f, s);
        return;
      case '62F':
      case '62M': {
        if (s.closingSeen) {
          err('syntax', f.line, `Statement ${s.ref} has a second closing balance (:${tag}:).`);
          return;
        }
        s.closingSeen = true;
        const b = balance(f);
        if (!b) {
          s.entryErrors = true;
          return;
        }
        s.closing = b;
        return;
      }
      default:
        return;
    }
  }

  function entry(f: Field, s: Stmt): void {
    s.entries++;
    pending = { line: undefined, info: undefined };
    if (f.lines.length > 2) {
      err(
        'syntax',
        f.line + 2,
        `:61: has ${f.lines.length} lines; it has at most two (the second is supplementary details).`,
      );
    }
    const r = parse61(f.lines[0]!, f.lines[1], opts.now);
    if (!r.ok) {
      err(r.code, f.line, `:61: ${r.reason}.`);
      // The amount may still count for the balance, but a line that cannot be read is unknown.
      s.entryErrors = true;
      return;
    }
    if (!s.currency) {
      if (!s.missingOpeningReported) {
        err(
          'missing_element',
          f.line,
          `Statement ${s.ref} has a :61: before its opening balance (:60F:), so its currency is unknown.`,
        );
        s.missingOpeningReported = true;
      }
      s.entryErrors = true;
      return;
    }
    const amount = mtAmount(r.value.amount, s.currency, f, 'amount');
    if (amount === undefined) {
      s.entryErrors = true;
      return;
    }
    const t = r.value;
    if (t.fundsCode && s.currency[2] !== t.fundsCode) {
      c.warn({
        line: f.line,
        statementId: s.ref,
        message: `:61: has funds code "${t.fundsCode}", which is not the third letter of the statement currency ${s.currency}.`,
      });
    }
    if (t.direction === 'credit') s.credits += amount;
    else s.debits += amount;
    pending.line = {
      format: 'mt940',
      line: f.line,
      statementId: s.ref,
      account: s.account ?? '',
      currency: s.currency,
      entryIndex: s.entries,
      batchIndex: 1,
      batchSize: 1,
      entryAmount: amount,
      bookingDate: t.entryDate ?? t.valueDate,
      valueDate: t.valueDate,
      amount,
      direction: t.direction,
      reversal: t.reversal,
      bankReference: t.bankReference,
      ownerReference: t.ownerReference,
      bankTransactionCode: t.typeCode.slice(1),
      supplementary: t.supplementary,
      remittance: '',
    };
  }

  function endMessage(line: number, why: 'end' | 'eof'): void {
    if (field) complete(field);
    field = undefined;
    if (stmt) endStatement(line, why);
  }

  for await (const { line, text: rawText } of splitLines(decode(rest, encoding))) {
    lastLine = line;
    let text = rawText;
    if (!badBytesReported && text.includes('\uFFFD')) {
      badBytesReported = true;
      err(
        'unreadable',
        line,
        `Line ${line} has bytes that are not valid ${encoding.toUpperCase()}; if the bank writes Latin-1 (Windows-1252), read the file with that encoding.`,
      );
    }
    // SWIFT envelope: `{1:...}{2:...}{3:...}{4:` opens the text block, `-}` closes it.
    if (text.startsWith('-}') || text.trim() === '-') {
      endMessage(line, 'end');
      block4 = undefined;
      const next = text.indexOf('{4:');
      if (next < 0) continue;
      block4 = line;
      text = text.slice(next + 3);
      if (text.trim() === '') continue;
    } else if (text.startsWith('{')) {
      const b4 = text.indexOf('{4:');
      if (b4 < 0) continue; // {1:}{2:}{3:} header lines or a {5:} trailer
      if (field || stmt) endMessage(line, 'end');
      block4 = line;
      text = text.slice(b4 + 3);
      if (text.trim() === '') continue;
    }
    const tag = TAG.exec(text);
    if (tag) {
      if (field) complete(field);
      field = { tag: tag[1]!, line, lines: [text.slice(tag[0].length)] };
      if (out.length) {
        for (const l of out) {
          c.lines++;
          yield l;
        }
        out.length = 0;
      }
      continue;
    }
    if (text.trim() === '') continue;
    if (field && ONE_LINE.has(field.tag)) {
      err(
        'syntax',
        line,
        `Line ${line} is not an MT940 field (fields start with a tag such as :61:), and :${field.tag}: above it is a single line.`,
        stmt?.ref ?? (field.tag === '20' ? field.lines[0]!.trim() : undefined),
      );
    } else if (field) {
      field.lines.push(text);
    } else if (stmt) {
      err('syntax', line, `Line ${line} is not an MT940 field (fields start with a tag such as :61:).`);
    }
    // Lines before the first :20: (bank banners such as "ABNANL2A" / "940") are passed over.
  }
  endMessage(lastLine, 'eof');
  if (block4 !== undefined && sawStatement && c.errors.every((e) => e.code !== 'truncated')) {
    err(
      'truncated',
      lastLine,
      `The SWIFT text block opened at line ${block4} ({4:) is never closed with "-}"; the file was cut short.`,
      '',
    );
  }
  for (const l of out) {
    c.lines++;
    yield l;
  }
  if (!sawStatement && c.errorCount === 0) {
    c.error({
      code: 'unreadable',
      line: 1,
      message: 'The file has no MT940 statement (no :20: field); is it an MT940 file?',
    });
  }
}
