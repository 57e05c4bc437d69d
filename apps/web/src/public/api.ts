import type { Branding } from '@billrail/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { CheckoutStatus, PaymentMethod } from '../consumer/types.ts';
import { ApiError, api } from '../shared/api.ts';

/**
 * What the public pages read (apps/server/src/modules/public/public.routes.ts): no session, no
 * cookies needed; amounts are integer minor units.
 */

export interface PublicBill {
  reference_id: string;
  reference_display: string;
  bill_number: string;
  kind: 'bill' | 'service';
  service_name: string;
  billing_period: string;
  period_start: string | null;
  period_end: string | null;
  due_date: string;
  currency: string;
  amount: number;
  late_fee: number;
  late_fee_applies: boolean;
  amount_paid: number;
  amount_due: number;
  status: 'unpaid' | 'partially_paid' | 'paid' | 'overdue' | 'cancelled' | 'expired';
  payable: boolean;
  paid_at: string | null;
  account_holder: string;
  account_number: string;
  livemode: boolean;
}

export interface BillPage {
  biller: Branding;
  bill: PublicBill;
  payment_methods: PaymentMethod[];
}

export type LinkStatus = 'active' | 'used' | 'disabled' | 'expired';

export interface LinkPage {
  biller: Branding;
  link: {
    status: LinkStatus;
    description: string;
    currency: string;
    amount_due: number | null;
    reusable: boolean;
    expires_at: string | null;
    account_number: string | null;
    bill: PublicBill | null;
  };
  payment_methods: PaymentMethod[];
}

export interface PublicCheckout {
  id: string;
  status: CheckoutStatus;
  gateway: string;
  gateway_name: string;
  amount: number;
  currency: string;
  bill_numbers: string[];
  reference_id: string | null;
  link_token: string | null;
  failure: { reason: string | null; code: string | null; message: string } | null;
  payment_id: string | null;
  biller: Branding;
  created_at: string;
}

interface Started {
  id: string;
  status: CheckoutStatus;
  redirect_url: string | null;
}

/** A 16-digit reference as typed: spaces and dashes are fine (the server checks the digits). */
export const cleanReference = (s: string) => s.replace(/[\s-]/g, '');

const noRetryOn4xx = (failures: number, err: unknown) =>
  !(err instanceof ApiError && err.status >= 400 && err.status < 500) && failures < 2;

export function useBillByReference(reference: string | null) {
  return useQuery({
    queryKey: ['public', 'bill', reference],
    queryFn: ({ signal }) => api<BillPage>(`/v1/public/bills/${encodeURIComponent(reference!)}`, { signal }),
    enabled: !!reference,
    retry: noRetryOn4xx,
  });
}

export function useVerify(reference: string | null) {
  return useQuery({
    queryKey: ['public', 'verify', reference],
    queryFn: ({ signal }) =>
      api<Omit<BillPage, 'payment_methods'> & { genuine: true }>(
        `/v1/public/verify/${encodeURIComponent(reference!)}`,
        { signal },
      ),
    enabled: !!reference,
    retry: noRetryOn4xx,
  });
}

export function useLink(token: string) {
  return useQuery({
    queryKey: ['public', 'link', token],
    queryFn: ({ signal }) => api<LinkPage>(`/v1/public/links/${encodeURIComponent(token)}`, { signal }),
    retry: noRetryOn4xx,
  });
}

const isOpen = (c: PublicCheckout | undefined) =>
  !!c && (c.status === 'creating' || c.status === 'open' || c.status === 'processing');

export function usePublicCheckout(id: string | null) {
  return useQuery({
    queryKey: ['public', 'checkout', id],
    queryFn: ({ signal }) =>
      api<PublicCheckout>(`/v1/public/checkouts/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
    retry: noRetryOn4xx,
    refetchInterval: (q) => (isOpen(q.state.data) ? 2000 : false),
  });
}

/** Starts a checkout (quick pay, link or retry) and sends the browser to the gateway's page. */
export function useStartPublicCheckout(path: string) {
  return useMutation({
    mutationFn: (body: { gateway?: string; payer_email?: string }) =>
      api<Started>(path, { method: 'POST', body }),
    onSuccess: (c) => {
      if (c.redirect_url) window.location.assign(c.redirect_url);
      else window.location.assign(`/pay/result?checkout=${encodeURIComponent(c.id)}`);
    },
  });
}
