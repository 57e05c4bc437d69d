import { Alert, Anchor, Badge, Button, Card, Group, Table, Text } from '@mantine/core';
import { IconBuildingBank, IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { intlLocale } from '../consumer/format.ts';
import { LoadFailed, Loading, Page, Scroll } from './components.tsx';
import { useTenants } from './queries.ts';

/** Platform admin: every tenant, and the way to onboard one. */
export function TenantsPage() {
  const { t, i18n } = useTranslation();
  const tenants = useTenants();
  const location = useLocation();
  const onboarded = (location.state as { onboarded?: { name: string; slug: string } } | null)?.onboarded;
  const rows = tenants.data?.pages.flatMap((p) => p.data) ?? [];
  const date = new Intl.DateTimeFormat(intlLocale(i18n.language), { dateStyle: 'medium' });
  const pct = new Intl.NumberFormat(intlLocale(i18n.language), {
    style: 'percent',
    maximumFractionDigits: 2,
  });

  return (
    <Page
      title={t('platform.tenants.title')}
      description={t('platform.tenants.description')}
      actions={
        <Button
          component={Link}
          to="/app/platform/tenants/new"
          leftSection={<IconPlus size={18} aria-hidden="true" />}
        >
          {t('platform.tenants.onboard')}
        </Button>
      }
    >
      {onboarded && (
        <Alert color="green" c="#1e6b30" role="status" data-testid="onboarded">
          {t('platform.tenants.onboarded', {
            name: onboarded.name,
            url: `${window.location.origin}/t/${onboarded.slug}/signin`,
          })}
        </Alert>
      )}
      {tenants.isError && !tenants.data ? (
        <LoadFailed error={tenants.error} />
      ) : !tenants.data ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Card withBorder radius="lg" padding="xl">
          <Text c="dimmed" ta="center">
            {t('platform.tenants.empty')}
          </Text>
        </Card>
      ) : (
        <Card withBorder radius="lg" padding={0}>
          <Scroll label={t('platform.tenants.title')} minWidth={720}>
            <Table verticalSpacing="sm" horizontalSpacing="md" striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('platform.tenants.name')}</Table.Th>
                  <Table.Th>{t('platform.tenants.currency')}</Table.Th>
                  <Table.Th>{t('platform.tenants.timeZone')}</Table.Th>
                  <Table.Th>{t('platform.tenants.locale')}</Table.Th>
                  <Table.Th ta="right">{t('platform.tenants.fee')}</Table.Th>
                  <Table.Th>{t('platform.tenants.status')}</Table.Th>
                  <Table.Th>{t('platform.tenants.created')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((tenant) => (
                  <Table.Tr key={tenant.id} data-testid={`tenant-${tenant.slug}`}>
                    <Table.Td>
                      <Group gap="sm" wrap="nowrap">
                        <span
                          aria-hidden="true"
                          style={{
                            width: 12,
                            height: 12,
                            borderRadius: 6,
                            background: tenant.primary_color,
                            flex: 'none',
                          }}
                        />
                        <div>
                          <Text fw={600} size="sm">
                            {tenant.display_name}
                          </Text>
                          <Anchor component={Link} to={`/t/${tenant.slug}/signin`} size="xs" c="dimmed">
                            {tenant.slug}
                          </Anchor>
                        </div>
                      </Group>
                    </Table.Td>
                    <Table.Td>{tenant.currency}</Table.Td>
                    <Table.Td>{tenant.time_zone}</Table.Td>
                    <Table.Td>{tenant.locale}</Table.Td>
                    <Table.Td ta="right">{pct.format(tenant.platform_fee_bps / 10_000)}</Table.Td>
                    <Table.Td>
                      <Badge
                        variant="light"
                        color={tenant.status === 'active' ? 'green' : 'gray'}
                        c="#1e6b30"
                        tt="none"
                      >
                        {tenant.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{date.format(new Date(tenant.created_at))}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Scroll>
        </Card>
      )}
      {tenants.hasNextPage && (
        <Group justify="center">
          <Button
            variant="default"
            onClick={() => void tenants.fetchNextPage()}
            loading={tenants.isFetchingNextPage}
            leftSection={<IconBuildingBank size={18} aria-hidden="true" />}
          >
            {t('platform.tenants.more')}
          </Button>
        </Group>
      )}
    </Page>
  );
}
