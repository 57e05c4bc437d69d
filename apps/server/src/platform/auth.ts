import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TenantContext } from '../db/client.ts';
import type { Mode, Role } from '../db/schema.ts';
import type { AuthService } from '../modules/auth/auth.service.ts';
import { AppError, forbidden, unauthorized } from './errors.ts';
import { type Action, isAllowed, type Principal } from './rbac.ts';

export const SESSION_COOKIE = 'billrail_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface AuthContext {
  via: 'session' | 'api_key' | 'bank_partner';
  principal: Principal;
  tenantId: string;
  mode: Mode;
  userId?: string;
  role?: Role;
  sessionId?: string;
  csrfToken?: string;
  expiresAt?: Date;
  apiKeyId?: string;
  partnerId?: string;
}

/** Every route with the permission it needs: the inventory the role-by-route test walks. */
export interface RouteEntry {
  method: string;
  url: string;
  action: Action | null;
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: readonly RouteEntry[];
  }
  interface FastifyContextConfig {
    /** The permission this route needs (platform/rbac.ts). */
    action?: Action;
    /** Reachable without authentication (health, login, public pages). */
    public?: boolean;
  }
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Banks and aggregators send `username` and `password` headers (the 1LINK convention). */
function partnerHeaders(request: FastifyRequest) {
  const { username, password } = request.headers;
  return typeof username === 'string' && typeof password === 'string' ? { username, password } : undefined;
}

/** The tenant and mode a request's queries are confined to. */
export function tenantOf(request: FastifyRequest): TenantContext {
  if (!request.auth) throw unauthorized('authentication_required', 'Sign in or send an API key.');
  return { tenantId: request.auth.tenantId, mode: request.auth.mode };
}

/** The tenant, mode and bank partner of a bank-API request (a route whose action only partners hold). */
export function partnerOf(request: FastifyRequest): TenantContext & { partnerId: string } {
  const ctx = tenantOf(request);
  const partnerId = request.auth?.partnerId;
  if (!partnerId) throw forbidden('Only a bank partner can call this.');
  return { ...ctx, partnerId };
}

/**
 * Authentication and authorisation run in onRequest, before the body is parsed or validated,
 * so a caller without the right gets 401/403 and learns nothing about the route's input.
 */
export function registerAuth(app: FastifyInstance, auth: AuthService) {
  app.decorateRequest('auth', null);

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const config = route.config as { action?: Action; public?: boolean } | undefined;
    if (route.url.startsWith('/v1') && !config?.action && !config?.public) {
      throw new Error(
        `Route ${route.method} ${route.url} names no action from platform/rbac.ts and is not public`,
      );
    }
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routeTable.push({ method, url: route.url, action: config?.action ?? null, public: !!config?.public });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    const credentials = {
      bearer: request.headers.authorization,
      cookie: request.cookies[SESSION_COOKIE],
      partner: partnerHeaders(request),
    };
    if (config.public && !credentials.bearer && !credentials.cookie && !credentials.partner) return;
    if (!config.action) {
      // Public route: identify the caller when they present credentials, but never require it.
      const resolved = await auth.resolve(credentials);
      request.auth = resolved.kind === 'ok' ? resolved.auth : null;
      return;
    }
    const resolved = await auth.resolve(credentials);
    if (resolved.kind === 'expired') {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      throw new AppError(401, 'session_expired', 'Your session has expired. Please sign in again.', {
        headers: { 'www-authenticate': 'Cookie realm="billrail"' },
      });
    }
    if (resolved.kind === 'none') {
      throw new AppError(
        401,
        'authentication_required',
        'Sign in, or send an API key as `Authorization: Bearer sk_...`.',
        {
          headers: { 'www-authenticate': 'Bearer realm="billrail"' },
        },
      );
    }
    if (resolved.kind === 'invalid') throw unauthorized('invalid_credentials', resolved.detail);
    const ctx = resolved.auth;
    request.auth = ctx;
    if (!isAllowed(ctx.principal, config.action)) throw forbidden();
    // Cookie-authenticated writes must echo the session's CSRF token in a header, which a
    // cross-site form or image cannot do.
    if (ctx.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !auth.csrfMatches(ctx, sent)) {
        throw new AppError(
          403,
          'csrf_token_invalid',
          `Send the session's CSRF token in the ${CSRF_HEADER} header.`,
        );
      }
    }
  });
}
