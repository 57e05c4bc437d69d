import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from '../shared/api.ts';
import { useSession } from '../shared/session.ts';
import type {
  Account,
  AccountLedger,
  Bill,
  Dashboard,
  Page,
  Payment,
  StatementImport,
  StatementLine,
} from './types.ts';

/** The payments list asks again this often, so a status change shows by itself (as History does). */
export const LIVE_REFRESH_MS = 4000;

export const csoKeys = {
  payments: ['cso', 'payments'] as const,
  account: (id: string) => ['cso', 'account', id] as const,
  dashboard: ['cso', 'dashboard'] as const,
  recon: ['cso', 'reconciliation'] as const,
};

export interface PaymentFilters {
  q?: string;
  status?: string;
  channel?: string;
  gateway?: string;
  account_id?: string;
  from?: string;
  to?: string;
  /** 'true': also online attempts not (yet) paid, as pending or failed rows (seed 002 stages). */
  include_attempts?: string;
}

/** Query string of the filters that are set (the list and its exports use the same one). */
export function filterQuery(f: PaymentFilters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  return p.toString();
}

/** The payments list, newest first, page by page (cursor); every loaded page is asked again. */
export function usePayments(filters: PaymentFilters, limit = 25) {
  const qs = filterQuery(filters);
  return useInfiniteQuery({
    queryKey: [...csoKeys.payments, qs, limit],
    queryFn: ({ signal, pageParam }) =>
      api<Page<Payment>>(
        `/v1/payments?limit=${limit}${qs ? `&${qs}` : ''}${pageParam ? `&starting_after=${encodeURIComponent(pageParam)}` : ''}`,
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.has_more ? last.next_cursor : null),
    refetchInterval: LIVE_REFRESH_MS,
  });
}

export function useAccount(id: string) {
  return useQuery({
    queryKey: csoKeys.account(id),
    queryFn: ({ signal }) => api<Account>(`/v1/accounts/${encodeURIComponent(id)}`, { signal }),
  });
}

export function useAccountBills(id: string) {
  return useQuery({
    queryKey: [...csoKeys.account(id), 'bills'],
    queryFn: ({ signal }) =>
      api<Page<Bill>>(`/v1/bills?limit=200&account_id=${encodeURIComponent(id)}`, { signal }),
    refetchInterval: LIVE_REFRESH_MS * 2,
  });
}

export function useAccountLedger(id: string) {
  return useQuery({
    queryKey: [...csoKeys.account(id), 'ledger'],
    queryFn: ({ signal }) => api<AccountLedger>(`/v1/accounts/${encodeURIComponent(id)}/ledger`, { signal }),
    refetchInterval: LIVE_REFRESH_MS * 2,
  });
}

export function useAccountSearch(search: string) {
  return useQuery({
    queryKey: ['cso', 'accounts', search],
    queryFn: ({ signal }) =>
      api<Page<Account>>(`/v1/accounts?limit=10&search=${encodeURIComponent(search)}`, { signal }),
    enabled: search.trim().length > 0,
  });
}

export function useDashboard(granularity: 'day' | 'month' | 'year') {
  return useQuery({
    queryKey: [...csoKeys.dashboard, granularity],
    queryFn: ({ signal }) => api<Dashboard>(`/v1/dashboard?granularity=${granularity}`, { signal }),
    refetchInterval: LIVE_REFRESH_MS * 5,
  });
}

export function useImports() {
  return useQuery({
    queryKey: [...csoKeys.recon, 'imports'],
    queryFn: ({ signal }) => api<Page<StatementImport>>('/v1/reconciliation/imports?limit=20', { signal }),
  });
}

export function useExceptions() {
  return useQuery({
    queryKey: [...csoKeys.recon, 'exceptions'],
    queryFn: ({ signal }) => api<Page<StatementLine>>('/v1/reconciliation/exceptions?limit=100', { signal }),
  });
}

/** Every write here changes what the lists, the account and the dashboard show. */
function useInvalidateAll() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ['cso'] });
}

export function useCashPayment() {
  const done = useInvalidateAll();
  return useMutation({
    mutationFn: (body: {
      account_number: string;
      amount: number;
      currency: string;
      receipt_number?: string;
      note?: string;
    }) => api<Payment>('/v1/payments/cash', { method: 'POST', body }),
    onSuccess: done,
  });
}

export function useRefund() {
  const done = useInvalidateAll();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; amount?: number; reason: string }) =>
      api<Payment>(`/v1/payments/${encodeURIComponent(id)}/refund`, { method: 'POST', body }),
    onSuccess: done,
  });
}

export function useAllocate() {
  const done = useInvalidateAll();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; account_number: string; reason: string }) =>
      api<Payment>(`/v1/payments/${encodeURIComponent(id)}/allocate`, { method: 'POST', body }),
    onSuccess: done,
  });
}

export function useResolve() {
  const done = useInvalidateAll();
  return useMutation({
    mutationFn: ({
      id,
      ...body
    }: {
      id: string;
      action: 'match' | 'ignore';
      payment_id?: string;
      reason: string;
    }) =>
      api<StatementLine>(`/v1/reconciliation/lines/${encodeURIComponent(id)}/resolve`, {
        method: 'POST',
        body,
      }),
    onSuccess: done,
  });
}

/** Uploads a statement file as the request body (the API reads the raw bytes). */
export function useImportStatement() {
  const done = useInvalidateAll();
  const csrf = useSession().csrf_token;
  return useMutation({
    mutationFn: async ({ file, source }: { file: File; source: string }) => {
      const res = await fetch(
        `/v1/reconciliation/imports?source=${encodeURIComponent(source)}&filename=${encodeURIComponent(file.name)}`,
        {
          method: 'POST',
          credentials: 'same-origin',
          headers: {
            'content-type': 'application/octet-stream',
            accept: 'application/json',
            'x-csrf-token': csrf,
          },
          body: file,
        },
      );
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        throw new ApiError({
          status: res.status,
          code: body?.code ?? 'http_error',
          detail: body?.detail ?? res.statusText,
          errors: body?.errors ?? [],
        });
      }
      return body as StatementImport;
    },
    onSuccess: done,
  });
}
