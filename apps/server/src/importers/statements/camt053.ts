import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { type ByteSource, bomEncoding, decode, peek, type TextEncoding } from './source.ts';
import {
  type Balance,
  type Collector,
  checkBalance,
  type Direction,
  type StatementLine,
  type StatementSummary,
} from './statement.ts';
import { checkCurrency, findRfReference, money, parseAmount, parseIsoDate, squash } from './values.ts';

/**
 * ISO 20022 camt.053 (BankToCustomerStatement), versions .001.02 to .001.13, read as a stream
 * with saxes. Memory does not grow with the file: only the statement child being read (one
 * `Ntry`, one `Bal`, the `Acct`) is kept as a small tree, and it is dropped once turned into
 * lines. A batch `Ntry` with many `TxDtls` is held whole, since its transactions must add up.
 *
 * Version differences handled by reading both shapes wherever they occur (spec section 4):
 * - `<Sts>BOOK</Sts>` (.02-.06) and `<Sts><Cd>BOOK</Cd></Sts>` (.07+);
 * - `TxDtls/Amt` + `TxDtls/CdtDbtInd` (.03+) and `TxDtls/AmtDtls/TxAmt/Amt` (.02, and later too);
 * - `RltdPties/Dbtr/Nm` (.02-.07) and `RltdPties/Dbtr/Pty/Nm` (.08+);
 * - `BIC` (.02) and `BICFI` (.04+) are not read: the account is the IBAN or `Othr/Id`.
 * Only booked entries become lines (status BOOK); PDNG, INFO and others are counted in
 * `skipped`. Amounts in XML are unsigned decimals with a '.'; the sign is `CdtDbtInd`.
 */

const NS = /^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})$/;
const OTHER_ISO = /^urn:iso:std:iso:20022:tech:xsd:([a-z]{4})\.(\d{3})\.\d{3}\.\d{2}$/;
const FIRST_VERSION = 2;
const LAST_VERSION = 13;
/** Text is fed to saxes in slices so that one huge chunk does not pile up lines in memory. */
const SLICE = 64 * 1024;
/** Elements that repeat, so their path always shows an index. */
const REPEATING = new Set(['Stmt', 'Ntry', 'Bal', 'NtryDtls', 'TxDtls', 'Ustrd', 'Strd']);

interface XNode {
  name: string;
  line: number;
  text: string;
  attrs: Record<string, string> | undefined;
  children: XNode[] | undefined;
  parent: XNode | undefined;
  /** Only on the root of a captured subtree: its path from the document root. */
  path?: string;
}

const kid = (n: XNode | undefined, name: string): XNode | undefined => {
  if (!n?.children) return undefined;
  for (const c of n.children) if (c.name === name) return c;
  return undefined;
};
const at = (n: XNode | undefined, ...names: string[]): XNode | undefined => {
  let cur = n;
  for (const name of names) cur = kid(cur, name);
  return cur;
};
/** Trimmed text of the element at a path, undefined when absent or empty. */
const textAt = (n: XNode | undefined, ...names: string[]): string | undefined => {
  const t = at(n, ...names)?.text.trim();
  return t ? t : undefined;
};

/** `/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/NtryDtls[1]/TxDtls[3]/Amt` for a node of a captured subtree. */
function pathOf(n: XNode): string {
  const parts: string[] = [];
  let cur: XNode | undefined = n;
  while (cur && cur.path === undefined) {
    const parent: XNode | undefined = cur.parent;
    let index = 0;
    let same = 0;
    for (const s of parent?.children ?? []) {
      if (s.name !== cur.name) continue;
      same++;
      if (s === cur) index = same;
    }
    parts.push(same > 1 || REPEATING.has(cur.name) ? `${cur.name}[${index}]` : cur.name);
    cur = parent;
  }
  if (cur?.path !== undefined) parts.push(cur.path);
  return parts.reverse().join('/');
}

const localName = (name: string) => {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
};

function describeNamespace(ns: string | undefined): string {
  if (!ns) return 'has no namespace';
  const iso = OTHER_ISO.exec(ns);
  if (iso) {
    const kinds: Record<string, string> = {
      'camt.052': 'an account report (camt.052), not a statement',
      'camt.054': 'a debit/credit notification (camt.054), not a statement',
      'pain.001': 'a payment order (pain.001), not a statement',
      'pain.002': 'a payment status report (pain.002), not a statement',
      'pain.008': 'a direct debit order (pain.008), not a statement',
    };
    const kind = kinds[`${iso[1]}.${iso[2]}`];
    if (kind) return `is ${kind}`;
  }
  return `has namespace "${ns}"`;
}

interface StmtState {
  index: number;
  line: number;
  path: string;
  id: string | undefined;
  sequence: string | undefined;
  account: string | undefined;
  /** Acct/Ccy, else the first balance's or entry's currency. */
  currency: string | undefined;
  opening: Balance | undefined;
  closing: Balance | undefined;
  entries: number;
  credits: bigint;
  debits: bigint;
  lines: number;
  /** An entry whose amount or direction could not be read: the balance check would only repeat it. */
  entryErrors: boolean;
  ntryCount: number;
  balCount: number;
}

/** Reads a camt.053 document; see the module comment. */
export async function* parseCamt053(source: ByteSource, c: Collector): AsyncGenerator<StatementLine> {
  c.format = 'camt053';
  const { head, rest } = await peek(source, 1024);
  if (head.length === 0) {
    c.error({ code: 'unreadable', line: 0, message: 'The file is empty.' });
    return;
  }
  const encoding = xmlEncoding(head);
  const start = head
    .subarray(0, 256)
    .toString(encoding === 'utf-16le' ? 'utf16le' : 'latin1')
    .replace(/^(\uFEFF|\u00EF\u00BB\u00BF|\u00FE\u00FF)/, '')
    .trimStart();
  if (!start.startsWith('<')) {
    c.error({
      code: 'unreadable',
      line: 1,
      message: `The file is not XML (it starts with "${start.slice(0, 20).replace(/\s+/g, ' ')}"); a camt.053 statement is an XML document.`,
    });
    await rest.return(undefined);
    return;
  }

  const parser = new SaxesParser({ xmlns: false, position: true });
  const out: StatementLine[] = [];
  const names: string[] = [];
  let fatal = false;
  let root = true;
  let messageId: string | undefined;
  let variant = '';
  let stmtCount = 0;
  let stmt: StmtState | undefined;
  // The captured subtree (a child of Stmt, or GrpHdr/MsgId) and where text goes.
  let capture: XNode | undefined;
  let cur: XNode | undefined;
  let badBytesReported = false;

  const stop = (code: 'wrong_namespace' | 'unreadable', message: string, line = parser.line) => {
    c.error({ code, line, message });
    fatal = true;
  };

  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (fatal) return;
    // The line of the tag's closing '>' (a start tag rarely spans lines).
    const tagLine = parser.line;
    const name = localName(tag.name);
    if (root) {
      root = false;
      const prefix = tag.name.includes(':') ? tag.name.slice(0, tag.name.indexOf(':')) : '';
      const ns = tag.attributes[prefix ? `xmlns:${prefix}` : 'xmlns'];
      const m = ns ? NS.exec(ns) : null;
      if (name !== 'Document') {
        stop(
          'wrong_namespace',
          `The XML root element is <${tag.name}>; a camt.053 statement starts with <Document>.`,
        );
        return;
      }
      if (!m) {
        stop(
          'wrong_namespace',
          `The XML document ${describeNamespace(ns)}; expected a camt.053 bank statement (urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 to .13).`,
        );
        return;
      }
      const v = Number(m[1]);
      if (v < FIRST_VERSION || v > LAST_VERSION) {
        stop('wrong_namespace', `camt.053.001.${m[1]} is not a supported version (.02 to .13 are).`);
        return;
      }
      variant = `camt.053.001.${m[1]}`;
      names.push(name);
      return;
    }
    names.push(name);
    const depth = names.length;
    if (capture) {
      const node: XNode = {
        name,
        line: tagLine,
        text: '',
        attrs: tag.attributes.Ccy !== undefined ? { Ccy: tag.attributes.Ccy } : undefined,
        children: undefined,
        parent: cur,
      };
      if (cur!.children) cur!.children.push(node);
      else {
        cur!.children = [node];
        cur!.text = '';
      }
      cur = node;
      return;
    }
    // Document/BkToCstmrStmt/{GrpHdr,Stmt}/<child>
    if (depth === 3 && name === 'Stmt' && names[1] === 'BkToCstmrStmt') {
      stmtCount++;
      stmt = {
        index: stmtCount,
        line: tagLine,
        path: `/Document/BkToCstmrStmt/Stmt[${stmtCount}]`,
        id: undefined,
        sequence: undefined,
        account: undefined,
        currency: undefined,
        opening: undefined,
        closing: undefined,
        entries: 0,
        credits: 0n,
        debits: 0n,
        lines: 0,
        entryErrors: false,
        ntryCount: 0,
        balCount: 0,
      };
      return;
    }
    if (depth === 4 && (names[2] === 'Stmt' || (names[2] === 'GrpHdr' && name === 'MsgId'))) {
      let path = `${stmt?.path ?? '/Document/BkToCstmrStmt/GrpHdr'}/${name}`;
      if (names[2] === 'Stmt' && stmt) {
        if (name === 'Ntry') path += `[${++stmt.ntryCount}]`;
        else if (name === 'Bal') path += `[${++stmt.balCount}]`;
      }
      capture = {
        name,
        line: tagLine,
        text: '',
        attrs: undefined,
        children: undefined,
        parent: undefined,
        path,
      };
      cur = capture;
    }
  });

  const onText = (t: string) => {
    if (cur && cur.children === undefined) cur.text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.on('closetag', () => {
    if (fatal) return;
    const depth = names.length;
    names.pop();
    if (capture) {
      if (cur !== capture) {
        cur = cur!.parent;
        return;
      }
      const node = capture;
      capture = undefined;
      cur = undefined;
      if (stmt) stmtChild(node, stmt);
      else messageId = node.text.trim() || undefined;
      return;
    }
    if (depth === 3 && stmt) {
      endStmt(stmt);
      stmt = undefined;
    }
  });

  function stmtChild(node: XNode, s: StmtState): void {
    switch (node.name) {
      case 'Id':
        s.id = node.text.trim() || undefined;
        return;
      case 'ElctrncSeqNb':
      case 'LglSeqNb':
        s.sequence ??= node.text.trim() || undefined;
        return;
      case 'Acct':
        readAccount(node, s);
        return;
      case 'Bal':
        readBalance(node, s);
        return;
      case 'Ntry':
        readEntry(node, s);
        return;
    }
  }

  function readAccount(node: XNode, s: StmtState): void {
    s.account = textAt(node, 'Id', 'IBAN') ?? textAt(node, 'Id', 'Othr', 'Id');
    if (!s.account) {
      c.error({
        code: 'missing_element',
        line: node.line,
        path: `${pathOf(node)}/Id`,
        statementId: s.id,
        message: `Statement ${s.id ?? s.index}: the account has neither Id/IBAN nor Id/Othr/Id.`,
      });
    }
    const ccy = textAt(node, 'Ccy');
    if (ccy) {
      const check = checkCurrency(ccy);
      if (!check.ok) {
        c.error({
          code: 'bad_value',
          line: kid(node, 'Ccy')!.line,
          path: `${pathOf(node)}/Ccy`,
          statementId: s.id,
          message: `The account currency "${ccy}" is not an ISO 4217 code.`,
        });
      } else s.currency = ccy;
    }
  }

  /** Amount and currency of an `Amt` element; reports and returns undefined when unusable. */
  function readAmt(amt: XNode | undefined, owner: XNode, s: StmtState, what: string, ccy?: string) {
    if (!amt || amt.text.trim() === '') {
      c.error({
        code: 'missing_element',
        line: amt?.line ?? owner.line,
        path: amt ? pathOf(amt) : `${pathOf(owner)}/Amt`,
        statementId: s.id,
        message: `${what} has no amount (<Amt>).`,
      });
      return undefined;
    }
    const currency = amt.attrs?.Ccy;
    const check = checkCurrency(currency);
    if (!check.ok) {
      c.error({
        code: currency ? 'bad_value' : 'missing_element',
        line: amt.line,
        path: pathOf(amt),
        statementId: s.id,
        message: `${what}: the amount ${check.reason} (the Ccy attribute).`,
      });
      return undefined;
    }
    const expected = ccy ?? s.currency;
    if (expected && currency !== expected) {
      c.error({
        code: 'currency_mismatch',
        line: amt.line,
        path: pathOf(amt),
        statementId: s.id,
        message: `${what} is in ${currency}, but the ${ccy ? 'entry' : 'statement'} is in ${expected}.`,
      });
      return undefined;
    }
    const parsed = parseAmount(amt.text, currency!, { decimal: '.' });
    if (!parsed.ok) {
      c.error({
        code: 'bad_amount',
        line: amt.line,
        path: pathOf(amt),
        statementId: s.id,
        message: `${what}: the amount ${parsed.reason}.`,
      });
      return undefined;
    }
    return { amount: parsed.value, currency: currency! };
  }

  function readDirection(node: XNode, s: StmtState, what: string, required: boolean): Direction | undefined {
    const ind = kid(node, 'CdtDbtInd');
    const v = ind?.text.trim();
    if (v === 'CRDT') return 'credit';
    if (v === 'DBIT') return 'debit';
    if (!ind && !required) return undefined;
    c.error({
      code: ind ? 'bad_value' : 'missing_element',
      line: ind?.line ?? node.line,
      path: ind ? pathOf(ind) : `${pathOf(node)}/CdtDbtInd`,
      statementId: s.id,
      message: ind
        ? `${what}: CdtDbtInd is "${v}"; it must be CRDT or DBIT.`
        : `${what} has no credit/debit indicator (<CdtDbtInd>).`,
    });
    return undefined;
  }

  /** `<Dt>` or `<DtTm>` inside `node`; undefined (and an error if required) when unusable. */
  function readDate(node: XNode | undefined, owner: XNode, s: StmtState, what: string, required: boolean) {
    if (!node) {
      if (required) {
        c.error({
          code: 'missing_element',
          line: owner.line,
          path: pathOf(owner),
          statementId: s.id,
          message: `${what} is missing.`,
        });
      }
      return undefined;
    }
    const el = kid(node, 'Dt') ?? kid(node, 'DtTm');
    const parsed = el ? parseIsoDate(el.text) : undefined;
    if (!el || !parsed?.ok) {
      c.error({
        code: el ? 'bad_date' : 'missing_element',
        line: el?.line ?? node.line,
        path: el ? pathOf(el) : `${pathOf(node)}/Dt`,
        statementId: s.id,
        message:
          el && parsed && !parsed.ok ? `${what}: ${parsed.reason}.` : `${what} has neither <Dt> nor <DtTm>.`,
      });
      return undefined;
    }
    return parsed.value;
  }

  function readBalance(node: XNode, s: StmtState): void {
    const tp = at(node, 'Tp', 'CdOrPrtry');
    const type = textAt(tp, 'Cd') ?? textAt(tp, 'Prtry');
    const what = `Balance ${type ?? s.balCount}`;
    if (!type) {
      c.error({
        code: 'missing_element',
        line: node.line,
        path: `${pathOf(node)}/Tp/CdOrPrtry/Cd`,
        statementId: s.id,
        message: `A balance of statement ${s.id ?? s.index} has no type (Tp/CdOrPrtry/Cd such as OPBD or CLBD).`,
      });
    }
    const amt = readAmt(kid(node, 'Amt'), node, s, what);
    const dir = readDirection(node, s, what, true);
    const date = readDate(kid(node, 'Dt'), node, s, `${what}: the date (<Dt>)`, true);
    if (!amt || !dir || !type || !date) {
      s.entryErrors = true;
      return;
    }
    s.currency ??= amt.currency;
    const balance: Balance = {
      type,
      amount: dir === 'debit' ? -amt.amount : amt.amount,
      date,
      line: node.line,
    };
    // OPBD wins over PRCD (the previous statement's closing, which some banks send instead).
    if ((type === 'OPBD' && s.opening?.type !== 'OPBD') || (type === 'PRCD' && !s.opening))
      s.opening = balance;
    else if (type === 'CLBD' && !s.closing) s.closing = balance;
  }

  function readEntry(node: XNode, s: StmtState): void {
    const what = `Entry ${s.ntryCount}${textAt(node, 'NtryRef') ? ` (${textAt(node, 'NtryRef')})` : ''}`;
    const stsNode = kid(node, 'Sts');
    const status = stsNode ? (textAt(stsNode, 'Cd') ?? textAt(stsNode, 'Prtry') ?? stsNode.text.trim()) : '';
    if (!status) {
      c.error({
        code: 'missing_element',
        line: node.line,
        path: `${pathOf(node)}/Sts`,
        statementId: s.id,
        message: `${what} has no status (<Sts>BOOK</Sts>).`,
      });
      s.entryErrors = true;
      return;
    }
    if (status !== 'BOOK') {
      c.skip(status);
      return;
    }
    const amt = readAmt(kid(node, 'Amt'), node, s, what);
    const direction = readDirection(node, s, what, true);
    const bookingDate = readDate(
      kid(node, 'BookgDt'),
      node,
      s,
      `${what}: the booking date (<BookgDt>)`,
      true,
    );
    const valueDate = readDate(kid(node, 'ValDt'), node, s, `${what}: the value date (<ValDt>)`, false);
    if (!amt || !direction) {
      s.entryErrors = true;
      return;
    }
    s.currency ??= amt.currency;
    s.entries++;
    if (direction === 'credit') s.credits += amt.amount;
    else s.debits += amt.amount;
    if (!bookingDate || (kid(node, 'ValDt') && !valueDate)) return;

    const txs: XNode[] = [];
    const paths: string[] = [];
    let d = 0;
    for (const dtls of node.children ?? []) {
      if (dtls.name !== 'NtryDtls') continue;
      d++;
      let t = 0;
      for (const tx of dtls.children ?? []) {
        if (tx.name !== 'TxDtls') continue;
        txs.push(tx);
        paths.push(`${node.path}/NtryDtls[${d}]/TxDtls[${++t}]`);
      }
    }

    if (txs.length === 0) {
      out.push(
        makeLine(s, node, node, node.path!, amt.amount, amt.currency, direction, bookingDate, valueDate),
      );
      s.lines++;
      return;
    }

    // Batch booking: one line per TxDtls, whose amounts must add up to the entry.
    const lines: StatementLine[] = [];
    let sum = 0n;
    let bad = false;
    for (let i = 0; i < txs.length; i++) {
      const tx = txs[i]!;
      const txWhat = `${what}, transaction ${i + 1} of ${txs.length}`;
      const amtNode = kid(tx, 'Amt') ?? at(tx, 'AmtDtls', 'TxAmt', 'Amt');
      let txAmount: bigint;
      if (amtNode) {
        const a = readAmt(amtNode, tx, s, txWhat, amt.currency);
        if (!a) {
          bad = true;
          continue;
        }
        txAmount = a.amount;
      } else if (txs.length === 1) {
        txAmount = amt.amount;
      } else {
        c.error({
          code: 'batch_mismatch',
          line: tx.line,
          path: paths[i],
          statementId: s.id,
          message: `${txWhat} has no amount (neither <Amt> nor <AmtDtls><TxAmt><Amt>), so the batch cannot be split.`,
        });
        bad = true;
        continue;
      }
      const txDir = kid(tx, 'CdtDbtInd') ? readDirection(tx, s, txWhat, false) : direction;
      if (!txDir) {
        bad = true;
        continue;
      }
      sum += txDir === direction ? txAmount : -txAmount;
      const l = makeLine(s, node, tx, paths[i]!, amt.amount, amt.currency, direction, bookingDate, valueDate);
      l.amount = txAmount;
      l.direction = txDir;
      l.batchIndex = i + 1;
      l.batchSize = txs.length;
      applyTx(l, tx);
      lines.push(l);
    }
    if (bad) return;
    if (sum !== amt.amount) {
      c.error({
        code: 'batch_mismatch',
        line: node.line,
        path: node.path,
        statementId: s.id,
        message: `${what}: its ${txs.length} transactions add up to ${money(sum, amt.currency)}, but the entry is ${money(amt.amount, amt.currency)}.`,
      });
      return;
    }
    for (const l of lines) out.push(l);
    s.lines += lines.length;
  }

  function endStmt(s: StmtState): void {
    if (!s.id) {
      c.error({
        code: 'missing_element',
        line: s.line,
        path: `${s.path}/Id`,
        message: `Statement ${s.index} has no <Id>.`,
      });
    }
    if (!s.account && !s.entryErrors) {
      c.error({
        code: 'missing_element',
        line: s.line,
        path: `${s.path}/Acct`,
        statementId: s.id,
        message: `Statement ${s.id ?? s.index} has no account (<Acct>).`,
      });
    }
    const summary: StatementSummary = {
      format: 'camt053',
      statementId: s.id ?? '',
      sequence: s.sequence,
      messageId,
      variant,
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
    checkBalance(c, summary, s.entryErrors, (m) => (s.currency ? money(m, s.currency) : String(m)));
    c.statements.push(summary);
  }

  // --- feed the parser ---------------------------------------------------------------------
  try {
    for await (const text of decode(rest, encoding)) {
      for (let i = 0; i < text.length && !fatal; i += SLICE) {
        const slice = i === 0 && text.length <= SLICE ? text : text.slice(i, i + SLICE);
        if (!badBytesReported && slice.includes('\uFFFD')) {
          badBytesReported = true;
          const before = slice.slice(0, slice.indexOf('\uFFFD'));
          c.error({
            code: 'unreadable',
            line: parser.line + (before.match(/\r\n|\r|\n/g)?.length ?? 0),
            message: `The file has bytes that are not valid ${encoding.toUpperCase()} here; camt.053 files are UTF-8 (ISO 20022).`,
          });
        }
        parser.write(slice);
        if (out.length) {
          for (const l of out) {
            c.lines++;
            yield l;
          }
          out.length = 0;
        }
      }
      if (fatal) break;
    }
    if (!fatal) parser.close();
  } catch (err) {
    if (!(err instanceof Error) || fatal) throw err;
    const message = err.message.replace(/^(?:[^:\n]*:)?\d+:\d+: /, '').replace(/\.$/, '');
    const truncated = /unclosed tag|unexpected end|document must contain a root/i.test(message);
    if (truncated && names.length > 0) {
      c.error({
        code: 'truncated',
        line: parser.line,
        column: parser.column,
        path: `/${names.join('/')}`,
        message: `The file ends inside <${names[names.length - 1]}> (line ${parser.line}); it was cut short. Upload the complete statement.`,
      });
    } else {
      c.error({
        code: 'unreadable',
        line: parser.line,
        column: parser.column,
        path: names.length ? `/${names.join('/')}` : undefined,
        message: `The XML is not well-formed at line ${parser.line}, column ${parser.column + 1}: ${message}.`,
      });
    }
    fatal = true;
    await rest.return(undefined);
  }
  // Lines produced by the last write before a failure were yielded above; a truncated file
  // leaves its last statement open, so nothing more is counted.
  for (const l of out) {
    c.lines++;
    yield l;
  }
  if (!fatal && stmtCount === 0) {
    c.error({
      code: 'missing_element',
      line: 1,
      path: '/Document/BkToCstmrStmt/Stmt',
      message: 'The document has no statement (<Stmt>).',
    });
  }
}

/** The line of an entry (before any TxDtls fields are applied). */
function makeLine(
  s: StmtState,
  entry: XNode,
  from: XNode,
  path: string,
  amount: bigint,
  currency: string,
  direction: Direction,
  bookingDate: string,
  valueDate: string | undefined,
): StatementLine {
  const rvsl = textAt(entry, 'RvslInd');
  const info = textAt(entry, 'AddtlNtryInf');
  return {
    format: 'camt053',
    line: from.line,
    path,
    statementId: s.id ?? '',
    account: s.account ?? '',
    currency,
    entryIndex: s.ntryCount,
    batchIndex: 1,
    batchSize: 1,
    entryAmount: amount,
    entryReference: textAt(entry, 'NtryRef'),
    bookingDate,
    valueDate,
    amount,
    direction,
    reversal: rvsl === 'true' || rvsl === '1',
    bankReference: textAt(entry, 'AcctSvcrRef'),
    bankTransactionCode: bankCode(kid(entry, 'BkTxCd')),
    remittance: info ? squash(info) : '',
    creditorReference: info ? findRfReference(info) : undefined,
  };
}

/** Overlays what a TxDtls says about its transaction on the entry's line. */
function applyTx(l: StatementLine, tx: XNode): void {
  const refs = kid(tx, 'Refs');
  const rmt = kid(tx, 'RmtInf');
  let remittance = '';
  let structured: string | undefined;
  for (const r of rmt?.children ?? []) {
    if (r.name === 'Ustrd') {
      const u = squash(r.text);
      if (u) remittance = remittance ? `${remittance} ${u}` : u;
    } else if (r.name === 'Strd') structured ??= textAt(r, 'CdtrRefInf', 'Ref');
  }
  if (!remittance) {
    const addtl = textAt(tx, 'AddtlTxInf');
    if (addtl) remittance = squash(addtl);
  }
  if (remittance) l.remittance = remittance;
  const rf = structured ?? (remittance ? findRfReference(remittance) : undefined);
  if (rf) l.creditorReference = rf;
  if (refs) {
    const e2e = textAt(refs, 'EndToEndId');
    if (e2e && e2e !== 'NOTPROVIDED') l.endToEndId = e2e;
    const txId = textAt(refs, 'TxId');
    if (txId) l.transactionId = txId;
    const instr = textAt(refs, 'InstrId');
    if (instr) l.ownerReference = instr;
    const mandate = textAt(refs, 'MndtId');
    if (mandate) l.mandateId = mandate;
    const bank = textAt(refs, 'AcctSvcrRef');
    if (bank) l.bankReference = bank;
  }
  const parties = kid(tx, 'RltdPties');
  if (parties) {
    const side = l.direction === 'credit' ? 'Dbtr' : 'Cdtr';
    const party = kid(parties, side);
    const ultimate = kid(parties, `Ultmt${side}`);
    const name =
      textAt(party, 'Nm') ??
      textAt(party, 'Pty', 'Nm') ??
      textAt(ultimate, 'Nm') ??
      textAt(ultimate, 'Pty', 'Nm');
    if (name) l.counterpartyName = name;
    const acct = kid(parties, `${side}Acct`);
    const account = textAt(acct, 'Id', 'IBAN') ?? textAt(acct, 'Id', 'Othr', 'Id');
    if (account) l.counterpartyAccount = account;
  }
  const code = bankCode(kid(tx, 'BkTxCd'));
  if (code) l.bankTransactionCode = code;
}

/** `PMNT/RCDT/ESCT` from Domn/Cd, Fmly/Cd, Fmly/SubFmlyCd; else the proprietary code. */
function bankCode(n: XNode | undefined): string | undefined {
  if (!n) return undefined;
  const domain = textAt(n, 'Domn', 'Cd');
  if (domain) {
    return [domain, textAt(n, 'Domn', 'Fmly', 'Cd'), textAt(n, 'Domn', 'Fmly', 'SubFmlyCd')]
      .filter(Boolean)
      .join('/');
  }
  return textAt(n, 'Prtry', 'Cd');
}

/** The document's encoding: BOM first, then the XML declaration; UTF-8 by default (ISO 20022 mandates it). */
function xmlEncoding(head: Buffer): TextEncoding {
  const bom = bomEncoding(head);
  if (bom) return bom;
  const decl = /^<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head.subarray(0, 200).toString('latin1'));
  const name = decl?.[1]?.toLowerCase();
  if (name && /^(iso-8859-1|latin-?1|windows-1252|cp1252|iso-8859-15)$/.test(name)) return 'latin1';
  return 'utf-8';
}
