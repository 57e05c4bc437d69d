import './consumer.css';
import { Box, Button, Card, Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../shared/session.ts';
import { ConsumerOnly, LoadError, PageHeader, PageLoader, StatusBadge } from './components.tsx';
import { useFormat } from './format.ts';
import { paymentMethodLabel } from './labels.ts';
import { useMyPayments } from './queries.ts';
import type { MyPayment, PaymentStatus } from './types.ts';

const FILTERS = ['all', 'successful', 'completed', 'failed', 'refunded'] as const;
type Filter = (typeof FILTERS)[number];

/**
 * History > Payments (seed 002): every payment and failed attempt with its status, asked again
 * every few seconds so Successful → Completed (settled) or a refund shows without a reload.
 */
export function HistoryPage() {
  return (
    <ConsumerOnly>
      <History />
    </ConsumerOnly>
  );
}

function History() {
  const { t } = useTranslation();
  const { tenant } = useSession();
  useDocumentTitle(`${t('consumer.history.title')} · ${tenant.display_name}`);
  const payments = useMyPayments();
  const [filter, setFilter] = useState<Filter>('all');
  const all = payments.data?.pages.flatMap((p) => p.data) ?? [];
  const shown = filter === 'all' ? all : all.filter((p) => p.status === filter);

  return (
    <Stack gap="lg" maw={880}>
      <PageHeader title={t('consumer.history.title')} description={t('consumer.history.description')} />
      {payments.isError && !payments.data ? (
        <LoadError error={payments.error} onRetry={() => void payments.refetch()} />
      ) : !payments.data ? (
        <PageLoader />
      ) : (
        <>
          <Box>
            <Text component="span" id="history-filter-label" size="sm" fw={500} display="block" mb={4}>
              {t('consumer.history.filterLabel')}
            </Text>
            <Box style={{ overflowX: 'auto' }}>
              <SegmentedControl
                aria-labelledby="history-filter-label"
                value={filter}
                onChange={(v) => setFilter(v as Filter)}
                data={FILTERS.map((v) => ({
                  value: v,
                  label: v === 'all' ? t('consumer.history.all') : t(`consumer.status.${v}`),
                }))}
              />
            </Box>
          </Box>
          {shown.length === 0 ? (
            <Card withBorder radius="lg" padding="xl">
              <Text c="dimmed" ta="center" role="status">
                {filter === 'all' ? t('consumer.history.empty') : t('consumer.history.emptyFiltered')}
              </Text>
            </Card>
          ) : (
            <Card withBorder radius="lg" padding={0}>
              <Stack gap={0} component="ul" className="plain-list" aria-label={t('consumer.history.title')}>
                {shown.map((p) => (
                  <HistoryRow key={p.id} p={p} />
                ))}
              </Stack>
            </Card>
          )}
          {payments.hasNextPage && (
            <Group justify="center">
              <Button
                variant="default"
                onClick={() => void payments.fetchNextPage()}
                loading={payments.isFetchingNextPage}
              >
                {t('consumer.history.more')}
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}

export function HistoryRow({ p, compact = false }: { p: MyPayment; compact?: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  const items = p.bills.map((b) => b.bill_number);
  const method = paymentMethodLabel(p, t);
  return (
    <Box
      component="li"
      px="lg"
      py="md"
      className="history-row"
      data-testid={`payment-${p.id}`}
      data-status={p.status}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <Box miw={0}>
          <Text fw={700} size="lg" component="span" display="block">
            {f.money(p.amount, p.currency)}
          </Text>
          {items.length > 0 && (
            <Text size="sm" component="span" display="block">
              {t('consumer.history.for', { items: f.list(items) })}
            </Text>
          )}
          <Text size="sm" c="dimmed" component="span" display="block">
            {f.dateTime(p.date)} · {method}
            {!compact && p.account_number
              ? ` · ${t('consumer.history.account', { number: p.account_number })}`
              : ''}
          </Text>
          {p.refunded_amount > 0 && p.status !== 'refunded' && (
            <Text size="sm" c="grape.9" component="span" display="block">
              {t('consumer.history.refunded', { amount: f.money(p.refunded_amount, p.currency) })}
            </Text>
          )}
          {!compact && p.status === 'completed' && p.source === 'payment' && (
            <Group gap="sm" mt={6} wrap="wrap">
              {p.receipt_number && (
                <Text size="sm" component="span" data-testid="receipt-number">
                  {t('consumer.history.receiptNumber', { number: p.receipt_number })}
                </Text>
              )}
              {/* A plain link: the session cookie goes with it and the browser saves the PDF. */}
              <Button
                component="a"
                href={`/v1/me/payments/${encodeURIComponent(p.id)}/receipt.pdf`}
                download
                size="compact-sm"
                variant="light"
                aria-label={
                  p.receipt_number
                    ? t('consumer.history.downloadReceiptLabel', { number: p.receipt_number })
                    : undefined
                }
              >
                {t('consumer.history.downloadReceipt')}
              </Button>
            </Group>
          )}
          {p.status === 'failed' && p.failure && (
            <Text size="sm" c="red.9" component="span" display="block" data-testid="failure-message">
              {p.failure.message}
            </Text>
          )}
        </Box>
        <Stack gap={2} align="flex-end" style={{ flexShrink: 0 }}>
          <StatusBadge status={p.status as PaymentStatus} />
          {!compact && (
            <Text size="xs" c="dimmed" ta="right">
              {t(`consumer.statusHint.${p.status}`)}
            </Text>
          )}
        </Stack>
      </Group>
    </Box>
  );
}
