import type { Role, SessionView } from '@billrail/contracts';
import {
  ActionIcon,
  AppShell,
  Avatar,
  Badge,
  Box,
  Burger,
  Button,
  Group,
  NavLink,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  type Icon,
  IconBuildingCommunity,
  IconCash,
  IconChartBar,
  IconCode,
  IconGauge,
  IconHistory,
  IconHome,
  IconKey,
  IconLayoutDashboard,
  IconLink,
  IconListDetails,
  IconLogout,
  IconPlugConnected,
  IconReceipt,
  IconScale,
  IconSettings,
  IconUserCircle,
  IconUsers,
  IconWebhook,
} from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Outlet, useLocation } from 'react-router';
import type { SignInState } from '../auth/SignInPage.tsx';
import { usePaymentMethods } from '../consumer/queries.ts';
import { NotAllowedPage } from '../platform/NotAllowedPage.tsx';
import { useBrandColor } from '../shared/brand.tsx';
import { isLanguage, setLanguage } from '../shared/i18n.ts';
import { initials, TenantLogo } from '../shared/Logo.tsx';
import { ConnectionProblem, FullPageLoader } from '../shared/pages.tsx';
import { SessionContext, sessionKey, useSessionState, useSignOut } from '../shared/session.ts';

interface NavItem {
  to: string;
  label:
    | 'shell.nav.home'
    | 'shell.nav.profile'
    | 'shell.nav.password'
    | 'shell.nav.dashboard'
    | 'shell.nav.billPay'
    | 'shell.nav.history'
    | 'shell.nav.integrations'
    | 'shell.nav.users'
    | 'shell.nav.apiKeys'
    | 'shell.nav.webhooks'
    | 'shell.nav.settings'
    | 'shell.nav.audit'
    | 'cso.nav.payments'
    | 'cso.nav.reconciliation'
    | 'links.nav'
    | 'platform.nav.tenants'
    | 'platform.nav.dashboard'
    | 'analytics.nav';
  icon: Icon;
  /** Only these roles see the entry; every role when absent. */
  roles?: readonly Role[];
  /** Only when the session's allowed_actions (the permission matrix) include this action. */
  action?: string;
  /** Shown only when the tenant offers a payment method (seed 002: no gateway, no Bill Pay). */
  needsPaymentMethod?: boolean;
}

// The one list of places in the app; each feature adds its entry (and the roles allowed to see it).
const NAV: readonly NavItem[] = [
  { to: '/app', label: 'shell.nav.home', icon: IconHome },
  { to: '/app/dashboard', label: 'shell.nav.dashboard', icon: IconLayoutDashboard, roles: ['consumer'] },
  {
    to: '/app/pay',
    label: 'shell.nav.billPay',
    icon: IconReceipt,
    roles: ['consumer'],
    needsPaymentMethod: true,
  },
  { to: '/app/history', label: 'shell.nav.history', icon: IconHistory, roles: ['consumer'] },
  // The back office (issue 6).
  { to: '/app/dashboard', label: 'shell.nav.dashboard', icon: IconLayoutDashboard, action: 'dashboard.read' },
  { to: '/app/payments', label: 'cso.nav.payments', icon: IconCash, action: 'payments.read' },
  {
    to: '/app/reconciliation',
    label: 'cso.nav.reconciliation',
    icon: IconScale,
    action: 'reconciliation.read',
  },
  // Payment links (issue 5): the staff who may create and share them.
  { to: '/app/links', label: 'links.nav', icon: IconLink, action: 'payment_links.read' },
  // The tenant admin's console (apps/web/src/admin/), each page for the roles that may use it.
  {
    to: '/app/integrations',
    label: 'shell.nav.integrations',
    icon: IconPlugConnected,
    action: 'gateways.read',
  },
  { to: '/app/users', label: 'shell.nav.users', icon: IconUsers, action: 'users.list' },
  { to: '/app/api-keys', label: 'shell.nav.apiKeys', icon: IconCode, action: 'api_keys.list' },
  { to: '/app/webhooks', label: 'shell.nav.webhooks', icon: IconWebhook, action: 'webhooks.manage' },
  { to: '/app/settings', label: 'shell.nav.settings', icon: IconSettings, action: 'tenant.update' },
  { to: '/app/audit', label: 'shell.nav.audit', icon: IconListDetails, action: 'audit.read' },
  // Behaviour analytics (tenant admin) and the platform operator's pages (issue 6).
  { to: '/app/analytics', label: 'analytics.nav', icon: IconChartBar, action: 'analytics.insights.read' },
  {
    to: '/app/platform/tenants',
    label: 'platform.nav.tenants',
    icon: IconBuildingCommunity,
    action: 'platform.tenants.list',
  },
  {
    to: '/app/platform/dashboard',
    label: 'platform.nav.dashboard',
    icon: IconGauge,
    action: 'platform.dashboard.read',
  },
  { to: '/app/profile', label: 'shell.nav.profile', icon: IconUserCircle },
  { to: '/app/password', label: 'shell.nav.password', icon: IconKey },
];

/**
 * Everything under /app: waits for the session, sends anyone without one to /signin (saying so
 * when it expired), and frames the page with the header and navigation.
 */
export function AppLayout() {
  const state = useSessionState();
  const location = useLocation();
  if (state.data?.status === 'signed_out') {
    const { reason } = state.data;
    const to: SignInState = reason === 'signed_out' ? { reason } : { reason, from: location.pathname };
    return <Navigate to="/signin" replace state={to} />;
  }
  if (state.data?.status === 'signed_in') return <Shell session={state.data.session} />;
  if (state.isError) return <ConnectionProblem onRetry={() => void state.refetch()} />;
  return <FullPageLoader />;
}

/** Asks the server again when the session is due to end, so an idle tab lands on /signin. */
function useExpiryCheck(expiresAt: string) {
  const client = useQueryClient();
  useEffect(() => {
    const ms = Date.parse(expiresAt) - Date.now() + 1000;
    const id = setTimeout(
      () => void client.invalidateQueries({ queryKey: sessionKey }),
      Math.min(Math.max(ms, 0), 2 ** 31 - 1),
    );
    return () => clearTimeout(id);
  }, [client, expiresAt]);
}

/**
 * Checks the session with the server on every move inside the app (one small GET), so a session
 * that expired or was revoked elsewhere sends the person to /signin at their next click rather
 * than at their next save.
 */
function useRevalidateOnNavigation(pathname: string) {
  const client = useQueryClient();
  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the point is to run when the path changes
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    void client.invalidateQueries({ queryKey: sessionKey });
  }, [client, pathname]);
}

function Shell({ session }: { session: SessionView }) {
  const { t } = useTranslation();
  const { user, tenant } = session;
  const { pathname } = useLocation();
  const [navOpen, nav] = useDisclosure(false);
  const signOut = useSignOut();
  const roleLabel = t(`roles.${user.role}`);

  useBrandColor(tenant.primary_color);
  useExpiryCheck(session.expires_at);
  // The language saved in the profile wins over this browser's last choice.
  useEffect(() => {
    if (isLanguage(user.locale)) setLanguage(user.locale);
  }, [user.locale]);
  useRevalidateOnNavigation(pathname);
  // On a phone the navigation is a drawer; following a link closes it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every route change by design
  useEffect(() => nav.close(), [pathname]);

  const methods = usePaymentMethods(user.role === 'consumer');
  const items = NAV.filter(
    (item) =>
      (!item.roles || item.roles.includes(user.role)) &&
      (!item.action || session.allowed_actions.includes(item.action)) &&
      (!item.needsPaymentMethod || (methods.data?.length ?? 0) > 0),
  );

  // A page the role may not use, opened by its address, says so (the navigation never offers it).
  const guards = NAV.filter(
    (item) => item.to !== '/app' && (pathname === item.to || pathname.startsWith(`${item.to}/`)),
  );
  const notAllowed =
    guards.length > 0 &&
    !guards.some(
      (item) =>
        (!item.roles || item.roles.includes(user.role)) &&
        (!item.action || session.allowed_actions.includes(item.action)),
    );

  return (
    <AppShell
      header={{ height: 64 }}
      navbar={{ width: 248, breakpoint: 'sm', collapsed: { mobile: !navOpen } }}
      padding={{ base: 'md', sm: 'xl' }}
    >
      <a href="#main" className="skip-link">
        {t('app.skipToContent')}
      </a>
      <AppShell.Header>
        <Group h="100%" px={{ base: 'sm', sm: 'md' }} justify="space-between" wrap="nowrap" gap="sm">
          <Group gap="sm" wrap="nowrap" miw={0}>
            <Burger
              opened={navOpen}
              onClick={nav.toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={navOpen ? t('shell.closeNav') : t('shell.openNav')}
              aria-expanded={navOpen}
              aria-controls="app-nav"
            />
            <UnstyledButton component={Link} to="/app" className="tenant-home">
              <TenantLogo tenant={tenant} size={36} />
              <Text component="span" fw={700} size="lg" c="brand" truncate="end">
                {tenant.display_name}
              </Text>
            </UnstyledButton>
            {session.mode === 'test' && (
              <Badge color="orange" variant="light" visibleFrom="xs">
                {t('shell.testMode')}
              </Badge>
            )}
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Box visibleFrom="sm" ta="right" data-testid="header-user">
              <Text size="sm" fw={600} lh={1.25}>
                {user.name}
              </Text>
              <Text size="xs" c="dimmed" lh={1.25}>
                {roleLabel}
              </Text>
            </Box>
            <Avatar color="brand" radius="xl" visibleFrom="sm" aria-hidden="true">
              {initials(user.name)}
            </Avatar>
            <Button
              variant="default"
              leftSection={<IconLogout size={16} aria-hidden="true" />}
              onClick={() => signOut.mutate()}
              loading={signOut.isPending}
              visibleFrom="xs"
            >
              {t('shell.signOut')}
            </Button>
            <ActionIcon
              variant="default"
              size="lg"
              onClick={() => signOut.mutate()}
              loading={signOut.isPending}
              aria-label={t('shell.signOut')}
              hiddenFrom="xs"
            >
              <IconLogout size={18} aria-hidden="true" />
            </ActionIcon>
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" id="app-nav" aria-label={t('shell.mainNav')}>
        <Stack gap={4} style={{ flex: 1 }}>
          {items.map((item) => {
            const active =
              item.to === '/app' ? pathname === '/app' || pathname === '/app/' : pathname.startsWith(item.to);
            return (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={t(item.label)}
                leftSection={<item.icon size={20} stroke={1.6} aria-hidden="true" />}
                active={active}
                aria-current={active ? 'page' : undefined}
                variant="light"
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
              />
            );
          })}
        </Stack>
        {/* The header has no room for who is signed in on a phone; the drawer does. */}
        <Group hiddenFrom="sm" gap="sm" wrap="nowrap" pt="md" mt="md" className="nav-user">
          <Avatar color="brand" radius="xl" aria-hidden="true">
            {initials(user.name)}
          </Avatar>
          <Box miw={0}>
            <Text size="sm" fw={600} truncate="end">
              {user.name}
            </Text>
            <Text size="xs" c="dimmed">
              {roleLabel}
            </Text>
          </Box>
        </Group>
      </AppShell.Navbar>

      <AppShell.Main id="main" bg="gray.0" tabIndex={-1}>
        <SessionContext value={session}>{notAllowed ? <NotAllowedPage /> : <Outlet />}</SessionContext>
      </AppShell.Main>
    </AppShell>
  );
}
