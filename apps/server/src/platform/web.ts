import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/**
 * Serves the built web app (apps/web/dist) and answers unknown GET paths that want HTML with its
 * index.html, so client-side routes (/signin, /pay/...) survive a reload.
 * Returns the fallback for the not-found handler, or null when the app has not been built.
 */
export async function registerWeb(app: FastifyInstance) {
  const dist = app.config.WEB_DIST_DIR ?? DEFAULT_WEB_DIST;
  if (!existsSync(`${dist}/index.html`)) {
    app.log.warn({ dist }, 'web app not built; run `npm run build:web`');
    return null;
  }
  await app.register(fastifyStatic, { root: dist, prefix: '/', wildcard: false, index: ['index.html'] });
  return (request: FastifyRequest, reply: FastifyReply): boolean => {
    const wantsHtml = (request.headers.accept ?? '').includes('text/html');
    const path = request.url.split('?')[0] ?? '/';
    if (request.method !== 'GET' || !wantsHtml || path.startsWith('/v1/')) return false;
    reply.header('cache-control', 'no-cache').sendFile('index.html');
    return true;
  };
}
