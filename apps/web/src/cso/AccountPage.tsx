import { Badge, Button, Card, Group, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { IconCash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { AdminPage, ErrorAlert } from '../admin/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { FullPageLoader } from '../shared/pages.tsx';
import { useSession } from '../shared/session.ts';
import { CashPaymentModal, RefundModal } from './actions.tsx';
import { DARK_TEXT, ExportButtons, Scroll } from './components.tsx';
import { PaymentsTable } from './PaymentsPage.tsx';
import { useAccount, useAccountBills, useAccountLedger, usePayments } from './queries.ts';
import type { Payment } from './types.ts';

/** CX > Account Services > Accounts > one account > View (seed 002): bills, payments, ledger. */
export function AccountPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const fmt = useFormat();
  const session = useSession();
  const can = (a: string) => session.allowed_actions.includes(a);
  const account = useAccount(id);
  const bills = useAccountBills(id);
  const ledger = useAccountLedger(id);
  const payments = usePayments({ account_id: id, include_attempts: 'true' }, 50);
  const [cashOpen, setCashOpen] = useState(false);
  const [refunding, setRefunding] = useState<Payment | null>(null);
  if (account.isPending) return <FullPageLoader />;
  if (account.error) return <ErrorAlert error={account.error} />;
  const a = account.data;
  const currency = ledger.data?.currency ?? session.tenant.currency;
  return (
    <AdminPage
      title={`${a.account_number} · ${a.name}`}
      description={[a.mobile, a.email, a.service_types.join(', ')].filter(Boolean).join(' · ')}
      maw={1400}
      actions={
        can('payments.cash') && (
          <Button leftSection={<IconCash size={16} aria-hidden="true" />} onClick={() => setCashOpen(true)}>
            {t('cso.cash.open')}
          </Button>
        )
      }
    >
      <SimpleGrid cols={{ base: 1, xs: 3 }}>
        <Stat
          label={t('cso.account.receivable')}
          value={ledger.data ? fmt.money(ledger.data.receivable, currency) : '…'}
        />
        <Stat
          label={t('cso.account.credit')}
          value={ledger.data ? fmt.money(ledger.data.credit, currency) : '…'}
        />
        <Stat label={t('cso.account.status')} value={t(`cso.account.${a.status}`)} />
      </SimpleGrid>
      <Tabs defaultValue="payments" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="payments">{t('cso.account.payments')}</Tabs.Tab>
          <Tabs.Tab value="bills">{t('cso.account.bills')}</Tabs.Tab>
          <Tabs.Tab value="ledger">{t('cso.account.ledger')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="payments" pt="md">
          <Stack>
            <Group justify="flex-end">
              <ExportButtons path="/v1/exports/payments" query={`account_id=${encodeURIComponent(id)}`} />
            </Group>
            <PaymentsTable
              rows={payments.data?.pages.flatMap((p) => p.data) ?? []}
              loading={payments.isPending}
              onRefund={can('payments.refund') ? setRefunding : undefined}
            />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="bills" pt="md">
          <Stack>
            <Group justify="flex-end">
              <ExportButtons path="/v1/exports/bills" query={`account_id=${encodeURIComponent(id)}`} />
            </Group>
            {bills.error && <ErrorAlert error={bills.error} />}
            <Scroll label={t('cso.col.table')} minWidth={800}>
              <Table striped verticalSpacing="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('cso.bill.number')}</Table.Th>
                    <Table.Th>{t('cso.bill.reference')}</Table.Th>
                    <Table.Th>{t('cso.bill.service')}</Table.Th>
                    <Table.Th>{t('cso.bill.period')}</Table.Th>
                    <Table.Th ta="right">{t('cso.col.amount')}</Table.Th>
                    <Table.Th ta="right">{t('cso.bill.outstanding')}</Table.Th>
                    <Table.Th>{t('cso.bill.due')}</Table.Th>
                    <Table.Th>{t('cso.col.status')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(bills.data?.data ?? []).map((b) => (
                    <Table.Tr key={b.id} data-bill-number={b.bill_number}>
                      <Table.Td>{b.bill_number}</Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{b.reference_display}</Table.Td>
                      <Table.Td>
                        {b.service_name}
                        <Text size="xs" c="dimmed">
                          {t(`cso.type.${b.kind}`)}
                        </Text>
                      </Table.Td>
                      <Table.Td>{b.billing_period}</Table.Td>
                      <Table.Td ta="right">{fmt.money(b.amount, b.currency)}</Table.Td>
                      <Table.Td ta="right">{fmt.money(b.outstanding, b.currency)}</Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.day(b.due_date)}</Table.Td>
                      <Table.Td>
                        <Badge
                          variant="light"
                          color={b.status === 'paid' ? 'green' : b.status === 'overdue' ? 'red' : 'gray'}
                          c={
                            b.status === 'paid'
                              ? DARK_TEXT.green
                              : b.status === 'overdue'
                                ? DARK_TEXT.red
                                : undefined
                          }
                        >
                          {t(`cso.billStatus.${b.status as 'unpaid'}`)}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Scroll>
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="ledger" pt="md">
          <Scroll label={t('cso.col.table')} minWidth={700}>
            <Table striped verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('cso.ledger.when')}</Table.Th>
                  <Table.Th>{t('cso.ledger.kind')}</Table.Th>
                  <Table.Th>{t('cso.ledger.account')}</Table.Th>
                  <Table.Th>{t('cso.ledger.subject')}</Table.Th>
                  <Table.Th ta="right">{t('cso.ledger.debit')}</Table.Th>
                  <Table.Th ta="right">{t('cso.ledger.credit')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(ledger.data?.lines ?? []).map((l) => (
                  <Table.Tr key={`${l.entry_id}-${l.account}`}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmt.dateTime(l.created_at)}</Table.Td>
                    <Table.Td>{l.kind}</Table.Td>
                    <Table.Td>{l.account.split(':')[0]}</Table.Td>
                    <Table.Td ff="monospace" fz="xs">
                      {l.subject_id}
                    </Table.Td>
                    <Table.Td ta="right">{l.amount > 0 ? fmt.money(l.amount, currency) : ''}</Table.Td>
                    <Table.Td ta="right">{l.amount < 0 ? fmt.money(-l.amount, currency) : ''}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Scroll>
        </Tabs.Panel>
      </Tabs>
      <CashPaymentModal
        opened={cashOpen}
        onClose={() => setCashOpen(false)}
        accountNumber={a.account_number}
      />
      <RefundModal payment={refunding} onClose={() => setRefunding(null)} />
    </AdminPage>
  );
}

export function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Card withBorder radius="md" padding="md">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Title order={2} size="h3" mt={4}>
        {value}
      </Title>
      {hint && (
        <Text size="xs" c="dimmed" mt={2}>
          {hint}
        </Text>
      )}
    </Card>
  );
}
