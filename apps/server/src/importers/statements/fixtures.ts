/**
 * Builders of statement files for the tests and the parse benchmark: small camt.053 documents
 * from a description, and large generated camt.053 and CSV streams that never sit in memory.
 */

export type CamtVersion = '02' | '04' | '08' | '13';

export interface CamtTx {
  amount?: string;
  ccy?: string;
  /** Write the amount where .001.02 has it (AmtDtls/TxAmt/Amt) even in later versions. */
  amtDtls?: boolean;
  cdtDbt?: 'CRDT' | 'DBIT';
  endToEndId?: string;
  txId?: string;
  instrId?: string;
  acctSvcrRef?: string;
  ustrd?: string[];
  creditorRef?: string;
  name?: string;
  iban?: string;
  /** Extra XML placed inside TxDtls. */
  extra?: string;
}

export interface CamtEntry {
  amount: string;
  ccy?: string;
  cdtDbt: 'CRDT' | 'DBIT';
  status?: string;
  reversal?: boolean;
  bookingDate?: string;
  valueDate?: string;
  ref?: string;
  acctSvcrRef?: string;
  txs?: CamtTx[];
  addtl?: string;
  /** Replaces the whole generated Ntry. */
  raw?: string;
}

export interface CamtStmt {
  id: string;
  iban?: string;
  ccy?: string;
  opening?: string;
  openingDir?: 'CRDT' | 'DBIT';
  closing?: string;
  closingDir?: 'CRDT' | 'DBIT';
  entries: CamtEntry[];
}

const NL = '\n';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function status(v: CamtVersion, sts: string): string {
  return Number(v) >= 7 ? `<Sts><Cd>${sts}</Cd></Sts>` : `<Sts>${sts}</Sts>`;
}

function party(v: CamtVersion, tag: 'Dbtr' | 'Cdtr', name: string): string {
  return Number(v) >= 8
    ? `<${tag}><Pty><Nm>${esc(name)}</Nm></Pty></${tag}>`
    : `<${tag}><Nm>${esc(name)}</Nm></${tag}>`;
}

export function camtTx(v: CamtVersion, tx: CamtTx, entryDir: 'CRDT' | 'DBIT', ccy: string): string {
  const c = tx.ccy ?? ccy;
  const refs = [
    tx.acctSvcrRef && `<AcctSvcrRef>${tx.acctSvcrRef}</AcctSvcrRef>`,
    tx.instrId && `<InstrId>${tx.instrId}</InstrId>`,
    tx.endToEndId && `<EndToEndId>${esc(tx.endToEndId)}</EndToEndId>`,
    tx.txId && `<TxId>${tx.txId}</TxId>`,
  ]
    .filter(Boolean)
    .join('');
  let amount = '';
  if (tx.amount !== undefined) {
    amount =
      v === '02' || tx.amtDtls
        ? `<AmtDtls><TxAmt><Amt Ccy="${c}">${tx.amount}</Amt></TxAmt></AmtDtls>`
        : `<Amt Ccy="${c}">${tx.amount}</Amt><CdtDbtInd>${tx.cdtDbt ?? entryDir}</CdtDbtInd>`;
  }
  const dir = tx.cdtDbt ?? entryDir;
  const side = dir === 'CRDT' ? 'Dbtr' : 'Cdtr';
  const parties =
    tx.name || tx.iban
      ? `<RltdPties>${tx.name ? party(v, side, tx.name) : ''}${tx.iban ? `<${side}Acct><Id><IBAN>${tx.iban}</IBAN></Id></${side}Acct>` : ''}</RltdPties>`
      : '';
  const rmt =
    tx.ustrd || tx.creditorRef
      ? `<RmtInf>${(tx.ustrd ?? []).map((u) => `<Ustrd>${esc(u)}</Ustrd>`).join('')}${
          tx.creditorRef
            ? `<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${tx.creditorRef}</Ref></CdtrRefInf></Strd>`
            : ''
        }</RmtInf>`
      : '';
  return `<TxDtls>${refs ? `<Refs>${refs}</Refs>` : ''}${amount}${parties}${rmt}${tx.extra ?? ''}</TxDtls>`;
}

export function camtEntry(v: CamtVersion, e: CamtEntry, stmtCcy: string, nl = NL): string {
  if (e.raw) return e.raw;
  const ccy = e.ccy ?? stmtCcy;
  return [
    `<Ntry>${e.ref ? `<NtryRef>${e.ref}</NtryRef>` : ''}`,
    `<Amt Ccy="${ccy}">${e.amount}</Amt><CdtDbtInd>${e.cdtDbt}</CdtDbtInd>${e.reversal ? '<RvslInd>true</RvslInd>' : ''}`,
    status(v, e.status ?? 'BOOK'),
    e.bookingDate === '' ? '' : `<BookgDt><Dt>${e.bookingDate ?? '2024-03-01'}</Dt></BookgDt>`,
    `<ValDt><Dt>${e.valueDate ?? (e.bookingDate || '2024-03-01')}</Dt></ValDt>`,
    e.acctSvcrRef ? `<AcctSvcrRef>${e.acctSvcrRef}</AcctSvcrRef>` : '',
    '<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>',
    e.txs?.length
      ? `<NtryDtls>${e.txs.length > 1 ? `<Btch><NbOfTxs>${e.txs.length}</NbOfTxs></Btch>` : ''}${nl}${e.txs
          .map((t) => camtTx(v, t, e.cdtDbt, ccy))
          .join(nl)}${nl}</NtryDtls>`
      : '',
    e.addtl ? `<AddtlNtryInf>${esc(e.addtl)}</AddtlNtryInf>` : '',
    '</Ntry>',
  ]
    .filter(Boolean)
    .join(nl);
}

function balance(type: string, amount: string, dir: 'CRDT' | 'DBIT', ccy: string): string {
  return `<Bal><Tp><CdOrPrtry><Cd>${type}</Cd></CdOrPrtry></Tp><Amt Ccy="${ccy}">${amount}</Amt><CdtDbtInd>${dir}</CdtDbtInd><Dt><Dt>2024-03-01</Dt></Dt></Bal>`;
}

export function camtStmtHead(s: Omit<CamtStmt, 'entries'>, nl = NL): string {
  const ccy = s.ccy ?? 'EUR';
  return [
    `<Stmt><Id>${s.id}</Id><ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2024-03-01T18:00:00+01:00</CreDtTm>`,
    `<Acct><Id><IBAN>${s.iban ?? 'DE89370400440532013000'}</IBAN></Id><Ccy>${ccy}</Ccy></Acct>`,
    s.opening === undefined ? '' : balance('OPBD', s.opening, s.openingDir ?? 'CRDT', ccy),
    s.closing === undefined ? '' : balance('CLBD', s.closing, s.closingDir ?? 'CRDT', ccy),
  ]
    .filter(Boolean)
    .join(nl);
}

export const camtNamespace = (v: string) => `urn:iso:std:iso:20022:tech:xsd:camt.053.001.${v}`;

export function camtHead(v: CamtVersion, nl = NL): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${nl}<Document xmlns="${camtNamespace(v)}">${nl}<BkToCstmrStmt><GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2024-03-01T18:00:00</CreDtTm></GrpHdr>${nl}`;
}
export const CAMT_TAIL = '</BkToCstmrStmt></Document>\n';

/** A whole camt.053 document. Lines: the XML declaration is line 1, `<Document>` line 2, `<BkToCstmrStmt>` line 3. */
export function camtXml(v: CamtVersion, stmts: CamtStmt[], nl = NL): string {
  let out = camtHead(v, nl);
  for (const s of stmts) {
    out += camtStmtHead(s, nl) + nl;
    for (const e of s.entries) out += camtEntry(v, e, s.ccy ?? 'EUR', nl) + nl;
    out += `</Stmt>${nl}`;
  }
  return out + CAMT_TAIL.replace('\n', nl);
}

/** Deterministic amounts for generated files: cents, 1.00 to 9999.99; every seventh entry a debit. */
const genAmount = (i: number) => BigInt(((i * 7919) % 999_900) + 100);
const genDebit = (i: number) => i % 7 === 3;
const major = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;

/**
 * A camt.053.001.08 document with `entries` booked single-transaction entries, generated as it
 * is read (never whole in memory). Balances match, so a parse reports no error. `compact`
 * entries have no transaction details (about a fifth of the size).
 */
export async function* generateCamt(
  entries: number,
  { chunkEntries = 200, compact = false }: { chunkEntries?: number; compact?: boolean } = {},
): AsyncGenerator<Buffer> {
  let net = 0n;
  for (let i = 0; i < entries; i++) net += genDebit(i) ? -genAmount(i) : genAmount(i);
  const opening = 1_000_000_00n;
  const closing = opening + net;
  yield Buffer.from(
    camtHead('08') +
      camtStmtHead({
        id: 'GEN-1',
        opening: major(opening),
        closing: major(closing < 0n ? -closing : closing),
        closingDir: closing < 0n ? 'DBIT' : 'CRDT',
      }) +
      NL,
  );
  let buf = '';
  for (let i = 0; i < entries; i++) {
    const dir = genDebit(i) ? 'DBIT' : 'CRDT';
    const a = major(genAmount(i));
    if (compact) {
      buf += `<Ntry><Amt Ccy="EUR">${a}</Amt><CdtDbtInd>${dir}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-03-01</Dt></BookgDt></Ntry>\n`;
    } else
      buf +=
        `<Ntry><NtryRef>${i}</NtryRef><Amt Ccy="EUR">${a}</Amt><CdtDbtInd>${dir}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>` +
        `<BookgDt><Dt>2024-03-01</Dt></BookgDt><ValDt><Dt>2024-03-01</Dt></ValDt><AcctSvcrRef>BANK${i}</AcctSvcrRef>\n` +
        `<NtryDtls><TxDtls><Refs><EndToEndId>E2E-${i}</EndToEndId></Refs><Amt Ccy="EUR">${a}</Amt><CdtDbtInd>${dir}</CdtDbtInd>` +
        `<RmtInf><Ustrd>Bill 4000${i} payment</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`;
    if ((i + 1) % chunkEntries === 0) {
      yield Buffer.from(buf);
      buf = '';
    }
  }
  yield Buffer.from(`${buf}</Stmt>\n${CAMT_TAIL}`);
}

/** A bank CSV (`date;amount;description;reference`, decimal comma, DD.MM.YYYY) with `rows` rows, generated as read. */
export async function* generateBankCsv(rows: number, chunkRows = 500): AsyncGenerator<Buffer> {
  let buf = 'Booking date;Amount;Description;Reference\r\n';
  for (let i = 0; i < rows; i++) {
    const a = genAmount(i);
    const amount = `${genDebit(i) ? '-' : ''}${a / 100n},${String(a % 100n).padStart(2, '0')}`;
    buf += `01.03.2024;${amount};"Bill 4000${i}; payment";REF${i}\r\n`;
    if ((i + 1) % chunkRows === 0) {
      yield Buffer.from(buf);
      buf = '';
    }
  }
  yield Buffer.from(buf);
}

/** Splits a string or buffer into chunks of `size` bytes (1 byte splits every UTF-8 character and CRLF). */
export async function* chunked(data: string | Buffer, size = 1 << 16): AsyncGenerator<Buffer> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
