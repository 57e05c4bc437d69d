import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { LIVE_REFRESH_MS } from '../cso/queries.ts';
import type { Account, Bill, Page } from '../cso/types.ts';
import { api } from '../shared/api.ts';
import type { LinkCreate, LinkStatus, PaymentLink } from './types.ts';

export const linkKeys = { all: ['links'] as const };

/** The links, newest first, page by page; asked again every few seconds so "used" shows by itself. */
export function useLinks(filters: { status?: LinkStatus | undefined; search?: string | undefined }) {
  const p = new URLSearchParams({ limit: '25' });
  if (filters.status) p.set('status', filters.status);
  if (filters.search) p.set('search', filters.search);
  const qs = p.toString();
  return useInfiniteQuery({
    queryKey: [...linkKeys.all, 'list', qs],
    queryFn: ({ signal, pageParam }) =>
      api<Page<PaymentLink>>(
        `/v1/payment-links?${qs}${pageParam ? `&starting_after=${encodeURIComponent(pageParam)}` : ''}`,
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.has_more ? last.next_cursor : null),
    refetchInterval: LIVE_REFRESH_MS,
  });
}

/** An account's bills that can still be paid (not paid, cancelled or expired). */
export function useOpenBills(accountId: string | null) {
  return useQuery({
    queryKey: [...linkKeys.all, 'bills', accountId],
    queryFn: async ({ signal }) => {
      const page = await api<Page<Bill>>(
        `/v1/bills?limit=200&account_id=${encodeURIComponent(accountId ?? '')}`,
        { signal },
      );
      return page.data.filter(
        (b) => b.outstanding > 0 && !['paid', 'cancelled', 'expired'].includes(b.status),
      );
    },
    enabled: !!accountId,
  });
}

export function useCreateLink() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: LinkCreate) => api<PaymentLink>('/v1/payment-links', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: linkKeys.all }),
  });
}

export function useDisableLink() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      api<PaymentLink>(`/v1/payment-links/${encodeURIComponent(id)}/disable`, { method: 'POST' }),
    onSuccess: () => client.invalidateQueries({ queryKey: linkKeys.all }),
  });
}

export function useSendLink(id: string) {
  return useMutation({
    mutationFn: (body: { channel: 'email' | 'sms'; to: string }) =>
      api<{ queued: true; message_id: string; link: PaymentLink }>(
        `/v1/payment-links/${encodeURIComponent(id)}/send`,
        { method: 'POST', body },
      ),
  });
}

/** Accounts for the picker: the first few, or those matching a number or name. */
export function useAccountOptions(search: string) {
  return useQuery({
    queryKey: [...linkKeys.all, 'accounts', search],
    queryFn: ({ signal }) =>
      api<Page<Account>>(`/v1/accounts?limit=10${search ? `&search=${encodeURIComponent(search)}` : ''}`, {
        signal,
      }),
    placeholderData: (previous) => previous,
  });
}
