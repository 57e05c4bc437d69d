import '@mantine/charts/styles.css';
import { displayMoney } from '@billrail/contracts/money';
import { BarChart } from '@mantine/charts';
import { Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { intlLocale } from '../consumer/format.ts';
import { LoadFailed, Loading, Page, Scroll } from '../platform/components.tsx';
import { type Insights, useInsights } from './queries.ts';

/**
 * Tenant admin: the key insights of the behaviour-tracking plan (seed 002 section 12): are admins
 * setting up gateways and completing the test transaction, how many started payments complete,
 * which gateways are used, how often CSOs search and reconcile, and how often consumers look at
 * their history.
 */
export function AnalyticsPage() {
  const { t, i18n } = useTranslation();
  const locale = intlLocale(i18n.language);
  const [range, setRange] = useState<{ from?: string; to?: string }>({});
  const [draft, setDraft] = useState({ from: '', to: '' });
  const insights = useInsights(range);

  function apply(e: FormEvent) {
    e.preventDefault();
    setRange({ ...(draft.from ? { from: draft.from } : {}), ...(draft.to ? { to: draft.to } : {}) });
  }

  return (
    <Page title={t('analytics.title')} description={t('analytics.description')}>
      <form onSubmit={apply} aria-label={t('analytics.apply')}>
        <Group align="flex-end" gap="sm">
          <TextInput
            type="date"
            label={t('analytics.from')}
            value={draft.from}
            onChange={(e) => setDraft((d) => ({ ...d, from: e.currentTarget.value }))}
          />
          <TextInput
            type="date"
            label={t('analytics.to')}
            value={draft.to}
            onChange={(e) => setDraft((d) => ({ ...d, to: e.currentTarget.value }))}
          />
          <Button type="submit" variant="default">
            {t('analytics.apply')}
          </Button>
        </Group>
      </form>
      {insights.isError && !insights.data ? (
        <LoadFailed error={insights.error} />
      ) : !insights.data ? (
        <Loading />
      ) : (
        <Body data={insights.data} locale={locale} />
      )}
    </Page>
  );
}

function Stat({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  testId?: string;
}) {
  return (
    <Card withBorder radius="lg" padding="lg" data-testid={testId}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="xl" mt={4}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed" mt={4}>
          {hint}
        </Text>
      )}
    </Card>
  );
}

function Body({ data, locale }: { data: Insights; locale: string }) {
  const { t } = useTranslation();
  const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const num = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const shortDay = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const asDay = (d: string) => new Date(`${d}T00:00:00Z`);
  const money = (minor: number) => displayMoney(minor, data.currency, locale);
  const rate = (r: number | null) => (r === null ? '—' : pct.format(r));
  const duration = (s: number | null) => {
    if (s === null) return '—';
    if (s < 120) return t('analytics.duration.s', { count: s });
    if (s < 7200) return t('analytics.duration.m', { count: Math.round(s / 60) });
    if (s < 172_800) return t('analytics.duration.h', { count: Math.round(s / 3600) });
    return t('analytics.duration.d', { count: Math.round(s / 86_400) });
  };
  const c = data.checkout;
  const b = data.back_office;
  const series = data.daily.map((d) => ({ ...d, day: shortDay.format(asDay(d.date)) }));

  return (
    <Stack gap="lg">
      <Text size="sm" c="dimmed" data-testid="range">
        {t('analytics.range', {
          from: day.format(asDay(data.range.from)),
          to: day.format(asDay(data.range.to)),
          tz: data.range.time_zone,
        })}
      </Text>
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <Stat
          testId="conversion"
          label={t('analytics.conversion')}
          value={rate(c.conversion_rate)}
          hint={t('analytics.conversionHint', { succeeded: c.succeeded, initiated: c.initiated })}
        />
        <Stat
          label={t('analytics.collected')}
          value={money(c.collected_amount)}
          hint={t('analytics.payers', { count: c.payers })}
        />
        <Stat
          label={t('analytics.initiated')}
          value={num.format(c.initiated)}
          hint={`${t('analytics.failed')}: ${c.failed} · ${t('analytics.open')}: ${c.open}`}
        />
        <Stat
          testId="history-views"
          label={t('analytics.history')}
          value={num.format(data.consumers.history_views)}
          hint={t('analytics.historyHint', { count: data.consumers.history_viewers })}
        />
      </SimpleGrid>

      <Card withBorder radius="lg" padding="lg">
        <Title order={2} size="h4">
          {t('analytics.gateways')}
        </Title>
        <Text size="sm" c="dimmed" mb="md">
          {t('analytics.gatewaysHint')}
        </Text>
        {data.gateways.length === 0 ? (
          <Text c="dimmed">{t('analytics.none')}</Text>
        ) : (
          <Scroll label={t('analytics.gateways')} minWidth={720}>
            <Table verticalSpacing="sm" striped data-testid="gateway-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('analytics.gateway')}</Table.Th>
                  <Table.Th ta="right">{t('analytics.activated')}</Table.Th>
                  <Table.Th ta="right">{t('analytics.configured')}</Table.Th>
                  <Table.Th>{t('analytics.tests')}</Table.Th>
                  <Table.Th>{t('analytics.timeToConnect')}</Table.Th>
                  <Table.Th>{t('analytics.used')}</Table.Th>
                  <Table.Th ta="right">{t('analytics.collected')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.gateways.map((g) => (
                  <Table.Tr key={g.gateway}>
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Text fw={600} size="sm" tt="capitalize">
                          {g.gateway}
                        </Text>
                        {data.most_used_gateways[0] === g.gateway && (
                          <Badge variant="light" color="blue" c="#17508a" tt="none" size="sm">
                            {t('analytics.mostUsed')}
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td ta="right">{g.activated}</Table.Td>
                    <Table.Td ta="right">{g.configured}</Table.Td>
                    <Table.Td>
                      {t('analytics.testsValue', {
                        succeeded: g.tests_succeeded,
                        initiated: g.tests_initiated,
                      })}
                    </Table.Td>
                    <Table.Td>
                      {g.first_connected_at
                        ? duration(g.time_to_first_connect_seconds)
                        : t('analytics.notConnected')}
                    </Table.Td>
                    <Table.Td>
                      {t('analytics.usedValue', {
                        succeeded: g.payments_succeeded,
                        initiated: g.payments_initiated,
                      })}
                    </Table.Td>
                    <Table.Td ta="right">{money(g.collected_amount)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Scroll>
        )}
      </Card>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder radius="lg" padding="lg">
          <Title order={2} size="h4" mb="md">
            {t('analytics.backOffice')}
          </Title>
          <SimpleGrid cols={2}>
            <Stat
              testId="searches"
              label={t('analytics.searches')}
              value={num.format(b.searches)}
              hint={`${t('analytics.searchers', { count: b.searchers })} · ${t('analytics.lookups', { count: b.transaction_lookups })}`}
            />
            <Stat label={t('analytics.details')} value={num.format(b.details_viewed)} />
            <Stat
              label={t('analytics.reconciled')}
              value={num.format(b.reconciled)}
              hint={t('analytics.reconciledHint', {
                matched: b.reconciled_matched,
                ignored: b.reconciled_ignored,
              })}
            />
            <Stat
              label={t('analytics.medianLag')}
              value={duration(b.median_reconcile_lag_seconds)}
              hint={`${t('analytics.onTime')}: ${rate(b.reconciled_on_time_rate)}`}
            />
          </SimpleGrid>
        </Card>
        <Card withBorder radius="lg" padding="lg">
          <Title order={2} size="h4" mb="md">
            {t('analytics.consumers')}
          </Title>
          <SimpleGrid cols={2}>
            <Stat
              label={t('analytics.history')}
              value={num.format(data.consumers.history_views)}
              hint={t('analytics.historyHint', { count: data.consumers.history_viewers })}
            />
            <Stat
              label={t('analytics.perViewer')}
              value={
                data.consumers.views_per_viewer === null ? '—' : num.format(data.consumers.views_per_viewer)
              }
            />
            <Stat label={t('analytics.billPayViews')} value={num.format(data.consumers.bill_pay_views)} />
            <Stat label={t('analytics.reportViews')} value={num.format(b.report_views)} />
          </SimpleGrid>
        </Card>
      </SimpleGrid>

      <Card withBorder radius="lg" padding="lg">
        <Title order={2} size="h4" mb="md">
          {t('analytics.daily')}
        </Title>
        <div>
          <BarChart
            h={240}
            data={series}
            dataKey="day"
            series={[
              { name: 'initiated', label: t('analytics.dInitiated'), color: 'gray.5' },
              { name: 'completed', label: t('analytics.dCompleted'), color: 'brand.6' },
              { name: 'searches', label: t('analytics.dSearches'), color: 'orange.6' },
              { name: 'history_views', label: t('analytics.dHistory'), color: 'teal.6' },
            ]}
            withLegend
            tickLine="y"
            gridAxis="y"
          />
        </div>
        {/* The same figures as a table, for screen readers and for reading exact numbers. */}
        <details>
          <summary>
            <Text component="span" size="sm">
              {t('analytics.dailyTable')}
            </Text>
          </summary>
          <Scroll label={t('analytics.dailyTable')} minWidth={480}>
            <Table verticalSpacing={4} fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('analytics.date')}</Table.Th>
                  <Table.Th ta="right">{t('analytics.dInitiated')}</Table.Th>
                  <Table.Th ta="right">{t('analytics.dCompleted')}</Table.Th>
                  <Table.Th ta="right">{t('analytics.dSearches')}</Table.Th>
                  <Table.Th ta="right">{t('analytics.dHistory')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.daily
                  .filter((d) => d.initiated + d.completed + d.searches + d.history_views > 0)
                  .map((d) => (
                    <Table.Tr key={d.date}>
                      <Table.Td>{day.format(asDay(d.date))}</Table.Td>
                      <Table.Td ta="right">{d.initiated}</Table.Td>
                      <Table.Td ta="right">{d.completed}</Table.Td>
                      <Table.Td ta="right">{d.searches}</Table.Td>
                      <Table.Td ta="right">{d.history_views}</Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          </Scroll>
        </details>
      </Card>

      <Card withBorder radius="lg" padding="lg">
        <Title order={2} size="h4" mb="md">
          {t('analytics.events')}
        </Title>
        <Scroll label={t('analytics.events')} minWidth={420}>
          <Table verticalSpacing={4} fz="sm" data-testid="events-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('analytics.event')}</Table.Th>
                <Table.Th ta="right">{t('analytics.count')}</Table.Th>
                <Table.Th ta="right">{t('analytics.actors')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.events.map((e) => (
                <Table.Tr key={e.name}>
                  <Table.Td>{e.name}</Table.Td>
                  <Table.Td ta="right">{e.count}</Table.Td>
                  <Table.Td ta="right">{e.actors}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Scroll>
      </Card>
    </Stack>
  );
}
