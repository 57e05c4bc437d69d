import type { apiKeyCreated, apiKeyView, auditEntryView, TenantView, UserView } from '@billrail/contracts';
import type { z } from 'zod';

/** The back office's view of the API (snake_case, as on the wire). */
export type { TenantView, UserView };
export type ApiKey = z.infer<typeof apiKeyView>;
export type ApiKeyCreated = z.infer<typeof apiKeyCreated>;
export type AuditEntry = z.infer<typeof auditEntryView>;

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor?: string | null;
}

export interface GatewayField {
  key: string;
  label: string;
  secret: boolean;
  required: boolean;
  pattern: string | null;
  pattern_reason: string | null;
  max_length: number | null;
  options: string[] | null;
  placeholder: string | null;
  help: string | null;
}

export type SecretState = { set: boolean; last4?: string };

export interface Gateway {
  gateway: string;
  display_name: string;
  capabilities: { currencies: string[]; methods: string[] };
  fields: GatewayField[];
  configured: boolean;
  active: boolean;
  status: 'not_connected' | 'connecting' | 'connected' | 'failed';
  connected: boolean;
  available: boolean;
  credentials: Record<string, string | SecretState>;
  webhook_url: string | null;
  connected_at: string | null;
  last_connect: Record<string, unknown> | null;
  last_check: { at: string; ok: boolean; detail: string } | null;
  updated_at: string | null;
}

export interface Checkout {
  id: string;
  purpose: string;
  gateway: string;
  status: 'creating' | 'open' | 'processing' | 'succeeded' | 'failed' | 'expired' | 'canceled';
  amount: number;
  currency: string;
  redirect_url: string | null;
  failure: { reason: string | null; code: string | null; message: string } | null;
}

export const WEBHOOK_EVENTS = [
  'bill.created',
  'bill.paid',
  'payment.successful',
  'payment.completed',
  'payment.failed',
  'payment.refunded',
  'payment.reversed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEvent[];
  description: string | null;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  failing_since: string | null;
  livemode: boolean;
  created_at: string;
}

export interface WebhookDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: WebhookEvent;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}
