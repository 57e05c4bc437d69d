import {
  Button,
  Card,
  Checkbox,
  Collapse,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconPlus, IconRefresh } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../shared/api.ts';
import { fieldErrors } from '../shared/errors.ts';
import { AdminPage, ErrorAlert, ShownOnce, TableWrap, Tag, useDateTime } from './components.tsx';
import { adminKeys, usePagedList } from './queries.ts';
import { WEBHOOK_EVENTS, type WebhookDelivery, type WebhookEndpoint, type WebhookEvent } from './types.ts';
import './admin.css';

const isWebhookUrl = (v: string) => {
  try {
    const u = new URL(v);
    return (
      u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(u.hostname))
    );
  } catch {
    return false;
  }
};

/** Webhook endpoints of the signed-in mode, with their delivery log and replay. */
export function WebhooksPage() {
  const { t } = useTranslation();
  const list = usePagedList<WebhookEndpoint>(adminKeys.webhooks, '/v1/webhook-endpoints');
  const endpoints = list.data?.pages.flatMap((p) => p.data) ?? [];
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  return (
    <AdminPage title={t('admin.webhooks.title')} description={t('admin.webhooks.description')}>
      {secret && (
        <ShownOnce
          title={t('admin.webhooks.secretTitle', { url: secret.url })}
          value={secret.secret}
          testId="webhook-secret"
        />
      )}
      <CreateEndpoint onCreated={setSecret} />
      <ErrorAlert error={list.error} />
      {list.isSuccess && endpoints.length === 0 && <Text c="dimmed">{t('admin.webhooks.none')}</Text>}
      {endpoints.map((e) => (
        <EndpointCard key={e.id} endpoint={e} />
      ))}
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('admin.loadMore')}
        </Button>
      )}
    </AdminPage>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: (s: { url: string; secret: string }) => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['payment.successful', 'bill.paid']);
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api<WebhookEndpoint & { secret: string }>('/v1/webhook-endpoints', {
        method: 'POST',
        body: { url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) },
      }),
    onSuccess: (e) => {
      onCreated({ url: e.url, secret: e.secret });
      setUrl('');
      setDescription('');
      void client.invalidateQueries({ queryKey: adminKeys.webhooks });
    },
  });
  const errors = fieldErrors(create.error, t);
  const urlProblem = url.trim() && !isWebhookUrl(url.trim()) ? t('admin.webhooks.urlInvalid') : undefined;
  const eventsProblem = events.length === 0 ? t('admin.webhooks.eventsRequired') : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (url.trim() && !urlProblem && !eventsProblem) create.mutate();
  };
  return (
    <Card withBorder radius="lg" padding="lg">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Title order={2} size="h4">
            {t('admin.webhooks.add')}
          </Title>
          <TextInput
            label={t('admin.webhooks.url')}
            placeholder="https://billing.example.com/webhooks"
            required
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={urlProblem ?? errors.url}
            type="url"
            autoComplete="off"
          />
          <Checkbox.Group
            label={t('admin.webhooks.events')}
            value={events}
            onChange={(v) => setEvents(v as WebhookEvent[])}
            error={eventsProblem ?? errors.events}
            withAsterisk
          >
            <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} mt="xs" spacing="xs">
              {WEBHOOK_EVENTS.map((ev) => (
                <Checkbox key={ev} value={ev} label={ev} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <TextInput
            label={t('admin.webhooks.descriptionLabel')}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            maxLength={500}
          />
          {create.error && !errors.url && !errors.events ? <ErrorAlert error={create.error} /> : null}
          <Group justify="flex-end">
            <Button
              type="submit"
              leftSection={<IconPlus size={18} aria-hidden="true" />}
              loading={create.isPending}
              disabled={!url.trim() || !!urlProblem || !!eventsProblem}
            >
              {t('admin.webhooks.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function EndpointCard({ endpoint: e }: { endpoint: WebhookEndpoint }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const status = useMutation({
    mutationFn: (next: 'enabled' | 'disabled') =>
      api<WebhookEndpoint>(`/v1/webhook-endpoints/${e.id}`, { method: 'PATCH', body: { status: next } }),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.webhooks }),
  });
  const enabled = e.status === 'enabled';
  return (
    <Card withBorder radius="lg" padding="lg" data-testid={`endpoint-${e.id}`}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <div style={{ minWidth: 0, flex: '1 1 280px' }}>
            <Text fw={600} ff="monospace" size="sm" style={{ wordBreak: 'break-all' }}>
              {e.url}
            </Text>
            {e.description && (
              <Text size="sm" c="dimmed">
                {e.description}
              </Text>
            )}
          </div>
          <Group gap="xs">
            <Tag tone={enabled ? 'green' : 'gray'}>{t(`admin.webhooks.statuses.${e.status}`)}</Tag>
            <Button
              variant="default"
              size="compact-sm"
              onClick={() => status.mutate(enabled ? 'disabled' : 'enabled')}
              loading={status.isPending}
            >
              {enabled ? t('admin.webhooks.disable') : t('admin.webhooks.enable')}
            </Button>
            <Button
              variant="light"
              size="compact-sm"
              onClick={() => setOpen((o) => !o)}
              aria-expanded={open}
              aria-controls={`deliveries-${e.id}`}
            >
              {open ? t('admin.webhooks.hideDeliveries') : t('admin.webhooks.showDeliveries')}
            </Button>
          </Group>
        </Group>
        <Group gap={4}>
          {e.events.map((ev) => (
            <Tag key={ev} tone="gray">
              {ev}
            </Tag>
          ))}
        </Group>
        {e.disabled_reason && (
          <Text size="sm" c="red.8">
            {e.disabled_reason}
          </Text>
        )}
        <ErrorAlert error={status.error} />
        <Collapse expanded={open} id={`deliveries-${e.id}`}>
          {open && <Deliveries endpointId={e.id} />}
        </Collapse>
      </Stack>
    </Card>
  );
}

function Deliveries({ endpointId }: { endpointId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const dateTime = useDateTime();
  const list = usePagedList<WebhookDelivery>(
    adminKeys.deliveries(endpointId),
    `/v1/webhook-endpoints/${endpointId}/deliveries`,
    25,
  );
  const replay = useMutation({
    mutationFn: (id: string) =>
      api<WebhookDelivery>(`/v1/webhook-deliveries/${id}/replay`, { method: 'POST' }),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.deliveries(endpointId) }),
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  const color = { succeeded: 'green', failed: 'red', pending: 'yellow' } as const;
  return (
    <Stack gap="xs" mt="sm">
      <Group justify="space-between">
        <Title order={3} size="h5">
          {t('admin.webhooks.deliveries')}
        </Title>
        <Button
          variant="subtle"
          size="compact-sm"
          leftSection={<IconRefresh size={16} aria-hidden="true" />}
          onClick={() => void list.refetch()}
        >
          {t('admin.refresh')}
        </Button>
      </Group>
      <ErrorAlert error={list.error ?? replay.error} />
      {replay.isSuccess && (
        <Text size="sm" c="green.9" role="status">
          {t('admin.webhooks.replayed')}
        </Text>
      )}
      {list.isSuccess && rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('admin.webhooks.noDeliveries')}
        </Text>
      ) : (
        <TableWrap label={t('admin.webhooks.deliveries')}>
          <Table verticalSpacing="xs" miw={640} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('admin.webhooks.event')}</Table.Th>
                <Table.Th>{t('admin.webhooks.status')}</Table.Th>
                <Table.Th>{t('admin.webhooks.attempts')}</Table.Th>
                <Table.Th>{t('admin.webhooks.response')}</Table.Th>
                <Table.Th>{t('admin.webhooks.created')}</Table.Th>
                <Table.Th>{t('admin.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((d) => (
                <Table.Tr key={d.id} data-testid={`delivery-${d.id}`}>
                  <Table.Td>
                    <Text size="sm">{d.event_type}</Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {d.event_id}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Tag tone={color[d.status]}>{t(`admin.webhooks.deliveryStatuses.${d.status}`)}</Tag>
                  </Table.Td>
                  <Table.Td>{d.attempts}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{d.last_status_code ?? d.last_error ?? '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{dateTime(d.created_at)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      variant="light"
                      size="compact-sm"
                      onClick={() => replay.mutate(d.id)}
                      loading={replay.isPending && replay.variables === d.id}
                      aria-label={t('admin.webhooks.replayNamed', { event: d.event_type, id: d.event_id })}
                    >
                      {t('admin.webhooks.replay')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </TableWrap>
      )}
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('admin.loadMore')}
        </Button>
      )}
    </Stack>
  );
}
