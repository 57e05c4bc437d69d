import {
  Button,
  Card,
  Group,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../shared/api.ts';
import { fieldErrors } from '../shared/errors.ts';
import { AdminPage, ErrorAlert, ShownOnce, TableWrap, Tag, useDateTime } from './components.tsx';
import { adminKeys, usePagedList } from './queries.ts';
import type { ApiKey, ApiKeyCreated } from './types.ts';
import './admin.css';

/** API keys for biller systems: made here, shown once, listed by prefix, revoked for good. */
export function ApiKeysPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const dateTime = useDateTime();
  const list = usePagedList<ApiKey>(adminKeys.apiKeys, '/v1/api-keys');
  const keys = list.data?.pages.flatMap((p) => p.data) ?? [];
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'test' | 'live'>('test');
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api<ApiKeyCreated>('/v1/api-keys', { method: 'POST', body: { name: name.trim(), mode } }),
    onSuccess: (k) => {
      setCreated(k);
      setName('');
      void client.invalidateQueries({ queryKey: adminKeys.apiKeys });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api<ApiKey>(`/v1/api-keys/${id}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.apiKeys }),
  });
  const errors = fieldErrors(create.error, t);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate();
  };

  return (
    <AdminPage title={t('admin.apiKeys.title')} description={t('admin.apiKeys.description')}>
      {created && (
        <ShownOnce
          title={t('admin.apiKeys.createdTitle', { name: created.name })}
          value={created.secret}
          testId="api-key-secret"
        />
      )}
      <Card withBorder radius="lg" padding="lg">
        <form onSubmit={submit} noValidate>
          <Group align="flex-end" gap="md">
            <TextInput
              label={t('admin.apiKeys.name')}
              placeholder={t('admin.apiKeys.namePlaceholder')}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              maxLength={80}
              error={errors.name}
              style={{ flex: '1 1 220px' }}
            />
            <div>
              <Text size="sm" fw={500} mb={4} id="api-key-mode">
                {t('admin.apiKeys.mode')}
              </Text>
              <SegmentedControl
                aria-labelledby="api-key-mode"
                value={mode}
                onChange={(v) => setMode(v as 'test' | 'live')}
                data={[
                  { value: 'test', label: t('admin.apiKeys.test') },
                  { value: 'live', label: t('admin.apiKeys.live') },
                ]}
              />
            </div>
            <Button
              type="submit"
              leftSection={<IconKey size={18} aria-hidden="true" />}
              loading={create.isPending}
              disabled={!name.trim()}
            >
              {t('admin.apiKeys.create')}
            </Button>
          </Group>
        </form>
      </Card>
      <ErrorAlert
        error={(create.error && !errors.name ? create.error : null) ?? revoke.error ?? list.error}
      />
      <TableWrap label={t('admin.apiKeys.title')}>
        <Table striped verticalSpacing="sm" miw={680}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('admin.apiKeys.name')}</Table.Th>
              <Table.Th>{t('admin.apiKeys.key')}</Table.Th>
              <Table.Th>{t('admin.apiKeys.created')}</Table.Th>
              <Table.Th>{t('admin.apiKeys.lastUsed')}</Table.Th>
              <Table.Th>
                <VisuallyHidden>{t('admin.actions')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.length === 0 && list.isSuccess && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="dimmed" size="sm">
                    {t('admin.apiKeys.none')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {keys.map((k) => (
              <Table.Tr key={k.id} data-testid={`api-key-${k.id}`}>
                <Table.Td>
                  <Stack gap={2}>
                    <Text size="sm" fw={600}>
                      {k.name}
                    </Text>
                    <Group gap={4}>
                      <Tag tone={k.mode === 'live' ? 'blue' : 'orange'}>
                        {k.mode === 'live' ? t('admin.apiKeys.live') : t('admin.apiKeys.test')}
                      </Tag>
                      {k.revoked_at && <Tag tone="gray">{t('admin.apiKeys.revoked')}</Tag>}
                    </Group>
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {k.prefix}…
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{dateTime(k.created_at)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{dateTime(k.last_used_at)}</Text>
                </Table.Td>
                <Table.Td>
                  {!k.revoked_at && (
                    <Button
                      color="red"
                      variant="light"
                      size="compact-sm"
                      onClick={() => {
                        if (window.confirm(t('admin.apiKeys.confirmRevoke', { name: k.name })))
                          revoke.mutate(k.id);
                      }}
                      loading={revoke.isPending && revoke.variables === k.id}
                      aria-label={t('admin.apiKeys.revokeNamed', { name: k.name })}
                    >
                      {t('admin.apiKeys.revoke')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </TableWrap>
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('admin.loadMore')}
        </Button>
      )}
    </AdminPage>
  );
}
