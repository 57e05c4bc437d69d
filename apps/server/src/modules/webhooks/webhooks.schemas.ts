import { z } from 'zod';
import { EVENT_TYPES, ROLES } from '../../db/schema.ts';
import { pageQuery } from '../../platform/pagination.ts';

/** Plain http is allowed only to this machine (a receiver under development); everything else is https. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);

export const webhookUrl = z
  .string()
  .trim()
  .max(2048)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a URL such as https://billing.example.com/webhooks' });
      return;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an https:// URL (plain http only for localhost or 127.0.0.1)',
      });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
    }
  })
  .describe('Where events are POSTed: https://, or http:// to localhost or 127.0.0.1');

export const eventTypeSchema = z.enum(EVENT_TYPES);

const eventList = z
  .array(eventTypeSchema)
  .min(1, 'must name at least one event type')
  .max(EVENT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'must not repeat an event type')
  .describe(`Event types to receive: ${EVENT_TYPES.join(', ')}`);

export const webhookEndpointCreate = z.strictObject({
  url: webhookUrl,
  events: eventList,
  description: z.string().trim().max(500).optional(),
});
export type WebhookEndpointCreate = z.output<typeof webhookEndpointCreate>;

export const ENDPOINT_STATUSES = ['enabled', 'disabled'] as const;

export const webhookEndpointUpdate = z
  .strictObject({
    url: webhookUrl.optional(),
    events: eventList.optional(),
    description: z.string().trim().max(500).nullable().optional(),
    status: z
      .enum(ENDPOINT_STATUSES)
      .optional()
      .describe('Re-enabling clears failing_since and disabled_reason'),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one field to change');
export type WebhookEndpointUpdate = z.output<typeof webhookEndpointUpdate>;

export const webhookEndpointView = z.object({
  id: z.string(),
  object: z.literal('webhook_endpoint'),
  url: z.string(),
  events: z.array(eventTypeSchema),
  description: z.string().nullable(),
  status: z.enum(ENDPOINT_STATUSES),
  disabled_reason: z.string().nullable(),
  failing_since: z.string().nullable().describe('Start of the current run of failed deliveries'),
  livemode: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type WebhookEndpointView = z.infer<typeof webhookEndpointView>;

export const webhookEndpointWithSecret = webhookEndpointView.extend({
  secret: z.string().describe('whsec_...: shown in this response only; verify Billrail-Signature with it'),
});

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const webhookDeliveryView = z.object({
  id: z.string(),
  object: z.literal('webhook_delivery'),
  endpoint_id: z.string(),
  event_id: z.string(),
  event_type: eventTypeSchema,
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable().describe('When the next attempt is due; null unless pending'),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
});
export type WebhookDeliveryView = z.infer<typeof webhookDeliveryView>;

export const webhookAttemptView = z.object({
  id: z.string(),
  attempt_no: z.number().int(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int(),
  response_body: z.string().nullable().describe('The first 4 KiB of the response'),
  attempted_at: z.string(),
});

export const webhookDeliveryDetail = webhookDeliveryView.extend({
  attempt_log: z.array(webhookAttemptView).describe('Every attempt, oldest first'),
  event: z.unknown().describe('The event exactly as it is sent (the request body)'),
});

export const deliveryListQuery = pageQuery.extend({ status: z.enum(DELIVERY_STATUSES).optional() });

export const notificationView = z.object({
  id: z.string(),
  object: z.literal('notification'),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  audience_role: z.enum(ROLES),
  read_at: z.string().nullable(),
  created_at: z.string(),
});

export const idParams = z.object({ id: z.string().max(64) });
