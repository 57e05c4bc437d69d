import { Alert, Button, Card, Group, Loader, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconAlertCircle, IconCircleCheck, IconCircleX, IconClock } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { GatewayMark } from '../consumer/components.tsx';
import { useFormat } from '../consumer/format.ts';
import type { CheckoutStatus } from '../consumer/types.ts';

/**
 * The words of a result page: the signed-in consumer's (`consumer.result`) or those of a payer
 * without an account (`public.result`). Both sections have the keys used here; each language words
 * them for its audience, so the section is chosen, not the texts merged.
 */
export type ResultTexts = 'consumer.result' | 'public.result';

/** One term and its value in the list of a payment's details. */
export function DetailRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      {children}
    </div>
  );
}

/** No such checkout (a wrong or cut-off link), with where to look instead when there is one. */
export function PaymentNotFound({ texts, action }: { texts: ResultTexts; action?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Card withBorder radius="lg" padding="xl">
      <Stack gap="sm" align="flex-start">
        <Title order={1} size="h2">
          {t(`${texts}.notFoundTitle`)}
        </Title>
        <Text c="dimmed">{t(`${texts}.notFoundBody`)}</Text>
        {action}
      </Stack>
    </Card>
  );
}

export interface PaymentResultProps {
  texts: ResultTexts;
  status: CheckoutStatus;
  amount: number;
  currency: string;
  gateway: string;
  gatewayName: string;
  /** The payment's id once money moved, else the attempt's. */
  reference: string;
  /** The gateway's own words for a failure, shown verbatim. */
  failureMessage: string | null;
  /** The biller's name, in "… has received your payment". */
  tenantName: string;
  /** The class of the details list: the page's own layout of it. */
  detailsClassName: string;
  /** Rows the page adds to the details after the method (the bills paid, say). */
  extraDetails?: ReactNode;
  /** What was paid for, above the details of a success. */
  description?: string;
  /** Where a success leads on (history, Bill Pay, verifying the bill). */
  successActions?: ReactNode;
  /** Retry: a new attempt for the same thing, started by the page. */
  onRetry: () => void;
  retrying: boolean;
  /** Why a retry could not start, in the payer's words. */
  retryError: string | null;
  /** Where "Choose another way to pay" goes. */
  otherMethodTo: string;
}

/**
 * Where the gateway sends the payer back (seed 002): Payment Successful in green, or the failure in
 * red with the gateway's exact message and Retry; while the gateway has not said yet, processing
 * (the page asks again). Shared by the consumer's result page and the public one (quick pay,
 * payment links); the page supplies its words, its links and what Retry starts.
 */
export function PaymentResult(p: PaymentResultProps) {
  const { t } = useTranslation();
  const f = useFormat();
  const { texts } = p;

  const details = (
    <dl className={p.detailsClassName}>
      <DetailRow label={t(`${texts}.amount`)}>
        <Text component="dd" fw={700} size="xl" data-testid="result-amount">
          {f.money(p.amount, p.currency)}
        </Text>
      </DetailRow>
      <DetailRow label={t(`${texts}.method`)}>
        <Group component="dd" gap="xs" wrap="nowrap">
          <GatewayMark gateway={p.gateway} size={24} />
          <Text component="span">{p.gatewayName}</Text>
        </Group>
      </DetailRow>
      {p.extraDetails}
      <DetailRow label={t(`${texts}.reference`)}>
        <Text component="dd" size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
          {p.reference}
        </Text>
      </DetailRow>
    </dl>
  );

  if (p.status === 'succeeded') {
    return (
      <Card withBorder radius="lg" padding="xl" data-testid="result-success">
        <Stack gap="md">
          <Group gap="sm" wrap="nowrap">
            <ThemeIcon color="green" variant="light" size={48} radius="xl" aria-hidden="true">
              <IconCircleCheck size={30} />
            </ThemeIcon>
            <Title order={1} size="h2" c="green.9">
              {t(`${texts}.successTitle`)}
            </Title>
          </Group>
          <Alert color="green" variant="light">
            <Text size="sm">{t(`${texts}.successBody`, { tenant: p.tenantName })}</Text>
          </Alert>
          {p.description !== undefined && <Text size="sm">{p.description}</Text>}
          {details}
          {p.successActions}
        </Stack>
      </Card>
    );
  }

  if (p.status === 'creating' || p.status === 'open' || p.status === 'processing') {
    return (
      <Card withBorder radius="lg" padding="xl" data-testid="result-pending">
        <Stack gap="md" role="status" aria-live="polite">
          <Group gap="sm" wrap="nowrap">
            <ThemeIcon color="yellow" variant="light" size={48} radius="xl" aria-hidden="true">
              <IconClock size={30} />
            </ThemeIcon>
            <Title order={1} size="h2">
              {t(`${texts}.pendingTitle`)}
            </Title>
            <Loader size="sm" aria-hidden="true" />
          </Group>
          <Text c="dimmed">{t(`${texts}.pendingBody`)}</Text>
          {details}
        </Stack>
      </Card>
    );
  }

  // failed, expired or canceled: no money was taken.
  const expired = p.status === 'expired';
  return (
    <Card withBorder radius="lg" padding="xl" data-testid="result-failed">
      <Stack gap="md">
        <Group gap="sm" wrap="nowrap">
          <ThemeIcon color="red" variant="light" size={48} radius="xl" aria-hidden="true">
            <IconCircleX size={30} />
          </ThemeIcon>
          <Title order={1} size="h2" c="red.9">
            {expired ? t(`${texts}.expiredTitle`) : t(`${texts}.failedTitle`)}
          </Title>
        </Group>
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertCircle size={20} aria-hidden="true" />}
          title={t(`${texts}.gatewaySaid`, { gateway: p.gatewayName })}
        >
          <Text size="sm" role="alert" data-testid="gateway-message">
            {p.failureMessage ?? t(`${texts}.failedBody`)}
          </Text>
        </Alert>
        <Text size="sm" c="dimmed">
          {expired ? t(`${texts}.expiredBody`) : t(`${texts}.failedBody`)}
        </Text>
        {details}
        {p.retryError !== null && (
          <Alert color="red" icon={<IconAlertCircle size={20} aria-hidden="true" />}>
            {p.retryError}
          </Alert>
        )}
        <Group gap="sm">
          <Button loading={p.retrying} onClick={p.onRetry}>
            {t(`${texts}.retry`)}
          </Button>
          <Button component={Link} to={p.otherMethodTo} variant="default">
            {t(`${texts}.otherMethod`)}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
