import { Alert, Button, Card, Group, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconFileDownload, IconRosetteDiscountCheck } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { PageLoader } from '../consumer/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { cleanReference, useVerify } from './api.ts';
import { BillDetails, BillStatusBadge, PublicLayout } from './components.tsx';
import { ReferenceForm, referenceError } from './QuickPayPage.tsx';

/**
 * Public verification of an e-challan (seed 000): anyone holding a challan keys its reference id
 * (or opens /verify/<reference>) and sees whether it is genuine, the biller, amount, due date and
 * whether it is paid. Nothing personal beyond a printed challan; the holder's name is masked.
 */
export function VerifyPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const params = useParams();
  const navigate = useNavigate();
  const ref = params.reference ? cleanReference(params.reference) : null;
  const q = useVerify(ref);
  const data = q.data;
  useDocumentTitle(t('public.verify.title'));

  return (
    <PublicLayout biller={data?.biller ?? null}>
      <Stack gap="lg">
        <div>
          <Title order={1} size="h2">
            {t('public.verify.title')}
          </Title>
          <Text c="dimmed" mt={4}>
            {t('public.verify.intro')}
          </Text>
        </div>
        <Card withBorder radius="lg" padding="lg">
          <ReferenceForm
            key={ref ?? ''}
            initial={data?.bill.reference_display ?? ref ?? ''}
            onSubmit={(r) => navigate(r ? `/verify/${r}` : '/verify')}
            error={q.isError ? referenceError(q.error, t) : null}
            submitLabel={t('public.verify.submit')}
            busy={q.isFetching}
          />
        </Card>
        {q.isError && (
          <Alert color="red" title={t('public.verify.notGenuineTitle')} data-testid="verify-unknown">
            {t('public.verify.notGenuineBody')}
          </Alert>
        )}
        {ref && q.isPending && <PageLoader />}
        {data && (
          <Card withBorder radius="lg" padding="lg" data-testid="verify-result">
            <Stack gap="md">
              <Group gap="sm" wrap="nowrap">
                <ThemeIcon color="green" variant="light" size={48} radius="xl" aria-hidden="true">
                  <IconRosetteDiscountCheck size={30} />
                </ThemeIcon>
                <div>
                  <Title order={2} size="h3" c="#1e6b30">
                    {t('public.verify.genuine')}
                  </Title>
                  <Text size="sm">{t('public.verify.issuedBy', { tenant: data.biller.display_name })}</Text>
                </div>
              </Group>
              <Group justify="space-between" wrap="wrap" gap="sm">
                <div>
                  <Text size="sm" c="dimmed">
                    {data.bill.status === 'paid' ? t('public.verify.paidOn') : t('public.bill.amountDue')}
                  </Text>
                  <Text fw={700} size="xl" data-testid="verify-amount">
                    {data.bill.status === 'paid' && data.bill.paid_at
                      ? f.dateTime(data.bill.paid_at)
                      : f.money(data.bill.amount_due, data.bill.currency)}
                  </Text>
                </div>
                <BillStatusBadge status={data.bill.status} />
              </Group>
              <BillDetails bill={data.bill} showPaid />
              <Group gap="sm">
                {data.bill.payable && (
                  <Button component={Link} to={`/pay?ref=${data.bill.reference_id}`}>
                    {t('public.verify.payNow')}
                  </Button>
                )}
                <Button
                  component="a"
                  href={`/v1/public/bills/${data.bill.reference_id}/challan.pdf`}
                  variant="default"
                  leftSection={<IconFileDownload size={18} aria-hidden="true" />}
                >
                  {t('public.challan')}
                </Button>
              </Group>
            </Stack>
          </Card>
        )}
      </Stack>
    </PublicLayout>
  );
}
