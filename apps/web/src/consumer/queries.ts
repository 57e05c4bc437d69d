import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from '../shared/api.ts';
import type { Checkout, MyBills, MyDashboard, MyPayments, PaymentMethod } from './types.ts';

/** The page a gateway sends the payer back to (the server adds ?checkout=<id>). */
export const RESULT_PATH = '/app/pay/result';

/** History and the result page ask again this often, so a status change shows by itself. */
export const LIVE_REFRESH_MS = 4000;

export const consumerKeys = {
  methods: ['payment-methods'] as const,
  bills: ['me', 'bills'] as const,
  payments: ['me', 'payments'] as const,
  dashboard: ['me', 'dashboard'] as const,
  checkout: (id: string) => ['checkout', id] as const,
};

/** Active and connected gateways; none means there is no Bill Pay (seed 002). */
export function usePaymentMethods(enabled = true) {
  return useQuery({
    queryKey: consumerKeys.methods,
    queryFn: ({ signal }) => api<{ data: PaymentMethod[] }>('/v1/payment-methods', { signal }),
    select: (r) => r.data,
    staleTime: 60_000,
    enabled,
  });
}

export function useMyBills() {
  return useQuery({
    queryKey: consumerKeys.bills,
    queryFn: ({ signal }) => api<MyBills>('/v1/me/bills', { signal }),
  });
}

export function useMyDashboard() {
  return useQuery({
    queryKey: consumerKeys.dashboard,
    queryFn: ({ signal }) => api<MyDashboard>('/v1/me/dashboard', { signal }),
    refetchInterval: LIVE_REFRESH_MS * 5,
  });
}

/** The history, newest first, page by page; every loaded page is asked again every few seconds. */
export function useMyPayments(limit = 25, live = true) {
  return useInfiniteQuery({
    queryKey: [...consumerKeys.payments, limit],
    queryFn: ({ signal, pageParam }) =>
      api<MyPayments>(
        `/v1/me/payments?limit=${limit}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`,
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    refetchInterval: live ? LIVE_REFRESH_MS : false,
  });
}

const isOpen = (c: Checkout | undefined) =>
  !!c && (c.status === 'creating' || c.status === 'open' || c.status === 'processing');

/** One checkout attempt, asked again while the gateway has not said how it ended. */
export function useCheckout(id: string | null) {
  return useQuery({
    queryKey: consumerKeys.checkout(id ?? ''),
    queryFn: ({ signal }) => api<Checkout>(`/v1/checkouts/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
    refetchInterval: (q) => (isOpen(q.state.data) ? 2000 : false),
  });
}

/**
 * Starts a checkout for the selected bills and sends the browser to the gateway's hosted page.
 * The gateway brings the payer back to the result page of this app.
 */
export function useStartCheckout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { gateway: string; bill_ids: string[] }) =>
      api<Checkout>('/v1/checkouts', {
        method: 'POST',
        body: { ...input, return_to: RESULT_PATH },
      }),
    onSuccess: (c) => {
      if (c.redirect_url) window.location.assign(c.redirect_url);
    },
    onError: (err) => {
      // A bill paid meanwhile (another tab, a counter): show the list as it is now.
      if (err instanceof ApiError && err.status === 400)
        void client.invalidateQueries({ queryKey: consumerKeys.bills });
    },
  });
}
