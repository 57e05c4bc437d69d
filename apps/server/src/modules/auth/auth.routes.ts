import {
  changePasswordRequest,
  loginRequest,
  modeSchema,
  profileUpdate,
  sessionView,
  userView,
} from '@billrail/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, recordAudit } from '../../platform/audit.ts';
import { type AuthContext, SESSION_COOKIE } from '../../platform/auth.ts';
import { actionsOf } from '../../platform/rbac.ts';
import { brandingOf } from '../tenants/tenants.service.ts';
import { userToView } from '../users/users.service.ts';

export async function authRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { auth, users, tenants } = app.services;

  const setSessionCookie = (reply: FastifyReply, token: string, expiresAt: Date) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      secure: app.config.COOKIE_SECURE,
      sameSite: 'lax',
      expires: expiresAt,
    });

  async function sessionOf(ctx: AuthContext, csrfToken: string, expiresAt: Date) {
    const [user, tenant] = await Promise.all([users.get(ctx, ctx.userId!), tenants.get(ctx)]);
    return {
      user: userToView(user),
      tenant: brandingOf(tenant),
      mode: ctx.mode,
      csrf_token: csrfToken,
      expires_at: expiresAt.toISOString(),
      allowed_actions: actionsOf(user.role),
    };
  }

  app.post(
    '/v1/auth/login',
    {
      config: {
        public: true,
        rateLimit: {
          max: app.config.LOGIN_RATE_LIMIT_PER_MINUTE,
          timeWindow: '1 minute',
          keyGenerator: (req) => `login:${req.ip}`,
        },
      },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with tenant, email and password; sets an HTTP-only session cookie',
        body: loginRequest,
        response: { 200: sessionView },
      },
    },
    async (request, reply) => {
      const result = await auth.login({
        ...request.body,
        ip: request.ip,
        ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
      });
      setSessionCookie(reply, result.token, result.session.expiresAt);
      return {
        user: userToView(result.user),
        tenant: brandingOf(result.tenant),
        mode: result.session.activeMode,
        csrf_token: result.session.csrfToken,
        expires_at: result.session.expiresAt.toISOString(),
        allowed_actions: actionsOf(result.user.role),
      };
    },
  );

  app.get(
    '/v1/auth/session',
    {
      config: { action: 'session.read' },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user, tenant branding and CSRF token',
        response: { 200: sessionView },
      },
    },
    async (request) => {
      const ctx = request.auth!;
      return sessionOf(ctx, ctx.csrfToken!, ctx.expiresAt!);
    },
  );

  app.patch(
    '/v1/auth/session',
    {
      config: { action: 'session.read' },
      schema: {
        tags: ['auth'],
        summary: 'Switch the back office between test and live data',
        body: z.strictObject({ mode: modeSchema }),
        response: { 200: sessionView },
      },
    },
    async (request) => {
      const ctx = request.auth!;
      await auth.setMode(ctx, request.body.mode);
      return sessionOf({ ...ctx, mode: request.body.mode }, ctx.csrfToken!, ctx.expiresAt!);
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      config: { action: 'session.logout' },
      schema: {
        tags: ['auth'],
        summary: 'Sign out: revokes the session and clears the cookie',
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await auth.logout(request.auth!);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/change-password',
    {
      config: { action: 'password.change' },
      schema: {
        tags: ['auth'],
        summary: 'Change your password; signs out your other sessions',
        body: changePasswordRequest,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const ctx = request.auth!;
      await auth.changePassword(ctx, request.body.current_password, request.body.new_password);
      await app.db.withTenant(ctx, (tx) =>
        recordAudit(tx, actorOf(request), {
          tenantId: ctx.tenantId,
          action: 'password.changed',
          targetType: 'user',
          targetId: ctx.userId!,
        }),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      config: { action: 'profile.read' },
      schema: { tags: ['auth'], summary: 'Your profile', response: { 200: userView } },
    },
    async (request) => userToView(await users.get(request.auth!, request.auth!.userId!)),
  );

  app.patch(
    '/v1/me',
    {
      config: { action: 'profile.update' },
      schema: {
        tags: ['auth'],
        summary: 'Edit your profile',
        body: profileUpdate,
        response: { 200: userView },
      },
    },
    async (request) =>
      userToView(
        await users.updateProfile(request.auth!, request.auth!.userId!, request.body, actorOf(request)),
      ),
  );
}
