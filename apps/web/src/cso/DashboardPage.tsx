import '@mantine/charts/styles.css';
import { currencyExponent, formatMajor } from '@billrail/contracts/money';
import { BarChart, DonutChart } from '@mantine/charts';
import { Anchor, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconFileTypePdf } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AdminPage, ErrorAlert } from '../admin/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { Stat } from './AccountPage.tsx';
import { StatusBadge } from './components.tsx';
import { useDashboard } from './queries.ts';
import type { PaymentStatus, Split } from './types.ts';

const COLORS = ['blue.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'pink.6', 'lime.7', 'gray.6'];

/**
 * Back-office dashboard (seed 000 "Dashboard for Daily / Monthly / Yearly Payments Details";
 * seed 002 "dashboard summary must reflect updated payment totals"): collections by day, month
 * or year in the biller's time zone, by channel, gateway and status, and what is still owed.
 */
export function StaffDashboardPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [granularity, setGranularity] = useState<'day' | 'month' | 'year'>('day');
  const d = useDashboard(granularity);
  const data = d.data;
  const cur = data?.currency ?? 'USD';
  // Charts plot numbers; amounts become major units only here, for the axis (labels use Intl).
  const major = (minor: number) => Number(formatMajor(minor, cur));
  const money = (v: number) => fmt.money(Math.round(v * 10 ** currencyExponent(cur)), cur);
  const label = (p: string) =>
    granularity === 'day' ? fmt.shortDay(p) : granularity === 'month' ? fmt.shortMonth(p) : p;
  const series = (data?.series ?? []).map((s) => ({
    period: label(s.period),
    amount: major(s.amount),
    count: s.count,
  }));
  const donut = (splits: Split[], name: (k: string) => string) =>
    splits.map((s, i) => ({ name: name(s.key), value: major(s.amount), color: COLORS[i % COLORS.length]! }));
  return (
    <AdminPage
      title={t('cso.dashboard.title')}
      description={data ? t('cso.dashboard.description', { zone: data.time_zone }) : undefined}
      maw={1300}
      actions={
        data && (
          <Anchor href={`/v1/reports/collections.pdf?date=${data.to}`} target="_blank">
            <Group gap={6}>
              <IconFileTypePdf size={18} aria-hidden="true" />
              {t('cso.dashboard.pdf')}
            </Group>
          </Anchor>
        )
      }
    >
      <SegmentedControl
        aria-label={t('cso.dashboard.granularity')}
        value={granularity}
        onChange={(v) => setGranularity(v as typeof granularity)}
        data={[
          { value: 'day', label: t('cso.dashboard.day') },
          { value: 'month', label: t('cso.dashboard.month') },
          { value: 'year', label: t('cso.dashboard.year') },
        ]}
        style={{ alignSelf: 'flex-start' }}
      />
      {d.error && <ErrorAlert error={d.error} />}
      {data && (
        <Stack gap="lg">
          <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
            <Stat
              label={t('cso.dashboard.collected')}
              value={fmt.money(data.collected.amount, cur)}
              hint={t('cso.dashboard.payments', { count: data.collected.count })}
            />
            <Stat label={t('cso.dashboard.refunded')} value={fmt.money(data.collected.refunded, cur)} />
            <Stat
              label={t('cso.dashboard.outstanding')}
              value={fmt.money(data.outstanding.amount, cur)}
              hint={t('cso.dashboard.openBills', { count: data.outstanding.bills })}
            />
            <Stat
              label={t('cso.dashboard.overdue')}
              value={fmt.money(data.outstanding.overdue_amount, cur)}
              hint={t('cso.dashboard.unallocated', { amount: fmt.money(data.unallocated.amount, cur) })}
            />
          </SimpleGrid>
          <Card withBorder radius="md" padding="md">
            <Title order={2} size="h4" mb="sm">
              {t('cso.dashboard.byPeriod')}
            </Title>
            <BarChart
              h={260}
              data={series}
              dataKey="period"
              series={[{ name: 'amount', label: t('cso.dashboard.collected'), color: 'brand.6' }]}
              valueFormatter={money}
              tickLine="y"
              gridAxis="y"
              yAxisProps={{ width: 80 }}
            />
          </Card>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <SplitCard
              title={t('cso.dashboard.byChannel')}
              rows={data.by_channel}
              name={(k) => t(`cso.channel.${k as 'cash'}`)}
              cur={cur}
              donut={donut}
              money={money}
            />
            <SplitCard
              title={t('cso.dashboard.byGateway')}
              rows={data.by_gateway}
              name={(k) => k}
              cur={cur}
              donut={donut}
              money={money}
            />
          </SimpleGrid>
          <Card withBorder radius="md" padding="md">
            <Title order={2} size="h4" mb="sm">
              {t('cso.dashboard.byStatus')}
            </Title>
            <Table>
              <Table.Tbody>
                {data.by_status.map((s) => (
                  <Table.Tr key={s.key}>
                    <Table.Td>
                      <StatusBadge status={s.key as PaymentStatus} />
                    </Table.Td>
                    <Table.Td ta="right">{fmt.count(s.count)}</Table.Td>
                    <Table.Td ta="right">{fmt.money(s.amount, cur)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Stack>
      )}
    </AdminPage>
  );
}

function SplitCard({
  title,
  rows,
  name,
  cur,
  donut,
  money,
}: {
  title: string;
  rows: Split[];
  name: (k: string) => string;
  cur: string;
  donut: (s: Split[], n: (k: string) => string) => { name: string; value: number; color: string }[];
  money: (v: number) => string;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <Card withBorder radius="md" padding="md">
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {rows.length === 0 ? (
        <Text c="dimmed">{t('cso.dashboard.none')}</Text>
      ) : (
        <Group align="center" wrap="wrap" gap="lg">
          <DonutChart data={donut(rows, name)} size={140} thickness={22} valueFormatter={money} />
          <Table style={{ flex: 1, minWidth: 200 }}>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.key}>
                  <Table.Td>{name(r.key)}</Table.Td>
                  <Table.Td ta="right">{fmt.count(r.count)}</Table.Td>
                  <Table.Td ta="right">{fmt.money(r.amount, cur)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Group>
      )}
    </Card>
  );
}
