import { createBrowserRouter, Navigate } from 'react-router';
import { AppNotFoundPage, CrashPage, FullPageLoader, NotFoundPage } from './shared/pages.tsx';
import { useSessionState } from './shared/session.ts';

/** `/`: into the app when signed in, else to sign-in. */
function Start() {
  const state = useSessionState();
  if (state.data?.status === 'signed_in') return <Navigate to="/app" replace />;
  if (state.data || state.isError) return <Navigate to="/signin" replace />;
  return <FullPageLoader />;
}

// Every page is its own chunk, loaded when first visited: the sign-in page does not carry the
// app's pages, and the app does not carry the sign-in page.
const signIn = () => import('./auth/SignInPage.tsx').then((m) => ({ Component: m.SignInPage }));

export const router = createBrowserRouter([
  {
    errorElement: <CrashPage />,
    hydrateFallbackElement: <FullPageLoader />,
    children: [
      { path: '/', element: <Start /> },
      { path: '/signin', lazy: signIn },
      { path: '/t/:slug/signin', lazy: signIn },
      {
        path: '/app',
        lazy: () => import('./shell/AppLayout.tsx').then((m) => ({ Component: m.AppLayout })),
        children: [
          {
            index: true,
            lazy: () => import('./shell/HomePage.tsx').then((m) => ({ Component: m.HomePage })),
          },
          {
            path: 'profile',
            lazy: () => import('./account/ProfilePage.tsx').then((m) => ({ Component: m.ProfilePage })),
          },
          {
            path: 'password',
            lazy: () => import('./account/PasswordPage.tsx').then((m) => ({ Component: m.PasswordPage })),
          },
          // The consumer's pages (issue 5): dashboard, Bill Pay and its result page, history.
          {
            // Consumers get their own dashboard; tenant admins and CSOs the collections dashboard (issue 6).
            path: 'dashboard',
            lazy: () => import('./cso/DashboardRoute.tsx').then((m) => ({ Component: m.DashboardRoute })),
          },
          {
            path: 'pay',
            lazy: () => import('./consumer/BillPayPage.tsx').then((m) => ({ Component: m.BillPayPage })),
          },
          {
            path: 'pay/result',
            lazy: () => import('./consumer/PayResultPage.tsx').then((m) => ({ Component: m.PayResultPage })),
          },
          {
            path: 'history',
            lazy: () => import('./consumer/HistoryPage.tsx').then((m) => ({ Component: m.HistoryPage })),
          },
          // The tenant admin's console (issue 6): apps/web/src/admin/.
          {
            path: 'integrations',
            lazy: () =>
              import('./admin/IntegrationsPage.tsx').then((m) => ({ Component: m.IntegrationsPage })),
          },
          {
            path: 'users',
            lazy: () => import('./admin/UsersPage.tsx').then((m) => ({ Component: m.UsersPage })),
          },
          {
            path: 'api-keys',
            lazy: () => import('./admin/ApiKeysPage.tsx').then((m) => ({ Component: m.ApiKeysPage })),
          },
          {
            path: 'webhooks',
            lazy: () => import('./admin/WebhooksPage.tsx').then((m) => ({ Component: m.WebhooksPage })),
          },
          {
            path: 'settings',
            lazy: () => import('./admin/SettingsPage.tsx').then((m) => ({ Component: m.SettingsPage })),
          },
          {
            path: 'audit',
            lazy: () => import('./admin/AuditPage.tsx').then((m) => ({ Component: m.AuditPage })),
          },
          // The back office (issue 6): payments list, an account, reconciliation exceptions.
          {
            path: 'payments',
            lazy: () => import('./cso/PaymentsPage.tsx').then((m) => ({ Component: m.PaymentsPage })),
          },
          {
            path: 'accounts/:id',
            lazy: () => import('./cso/AccountPage.tsx').then((m) => ({ Component: m.AccountPage })),
          },
          {
            path: 'reconciliation',
            lazy: () =>
              import('./cso/ReconciliationPage.tsx').then((m) => ({ Component: m.ReconciliationPage })),
          },
          // Payment links (issue 5): create, share and disable them.
          {
            path: 'links',
            lazy: () => import('./links/LinksPage.tsx').then((m) => ({ Component: m.LinksPage })),
          },
          // The platform operator's pages and the tenant admin's behaviour analytics (issue 6).
          { path: 'platform', element: <Navigate to="/app/platform/tenants" replace /> },
          {
            path: 'platform/tenants',
            lazy: () => import('./platform/TenantsPage.tsx').then((m) => ({ Component: m.TenantsPage })),
          },
          {
            path: 'platform/tenants/new',
            lazy: () => import('./platform/OnboardPage.tsx').then((m) => ({ Component: m.OnboardPage })),
          },
          {
            path: 'platform/dashboard',
            lazy: () =>
              import('./platform/PlatformDashboardPage.tsx').then((m) => ({
                Component: m.PlatformDashboardPage,
              })),
          },
          {
            path: 'analytics',
            lazy: () => import('./analytics/AnalyticsPage.tsx').then((m) => ({ Component: m.AnalyticsPage })),
          },
          { path: '*', element: <AppNotFoundPage /> },
        ],
      },
      // Without an account (issue 5): quick pay by reference id, its result page, verification
      // of an e-challan, and payment links.
      {
        path: '/pay',
        lazy: () => import('./public/QuickPayPage.tsx').then((m) => ({ Component: m.QuickPayPage })),
      },
      {
        path: '/pay/result',
        lazy: () => import('./public/PayResultPage.tsx').then((m) => ({ Component: m.PublicPayResultPage })),
      },
      {
        path: '/verify/:reference?',
        lazy: () => import('./public/VerifyPage.tsx').then((m) => ({ Component: m.VerifyPage })),
      },
      {
        path: '/l/:token',
        lazy: () => import('./public/LinkPayPage.tsx').then((m) => ({ Component: m.LinkPayPage })),
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
