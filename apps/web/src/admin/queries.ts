import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../shared/api.ts';
import type { Checkout, Gateway, Page } from './types.ts';

export const adminKeys = {
  gateways: ['admin', 'gateways'] as const,
  checkout: (id: string) => ['admin', 'checkout', id] as const,
  users: ['admin', 'users'] as const,
  apiKeys: ['admin', 'api-keys'] as const,
  webhooks: ['admin', 'webhooks'] as const,
  deliveries: (id: string) => ['admin', 'webhooks', id, 'deliveries'] as const,
  tenant: ['admin', 'tenant'] as const,
  audit: ['admin', 'audit'] as const,
};

/** Every gateway with the tenant's configuration; asked again every 2 s while one is connecting. */
export function useGateways() {
  return useQuery({
    queryKey: adminKeys.gateways,
    queryFn: ({ signal }) => api<{ data: Gateway[] }>('/v1/gateways', { signal }),
    select: (r) => r.data,
    refetchInterval: (q) => (q.state.data?.data.some((g) => g.status === 'connecting') ? 2000 : false),
  });
}

const unsettled = (c: Checkout | undefined) =>
  !c || c.status === 'creating' || c.status === 'open' || c.status === 'processing';

/** The connect test the gateway sent the admin back from; asked again until it has an outcome. */
export function useConnectCheckout(id: string | null) {
  return useQuery({
    queryKey: adminKeys.checkout(id ?? ''),
    queryFn: ({ signal }) => api<Checkout>(`/v1/checkouts/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
    refetchInterval: (q) => (unsettled(q.state.data) ? 1500 : false),
  });
}

/** Puts a gateway returned by a write into the cached list. */
export function useGatewayUpdate() {
  const client = useQueryClient();
  return (g: Gateway) =>
    client.setQueryData<{ data: Gateway[] }>(adminKeys.gateways, (prev) =>
      prev ? { data: prev.data.map((x) => (x.gateway === g.gateway ? g : x)) } : prev,
    );
}

export function useSetActive(gateway: string) {
  const update = useGatewayUpdate();
  return useMutation({
    mutationFn: (active: boolean) =>
      api<Gateway>(`/v1/gateways/${gateway}`, { method: 'PATCH', body: { active } }),
    onSuccess: update,
  });
}

export function useSaveCredentials(gateway: string) {
  const update = useGatewayUpdate();
  return useMutation({
    mutationFn: (credentials: Record<string, string>) =>
      api<Gateway>(`/v1/gateways/${gateway}/credentials`, { method: 'PUT', body: { credentials } }),
    onSuccess: update,
  });
}

export const INTEGRATIONS_PATH = '/app/integrations';

export function useConnect(gateway: string) {
  return useMutation({
    mutationFn: () =>
      api<Checkout>(`/v1/gateways/${gateway}/connect`, {
        method: 'POST',
        body: { return_to: INTEGRATIONS_PATH },
      }),
    // Off to the gateway's own page; it sends the admin back to INTEGRATIONS_PATH?checkout=<id>.
    onSuccess: (c) => {
      if (c.redirect_url) window.location.assign(c.redirect_url);
    },
  });
}

/** A newest-first list read page by page (`starting_after` = the last id of the page before). */
export function usePagedList<T>(key: readonly unknown[], path: string, limit = 50, enabled = true) {
  return useInfiniteQuery({
    queryKey: [...key, path, limit],
    queryFn: ({ signal, pageParam }) => {
      const sep = path.includes('?') ? '&' : '?';
      const after = pageParam ? `&starting_after=${encodeURIComponent(pageParam)}` : '';
      return api<Page<T>>(`${path}${sep}limit=${limit}${after}`, { signal });
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.has_more ? (last.next_cursor ?? null) : null),
    enabled,
  });
}
