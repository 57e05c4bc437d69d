/*
 * Billrail's service worker: makes the web app installable and quick to open again, without ever
 * standing between the person and their money.
 *
 *  - The app's pages (/, /signin, /t/…, /app…) are fetched from the network first; the last copy
 *    of index.html answers only when the network cannot, so an installed app opens offline and
 *    says it cannot reach Billrail instead of showing the browser's error page.
 *  - /assets/* are content-hashed and never change: served from the cache once fetched.
 *  - Everything else passes straight through: the API (/v1), the gateways' hosted pages and
 *    return URLs (/checkout, /sandbox), webhooks, docs. Nothing about bills, payments or sessions
 *    is ever cached here.
 */
const SHELL_CACHE = 'billrail-shell-v1';
const ASSET_CACHE = 'billrail-assets-v1';
const SHELL_KEY = '/index.html';
const APP_PAGE = /^\/(?:$|signin$|t\/[^/]+\/signin$|app(?:\/|$))/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      const page = await fetch('/', { cache: 'no-cache' });
      if (page.ok) await cache.put(SHELL_KEY, page);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  const keep = new Set([SHELL_CACHE, ASSET_CACHE]);
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith('billrail-') && !keep.has(n)).map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

async function appPage(request) {
  try {
    const response = await fetch(request);
    if (response.ok && (response.headers.get('content-type') || '').includes('text/html')) {
      const copy = response.clone();
      caches.open(SHELL_CACHE).then((cache) => cache.put(SHELL_KEY, copy));
    }
    return response;
  } catch (err) {
    const cached = await caches.match(SHELL_KEY, { cacheName: SHELL_CACHE });
    if (cached) return cached;
    throw err;
  }
}

async function asset(request) {
  const cache = await caches.open(ASSET_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && APP_PAGE.test(url.pathname)) {
    event.respondWith(appPage(request));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(asset(request));
  }
});
