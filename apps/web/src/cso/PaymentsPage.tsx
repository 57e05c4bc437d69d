import {
  ActionIcon,
  Anchor,
  Box,
  Button,
  Card,
  Group,
  Menu,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconCash, IconDots, IconSearch } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { AdminPage, ErrorAlert } from '../admin/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { api } from '../shared/api.ts';
import { useSession } from '../shared/session.ts';
import { AllocateModal, CashPaymentModal, RefundModal, receiptUrl } from './actions.tsx';
import { DARK_TEXT, ExportButtons, modeLabel, Scroll, StatusBadge } from './components.tsx';
import { filterQuery, type PaymentFilters, usePayments } from './queries.ts';
import { CHANNELS, PAYMENT_STATUSES, type Payment } from './types.ts';

const GATEWAYS = ['sandbox', 'stripe', 'doku'];

/** A calendar day picked in the reader's zone, as the instant it starts (or ends). */
const dayStart = (d: string) => (d ? new Date(`${d}T00:00:00`).toISOString() : '');
const dayEnd = (d: string) => (d ? new Date(`${d}T23:59:59.999`).toISOString() : '');

/**
 * CX > Account Services > Payments (seed 002): every payment, whatever the rail, online ones added
 * as they happen; searched by account number, name, transaction id or reference id; filtered;
 * refreshed every few seconds so statuses move by themselves; exported as shown.
 */
export function PaymentsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const can = (action: string) => session.allowed_actions.includes(action);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [status, setStatus] = useState<string | null>(null);
  const [channel, setChannel] = useState<string | null>(null);
  const [gateway, setGateway] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [cashOpen, setCashOpen] = useState(false);
  const [refunding, setRefunding] = useState<Payment | null>(null);
  const [allocating, setAllocating] = useState<Payment | null>(null);
  // Online attempts too: a payment started on the consumer app shows at once and moves through
  // pending, failed or successful, then completed (seed 002).
  const filters: PaymentFilters = {
    include_attempts: 'true',
    ...(q ? { q } : {}),
    ...(status ? { status } : {}),
    ...(channel ? { channel } : {}),
    ...(gateway ? { gateway } : {}),
    ...(from ? { from: dayStart(from) } : {}),
    ...(to ? { to: dayEnd(to) } : {}),
  };
  const list = usePayments(filters);
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <AdminPage
      title={t('cso.payments.title')}
      description={t('cso.payments.description')}
      maw={1400}
      actions={
        <Group gap="sm">
          {can('payments.cash') && (
            <Button leftSection={<IconCash size={16} aria-hidden="true" />} onClick={() => setCashOpen(true)}>
              {t('cso.cash.open')}
            </Button>
          )}
          <ExportButtons path="/v1/exports/payments" query={filterQuery(filters)} />
        </Group>
      }
    >
      <Card withBorder padding="md" radius="md">
        <Stack gap="sm">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <TextInput
              style={{ flex: '1 1 260px' }}
              label={t('cso.payments.search')}
              placeholder={t('cso.payments.searchHint')}
              leftSection={<IconSearch size={16} aria-hidden="true" />}
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
              type="search"
            />
            <ModeSwitch />
          </Group>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <Select
              label={t('cso.payments.status')}
              placeholder={t('cso.all')}
              clearable
              data={PAYMENT_STATUSES.map((s) => ({ value: s, label: t(`cso.status.${s}`) }))}
              value={status}
              onChange={setStatus}
              w={190}
            />
            <Select
              label={t('cso.payments.channel')}
              placeholder={t('cso.all')}
              clearable
              data={CHANNELS.map((c) => ({ value: c, label: t(`cso.channel.${c}`) }))}
              value={channel}
              onChange={setChannel}
              w={170}
            />
            <Select
              label={t('cso.payments.gateway')}
              placeholder={t('cso.all')}
              clearable
              data={GATEWAYS}
              value={gateway}
              onChange={setGateway}
              w={150}
            />
            <TextInput
              type="date"
              label={t('cso.payments.from')}
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              w={170}
            />
            <TextInput
              type="date"
              label={t('cso.payments.to')}
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              w={170}
            />
          </Group>
        </Stack>
      </Card>

      {list.error && <ErrorAlert error={list.error} />}
      <PaymentsTable
        rows={rows}
        onRefund={can('payments.refund') ? setRefunding : undefined}
        onAllocate={can('payments.allocate') ? setAllocating : undefined}
        loading={list.isPending}
      />
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('cso.loadMore')}
        </Button>
      )}
      <CashPaymentModal opened={cashOpen} onClose={() => setCashOpen(false)} />
      <RefundModal payment={refunding} onClose={() => setRefunding(null)} />
      <AllocateModal payment={allocating} onClose={() => setAllocating(null)} />
    </AdminPage>
  );
}

/** Test or live data: the session's mode (the API keeps the two apart). */
function ModeSwitch() {
  const { t } = useTranslation();
  const session = useSession();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500} id="mode-label">
        {t('cso.payments.mode')}
      </Text>
      <SegmentedControl
        aria-labelledby="mode-label"
        disabled={busy}
        value={session.mode}
        onChange={async (mode) => {
          setBusy(true);
          try {
            await api('/v1/auth/session', { method: 'PATCH', body: { mode } });
            await client.invalidateQueries();
          } finally {
            setBusy(false);
          }
        }}
        data={[
          { value: 'live', label: t('cso.payments.live') },
          { value: 'test', label: t('cso.payments.test') },
        ]}
      />
    </Stack>
  );
}

export function PaymentsTable({
  rows,
  onRefund,
  onAllocate,
  loading = false,
}: {
  rows: Payment[];
  onRefund?: ((p: Payment) => void) | undefined;
  onAllocate?: ((p: Payment) => void) | undefined;
  loading?: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (!loading && rows.length === 0) {
    return (
      <Text c="dimmed" ta="center" py="xl">
        {t('cso.payments.empty')}
      </Text>
    );
  }
  return (
    <>
      {/* A phone gets one card per payment (every column in reach without sideways scrolling);
          wider screens the seed's table. Both are in the page, CSS shows one. */}
      <Stack gap="sm" hiddenFrom="sm" data-testid="payments-cards">
        {rows.map((p) => (
          <PaymentCard key={p.id} p={p} onRefund={onRefund} onAllocate={onAllocate} />
        ))}
      </Stack>
      <Box visibleFrom="sm">
        <Scroll label={t('cso.col.table')} minWidth={1180}>
          <Table striped highlightOnHover verticalSpacing="sm" data-testid="payments-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('cso.col.account')}</Table.Th>
                <Table.Th>{t('cso.col.name')}</Table.Th>
                <Table.Th>{t('cso.col.type')}</Table.Th>
                <Table.Th ta="right">{t('cso.col.amount')}</Table.Th>
                <Table.Th>{t('cso.col.mode')}</Table.Th>
                <Table.Th>{t('cso.col.txnId')}</Table.Th>
                <Table.Th>{t('cso.col.txnDate')}</Table.Th>
                <Table.Th>{t('cso.col.createdOn')}</Table.Th>
                <Table.Th>{t('cso.col.createdBy')}</Table.Th>
                {/* Wide enough for the seed's longest status, Payment Successful, in full. */}
                <Table.Th miw={180}>{t('cso.col.status')}</Table.Th>
                <Table.Th>
                  <VisuallyHidden>{t('cso.col.actions')}</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((p) => (
                <Table.Tr key={p.id} data-payment-id={p.id}>
                  <Table.Td>
                    <AccountLink p={p} />
                  </Table.Td>
                  <Table.Td>{p.account_name ?? '—'}</Table.Td>
                  <Table.Td>{p.type ? t(`cso.type.${p.type}`) : '—'}</Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                    {fmt.money(p.amount, p.currency)}
                    {p.refunded_amount > 0 && (
                      <Text size="xs" c="dimmed">
                        {t('cso.payments.refunded', { amount: fmt.money(p.refunded_amount, p.currency) })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{modeLabel(p.channel, t)}</Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                      {p.id}
                    </Text>
                    <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                      {p.channel === 'gateway' ? `${p.channel_source} · ${p.channel_ref}` : p.channel_ref}
                    </Text>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(p.received_at)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(p.created_at)}</Table.Td>
                  <Table.Td>{p.created_by_name ?? '—'}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={p.status} />
                    <FailureText p={p} maw={220} />
                  </Table.Td>
                  <Table.Td>
                    <PaymentActions p={p} onRefund={onRefund} onAllocate={onAllocate} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Scroll>
      </Box>
    </>
  );
}

type RowActions = {
  onRefund?: ((p: Payment) => void) | undefined;
  onAllocate?: ((p: Payment) => void) | undefined;
};

/** What can be done with a payment: its account, its receipt, a refund, an allocation. */
function PaymentActions({ p, onRefund, onAllocate }: { p: Payment } & RowActions) {
  const { t } = useTranslation();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" aria-label={t('cso.payments.actionsFor', { id: p.id })}>
          <IconDots size={18} aria-hidden="true" />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        {p.account_id && (
          <Menu.Item component={Link} to={`/app/accounts/${p.account_id}`}>
            {t('cso.payments.viewAccount')}
          </Menu.Item>
        )}
        {p.receipt_available && (
          <Menu.Item component="a" href={receiptUrl(p.id)} target="_blank">
            {t('cso.receipt')}
          </Menu.Item>
        )}
        {onRefund && (p.status === 'successful' || p.status === 'completed') && (
          <Menu.Item color="orange" onClick={() => onRefund(p)}>
            {t('cso.refund.open')}
          </Menu.Item>
        )}
        {onAllocate && p.suspense_amount > 0 && (
          <Menu.Item onClick={() => onAllocate(p)}>{t('cso.allocate.open')}</Menu.Item>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}

/** One payment on a phone: who, how much and its status first, then how and when. */
function PaymentCard({ p, onRefund, onAllocate }: { p: Payment } & RowActions) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <Card withBorder radius="md" padding="sm" data-payment-card={p.id}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <AccountLink p={p} fw={600} />
          <Text size="sm">{p.account_name ?? '—'}</Text>
        </Stack>
        <Group gap={4} wrap="nowrap" align="flex-start">
          <Stack gap={2} align="flex-end">
            <Text fw={700} style={{ whiteSpace: 'nowrap' }}>
              {fmt.money(p.amount, p.currency)}
            </Text>
            {p.refunded_amount > 0 && (
              <Text size="xs" c="dimmed">
                {t('cso.payments.refunded', { amount: fmt.money(p.refunded_amount, p.currency) })}
              </Text>
            )}
          </Stack>
          <PaymentActions p={p} onRefund={onRefund} onAllocate={onAllocate} />
        </Group>
      </Group>
      <Group gap="xs" mt="xs" wrap="wrap">
        <StatusBadge status={p.status} />
        <Text size="xs" c="dimmed">
          {modeLabel(p.channel, t)} · {p.type ? t(`cso.type.${p.type}`) : '—'} · {fmt.dateTime(p.received_at)}
        </Text>
      </Group>
      <FailureText p={p} />
      <Text size="xs" c="dimmed" ff="monospace" mt={4} style={{ wordBreak: 'break-all' }}>
        {p.id}
      </Text>
    </Card>
  );
}

/** The payment's account as a link to its view, or "Unidentified" (money waiting in suspense). */
function AccountLink({ p, fw }: { p: Payment; fw?: number }) {
  const { t } = useTranslation();
  return p.account_id ? (
    <Anchor component={Link} to={`/app/accounts/${p.account_id}`} fw={fw}>
      {p.account_number}
    </Anchor>
  ) : (
    <Text size="sm" c={DARK_TEXT.orange} fw={600}>
      {t('cso.payments.unidentified')}
    </Text>
  );
}

/** Why a failed payment or attempt failed, in the gateway's words, under its status. */
function FailureText({ p, maw }: { p: Payment; maw?: number }) {
  if (p.status !== 'failed' || !p.failure_message) return null;
  return (
    <Text size="xs" c={DARK_TEXT.red} mt={4} maw={maw}>
      {p.failure_message}
    </Text>
  );
}
