/** The API's payment link (GET/POST /v1/payment-links), money in integer minor units. */
export const LINK_STATUSES = ['active', 'used', 'disabled', 'expired'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export interface PaymentLink {
  id: string;
  object: 'payment_link';
  status: LinkStatus;
  url: string;
  whatsapp_url: string;
  bill_id: string | null;
  bill_number: string | null;
  account_id: string | null;
  account_number: string | null;
  amount: number | null;
  amount_due: number | null;
  currency: string;
  description: string;
  reusable: boolean;
  uses: number;
  expires_at: string | null;
  livemode: boolean;
  created_at: string;
  updated_at: string;
}

export interface LinkCreate {
  bill_id?: string;
  account_id?: string;
  amount?: number;
  description?: string;
  expires_at?: string;
  reusable: boolean;
}
