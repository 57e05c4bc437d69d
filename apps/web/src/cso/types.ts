/** API shapes the back office reads (snake_case, money in integer minor units). */
export const PAYMENT_STATUSES = [
  'pending',
  'successful',
  'completed',
  'failed',
  'refunded',
  'reversed',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const CHANNELS = [
  'gateway',
  'link',
  'qr',
  'cash',
  'bank_api',
  'bank_transfer',
  'agent',
  'wallet',
] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface Payment {
  id: string;
  /** 'checkout': an online attempt that has not become a payment (pending or failed). */
  object?: 'payment' | 'checkout';
  status: PaymentStatus;
  amount: number;
  currency: string;
  account_id: string | null;
  account_number: string | null;
  account_name?: string | null;
  type?: 'bill' | 'service' | 'mixed' | null;
  created_by_name?: string | null;
  channel: Channel;
  channel_source: string;
  channel_ref: string;
  method: string | null;
  allocations: { bill_id: string; bill_number: string; reference_id: string; amount: number }[];
  allocated_amount: number;
  credit_amount: number;
  suspense_amount: number;
  refunded_amount: number;
  failure_message: string | null;
  /** Its receipt can be printed: completed, or cash taken at a counter. */
  receipt_available?: boolean;
  received_at: string;
  completed_at: string | null;
  created_at: string;
  livemode: boolean;
}

export interface Account {
  id: string;
  account_number: string;
  name: string;
  mobile: string | null;
  email: string | null;
  service_types: string[];
  status: 'active' | 'closed';
}

export interface Bill {
  id: string;
  bill_number: string;
  reference_display: string;
  kind: 'bill' | 'service';
  service_name: string;
  billing_period: string;
  currency: string;
  amount: number;
  amount_paid: number;
  outstanding: number;
  due_date: string;
  status: string;
}

export interface AccountLedger {
  currency: string;
  receivable: number;
  credit: number;
  lines: {
    entry_id: string;
    kind: string;
    subject_id: string;
    account: string;
    amount: number;
    created_at: string;
  }[];
}

export interface Split {
  key: string;
  amount: number;
  count: number;
}
export interface Dashboard {
  currency: string;
  time_zone: string;
  granularity: 'day' | 'month' | 'year';
  from: string;
  to: string;
  collected: { amount: number; count: number; refunded: number };
  series: { period: string; amount: number; count: number }[];
  by_channel: Split[];
  by_gateway: Split[];
  by_status: Split[];
  outstanding: { amount: number; bills: number; overdue_amount: number; overdue_bills: number };
  unallocated: { amount: number };
}

export interface StatementImport {
  id: string;
  source: string;
  format: string;
  filename: string | null;
  currency: string;
  lines: number;
  matched: number;
  recorded: number;
  exceptions: number;
  state: 'reconciled' | 'exceptions';
  already_imported: boolean;
  created_at: string;
}

export interface StatementLine {
  id: string;
  import_id: string;
  line: number;
  booking_date: string;
  amount: number;
  currency: string;
  reference: string | null;
  remittance: string;
  counterparty: string | null;
  status: string;
  payment_id: string | null;
  note: string | null;
}
