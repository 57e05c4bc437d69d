import type { TenantView, UserView } from '@billrail/contracts';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../shared/api.ts';

export interface TenantPage {
  data: TenantView[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface TenantCreate {
  name: string;
  slug: string;
  currency: string;
  time_zone: string;
  locale: 'en' | 'es' | 'id';
  display_name?: string;
  logo_url?: string | null;
  primary_color?: string;
  platform_fee_bps: number;
  admin: { email: string; name: string; password: string };
}

export interface PlatformDashboard {
  mode: 'live' | 'test';
  generated_at: string;
  tenants: {
    id: string;
    slug: string;
    name: string;
    status: string;
    currency: string;
    time_zone: string;
    collected_today: number;
    payments_today: number;
    collected_month: number;
    payments_month: number;
    outstanding: number;
    open_bills: number;
    overdue_bills: number;
    payments_by_status: Record<string, number>;
  }[];
  totals: {
    currency: string;
    tenants: number;
    collected_today: number;
    payments_today: number;
    collected_month: number;
    payments_month: number;
    outstanding: number;
  }[];
}

export const platformKeys = {
  tenants: ['platform', 'tenants'] as const,
  dashboard: (mode: string) => ['platform', 'dashboard', mode] as const,
};

export function useTenants() {
  return useInfiniteQuery({
    queryKey: platformKeys.tenants,
    queryFn: ({ signal, pageParam }) =>
      api<TenantPage>(
        `/v1/platform/tenants?limit=50${pageParam ? `&starting_after=${encodeURIComponent(pageParam)}` : ''}`,
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
}

export function useOnboardTenant() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TenantCreate) =>
      api<{ tenant: TenantView; admin: UserView }>('/v1/platform/tenants', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['platform'] }),
  });
}

export function usePlatformDashboard(mode: 'live' | 'test') {
  return useQuery({
    queryKey: platformKeys.dashboard(mode),
    queryFn: ({ signal }) => api<PlatformDashboard>(`/v1/platform/dashboard?mode=${mode}`, { signal }),
    refetchInterval: 30_000,
  });
}
