import '@mantine/core/styles.css';
import './app.css';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { router } from './router.tsx';
import { ApiError, isSignedOutError } from './shared/api.ts';
import { BrandedMantineProvider } from './shared/brand.tsx';
import { i18nReady } from './shared/i18n.ts';
import { markSignedOut, type SignedOutReason } from './shared/session.ts';

// Any call that learns the session is gone (expired, revoked, never there) marks the browser
// signed out; the /app layout reacts by sending the person to /signin.
const onError = (err: unknown) => {
  if (isSignedOutError(err)) markSignedOut(queryClient, err.code as SignedOutReason);
};

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      // A 4xx will not change on retry; network blips and 5xx get two more tries.
      retry: (failures, err) =>
        !(err instanceof ApiError && err.status >= 400 && err.status < 500) && failures < 2,
    },
  },
});

// First paint in the reader's language: its catalogue (if not English) is fetched first.
await i18nReady;
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrandedMantineProvider>
        <RouterProvider router={router} />
      </BrandedMantineProvider>
    </QueryClientProvider>
  </StrictMode>,
);

// Installable app (public/manifest.webmanifest) that opens quickly and offline; public/sw.js says
// what it caches (the app's own files, never API data). Only in a build: the dev server's modules
// must not be cached.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // No service worker (private mode, an old browser): the app works the same without it.
    });
  });
}
