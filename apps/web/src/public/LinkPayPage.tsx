import { Alert, Card, Stack, Text, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconCircleCheck, IconClockX, IconLinkOff } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { LoadError, PageLoader } from '../consumer/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { ApiError } from '../shared/api.ts';
import { useLink } from './api.ts';
import { BillDetails, PayFlow, PublicLayout } from './components.tsx';

const STATE_ICON = { used: IconCircleCheck, disabled: IconLinkOff, expired: IconClockX } as const;

/**
 * A payment link (seed 003 "Link de Pago"), opened from WhatsApp, email or SMS: what it pays (a
 * bill, or an amount on an account) and the biller's gateways. A used, disabled or expired link
 * says so plainly instead.
 */
export function LinkPayPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const token = useParams().token ?? '';
  const q = useLink(token);
  const data = q.data;
  useDocumentTitle(data ? `${t('public.link.title')} · ${data.biller.display_name}` : t('public.link.title'));

  let body: React.ReactNode;
  if (q.error instanceof ApiError && q.error.status === 404) {
    body = (
      <Alert
        color="red"
        icon={<IconAlertCircle size={20} aria-hidden="true" />}
        title={t('public.link.unknownTitle')}
      >
        {t('public.link.unknownBody')}
      </Alert>
    );
  } else if (q.isError) body = <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  else if (!data) body = <PageLoader />;
  else {
    const { link } = data;
    const amount = link.amount_due ?? 0;
    const head = (
      <Card withBorder radius="lg" padding="lg" data-testid="link-summary">
        <Stack gap="md">
          <div>
            <Title order={1} size="h2">
              {t('public.link.heading', { tenant: data.biller.display_name })}
            </Title>
            <Text mt={4}>{link.description}</Text>
          </div>
          {link.status === 'active' && (
            <div>
              <Text size="sm" c="dimmed">
                {t('public.bill.amountDue')}
              </Text>
              <Text fw={700} size="2rem" lh={1.2} data-testid="amount-due">
                {f.money(amount, link.currency)}
              </Text>
            </div>
          )}
          {link.bill ? (
            <BillDetails bill={link.bill} />
          ) : (
            link.account_number && (
              <Text size="sm" c="dimmed">
                {t('public.link.account', { number: link.account_number })}
              </Text>
            )
          )}
          {link.status === 'active' && link.expires_at && (
            <Text size="sm" c="dimmed">
              {t('public.link.expiresAt', { date: f.dateTime(link.expires_at) })}
            </Text>
          )}
        </Stack>
      </Card>
    );
    if (link.status !== 'active') {
      const Icon = STATE_ICON[link.status];
      body = (
        <Stack gap="lg">
          {head}
          <Alert
            color={link.status === 'used' ? 'green' : 'gray'}
            icon={<Icon size={20} aria-hidden="true" />}
            title={t(`public.link.${link.status}Title`)}
            // Mantine's light alert titles sit under 4.5:1 on their tint; darker text keeps AA.
            styles={{ title: { color: link.status === 'used' ? '#1e6b30' : '#343a40' } }}
            data-testid="link-state"
            data-state={link.status}
          >
            {t(`public.link.${link.status}Body`, { tenant: data.biller.display_name })}
          </Alert>
        </Stack>
      );
    } else {
      body = (
        <Stack gap="lg">
          {head}
          <PayFlow
            methods={data.payment_methods}
            amount={amount}
            currency={link.currency}
            item={link.description}
            biller={data.biller}
            startPath={`/v1/public/links/${encodeURIComponent(token)}/checkout`}
          />
        </Stack>
      );
    }
  }
  return <PublicLayout biller={data?.biller ?? null}>{body}</PublicLayout>;
}
