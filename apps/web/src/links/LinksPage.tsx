import {
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { AdminPage, ErrorAlert } from '../admin/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { Scroll } from '../cso/components.tsx';
import type { Account } from '../cso/types.ts';
import { useSession } from '../shared/session.ts';
import { LinkForm } from './LinkForm.tsx';
import { useDisableLink, useLinks } from './queries.ts';
import { SharePanel } from './SharePanel.tsx';
import { LINK_STATUSES, type LinkStatus, type PaymentLink } from './types.ts';

// Light badges with text dark enough for 4.5:1 on their tint (as the payments list does).
const STATUS_COLOR: Record<LinkStatus, { color: string; text: string }> = {
  active: { color: 'green', text: '#1e6b30' },
  used: { color: 'blue', text: '#17508a' },
  disabled: { color: 'gray', text: '#3d434a' },
  expired: { color: 'orange', text: '#8a3c00' },
};

export function LinkStatusBadge({ status }: { status: LinkStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={STATUS_COLOR[status].color}
      c={STATUS_COLOR[status].text}
      variant="light"
      radius="sm"
      data-status={status}
    >
      {t(`links.status.${status}`)}
    </Badge>
  );
}

type Dialog =
  | { kind: 'new' }
  | { kind: 'created'; link: PaymentLink; account: Account }
  | { kind: 'share'; link: PaymentLink };

/**
 * Payment links (issue 5): staff create a link for a bill or an amount on an account, share it
 * (copy, WhatsApp, e-mail, SMS) and switch it off; the list shows which were paid.
 */
export function LinksPage() {
  const { t } = useTranslation();
  const session = useSession();
  const canWrite = session.allowed_actions.includes('payment_links.write');
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [status, setStatus] = useState<LinkStatus | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [disabling, setDisabling] = useState<PaymentLink | null>(null);
  const list = useLinks({ status: status ?? undefined, search: q || undefined });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <AdminPage
      title={t('links.title')}
      description={t('links.description')}
      maw={1400}
      actions={
        canWrite && (
          <Button
            leftSection={<IconPlus size={18} aria-hidden="true" />}
            onClick={() => setDialog({ kind: 'new' })}
          >
            {t('links.new')}
          </Button>
        )
      }
    >
      <Card withBorder padding="md" radius="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput
            style={{ flex: '1 1 260px' }}
            type="search"
            label={t('links.search')}
            placeholder={t('links.searchHint')}
            leftSection={<IconSearch size={16} aria-hidden="true" />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
          />
          <Select
            label={t('links.col.status')}
            placeholder={t('cso.all')}
            clearable
            data={LINK_STATUSES.map((s) => ({ value: s, label: t(`links.status.${s}`) }))}
            value={status}
            onChange={(v) => setStatus(v as LinkStatus | null)}
            w={{ base: '100%', xs: 190 }}
          />
        </Group>
      </Card>

      {list.error && <ErrorAlert error={list.error} />}
      <LinksTable
        rows={rows}
        loading={list.isPending}
        onShare={(link) => setDialog({ kind: 'share', link })}
        onDisable={canWrite ? setDisabling : undefined}
      />
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('cso.loadMore')}
        </Button>
      )}

      <Modal
        opened={!!dialog}
        onClose={() => setDialog(null)}
        title={dialog?.kind === 'new' ? t('links.new') : t('links.share.title')}
        closeButtonProps={{ 'aria-label': t('cso.close') }}
        size="lg"
        centered
      >
        {dialog?.kind === 'new' && (
          <LinkForm onCreated={(link, account) => setDialog({ kind: 'created', link, account })} />
        )}
        {dialog?.kind === 'created' && (
          <SharePanel link={dialog.link} created email={dialog.account.email} phone={dialog.account.mobile} />
        )}
        {dialog?.kind === 'share' && <SharePanel link={dialog.link} />}
      </Modal>
      <DisableDialog link={disabling} onClose={() => setDisabling(null)} />
    </AdminPage>
  );
}

function LinksTable({
  rows,
  loading,
  onShare,
  onDisable,
}: {
  rows: PaymentLink[];
  loading: boolean;
  onShare: (l: PaymentLink) => void;
  onDisable?: ((l: PaymentLink) => void) | undefined;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (!loading && rows.length === 0) {
    return (
      <Text c="dimmed" ta="center" py="xl">
        {t('links.empty')}
      </Text>
    );
  }
  return (
    <>
      <LinkCards rows={rows} onShare={onShare} onDisable={onDisable} />
      <Box visibleFrom="sm">
        <Scroll label={t('links.table')} minWidth={980}>
          <Table striped highlightOnHover verticalSpacing="sm" data-testid="links-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('links.col.description')}</Table.Th>
                <Table.Th>{t('links.col.for')}</Table.Th>
                <Table.Th ta="right">{t('links.col.amount')}</Table.Th>
                <Table.Th>{t('links.col.status')}</Table.Th>
                <Table.Th ta="right">{t('links.col.uses')}</Table.Th>
                <Table.Th>{t('links.col.expires')}</Table.Th>
                <Table.Th>{t('links.col.created')}</Table.Th>
                <Table.Th>
                  <VisuallyHidden>{t('links.col.actions')}</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((l) => {
                return (
                  <Table.Tr key={l.id} data-link-id={l.id}>
                    <Table.Td maw={280}>
                      <Text size="sm" fw={500}>
                        {l.description}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {l.reusable ? t('links.reusable') : t('links.singleUse')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {l.bill_number && (
                        <Text size="sm" fw={500}>
                          {t('links.billNo', { bill: l.bill_number })}
                        </Text>
                      )}
                      {l.account_id ? (
                        <Anchor component={Link} to={`/app/accounts/${l.account_id}`} size="sm">
                          {l.account_number}
                        </Anchor>
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                      <LinkAmount link={l} />
                    </Table.Td>
                    <Table.Td>
                      <LinkStatusBadge status={l.status} />
                    </Table.Td>
                    <Table.Td ta="right">{l.uses}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      {l.expires_at ? fmt.dateTime(l.expires_at) : t('links.never')}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(l.created_at)}</Table.Td>
                    <Table.Td>
                      <LinkActions link={l} onShare={onShare} onDisable={onDisable} />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Scroll>
      </Box>
    </>
  );
}

/** What the link takes: its amount, or what its bill owes now ("Bill paid" once nothing is left). */
function LinkAmount({ link: l }: { link: PaymentLink }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (l.amount !== null) return <>{fmt.money(l.amount, l.currency)}</>;
  if (l.amount_due === null) return <>—</>;
  if (l.amount_due === 0) return <>{t('links.billPaid')}</>;
  return <>{fmt.money(l.amount_due, l.currency)}</>;
}

function LinkActions({
  link: l,
  onShare,
  onDisable,
}: {
  link: PaymentLink;
  onShare: (l: PaymentLink) => void;
  onDisable?: ((l: PaymentLink) => void) | undefined;
}) {
  const { t } = useTranslation();
  if (l.status !== 'active') return null;
  return (
    <Group gap="xs" wrap="nowrap" justify="flex-end">
      <Button
        size="compact-sm"
        variant="light"
        onClick={() => onShare(l)}
        aria-label={t('links.shareNamed', { description: l.description })}
      >
        {t('links.share.open')}
      </Button>
      {onDisable && (
        <Button
          size="compact-sm"
          variant="subtle"
          color="red"
          c="#a12222"
          onClick={() => onDisable(l)}
          aria-label={t('links.disableNamed', { description: l.description })}
        >
          {t('links.disable.open')}
        </Button>
      )}
    </Group>
  );
}

/** On a phone the list is a column of cards: nothing to scroll sideways. */
function LinkCards({
  rows,
  onShare,
  onDisable,
}: {
  rows: PaymentLink[];
  onShare: (l: PaymentLink) => void;
  onDisable?: ((l: PaymentLink) => void) | undefined;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <Stack
      gap="sm"
      hiddenFrom="sm"
      component="ul"
      p={0}
      m={0}
      style={{ listStyle: 'none' }}
      aria-label={t('links.title')}
    >
      {rows.map((l) => (
        <Card key={l.id} withBorder radius="md" padding="md" component="li" data-link-card={l.id}>
          <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
            <div style={{ minWidth: 0 }}>
              <Text fw={600} size="sm">
                {l.description}
              </Text>
              <Text size="xs" c="dimmed">
                {[l.bill_number ? t('links.billNo', { bill: l.bill_number }) : null, l.account_number]
                  .filter(Boolean)
                  .join(' · ')}
              </Text>
            </div>
            <LinkStatusBadge status={l.status} />
          </Group>
          <Group justify="space-between" mt="xs" gap="xs">
            <Text fw={600}>
              <LinkAmount link={l} />
            </Text>
            <Text size="xs" c="dimmed">
              {l.reusable ? t('links.reusable') : t('links.singleUse')} ·{' '}
              {t('links.usesCount', { count: l.uses })}
            </Text>
          </Group>
          <Text size="xs" c="dimmed" mt={4}>
            {t('links.col.expires')}: {l.expires_at ? fmt.dateTime(l.expires_at) : t('links.never')} ·{' '}
            {t('links.col.created')}: {fmt.dateTime(l.created_at)}
          </Text>
          {l.status === 'active' && (
            <Box mt="sm">
              <LinkActions link={l} onShare={onShare} onDisable={onDisable} />
            </Box>
          )}
        </Card>
      ))}
    </Stack>
  );
}

/** Switching a link off cannot be undone, so it asks first. */
function DisableDialog({ link, onClose }: { link: PaymentLink | null; onClose: () => void }) {
  const { t } = useTranslation();
  const disable = useDisableLink();
  const close = () => {
    disable.reset();
    onClose();
  };
  return (
    <Modal
      opened={!!link}
      onClose={close}
      title={t('links.disable.title')}
      closeButtonProps={{ 'aria-label': t('cso.close') }}
      centered
    >
      {link && (
        <Stack>
          <Text size="sm">{t('links.disable.text', { description: link.description })}</Text>
          <ErrorAlert error={disable.error} />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close}>
              {t('links.disable.cancel')}
            </Button>
            <Button
              color="red"
              loading={disable.isPending}
              onClick={() => disable.mutate(link.id, { onSuccess: close })}
            >
              {t('links.disable.confirm')}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
