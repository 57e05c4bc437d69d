import { Alert, Badge, Button, Center, Loader, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import {
  IconAlertCircle,
  IconBuildingBank,
  IconCreditCard,
  IconFlask,
  IconWallet,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { problemMessage } from '../shared/errors.ts';
import { AppNotFoundPage } from '../shared/pages.tsx';
import { useSession } from '../shared/session.ts';
import type { PaymentStatus } from './types.ts';

/** The consumer's pages exist for consumers only; anyone else sees "page not found" in the shell. */
export function ConsumerOnly({ children }: { children: ReactNode }) {
  const { user } = useSession();
  return user.role === 'consumer' ? children : <AppNotFoundPage />;
}

export function PageHeader({ title, description }: { title: string; description?: string }) {
  return (
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
  );
}

export function PageLoader() {
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

export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      color="red"
      icon={<IconAlertCircle size={20} aria-hidden="true" />}
      title={t('consumer.loadError')}
    >
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{problemMessage(error, t)}</Text>
        <Button size="xs" variant="default" onClick={onRetry}>
          {t('app.retry')}
        </Button>
      </Stack>
    </Alert>
  );
}

// Seed 002: success in green, failure in red; "Refund" and the in-between states stand apart.
// Mantine's light badges put shade 9 on shade 1, under 4.5:1 for green, teal and yellow, so the
// text is that shade darkened until it reaches AA.
const STATUS_COLOR: Record<PaymentStatus, { color: string; text?: string }> = {
  pending: { color: 'yellow', text: '#8a4700' },
  successful: { color: 'green', text: '#226e32' },
  completed: { color: 'teal', text: '#066649' },
  failed: { color: 'red', text: '#a12222' },
  refunded: { color: 'grape' },
  reversed: { color: 'gray' },
};

export function StatusBadge({ status }: { status: PaymentStatus }) {
  const { t } = useTranslation();
  const { color, text } = STATUS_COLOR[status];
  return (
    <Badge color={color} c={text} variant="light" size="lg" radius="sm" data-status={status}>
      {t(`consumer.status.${status}`)}
    </Badge>
  );
}

const GATEWAY_ICON: Record<string, typeof IconCreditCard> = {
  stripe: IconCreditCard,
  doku: IconWallet,
  sandbox: IconFlask,
};
const GATEWAY_COLOR: Record<string, string> = { stripe: 'indigo', doku: 'red', sandbox: 'orange' };

/** A gateway's mark beside its name (decorative: the name is always written next to it). */
export function GatewayMark({ gateway, size = 40 }: { gateway: string; size?: number }) {
  const Icon = GATEWAY_ICON[gateway] ?? IconBuildingBank;
  return (
    <ThemeIcon
      size={size}
      radius="md"
      variant="light"
      color={GATEWAY_COLOR[gateway] ?? 'brand'}
      aria-hidden="true"
    >
      <Icon size={size * 0.6} stroke={1.6} />
    </ThemeIcon>
  );
}
