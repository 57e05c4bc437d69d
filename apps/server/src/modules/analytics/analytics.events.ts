import { CLIENT_EVENTS, type ClientEventName } from '@billrail/contracts';

/**
 * The behaviour-tracking plan of seed 002, section 12: every event Billrail records, with the
 * properties the seed names (and a few that make the key insights computable). Names are the
 * seed's own words, so the analytics page and an export speak the plan's language.
 *
 * `server` events are recorded by the server where the action happens (in the action's own
 * transaction when it writes); a client can never send them, so nobody can inflate a conversion
 * rate from a browser. `client` events are things only the browser sees (a page opened) and
 * arrive through POST /v1/analytics/events.
 */
export const SERVER_EVENTS = [
  // Tenant admin: gateway set-up
  'Gateway Activated',
  'Gateway Configured',
  'Gateway Test Transaction',
  // CSO admin / executive: payments and reconciliation
  'Payment Searched',
  'Payment Details Viewed',
  'Payment Reconciled',
  // Consumer: paying online
  'Payment Initiated',
  'Payment Completed',
  'Payment History Viewed',
] as const;
export type ServerEventName = (typeof SERVER_EVENTS)[number];

/** Properties each server event carries (ISO times, ids, minor-unit integers for money). */
export interface ServerEventProperties {
  'Gateway Activated': { gateway_name: string; activation_time: string };
  'Gateway Configured': { gateway_name: string; credentials_entered: string[]; changed: boolean };
  'Gateway Test Transaction': {
    gateway_name: string;
    /** initiated (the admin pressed Connect), succeeded, failed, expired or canceled */
    test_status: string;
    checkout_id: string;
    failure_reason?: string | null;
  };
  'Payment Searched': {
    transaction_id: string | null;
    search_time: string;
    filters: string[];
    result_count: number;
  };
  'Payment Details Viewed': { transaction_id: string; consumer_id: string | null };
  'Payment Reconciled': {
    transaction_id: string | null;
    reconciliation_status: 'matched' | 'ignored';
    statement_line_id: string;
    /** Seconds from the payment's receipt to its reconciliation ("reconciled on time?") */
    lag_seconds: number | null;
  };
  'Payment Initiated': {
    consumer_id: string | null;
    payment_amount: number;
    currency: string;
    gateway_name: string;
    checkout_id: string;
    account_id: string | null;
  };
  'Payment Completed': {
    transaction_id: string;
    /** successful (money taken), failed, expired or canceled */
    payment_status: string;
    checkout_id: string;
    gateway_name: string;
    payment_amount: number;
    consumer_id: string | null;
    failure_reason?: string | null;
  };
  'Payment History Viewed': { consumer_id: string; view_time: string };
}

// Events the web and mobile apps may send, each with a strict property schema: defined in
// @billrail/contracts and shared with the web app, which types its track() calls by them.
export { CLIENT_EVENTS, type ClientEventName };
export const CLIENT_EVENT_NAMES = Object.keys(CLIENT_EVENTS) as ClientEventName[];

export const ALL_EVENTS: readonly string[] = [...SERVER_EVENTS, ...CLIENT_EVENT_NAMES];

export const isServerEvent = (name: string): name is ServerEventName =>
  (SERVER_EVENTS as readonly string[]).includes(name);
export const isClientEvent = (name: string): name is ClientEventName => name in CLIENT_EVENTS;
