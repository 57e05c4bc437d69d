import { Alert, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { problemMessage } from '../shared/errors.ts';

/** Heading, description and optional actions of a platform or analytics page; sets the tab title. */
export function Page({
  title,
  description,
  actions,
  children,
  maw = 1200,
}: {
  title: string;
  description?: string;
  actions?: ReactNode;
  children: ReactNode;
  maw?: number;
}) {
  useDocumentTitle(`${title} · Billrail`);
  return (
    <Stack gap="lg" maw={maw}>
      <Group justify="space-between" align="flex-end" gap="sm">
        <div>
          <Title order={1} size="h2">
            {title}
          </Title>
          {description && (
            <Text c="dimmed" mt={4}>
              {description}
            </Text>
          )}
        </div>
        {actions}
      </Group>
      {children}
    </Stack>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <Center py={64} role="status" aria-live="polite">
      <Stack align="center" gap="sm">
        <Loader color="brand" aria-hidden="true" />
        <Text size="sm" c="dimmed">
          {t('app.loading')}
        </Text>
      </Stack>
    </Center>
  );
}

export function LoadFailed({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" icon={<IconAlertCircle aria-hidden="true" />} role="alert" c="#a51d1d">
      {problemMessage(error, t)}
    </Alert>
  );
}

/**
 * A wide table that scrolls sideways on a phone. The scrolling region can be focused and is
 * named, so keyboard users can scroll it too (axe: scrollable-region-focusable).
 */
export function Scroll({
  label,
  minWidth,
  children,
}: {
  label: string;
  minWidth: number;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section aria-label={label} tabIndex={0} style={{ overflowX: 'auto' }}>
      <div style={{ minWidth }}>{children}</div>
    </section>
  );
}
