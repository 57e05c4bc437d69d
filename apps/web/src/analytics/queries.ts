import { useQuery } from '@tanstack/react-query';
import { api } from '../shared/api.ts';

/** GET /v1/analytics/insights (apps/server/src/modules/analytics/analytics.schemas.ts). */
export interface Insights {
  range: { from: string; to: string; time_zone: string };
  currency: string;
  events: { name: string; count: number; actors: number }[];
  gateways: {
    gateway: string;
    activated: number;
    configured: number;
    tests_initiated: number;
    tests_succeeded: number;
    tests_failed: number;
    first_activated_at: string | null;
    first_configured_at: string | null;
    first_connected_at: string | null;
    time_to_first_connect_seconds: number | null;
    payments_initiated: number;
    payments_succeeded: number;
    collected_amount: number;
  }[];
  most_used_gateways: string[];
  gateway_setup: {
    activations: number;
    configurations: number;
    tests_initiated: number;
    tests_succeeded: number;
    test_success_rate: number | null;
  };
  checkout: {
    initiated: number;
    succeeded: number;
    failed: number;
    open: number;
    conversion_rate: number | null;
    initiated_amount: number;
    collected_amount: number;
    payers: number;
  };
  back_office: {
    searches: number;
    searchers: number;
    transaction_lookups: number;
    details_viewed: number;
    reconciled: number;
    reconciled_matched: number;
    reconciled_ignored: number;
    median_reconcile_lag_seconds: number | null;
    reconciled_on_time_rate: number | null;
    report_views: number;
  };
  consumers: {
    history_views: number;
    history_viewers: number;
    views_per_viewer: number | null;
    bill_pay_views: number;
  };
  daily: { date: string; initiated: number; completed: number; searches: number; history_views: number }[];
}

export function useInsights(range: { from?: string; to?: string }) {
  const qs = new URLSearchParams();
  if (range.from) qs.set('from', range.from);
  if (range.to) qs.set('to', range.to);
  return useQuery({
    queryKey: ['analytics', 'insights', range.from ?? '', range.to ?? ''],
    queryFn: ({ signal }) => api<Insights>(`/v1/analytics/insights?${qs}`, { signal }),
    refetchInterval: 60_000,
  });
}
