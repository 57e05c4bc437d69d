import { Alert, Button, Card, Group, Loader, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconCircleCheck, IconCircleX, IconClock } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { GatewayMark, LoadError, PageLoader } from '../consumer/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { ApiError } from '../shared/api.ts';
import { problemMessage } from '../shared/errors.ts';
import { type PublicCheckout, usePublicCheckout, useStartPublicCheckout } from './api.ts';
import { PublicLayout } from './components.tsx';

/**
 * Where the gateway sends a payer who paid without an account (quick pay, payment links):
 * Payment Successful in green, or the failure in red with the gateway's words and Retry (a new
 * attempt). While the gateway has not answered it asks again every 2 s.
 */
export function PublicPayResultPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('public.result.documentTitle'));
  const [params] = useSearchParams();
  const id = params.get('checkout');
  const q = usePublicCheckout(id);
  let body: React.ReactNode;
  if (!id || (q.error instanceof ApiError && q.error.status === 404)) {
    body = (
      <Card withBorder radius="lg" padding="xl">
        <Title order={1} size="h2">
          {t('public.result.notFoundTitle')}
        </Title>
        <Text c="dimmed" mt="sm">
          {t('public.result.notFoundBody')}
        </Text>
      </Card>
    );
  } else if (q.isError) body = <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  else if (!q.data) body = <PageLoader />;
  else body = <Outcome c={q.data} />;
  return <PublicLayout biller={q.data?.biller ?? null}>{body}</PublicLayout>;
}

function backPath(c: PublicCheckout) {
  if (c.link_token) return `/l/${c.link_token}`;
  if (c.reference_id) return `/pay?ref=${c.reference_id}`;
  return '/pay';
}

function Outcome({ c }: { c: PublicCheckout }) {
  const { t } = useTranslation();
  const f = useFormat();
  const retry = useStartPublicCheckout(`/v1/public/checkouts/${c.id}/retry`);
  const details = (
    <dl className="public-details">
      <div>
        <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
          {t('public.result.amount')}
        </Text>
        <Text component="dd" fw={700} size="xl" data-testid="result-amount">
          {f.money(c.amount, c.currency)}
        </Text>
      </div>
      <div>
        <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
          {t('public.result.method')}
        </Text>
        <Group component="dd" gap="xs" wrap="nowrap">
          <GatewayMark gateway={c.gateway} size={24} />
          <Text component="span">{c.gateway_name}</Text>
        </Group>
      </div>
      {c.bill_numbers.length > 0 && (
        <div>
          <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
            {t('public.result.bills')}
          </Text>
          <Text component="dd">{c.bill_numbers.join(', ')}</Text>
        </div>
      )}
      <div>
        <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
          {t('public.result.reference')}
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
              {t('public.result.successTitle')}
            </Title>
          </Group>
          <Alert color="green" variant="light">
            <Text size="sm">{t('public.result.successBody', { tenant: c.biller.display_name })}</Text>
          </Alert>
          {details}
          {c.reference_id && (
            <Button component={Link} to={`/verify/${c.reference_id}`} variant="default">
              {t('public.result.verify')}
            </Button>
          )}
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
              {t('public.result.pendingTitle')}
            </Title>
            <Loader size="sm" aria-hidden="true" />
          </Group>
          <Text c="dimmed">{t('public.result.pendingBody')}</Text>
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
            {expired ? t('public.result.expiredTitle') : t('public.result.failedTitle')}
          </Title>
        </Group>
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertCircle size={20} aria-hidden="true" />}
          title={t('public.result.gatewaySaid', { gateway: c.gateway_name })}
        >
          <Text size="sm" role="alert" data-testid="gateway-message">
            {c.failure?.message ?? t('public.result.failedBody')}
          </Text>
        </Alert>
        <Text size="sm" c="dimmed">
          {expired ? t('public.result.expiredBody') : t('public.result.failedBody')}
        </Text>
        {details}
        {retry.isError && (
          <Alert color="red" icon={<IconAlertCircle size={20} aria-hidden="true" />}>
            {retry.error instanceof ApiError && retry.error.code.startsWith('payment_link_')
              ? retry.error.detail
              : problemMessage(retry.error, t)}
          </Alert>
        )}
        <Group gap="sm">
          <Button loading={retry.isPending || retry.isSuccess} onClick={() => retry.mutate({})}>
            {t('public.result.retry')}
          </Button>
          <Button component={Link} to={backPath(c)} variant="default">
            {t('public.result.otherMethod')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
