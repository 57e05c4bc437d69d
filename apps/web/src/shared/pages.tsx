import { Box, Button, Center, Loader, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { BillrailMark } from './Logo.tsx';

/** The grey backdrop of the pages outside the app shell (sign-in, not found). */
export function Backdrop({ children }: { children: ReactNode }) {
  return (
    <Box
      component="main"
      mih="100dvh"
      bg="gray.0"
      px={{ base: 'sm', xs: 'md' }}
      py={{ base: 'lg', sm: 48 }}
      style={{ display: 'flex', flexDirection: 'column', alignItems: 'center' }}
    >
      {children}
    </Box>
  );
}

export function FullPageLoader() {
  const { t } = useTranslation();
  return (
    <Center mih="100dvh" role="status" aria-live="polite">
      <Stack align="center" gap="sm">
        <Loader color="brand" aria-hidden="true" />
        <Text size="sm" c="dimmed">
          {t('app.loading')}
        </Text>
      </Stack>
    </Center>
  );
}

function Message({
  title,
  body,
  action,
  inApp = false,
}: {
  title: string;
  body: string;
  action: ReactNode;
  inApp?: boolean;
}) {
  useDocumentTitle(`${title} · Billrail`);
  const content = (
    <Stack align="center" gap="md" maw={460} mt={{ base: 32, sm: 80 }} mx="auto" ta="center">
      {!inApp && <BillrailMark size={48} />}
      <Title order={1} size="h2">
        {title}
      </Title>
      <Text c="dimmed">{body}</Text>
      {action}
    </Stack>
  );
  // Inside the app shell the page already has its <main>.
  return inApp ? content : <Backdrop>{content}</Backdrop>;
}

export function NotFoundPage({ inApp = false }: { inApp?: boolean }) {
  const { t } = useTranslation();
  return (
    <Message
      inApp={inApp}
      title={t('notFound.title')}
      body={t('notFound.body')}
      action={
        <Button component={Link} to={inApp ? '/app' : '/'}>
          {t('notFound.action')}
        </Button>
      }
    />
  );
}

/** An unknown address under /app: said inside the shell, so the navigation stays at hand. */
export const AppNotFoundPage = () => <NotFoundPage inApp />;

/** Shown when rendering a route throws; a 404 from the router is just the not-found page. */
export function CrashPage() {
  const { t } = useTranslation();
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  return (
    <Message
      title={t('crash.title')}
      body={t('crash.body')}
      action={<Button onClick={() => window.location.reload()}>{t('crash.action')}</Button>}
    />
  );
}

/** The API could not be reached while loading the session (server down, offline). */
export function ConnectionProblem({ onRetry }: { onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <Message
      title={t('crash.title')}
      body={t('errors.network_error')}
      action={<Button onClick={onRetry}>{t('app.retry')}</Button>}
    />
  );
}
