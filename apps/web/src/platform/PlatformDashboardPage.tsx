import { displayMoney } from '@billrail/contracts/money';
import { Badge, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { intlLocale } from '../consumer/format.ts';
import { LoadFailed, Loading, Page, Scroll } from './components.tsx';
import { usePlatformDashboard } from './queries.ts';

const STATUSES = ['successful', 'completed', 'pending', 'failed', 'refunded', 'reversed'] as const;

/** Platform admin: collections, receivables and payment statuses of every tenant. */
export function PlatformDashboardPage() {
  const { t, i18n } = useTranslation();
  const locale = intlLocale(i18n.language);
  const [mode, setMode] = useState<'live' | 'test'>('live');
  const dash = usePlatformDashboard(mode);
  const money = (minor: number, currency: string) => displayMoney(minor, currency, locale);
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });

  return (
    <Page
      title={t('platform.dashboard.title')}
      description={t('platform.dashboard.description')}
      actions={
        <SegmentedControl
          aria-label={t('platform.dashboard.modeLabel')}
          value={mode}
          onChange={(m) => setMode(m as 'live' | 'test')}
          data={[
            { value: 'live', label: t('platform.dashboard.live') },
            { value: 'test', label: t('platform.dashboard.test') },
          ]}
        />
      }
    >
      {dash.isError && !dash.data ? (
        <LoadFailed error={dash.error} />
      ) : !dash.data ? (
        <Loading />
      ) : (
        <Stack gap="lg">
          <section aria-labelledby="totals-title">
            <Text id="totals-title" fw={600} mb="xs">
              {t('platform.dashboard.totals')}
            </Text>
            <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
              {dash.data.totals.map((total) => (
                <Card
                  key={total.currency}
                  withBorder
                  radius="lg"
                  padding="lg"
                  data-testid={`total-${total.currency}`}
                >
                  <Group justify="space-between" mb="xs">
                    <Text fw={700}>{total.currency}</Text>
                    <Text size="sm" c="dimmed">
                      {t('platform.dashboard.tenantsCount', { count: total.tenants })}
                    </Text>
                  </Group>
                  <Text size="sm" c="dimmed">
                    {t('platform.dashboard.today')}
                  </Text>
                  <Text fw={700} size="xl">
                    {money(total.collected_today, total.currency)}
                  </Text>
                  <Group grow mt="sm">
                    <div>
                      <Text size="xs" c="dimmed">
                        {t('platform.dashboard.month')}
                      </Text>
                      <Text fw={600}>{money(total.collected_month, total.currency)}</Text>
                    </div>
                    <div>
                      <Text size="xs" c="dimmed">
                        {t('platform.dashboard.outstanding')}
                      </Text>
                      <Text fw={600}>{money(total.outstanding, total.currency)}</Text>
                    </div>
                  </Group>
                </Card>
              ))}
            </SimpleGrid>
          </section>
          {dash.data.tenants.length === 0 ? (
            <Card withBorder radius="lg" padding="xl">
              <Text c="dimmed" ta="center">
                {t('platform.dashboard.empty')}
              </Text>
            </Card>
          ) : (
            <Card withBorder radius="lg" padding={0}>
              <Scroll label={t('platform.dashboard.title')} minWidth={860}>
                <Table verticalSpacing="sm" horizontalSpacing="md" striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('platform.dashboard.tenant')}</Table.Th>
                      <Table.Th ta="right">{t('platform.dashboard.today')}</Table.Th>
                      <Table.Th ta="right">{t('platform.dashboard.month')}</Table.Th>
                      <Table.Th ta="right">{t('platform.dashboard.outstanding')}</Table.Th>
                      <Table.Th>{t('platform.dashboard.byStatus')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {dash.data.tenants.map((row) => (
                      <Table.Tr key={row.id} data-testid={`dash-${row.slug}`}>
                        <Table.Td>
                          <Text fw={600} size="sm">
                            {row.name}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {row.currency} · {row.time_zone}
                          </Text>
                        </Table.Td>
                        <Table.Td ta="right">
                          <Text size="sm" fw={600}>
                            {money(row.collected_today, row.currency)}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {t('platform.dashboard.payments', { count: row.payments_today })}
                          </Text>
                        </Table.Td>
                        <Table.Td ta="right">
                          <Text size="sm" fw={600}>
                            {money(row.collected_month, row.currency)}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {t('platform.dashboard.payments', { count: row.payments_month })}
                          </Text>
                        </Table.Td>
                        <Table.Td ta="right">
                          <Text size="sm" fw={600}>
                            {money(row.outstanding, row.currency)}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {t('platform.dashboard.openBills', { count: row.open_bills })}
                            {row.overdue_bills > 0 &&
                              ` · ${t('platform.dashboard.overdue', { count: row.overdue_bills })}`}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            {STATUSES.filter((s) => (row.payments_by_status[s] ?? 0) > 0).map((s) => (
                              <Badge key={s} variant="outline" color="gray" c="#3d434a" tt="none">
                                {t(`consumer.status.${s}` as 'consumer.status.successful', {
                                  defaultValue: s,
                                })}
                                : {row.payments_by_status[s]}
                              </Badge>
                            ))}
                          </Group>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Scroll>
            </Card>
          )}
          <Text size="xs" c="dimmed">
            {t('platform.dashboard.updated', { time: time.format(new Date(dash.data.generated_at)) })}
          </Text>
        </Stack>
      )}
    </Page>
  );
}
