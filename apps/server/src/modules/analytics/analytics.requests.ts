import type { FastifyRequest } from 'fastify';
import { actorOf } from '../../platform/audit.ts';
import { tenantOf } from '../../platform/auth.ts';

/**
 * Hooks for read routes (payments search and details, the consumer's history), called by the
 * route after the read succeeded. Only people are tracked: a biller system reading payments with an
 * API key is integration traffic, not behaviour. Reads the app repeats by itself (History refreshes
 * every 4 s; lists refetch when the tab regains focus) count once per window.
 */
const bySession = (request: FastifyRequest) => request.auth?.via === 'session';

const SEARCH_FILTERS = [
  'q',
  'status',
  'channel',
  'gateway',
  'account_id',
  'account_number',
  'reference_id',
  'from',
  'to',
] as const;
export const SEARCH_WINDOW_SECONDS = 30;
export const DETAILS_WINDOW_SECONDS = 60;
export const HISTORY_WINDOW_SECONDS = 300;

/** GET /v1/payments with at least one filter, first page only (paging on is the same search). */
export async function trackPaymentSearched(
  request: FastifyRequest,
  query: Record<string, unknown>,
  resultCount: number,
) {
  if (!bySession(request) || query.starting_after) return;
  const filters = SEARCH_FILTERS.filter((f) => query[f] !== undefined && query[f] !== '');
  if (!filters.length) return;
  const q = typeof query.q === 'string' ? query.q : undefined;
  const ref = typeof query.reference_id === 'string' ? query.reference_id : undefined;
  // The seed's transaction_id: the identifier searched for. Free text with spaces (a name) is
  // not kept: it says who a CSO looked up, which the insight does not need.
  const transaction_id = (q && /^[\w.-]+$/.test(q) ? q : undefined) ?? ref ?? null;
  await request.server.services.analytics.record(
    tenantOf(request),
    'Payment Searched',
    { transaction_id, search_time: new Date().toISOString(), filters, result_count: resultCount },
    actorOf(request),
    { windowSeconds: SEARCH_WINDOW_SECONDS, key: { transaction_id, filters } },
  );
}

/** GET /v1/payments/:id by a person. */
export async function trackPaymentViewed(
  request: FastifyRequest,
  payment: { id: string; account_id: string | null },
) {
  if (!bySession(request)) return;
  await request.server.services.analytics.record(
    tenantOf(request),
    'Payment Details Viewed',
    { transaction_id: payment.id, consumer_id: payment.account_id },
    actorOf(request),
    { windowSeconds: DETAILS_WINDOW_SECONDS, key: { transaction_id: payment.id } },
  );
}

/** GET /v1/me/payments, first page: the consumer opened History. */
export async function trackHistoryViewed(request: FastifyRequest, query: { cursor?: string | undefined }) {
  const userId = request.auth?.userId;
  if (!bySession(request) || !userId || query.cursor) return;
  await request.server.services.analytics.record(
    tenantOf(request),
    'Payment History Viewed',
    { consumer_id: userId, view_time: new Date().toISOString() },
    actorOf(request),
    { windowSeconds: HISTORY_WINDOW_SECONDS, key: { consumer_id: userId } },
  );
}
