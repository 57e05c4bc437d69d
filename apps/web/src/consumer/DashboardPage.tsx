import './consumer.css';
import {
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Group,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconChartBar, IconTable } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSession } from '../shared/session.ts';
import { ConsumerOnly, LoadError, PageHeader, PageLoader } from './components.tsx';
import { type Format, useFormat } from './format.ts';
import { HistoryRow } from './HistoryPage.tsx';
import { useMyDashboard, useMyPayments, usePaymentMethods } from './queries.ts';
import type { MyDashboard } from './types.ts';

type Range = 'day' | 'month' | 'year';

/**
 * The consumer's dashboard (seed 002: "Dashboard summary must reflect new payment totals"): what
 * is owed now, what was paid by day (30 days), month (12) and year, and the latest payments.
 */
export function DashboardPage() {
  return (
    <ConsumerOnly>
      <Dashboard />
    </ConsumerOnly>
  );
}

function Dashboard() {
  const { t } = useTranslation();
  const { tenant } = useSession();
  useDocumentTitle(`${t('consumer.dashboard.title')} · ${tenant.display_name}`);
  const dash = useMyDashboard();
  return (
    <Stack gap="lg" maw={960}>
      <PageHeader
        title={t('consumer.dashboard.title')}
        description={t('consumer.dashboard.description', { tenant: tenant.display_name })}
      />
      {dash.isError && !dash.data ? (
        <LoadError error={dash.error} onRetry={() => void dash.refetch()} />
      ) : !dash.data ? (
        <PageLoader />
      ) : (
        <>
          <Summary d={dash.data} />
          <PaymentsChart d={dash.data} />
          <Recent />
        </>
      )}
    </Stack>
  );
}

function Stat({
  label,
  value,
  children,
  testId,
}: {
  label: string;
  value: string;
  children?: React.ReactNode;
  testId: string;
}) {
  return (
    <Card withBorder radius="lg" padding="lg" data-testid={testId}>
      <Text size="sm" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text fw={700} fz={28} lh={1.3} mt={4} data-testid={`${testId}-amount`}>
        {value}
      </Text>
      {children}
    </Card>
  );
}

function Summary({ d }: { d: MyDashboard }) {
  const { t } = useTranslation();
  const f = useFormat();
  const methods = usePaymentMethods();
  const billPay = (methods.data?.length ?? 0) > 0;
  const { outstanding: o } = d;
  const count30 = d.by_day.reduce((n, x) => n + x.count, 0);
  const countYear = d.by_year[d.by_year.length - 1]?.count ?? 0;
  return (
    <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="lg">
      <Stat
        label={t('consumer.dashboard.outstanding')}
        value={f.money(o.amount, d.currency)}
        testId="outstanding"
      >
        <Stack gap={6} mt={6} align="flex-start">
          {o.bills === 0 ? (
            <Text size="sm" c="dimmed">
              {t('consumer.dashboard.nothingDue')}
            </Text>
          ) : (
            <>
              <Text size="sm">{t('consumer.dashboard.outstandingDetail', { count: o.bills })}</Text>
              {o.next_due_date && (
                <Text size="sm" c="dimmed">
                  {t('consumer.dashboard.nextDue', { date: f.day(o.next_due_date) })}
                </Text>
              )}
              {o.overdue > 0 && (
                <Badge color="red" variant="light" radius="sm">
                  {t('consumer.dashboard.overdue', { count: o.overdue })}
                </Badge>
              )}
              {billPay && (
                <Button component={Link} to="/app/pay" size="xs" mt={4}>
                  {t('consumer.dashboard.payNow')}
                </Button>
              )}
            </>
          )}
        </Stack>
      </Stat>
      <Stat
        label={t('consumer.dashboard.paid30')}
        value={f.money(d.paid.last_30_days, d.currency)}
        testId="paid-30"
      >
        <Text size="sm" c="dimmed" mt={6}>
          {t('consumer.dashboard.paymentsCount', { count: count30 })}
        </Text>
      </Stat>
      <Stat
        label={t('consumer.dashboard.paidYear')}
        value={f.money(d.paid.this_year, d.currency)}
        testId="paid-year"
      >
        <Text size="sm" c="dimmed" mt={6}>
          {t('consumer.dashboard.paymentsCount', { count: countYear })}
        </Text>
      </Stat>
    </SimpleGrid>
  );
}

interface Point {
  key: string;
  label: string;
  short: string;
  amount: number;
  count: number;
}

function pointsOf(d: MyDashboard, range: Range, f: Format): Point[] {
  if (range === 'day') {
    return d.by_day.map((x) => ({ key: x.date, label: f.day(x.date), short: f.shortDay(x.date), ...x }));
  }
  if (range === 'month') {
    return d.by_month.map((x) => ({
      key: x.month,
      label: f.month(x.month),
      short: f.shortMonth(x.month),
      ...x,
    }));
  }
  return d.by_year.map((x) => ({ key: x.year, label: x.year, short: x.year, ...x }));
}

function PaymentsChart({ d }: { d: MyDashboard }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [range, setRange] = useState<Range>('day');
  const [view, setView] = useState<'chart' | 'table'>('chart');
  const points = pointsOf(d, range, f);
  const total = Number(points.reduce((s, p) => s + BigInt(p.amount), 0n));
  const max = points.reduce((m, p) => (p.amount > m.amount ? p : m), points[0]!);
  const rangeLabel = t(`consumer.dashboard.range.${range}`);
  const summary =
    max.amount > 0
      ? t('consumer.dashboard.chartSummary', {
          range: rangeLabel,
          total: f.money(total, d.currency),
          max: f.money(max.amount, d.currency),
          when: max.label,
        })
      : t('consumer.dashboard.chartEmpty', { range: rangeLabel });
  // Label every bar when there are few; over 30 days one a week, counted back from today.
  const labelled = (i: number) => points.length <= 12 || (points.length - 1 - i) % 7 === 0;

  return (
    <Card withBorder radius="lg" padding="lg">
      <Group justify="space-between" align="flex-end" gap="sm" mb="md">
        <Title order={2} size="h4">
          {t('consumer.dashboard.chartTitle')}
        </Title>
        <Group gap="sm" wrap="wrap">
          <SegmentedControl
            aria-label={t('consumer.dashboard.rangeLabel')}
            size="xs"
            value={range}
            onChange={(v) => setRange(v as Range)}
            data={(['day', 'month', 'year'] as const).map((v) => ({
              value: v,
              label: t(`consumer.dashboard.range.${v}`),
            }))}
          />
          <SegmentedControl
            aria-label={t('consumer.dashboard.viewLabel')}
            size="xs"
            value={view}
            onChange={(v) => setView(v as 'chart' | 'table')}
            data={[
              {
                value: 'chart',
                label: (
                  <Group gap={4} wrap="nowrap">
                    <IconChartBar size={14} aria-hidden="true" />
                    {t('consumer.dashboard.viewChart')}
                  </Group>
                ),
              },
              {
                value: 'table',
                label: (
                  <Group gap={4} wrap="nowrap">
                    <IconTable size={14} aria-hidden="true" />
                    {t('consumer.dashboard.viewTable')}
                  </Group>
                ),
              },
            ]}
          />
        </Group>
      </Group>
      <Text size="sm" c="dimmed" mb="sm" data-testid="chart-summary">
        {summary}
      </Text>
      {view === 'chart' ? (
        <Box>
          <div className="bars" role="img" aria-label={summary} data-testid="chart">
            {points.map((p) => (
              <div
                key={p.key}
                className="bar-col"
                title={`${p.label}: ${f.money(p.amount, d.currency)}`}
                data-amount={p.amount}
              >
                <div
                  className="bar"
                  style={{
                    height:
                      max.amount > 0
                        ? `${Math.max((p.amount / max.amount) * 100, p.amount > 0 ? 2 : 0)}%`
                        : 0,
                  }}
                />
              </div>
            ))}
          </div>
          <div className="bar-labels" aria-hidden="true">
            {points.map((p, i) => (
              <span key={p.key}>{labelled(i) ? p.short : ''}</span>
            ))}
          </div>
        </Box>
      ) : (
        <Table.ScrollContainer minWidth={280}>
          <Table striped data-testid="chart-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('consumer.dashboard.period')}</Table.Th>
                <Table.Th scope="col" ta="right">
                  {t('consumer.dashboard.payments')}
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  {t('consumer.dashboard.paid')}
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...points].reverse().map((p) => (
                <Table.Tr key={p.key}>
                  <Table.Th scope="row" fw={400}>
                    {p.label}
                  </Table.Th>
                  <Table.Td ta="right">{f.count(p.count)}</Table.Td>
                  <Table.Td ta="right">{f.money(p.amount, d.currency)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}

function Recent() {
  const { t } = useTranslation();
  const payments = useMyPayments(5, false);
  const list = payments.data?.pages[0]?.data ?? [];
  return (
    <Card withBorder radius="lg" padding={0}>
      <Group justify="space-between" px="lg" pt="lg" pb="xs">
        <Title order={2} size="h4">
          {t('consumer.dashboard.recent')}
        </Title>
        <Anchor component={Link} to="/app/history" size="sm" fw={600}>
          {t('consumer.dashboard.viewAll')}
        </Anchor>
      </Group>
      {payments.isPending ? (
        <PageLoader />
      ) : list.length === 0 ? (
        <Text c="dimmed" px="lg" pb="lg">
          {t('consumer.dashboard.noPayments')}
        </Text>
      ) : (
        <Stack gap={0} component="ul" className="plain-list">
          {list.map((p) => (
            <HistoryRow key={p.id} p={p} compact />
          ))}
        </Stack>
      )}
    </Card>
  );
}
