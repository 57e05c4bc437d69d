import './consumer.css';
import { Alert, Button, Card, Group, Loader, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconCircleCheck, IconCircleX, IconClock } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { ApiError } from '../shared/api.ts';
import { problemMessage } from '../shared/errors.ts';
import { useSession } from '../shared/session.ts';
import { ConsumerOnly, GatewayMark, LoadError, PageLoader } from './components.tsx';
import { useFormat } from './format.ts';
import { useCheckout, usePaymentMethods, useStartCheckout } from './queries.ts';
import type { Checkout } from './types.ts';

/**
 * Where the gateway sends the payer back (/app/pay/result?checkout=<id>): Payment Successful in
 * green, or the failure in red with the gateway's exact message and Retry, which starts a new
 * attempt for the same bills (seed 002). While the gateway has not said yet, it asks again.
 */
export function PayResultPage() {
  return (
    <ConsumerOnly>
      <PayResult />
    </ConsumerOnly>
  );
}

function PayResult() {
  const { t } = useTranslation();
  const { tenant } = useSession();
  const [params] = useSearchParams();
  const id = params.get('checkout');
  useDocumentTitle(`${t('consumer.result.documentTitle')} · ${tenant.display_name}`);
  const checkout = useCheckout(id);
  const client = useQueryClient();
  const status = checkout.data?.status;
  // What the consumer sees elsewhere (bills, history, dashboard) changes with the outcome.
  useEffect(() => {
    if (status) void client.invalidateQueries({ queryKey: ['me'] });
  }, [client, status]);

  let body: ReactNode;
  if (!id || (checkout.error instanceof ApiError && checkout.error.status === 404)) {
    body = <NotFound />;
  } else if (checkout.isError) {
    body = <LoadError error={checkout.error} onRetry={() => void checkout.refetch()} />;
  } else if (!checkout.data) {
    body = <PageLoader />;
  } else {
    body = <Outcome c={checkout.data} />;
  }
  return (
    <Stack gap="lg" maw={640} mx="auto" w="100%">
      {body}
    </Stack>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <Card withBorder radius="lg" padding="xl">
      <Stack gap="sm" align="flex-start">
        <Title order={1} size="h2">
          {t('consumer.result.notFoundTitle')}
        </Title>
        <Text c="dimmed">{t('consumer.result.notFoundBody')}</Text>
        <Button component={Link} to="/app/history">
          {t('consumer.result.history')}
        </Button>
      </Stack>
    </Card>
  );
}

/** Why a retry could not start. */
function retryError(err: unknown, t: TFunction) {
  if (err instanceof ApiError) {
    if (err.code === 'gateway_checkout_failed') return err.detail;
    if (err.code === 'validation_failed' && err.errors.some((e) => e.field.startsWith('bill_'))) {
      return t('consumer.pay.alreadyPaid');
    }
  }
  return problemMessage(err, t);
}

function Outcome({ c }: { c: Checkout }) {
  const { t } = useTranslation();
  const { tenant } = useSession();
  const f = useFormat();
  const methods = usePaymentMethods();
  const retry = useStartCheckout();
  const gatewayName = methods.data?.find((m) => m.gateway === c.gateway)?.display_name ?? c.gateway;
  const amount = f.money(c.amount, c.currency);

  const details = (
    <dl className="details result-details">
      <div>
        <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
          {t('consumer.result.amount')}
        </Text>
        <Text component="dd" fw={700} size="xl" data-testid="result-amount">
          {amount}
        </Text>
      </div>
      <div>
        <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
          {t('consumer.result.method')}
        </Text>
        <Group component="dd" gap="xs" wrap="nowrap">
          <GatewayMark gateway={c.gateway} size={24} />
          <Text component="span">{gatewayName}</Text>
        </Group>
      </div>
      <div>
        <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
          {t('consumer.result.reference')}
        </Text>
        <Text component="dd" size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
          {c.payment_id ?? c.id}
        </Text>
      </div>
    </dl>
  );

  if (c.status === 'succeeded') {
    return (
      <Card withBorder radius="lg" padding="xl" data-testid="result-success">
        <Stack gap="md">
          <Group gap="sm" wrap="nowrap">
            <ThemeIcon color="green" variant="light" size={48} radius="xl" aria-hidden="true">
              <IconCircleCheck size={30} />
            </ThemeIcon>
            <Title order={1} size="h2" c="green.9">
              {t('consumer.result.successTitle')}
            </Title>
          </Group>
          <Alert color="green" variant="light">
            <Text size="sm">{t('consumer.result.successBody', { tenant: tenant.display_name })}</Text>
          </Alert>
          <Text size="sm">{c.description}</Text>
          {details}
          <Group gap="sm">
            <Button component={Link} to="/app/history">
              {t('consumer.result.history')}
            </Button>
            <Button component={Link} to="/app/pay" variant="default">
              {t('consumer.result.backToBills')}
            </Button>
          </Group>
        </Stack>
      </Card>
    );
  }

  if (c.status === 'creating' || c.status === 'open' || c.status === 'processing') {
    return (
      <Card withBorder radius="lg" padding="xl" data-testid="result-pending">
        <Stack gap="md" role="status" aria-live="polite">
          <Group gap="sm" wrap="nowrap">
            <ThemeIcon color="yellow" variant="light" size={48} radius="xl" aria-hidden="true">
              <IconClock size={30} />
            </ThemeIcon>
            <Title order={1} size="h2">
              {t('consumer.result.pendingTitle')}
            </Title>
            <Loader size="sm" aria-hidden="true" />
          </Group>
          <Text c="dimmed">{t('consumer.result.pendingBody')}</Text>
          {details}
        </Stack>
      </Card>
    );
  }

  const expired = c.status === 'expired';
  return (
    <Card withBorder radius="lg" padding="xl" data-testid="result-failed">
      <Stack gap="md">
        <Group gap="sm" wrap="nowrap">
          <ThemeIcon color="red" variant="light" size={48} radius="xl" aria-hidden="true">
            <IconCircleX size={30} />
          </ThemeIcon>
          <Title order={1} size="h2" c="red.9">
            {expired ? t('consumer.result.expiredTitle') : t('consumer.result.failedTitle')}
          </Title>
        </Group>
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertCircle size={20} aria-hidden="true" />}
          title={t('consumer.result.gatewaySaid', { gateway: gatewayName })}
        >
          <Text size="sm" role="alert" data-testid="gateway-message">
            {c.failure?.message ?? t('consumer.result.failedBody')}
          </Text>
        </Alert>
        <Text size="sm" c="dimmed">
          {expired ? t('consumer.result.expiredBody') : t('consumer.result.failedBody')}
        </Text>
        {details}
        {retry.isError && (
          <Alert color="red" icon={<IconAlertCircle size={20} aria-hidden="true" />}>
            {retryError(retry.error, t)}
          </Alert>
        )}
        <Group gap="sm">
          <Button
            loading={retry.isPending || retry.isSuccess}
            onClick={() => retry.mutate({ gateway: c.gateway, bill_ids: c.bill_ids })}
          >
            {t('consumer.result.retry')}
          </Button>
          <Button component={Link} to="/app/pay" variant="default">
            {t('consumer.result.otherMethod')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
