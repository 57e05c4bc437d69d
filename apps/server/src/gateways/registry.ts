import type { GatewayAdapter, GatewayId } from './gateway.ts';

/**
 * Adapters registered by gateway id (Medusa v2 style: the core asks the registry, never imports
 * an adapter). Built once at boot by whoever owns configuration (e.g. the Stripe adapter gets its
 * API host from config, so tests can point it at the fake) and passed down as a dependency.
 */
export interface GatewayRegistry {
  get(id: string): GatewayAdapter | undefined;
  /** Like get, but an unknown id is a programming or data error. */
  require(id: string): GatewayAdapter;
  has(id: string): id is GatewayId;
  /** In registration order (the order the admin's gateway cards are shown in). */
  list(): readonly GatewayAdapter[];
  ids(): readonly GatewayId[];
}

export function createGatewayRegistry(adapters: readonly GatewayAdapter[]): GatewayRegistry {
  const byId = new Map<string, GatewayAdapter>();
  for (const a of adapters) {
    if (byId.has(a.id)) throw new Error(`Gateway ${a.id} is registered twice`);
    byId.set(a.id, a);
  }
  const list = [...byId.values()];
  return {
    get: (id) => byId.get(id),
    require(id) {
      const a = byId.get(id);
      if (!a) throw new Error(`No gateway adapter is registered as "${id}"`);
      return a;
    },
    has: (id): id is GatewayId => byId.has(id),
    list: () => list,
    ids: () => list.map((a) => a.id),
  };
}
