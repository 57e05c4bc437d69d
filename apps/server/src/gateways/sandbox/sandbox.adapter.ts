import { createHash } from 'node:crypto';
import {
  checkCredentialFields,
  type GatewayAdapter,
  GatewayError,
  type PaymentSnapshot,
} from '../gateway.ts';
import {
  encodeSandboxSession,
  SANDBOX_CREDENTIAL_FIELDS,
  type SandboxSession,
  sandboxSessionId,
  verifySandboxNotification,
} from './sandbox.wire.ts';

/**
 * The built-in sandbox gateway (issue 4): what the embedded demo pays through. Pure: no network,
 * no storage. The hosted page (a later Billrail route at `hostedPageBaseUrl/<token>`) decodes the
 * session token, offers the outcomes, posts a signed notification and redirects the payer.
 */
export interface SandboxAdapterOptions {
  /** e.g. `${PUBLIC_URL}/sandbox/checkout`; the token is appended as the last path segment. */
  hostedPageBaseUrl: string;
  /**
   * What the hosted page recorded for a session, when the core keeps it (the sandbox has no
   * server of its own to ask). Without it retrievePayment reports pending.
   */
  lookupOutcome?: (sessionId: string) => Promise<PaymentSnapshot | undefined>;
  /** Default session lifetime when a checkout request gives no expiry. */
  sessionTtlSeconds?: number;
}

const DEFAULT_TTL_S = 60 * 60;

export function createSandboxAdapter(opts: SandboxAdapterOptions): GatewayAdapter {
  const base = opts.hostedPageBaseUrl.replace(/\/+$/, '');
  const secretOf = (c: Readonly<Record<string, string>>) => {
    const s = c.signing_secret;
    if (!s) throw new GatewayError('sandbox', 'authentication', 'The sandbox has no signing secret');
    return s;
  };
  return {
    id: 'sandbox',
    displayName: 'Sandbox (test payments)',
    capabilities: {
      currencies: '*',
      refunds: { full: true, partial: true },
      methods: ['sandbox'],
      webhooks: true,
      settlements: false,
    },
    credentialFields: SANDBOX_CREDENTIAL_FIELDS,
    checkCredentialFormat: (values) => checkCredentialFields(SANDBOX_CREDENTIAL_FIELDS, values),

    async validateCredentials(credentials) {
      const errors = checkCredentialFields(SANDBOX_CREDENTIAL_FIELDS, credentials);
      return errors.length
        ? { ok: false, errors, detail: 'The sandbox signing secret is invalid' }
        : {
            ok: true,
            errors: [],
            detail: 'Sandbox ready (no live check: it is part of Billrail)',
            mode: 'test',
          };
    },

    async createCheckout(credentials, req, ctx) {
      const now = ctx?.now ? ctx.now() : new Date();
      if (req.amount <= 0n) throw new GatewayError('sandbox', 'invalid_request', 'Amount must be positive');
      const expiresAt = req.expiresAt
        ? Math.floor(req.expiresAt.getTime() / 1000)
        : Math.floor(now.getTime() / 1000) + (opts.sessionTtlSeconds ?? DEFAULT_TTL_S);
      const session: SandboxSession = {
        id: sandboxSessionId(req.attemptId),
        paymentId: req.paymentId,
        attemptId: req.attemptId,
        amount: req.amount.toString(),
        currency: req.currency,
        description: req.description,
        returnUrl: req.returnUrl,
        cancelUrl: req.cancelUrl,
        ...(req.notificationUrl ? { notificationUrl: req.notificationUrl } : {}),
        expiresAt,
      };
      const token = encodeSandboxSession(session, secretOf(credentials));
      return {
        redirectUrl: `${base}/${token}`,
        gatewayReference: session.id,
        expiresAt: new Date(expiresAt * 1000),
        raw: session,
      };
    },

    async retrievePayment(_credentials, lookup) {
      const known = opts.lookupOutcome ? await opts.lookupOutcome(lookup.gatewayReference) : undefined;
      return (
        known ?? {
          gatewayReference: lookup.gatewayReference,
          status: 'pending',
          rawStatus: 'open',
          raw: null,
        }
      );
    },

    async refund(_credentials, req) {
      if (req.amount <= 0n || req.amount > req.paymentAmount) {
        throw new GatewayError(
          'sandbox',
          'invalid_request',
          'Refund amount must be between 1 and the payment amount',
        );
      }
      // Deterministic id from the idempotency key: a retried refund returns the same refund.
      const refundId = `sbx_re_${createHash('sha256').update(req.idempotencyKey).digest('base64url').slice(0, 24)}`;
      return {
        refundId,
        status: 'succeeded',
        amount: req.amount,
        currency: req.currency,
        raw: { id: refundId, gateway_reference: req.gatewayReference },
      };
    },

    async verifyWebhook(input) {
      const secret = input.credentials.signing_secret;
      if (!secret) return { ok: false, reason: 'malformed', detail: 'The sandbox has no signing secret' };
      return verifySandboxNotification({
        rawBody: input.rawBody,
        headers: input.headers,
        secret,
        now: input.now ?? new Date(),
      });
    },

    async healthCheck() {
      return { ok: true, latencyMs: 0, detail: 'The sandbox is part of Billrail' };
    },

    async listSettlements() {
      return { items: [] };
    },
  };
}
