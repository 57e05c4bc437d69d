/**
 * What the consumer pages read from the API: GET /v1/me/bills, /v1/me/payments, /v1/me/dashboard
 * (apps/server/src/modules/consumer/consumer.schemas.ts), GET /v1/payment-methods and the checkout
 * of POST /v1/checkouts (modules/gateways/gateways.schemas.ts). Amounts are integer minor units.
 */

export type BillStatus = 'unpaid' | 'partially_paid' | 'paid' | 'overdue' | 'cancelled' | 'expired';

export interface MyBill {
  id: string;
  bill_number: string;
  reference_id: string;
  reference_display: string;
  kind: 'bill' | 'service';
  service_name: string;
  billing_period: string;
  period_start: string | null;
  period_end: string | null;
  duration_days: number | null;
  due_date: string;
  expires_on: string | null;
  currency: string;
  amount: number;
  late_fee: number;
  late_fee_applies: boolean;
  amount_paid: number;
  amount_due: number;
  status: BillStatus;
  payable: boolean;
  account_id: string;
  account_number: string;
  paid_at: string | null;
}

export interface MyBills {
  data: MyBill[];
  currency: string;
  amount_due: number;
}

export type PaymentStatus = 'pending' | 'successful' | 'completed' | 'failed' | 'refunded' | 'reversed';

export interface MyPayment {
  id: string;
  source: 'payment' | 'checkout';
  status: PaymentStatus;
  amount: number;
  refunded_amount: number;
  currency: string;
  channel: 'bank_api' | 'cash' | 'gateway' | 'link' | 'qr' | 'agent' | 'wallet';
  method: string | null;
  method_label: string | null;
  account_number: string | null;
  bills: {
    bill_id: string;
    bill_number: string;
    kind: 'bill' | 'service';
    service_name: string;
    billing_period: string;
    amount: number | null;
  }[];
  failure: { reason: string | null; code: string | null; message: string } | null;
  checkout_id: string | null;
  payment_id: string | null;
  date: string;
  completed_at: string | null;
  /** Once the payment is Completed and its receipt numbered. */
  receipt_number: string | null;
}

export interface MyPayments {
  data: MyPayment[];
  has_more: boolean;
  next_cursor: string | null;
}

interface Bucket {
  amount: number;
  count: number;
}

export interface MyDashboard {
  currency: string;
  time_zone: string;
  today: string;
  outstanding: { amount: number; bills: number; overdue: number; next_due_date: string | null };
  paid: { last_30_days: number; this_month: number; this_year: number; all_time: number };
  by_day: ({ date: string } & Bucket)[];
  by_month: ({ month: string } & Bucket)[];
  by_year: ({ year: string } & Bucket)[];
}

export interface PaymentMethod {
  gateway: string;
  display_name: string;
  methods: string[];
}

export type CheckoutStatus =
  | 'creating'
  | 'open'
  | 'processing'
  | 'succeeded'
  | 'failed'
  | 'expired'
  | 'canceled';

export interface Checkout {
  id: string;
  gateway: string;
  status: CheckoutStatus;
  amount: number;
  currency: string;
  description: string;
  account_id: string | null;
  bill_ids: string[];
  redirect_url: string | null;
  failure: { reason: string | null; code: string | null; message: string } | null;
  payment_id: string | null;
  expires_at: string;
  created_at: string;
}
