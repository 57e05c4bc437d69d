import { Alert, Button, Card, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconFileDownload } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { PageLoader } from '../consumer/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { ApiError } from '../shared/api.ts';
import { problemMessage } from '../shared/errors.ts';
import { cleanReference, useBillByReference } from './api.ts';
import { BillDetails, BillStatusBadge, PayFlow, PublicLayout } from './components.tsx';

/** Why a reference found no bill: the API's field reason (16 digits, check digit) or "unknown". */
export function referenceError(err: unknown, t: TFunction): string {
  if (err instanceof ApiError) {
    if (err.code === 'reference_not_found') return t('public.reference.notFound');
    const reason = err.fieldError('reference');
    if (reason?.includes('check digit')) return t('public.reference.checkDigit');
    if (reason) return t('public.reference.format');
  }
  return problemMessage(err, t);
}

/** The reference form of quick pay and verification. */
export function ReferenceForm({
  initial,
  onSubmit,
  error,
  submitLabel,
  busy,
}: {
  initial: string;
  onSubmit: (reference: string) => void;
  error: string | null;
  submitLabel: string;
  busy: boolean;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(cleanReference(value));
  };
  return (
    <form onSubmit={submit} noValidate>
      <Group align="flex-start" gap="sm" wrap="wrap">
        <TextInput
          label={t('public.reference.label')}
          description={t('public.reference.help')}
          placeholder="1000 1000 0000 0145"
          inputMode="numeric"
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.currentTarget.value)}
          error={error}
          style={{ flex: '1 1 16rem' }}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', letterSpacing: '0.05em' } }}
        />
        <Button type="submit" mt={{ base: 0, xs: 46 }} loading={busy}>
          {submitLabel}
        </Button>
      </Group>
    </form>
  );
}

/**
 * Quick pay (issue 5): no account needed. The payer keys the 16-digit reference id of a bill (or
 * scans the challan's QR, which opens /pay?ref=…), sees the bill, chooses how to pay, reviews and
 * goes to the gateway's page; the gateway brings them back to /pay/result.
 */
export function QuickPayPage() {
  const { t } = useTranslation();
  const f = useFormat();
  const [params, setParams] = useSearchParams();
  const ref = params.get('ref') ? cleanReference(params.get('ref')!) : null;
  const q = useBillByReference(ref);
  useDocumentTitle(
    q.data ? `${t('public.quickPay.title')} · ${q.data.biller.display_name}` : t('public.quickPay.title'),
  );
  const data = q.data;

  return (
    <PublicLayout biller={data?.biller ?? null}>
      <Stack gap="lg">
        <div>
          <Title order={1} size="h2">
            {t('public.quickPay.title')}
          </Title>
          <Text c="dimmed" mt={4}>
            {t('public.quickPay.intro')}
          </Text>
        </div>
        <Card withBorder radius="lg" padding="lg">
          <ReferenceForm
            key={ref ?? ''}
            initial={data?.bill.reference_display ?? ref ?? ''}
            onSubmit={(r) => setParams(r ? { ref: r } : {})}
            error={q.isError ? referenceError(q.error, t) : null}
            submitLabel={t('public.quickPay.find')}
            busy={q.isFetching}
          />
        </Card>
        {ref && q.isPending && <PageLoader />}
        {data && (
          <>
            <Card withBorder radius="lg" padding="lg" data-testid="public-bill">
              <Stack gap="md">
                <Group justify="space-between" wrap="wrap" gap="sm">
                  <Title order={2} size="h3">
                    {t('public.quickPay.billTitle', { tenant: data.biller.display_name })}
                  </Title>
                  <BillStatusBadge status={data.bill.status} />
                </Group>
                <div>
                  <Text size="sm" c="dimmed">
                    {t('public.bill.amountDue')}
                  </Text>
                  <Text fw={700} size="2rem" lh={1.2} data-testid="amount-due">
                    {f.money(data.bill.amount_due, data.bill.currency)}
                  </Text>
                </div>
                <BillDetails bill={data.bill} />
                <Button
                  component="a"
                  href={`/v1/public/bills/${data.bill.reference_id}/challan.pdf`}
                  variant="subtle"
                  leftSection={<IconFileDownload size={18} aria-hidden="true" />}
                  style={{ alignSelf: 'flex-start' }}
                >
                  {t('public.challan')}
                </Button>
              </Stack>
            </Card>
            {data.bill.payable ? (
              <PayFlow
                methods={data.payment_methods}
                amount={data.bill.amount_due}
                currency={data.bill.currency}
                item={`${data.bill.bill_number} · ${data.bill.billing_period || data.bill.service_name}`}
                biller={data.biller}
                startPath={`/v1/public/bills/${data.bill.reference_id}/checkout`}
              />
            ) : (
              <Alert
                color={data.bill.status === 'paid' ? 'green' : 'gray'}
                icon={<IconAlertCircle size={20} aria-hidden="true" />}
                title={t(`public.quickPay.notPayable.${data.bill.status === 'paid' ? 'paid' : 'other'}`)}
                styles={{ title: { color: data.bill.status === 'paid' ? '#1e6b30' : '#343a40' } }}
              >
                {t('public.quickPay.notPayableBody')}
              </Alert>
            )}
          </>
        )}
      </Stack>
    </PublicLayout>
  );
}
