/**
 * Normalised bank-statement and settlement lines, and the report a parse produces.
 *
 * Every format (camt.053, MT940, bank CSV/XLSX, DOKU settlement reports) is read as a stream and
 * turned into the same `StatementLine`: one line per booked transaction (one per `TxDtls` of a
 * camt.053 batch booking), amounts as positive bigint minor units with a direction. Nothing here
 * touches the database: the reconciliation importer stores, dedupes and matches the lines.
 *
 * Problems are collected, not thrown: a caller reads every line, then looks at the report and
 * applies nothing if it has any error. Errors carry the 1-based line (and for XML the element
 * path) that a person can open in an editor.
 */

/** `stripe-payout`: lines built from a Stripe payout's balance transactions (no file). */
export type StatementFormat =
  | 'camt053'
  | 'mt940'
  | 'bank-csv'
  | 'bank-xlsx'
  | 'doku-settlement'
  | 'stripe-payout';

export type Direction = 'credit' | 'debit';

export interface StatementLine {
  format: StatementFormat;
  /**
   * 1-based line of the file where this line's record starts: the `<TxDtls>` open tag (or the
   * `<Ntry>` one when the entry has no transaction details), the `:61:` line, the CSV row (XLSX:
   * Excel's row number).
   */
  line: number;
  /** camt.053 only: the element, e.g. `/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/NtryDtls[1]/TxDtls[2]`. */
  path?: string;
  /** camt.053 `Stmt/Id`; MT940 `:20:`; CSV/XLSX: the mapping's statementId; DOKU: the settlement (batch) id. */
  statementId: string;
  /** IBAN or account number as the file gives it (MT940 `:25:` verbatim; DOKU: the merchant/mall id). */
  account: string;
  /** ISO 4217 code; every amount of the line is in it. */
  currency: string;
  /** 1-based position of the entry in its statement: camt `Ntry`, MT940 `:61:`, CSV/XLSX data row. */
  entryIndex: number;
  /** Batch bookings: this transaction's 1-based position in its entry, and how many the entry has. */
  batchIndex: number;
  batchSize: number;
  /** The booked entry's amount (equals `amount` unless the entry is a batch). */
  entryAmount: bigint;
  /** camt `Ntry/NtryRef`. */
  entryReference?: string;
  /** YYYY-MM-DD, the bank's calendar date. */
  bookingDate: string;
  valueDate?: string;
  /** Minor units, never negative; the sign is `direction`. */
  amount: bigint;
  /** The effect on the account: credit raises the balance, debit lowers it (also for reversals). */
  direction: Direction;
  /** camt `<RvslInd>true`; MT940 `RC` (reversal of a credit: a debit) and `RD` (reversal of a debit: a credit). */
  reversal: boolean;
  /** The bank's own reference: camt `AcctSvcrRef` (transaction, else entry); MT940 the `//` reference. */
  bankReference?: string;
  /** The account owner's reference: MT940 `:61:` customer reference (absent when `NONREF`); camt `Refs/InstrId`. */
  ownerReference?: string;
  endToEndId?: string;
  transactionId?: string;
  /** Direct debits: the mandate id. */
  mandateId?: string;
  /**
   * Free text: camt `RmtInf/Ustrd` joined by a space (falling back to `AddtlTxInf`/`AddtlNtryInf`);
   * MT940 the `:86:` lines joined as they are (the 65-character wrap may split a word); CSV/XLSX
   * the description column(s); '' when there is none.
   */
  remittance: string;
  /**
   * Structured creditor reference (ISO 11649 `RF..`): camt `Strd/CdtrRefInf/Ref`, MT940
   * `/REMI/STRD/...` or `CRED+`; failing that, a valid RF reference found in the free text.
   */
  creditorReference?: string;
  /** The other party: the debtor of a credit, the creditor of a debit, where the file names it. */
  counterpartyName?: string;
  counterpartyAccount?: string;
  /** camt `BkTxCd` (`Domn/Fmly/SubFmly` codes as `PMNT/RCDT/ESCT`, else `Prtry/Cd`); MT940 the type (`NTRF`). */
  bankTransactionCode?: string;
  /** MT940 only: the `:61:` supplementary details (the field's second line, 34x). */
  supplementary?: string;
  /** Settlement reports only (DOKU): what the gateway kept and what it paid out. */
  settlement?: SettlementPart;
}

export interface SettlementPart {
  kind: 'charge' | 'refund' | 'fee' | 'adjustment' | 'other';
  /** Gateway fee (MDR) and the tax on it, minor units, not negative. */
  fee: bigint;
  tax: bigint;
  /** What moves to or from the merchant's account for this line, minor units, not negative. */
  net: bigint;
  /** The payment it settles (DOKU invoice number). */
  source?: string;
  /** Gateway's transaction date (YYYY-MM-DD). */
  transactionDate?: string;
  channel?: string;
}

/** A balance as written in the file: signed (a debit balance is negative), minor units. */
export interface Balance {
  /** camt `OPBD`, `PRCD`, `CLBD`, ...; MT940 `60F`, `60M`, `62F`, `62M`; CSV `running`. */
  type: string;
  amount: bigint;
  date: string;
  line: number;
}

export interface StatementSummary {
  format: StatementFormat;
  statementId: string;
  /** camt `ElctrncSeqNb`/`LglSeqNb`; MT940 `:28C:`. */
  sequence?: string;
  /** camt `GrpHdr/MsgId`. */
  messageId?: string;
  /** The format's version where it has one, e.g. `camt.053.001.08`. */
  variant?: string;
  account: string;
  currency: string;
  /** Line where the statement starts. */
  line: number;
  opening?: Balance;
  closing?: Balance;
  /** Booked entries only, at entry level (a batch counts once, with its total). */
  entries: number;
  credits: bigint;
  debits: bigint;
  /** Lines yielded for this statement (one per TxDtls of a batch). */
  lines: number;
  /** Whether opening + credits − debits = closing was checked (false: a balance is missing or an entry was bad). */
  balanceChecked: boolean;
}

export type StatementErrorCode =
  /** The file cannot be read as the format at all (not XML, not MT940, not UTF-8, not CSV). */
  | 'unreadable'
  /** XML whose namespace is not camt.053 (e.g. camt.052, pain.001). */
  | 'wrong_namespace'
  | 'missing_element'
  | 'bad_amount'
  | 'bad_date'
  | 'bad_value'
  | 'currency_mismatch'
  | 'balance_mismatch'
  /** A batch booking's transactions do not add up to the entry, or cannot be split. */
  | 'batch_mismatch'
  /** The file ends in the middle (unclosed XML, MT940 without closing balance or `-}`). */
  | 'truncated'
  /** A line or row that does not follow the format's grammar. */
  | 'syntax'
  /** The CSV/XLSX column mapping does not fit the file (a named column is not in the header). */
  | 'bad_mapping';

export interface StatementError {
  code: StatementErrorCode;
  /** 1-based line in the file (0 when the problem is the file as a whole and no line applies). */
  line: number;
  /** 0-based column, where the reader knows it (XML well-formedness errors). */
  column?: number;
  /** camt.053: element path, e.g. `/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt`; CSV: the column. */
  path?: string;
  statementId?: string;
  /** A sentence for a person: what is wrong and, where it helps, what was expected. */
  message: string;
}

export interface StatementWarning {
  line: number;
  path?: string;
  statementId?: string;
  message: string;
}

export interface ParseReport {
  format: StatementFormat | undefined;
  /** No error: the lines can be applied. */
  ok: boolean;
  lines: number;
  statements: StatementSummary[];
  /** The first `maxErrors` errors, in file order. */
  errors: StatementError[];
  /** All errors, including those past `maxErrors`. */
  errorCount: number;
  warnings: StatementWarning[];
  /** Entries not turned into lines, by reason: camt status (`PDNG`, `INFO`, ...). */
  skipped: Record<string, number>;
}

export const DEFAULT_MAX_ERRORS = 1000;
const MAX_WARNINGS = 1000;

/** Collects what a parser finds besides lines; one per parse. */
export class Collector {
  readonly errors: StatementError[] = [];
  readonly warnings: StatementWarning[] = [];
  readonly statements: StatementSummary[] = [];
  readonly skipped: Record<string, number> = {};
  errorCount = 0;
  lines = 0;
  format: StatementFormat | undefined;

  constructor(readonly maxErrors = DEFAULT_MAX_ERRORS) {}

  error(e: StatementError): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) this.errors.push(e);
  }

  warn(w: StatementWarning): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(w);
  }

  skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  report(): ParseReport {
    return {
      format: this.format,
      ok: this.errorCount === 0,
      lines: this.lines,
      statements: this.statements,
      errors: this.errors,
      errorCount: this.errorCount,
      warnings: this.warnings,
      skipped: this.skipped,
    };
  }
}

/**
 * Checks opening + credits − debits = closing and records the outcome on the summary. Quiet when
 * a balance is missing (a warning) or an entry of the statement was bad (its error already says
 * why; a second "balance mismatch" would only repeat it).
 */
export function checkBalance(
  c: Collector,
  s: StatementSummary,
  hadEntryErrors: boolean,
  format: (minor: bigint) => string,
): void {
  s.balanceChecked = false;
  if (!s.opening || !s.closing) {
    c.warn({
      line: s.line,
      statementId: s.statementId,
      message: `Statement ${s.statementId} has no ${s.opening ? 'closing' : 'opening'} balance; its entries cannot be checked against the balances.`,
    });
    return;
  }
  if (hadEntryErrors) return;
  s.balanceChecked = true;
  const expected = s.opening.amount + s.credits - s.debits;
  if (expected !== s.closing.amount) {
    c.error({
      code: 'balance_mismatch',
      line: s.closing.line,
      statementId: s.statementId,
      message:
        `Statement ${s.statementId}: opening balance ${format(s.opening.amount)} + credits ${format(s.credits)} − debits ${format(s.debits)} = ` +
        `${format(expected)}, but the closing balance is ${format(s.closing.amount)} (difference ${format(s.closing.amount - expected)}). ` +
        'Entries are missing or the file was altered.',
    });
  }
}
