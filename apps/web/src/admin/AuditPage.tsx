import { Button, Card, Code, Group, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AdminPage, ErrorAlert, TableWrap, useDateTime } from './components.tsx';
import { adminKeys, usePagedList } from './queries.ts';
import type { AuditEntry, UserView } from './types.ts';
import './admin.css';

/** Actions worth picking from a list; any other can be typed. */
const COMMON_ACTIONS = [
  'user.created',
  'user.updated',
  'user.unlocked',
  'user.password_reset',
  'password.changed',
  'api_key.created',
  'api_key.revoked',
  'tenant.updated',
  'gateway.activated',
  'gateway.deactivated',
  'gateway.configured',
  'gateway.test_transaction',
  'gateway.connected',
  'gateway.disconnected',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.disabled',
  'webhook_endpoint.secret_rotated',
  'webhook_delivery.replayed',
];

const startOfDay = (day: string) => new Date(`${day}T00:00:00`).toISOString();
const endOfDay = (day: string) => new Date(new Date(`${day}T00:00:00`).getTime() + 86_400_000).toISOString();

/** The audit log, newest first, filtered by who, what and when. */
export function AuditPage() {
  const { t } = useTranslation();
  const dateTime = useDateTime();
  const [actor, setActor] = useState<string | null>(null);
  const [action, setAction] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const users = usePagedList<UserView>(adminKeys.users, '/v1/users', 200);
  const people = users.data?.pages.flatMap((p) => p.data) ?? [];
  const nameOf = (id: string | null) => people.find((u) => u.id === id)?.name;

  const q = new URLSearchParams();
  if (actor) q.set('actor_id', actor);
  if (action) q.set('action', action);
  if (/^\d{4}-\d{2}-\d{2}$/.test(from)) q.set('created_gte', startOfDay(from));
  if (/^\d{4}-\d{2}-\d{2}$/.test(to)) q.set('created_lt', endOfDay(to));
  const query = q.toString();
  const list = usePagedList<AuditEntry>(adminKeys.audit, `/v1/audit-log${query ? `?${query}` : ''}`, 50);
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <AdminPage title={t('admin.audit.title')} description={t('admin.audit.description')}>
      <Card withBorder radius="lg" padding="md">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
          <Select
            label={t('admin.audit.actor')}
            placeholder={t('admin.audit.anyone')}
            data={people.map((u) => ({ value: u.id, label: `${u.name} (${u.email})` }))}
            value={actor}
            onChange={setActor}
            clearable
            searchable
          />
          <Select
            label={t('admin.audit.action')}
            placeholder={t('admin.audit.anyAction')}
            data={COMMON_ACTIONS}
            value={action}
            onChange={setAction}
            clearable
            searchable
          />
          <TextInput
            label={t('admin.audit.from')}
            type="date"
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
          />
          <TextInput
            label={t('admin.audit.to')}
            type="date"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
          />
        </SimpleGrid>
      </Card>
      <ErrorAlert error={list.error} />
      <TableWrap label={t('admin.audit.title')}>
        <Table striped verticalSpacing="xs" miw={720} data-testid="audit-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('admin.audit.when')}</Table.Th>
              <Table.Th>{t('admin.audit.actor')}</Table.Th>
              <Table.Th>{t('admin.audit.action')}</Table.Th>
              <Table.Th>{t('admin.audit.target')}</Table.Th>
              <Table.Th>{t('admin.audit.details')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.isSuccess && rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text size="sm" c="dimmed">
                    {t('admin.audit.none')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {rows.map((r) => (
              <AuditRow
                key={r.id}
                entry={r}
                when={dateTime(r.created_at)}
                who={nameOf(r.actor_id) ?? `${r.actor_type}${r.actor_id ? ` ${r.actor_id}` : ''}`}
                open={open === r.id}
                onToggle={() => setOpen(open === r.id ? null : r.id)}
              />
            ))}
          </Table.Tbody>
        </Table>
      </TableWrap>
      {list.hasNextPage && (
        <Group>
          <Button
            variant="default"
            onClick={() => void list.fetchNextPage()}
            loading={list.isFetchingNextPage}
          >
            {t('admin.loadMore')}
          </Button>
        </Group>
      )}
    </AdminPage>
  );
}

function AuditRow({
  entry: r,
  when,
  who,
  open,
  onToggle,
}: {
  entry: AuditEntry;
  when: string;
  who: string;
  open: boolean;
  onToggle: () => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Table.Tr data-testid="audit-row">
        <Table.Td>
          <Text size="sm">{when}</Text>
        </Table.Td>
        <Table.Td>
          <Text size="sm">{who}</Text>
        </Table.Td>
        <Table.Td>
          <Code>{r.action}</Code>
        </Table.Td>
        <Table.Td>
          <Text size="sm">
            {r.target_type}
            {r.target_id ? ` ${r.target_id}` : ''}
          </Text>
        </Table.Td>
        <Table.Td>
          <Button variant="subtle" size="compact-sm" onClick={onToggle} aria-expanded={open}>
            {open ? t('admin.audit.hide') : t('admin.audit.show')}
          </Button>
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td colSpan={5}>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <div>
                <Text size="xs" fw={600}>
                  {t('admin.audit.before')}
                </Text>
                <Code block className="gateway-response" tabIndex={0}>
                  {JSON.stringify(r.before, null, 2) ?? '—'}
                </Code>
              </div>
              <div>
                <Text size="xs" fw={600}>
                  {t('admin.audit.after')}
                </Text>
                <Code block className="gateway-response" tabIndex={0}>
                  {JSON.stringify(r.after, null, 2) ?? '—'}
                </Code>
              </div>
            </SimpleGrid>
            <Text size="xs" c="dimmed" mt={4}>
              {t('admin.audit.requestFrom', { id: r.request_id ?? '—', ip: r.ip ?? '—' })}
            </Text>
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}
