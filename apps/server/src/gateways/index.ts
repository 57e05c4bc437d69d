import type { Config } from '../config/env.ts';
import { createDokuAdapter, type DokuAdapterOptions } from './doku/doku.adapter.ts';
import { createGatewayRegistry, type GatewayRegistry } from './registry.ts';
import { createSandboxAdapter, type SandboxAdapterOptions } from './sandbox/sandbox.adapter.ts';
import { createStripeAdapter, type StripeAdapterOptions } from './stripe/stripe.adapter.ts';

export interface GatewaysConfig {
  stripe?: StripeAdapterOptions;
  doku?: DokuAdapterOptions;
  sandbox: SandboxAdapterOptions;
}

/**
 * The registry with every built-in gateway, in the order the admin's gateway cards show them
 * (seed 002: "Stripe (Selected by Default)", then DOKU; the sandbox last). Built once at boot from
 * config; tests pass the fakes' hosts here, never through branches in the adapters.
 */
export function createDefaultGateways(config: GatewaysConfig): GatewayRegistry {
  return createGatewayRegistry([
    createStripeAdapter(config.stripe),
    createDokuAdapter(config.doku),
    createSandboxAdapter(config.sandbox),
  ]);
}

/**
 * The registry as configured by the environment: STRIPE_API_URL and DOKU_API_URL move the API
 * hosts (to a proxy, or to a fake in tests), GATEWAY_TIMEOUT_MS bounds every call, and the
 * sandbox's hosted page is Billrail's own `/sandbox/checkout/<token>`. `sandboxOutcome` lets the
 * sandbox answer status look-ups from what its hosted page reported (it has no server of its own).
 */
export function gatewaysFromConfig(
  config: Pick<Config, 'STRIPE_API_URL' | 'DOKU_API_URL' | 'GATEWAY_TIMEOUT_MS' | 'publicUrl'>,
  sandboxOutcome?: SandboxAdapterOptions['lookupOutcome'],
): GatewayRegistry {
  const stripeUrl = config.STRIPE_API_URL ? new URL(config.STRIPE_API_URL) : undefined;
  return createDefaultGateways({
    stripe: {
      timeoutMs: config.GATEWAY_TIMEOUT_MS,
      ...(stripeUrl
        ? {
            host: stripeUrl.hostname,
            port: Number(stripeUrl.port || (stripeUrl.protocol === 'http:' ? 80 : 443)),
            protocol: stripeUrl.protocol === 'http:' ? 'http' : 'https',
          }
        : {}),
    },
    doku: {
      timeoutMs: config.GATEWAY_TIMEOUT_MS,
      ...(config.DOKU_API_URL
        ? { baseUrls: { sandbox: config.DOKU_API_URL, production: config.DOKU_API_URL } }
        : {}),
    },
    sandbox: {
      hostedPageBaseUrl: `${config.publicUrl}/sandbox/checkout`,
      ...(sandboxOutcome ? { lookupOutcome: sandboxOutcome } : {}),
    },
  });
}
