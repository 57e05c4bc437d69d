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
