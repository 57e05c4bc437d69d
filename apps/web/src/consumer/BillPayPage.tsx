import './consumer.css';
import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Card,
  Checkbox,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconFileDownload, IconInfoCircle, IconReceiptOff, IconSearch } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { track, useTrackOnce } from '../analytics/track.ts';
import { GatewayPicker } from '../pay/GatewayPicker.tsx';
import { PaySummary } from '../pay/PaySummary.tsx';
import { ApiError } from '../shared/api.ts';
import { problemMessage } from '../shared/errors.ts';
import { useSession } from '../shared/session.ts';
import { ConsumerOnly, LoadError, PageHeader, PageLoader } from './components.tsx';
import { type Format, useFormat } from './format.ts';
import { useMyBills, usePaymentMethods, useStartCheckout } from './queries.ts';
import type { MyBill, PaymentMethod } from './types.ts';

type Filter = 'all' | 'bill' | 'service';

/**
 * Bill Pay (seed 002, "For End Consumer"): the consumer's open bills and services with search,
 * All / Bills / Services, checkboxes and Select All; the gateways the biller has switched on; a
 * sticky footer with the recalculated total and Pay Now (disabled until a gateway is chosen); a
 * summary; then the browser goes to the gateway's hosted page, which sends it back to
 * /app/pay/result. With no gateway switched on there is no Bill Pay, only a message saying so.
 */
export function BillPayPage() {
  return (
    <ConsumerOnly>
      <BillPay />
    </ConsumerOnly>
  );
}

function BillPay() {
  const { t } = useTranslation();
  const { tenant } = useSession();
  useDocumentTitle(`${t('consumer.pay.title')} · ${tenant.display_name}`);
  const methods = usePaymentMethods();
  const bills = useMyBills();
  // The funnel's first step (seed 002 section 12): the list is on screen, with how many items.
  useTrackOnce(
    'Bill Pay Viewed',
    methods.data && methods.data.length > 0 && bills.data ? { items_shown: bills.data.data.length } : null,
  );

  let body: React.ReactNode;
  if (methods.isError || bills.isError) {
    body = (
      <LoadError
        error={methods.error ?? bills.error}
        onRetry={() => {
          void methods.refetch();
          void bills.refetch();
        }}
      />
    );
  } else if (!methods.data || !bills.data) {
    body = <PageLoader />;
  } else if (methods.data.length === 0) {
    body = (
      <Alert
        color="blue"
        icon={<IconInfoCircle size={20} aria-hidden="true" />}
        title={t('consumer.pay.unavailableTitle')}
        data-testid="bill-pay-unavailable"
      >
        {t('consumer.pay.unavailableBody', { tenant: tenant.display_name })}
      </Alert>
    );
  } else if (bills.data.data.length === 0) {
    body = (
      <Card withBorder radius="lg" padding="xl">
        <Stack align="center" gap="xs" ta="center">
          <IconReceiptOff size={40} stroke={1.4} aria-hidden="true" color="var(--mantine-color-dimmed)" />
          <Title order={2} size="h4">
            {t('consumer.pay.nothingTitle')}
          </Title>
          <Text c="dimmed">{t('consumer.pay.nothingBody', { tenant: tenant.display_name })}</Text>
        </Stack>
      </Card>
    );
  } else {
    body = <Checkout bills={bills.data.data} methods={methods.data} />;
  }

  return (
    <Stack gap="lg" maw={880}>
      <PageHeader title={t('consumer.pay.title')} description={t('consumer.pay.description')} />
      {body}
    </Stack>
  );
}

const compact = (s: string) => s.toLowerCase().replace(/[\s-]/g, '');

function matches(b: MyBill, query: string) {
  const q = compact(query);
  if (!q) return true;
  return [b.bill_number, b.service_name, b.billing_period, b.account_number, b.reference_id].some((v) =>
    compact(v).includes(q),
  );
}

/** "March 2025", or for a service its dates and length when the biller gave them. */
function periodText(b: MyBill, f: Format, t: TFunction) {
  if (b.period_start && b.period_end) {
    const range = f.dayRange(b.period_start, b.period_end);
    return b.duration_days
      ? `${range} (${t('consumer.pay.durationDays', { count: b.duration_days })})`
      : range;
  }
  return b.billing_period;
}

const sum = (bills: MyBill[]) => Number(bills.reduce((s, b) => s + BigInt(b.amount_due), 0n));

function Checkout({ bills, methods }: { bills: MyBill[]; methods: PaymentMethod[] }) {
  const { t } = useTranslation();
  const f = useFormat();
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<Filter>('all');
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [gateway, setGateway] = useState<string | null>(null);
  const [step, setStep] = useState<'select' | 'review'>('select');

  const currency = bills[0]!.currency;
  const visible = bills.filter((b) => (filter === 'all' || b.kind === filter) && matches(b, query));
  const visiblePayable = visible.filter((b) => b.payable);
  // Derived from the current list, so a bill paid meanwhile (and refetched) drops out by itself.
  const chosen = bills.filter((b) => b.payable && selected.has(b.id));
  const total = sum(chosen);
  const accounts = new Set(chosen.map((b) => b.account_id));
  const method = methods.find((m) => m.gateway === gateway) ?? null;
  const canPay = chosen.length > 0 && !!method && accounts.size === 1;
  const hint =
    chosen.length === 0
      ? t('consumer.pay.needItems')
      : accounts.size > 1
        ? t('consumer.pay.oneAccount')
        : !method
          ? t('consumer.pay.needMethod')
          : null;

  const allVisibleChosen = visiblePayable.length > 0 && visiblePayable.every((b) => selected.has(b.id));
  const someVisibleChosen = visiblePayable.some((b) => selected.has(b.id));
  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const toggleAll = () =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const b of visiblePayable) {
        if (allVisibleChosen) next.delete(b.id);
        else next.add(b.id);
      }
      return next;
    });

  // Several accounts: one heading each, since one payment covers bills of one account.
  const groups = useMemo(() => {
    const by = new Map<string, MyBill[]>();
    for (const b of visible) by.set(b.account_number, [...(by.get(b.account_number) ?? []), b]);
    return [...by.entries()];
  }, [visible]);
  const manyAccounts = new Set(bills.map((b) => b.account_id)).size > 1;

  if (step === 'review' && method && canPay) {
    return (
      <Summary
        chosen={chosen}
        method={method}
        total={total}
        currency={currency}
        onBack={() => setStep('select')}
      />
    );
  }

  return (
    <Stack gap="md">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label={t('consumer.pay.search')}
          placeholder={t('consumer.pay.searchPlaceholder')}
          leftSection={<IconSearch size={16} aria-hidden="true" />}
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          type="search"
          style={{ flex: '1 1 240px' }}
        />
        <Box style={{ flex: '0 1 auto' }}>
          <Text component="span" id="bill-filter-label" size="sm" fw={500} display="block" mb={4}>
            {t('consumer.pay.filterLabel')}
          </Text>
          <SegmentedControl
            aria-labelledby="bill-filter-label"
            value={filter}
            onChange={(v) => setFilter(v as Filter)}
            data={(['all', 'bill', 'service'] as const).map((v) => ({
              value: v,
              label: t(`consumer.pay.filter.${v}`),
            }))}
          />
        </Box>
      </Group>

      {visible.length === 0 ? (
        <Text c="dimmed" py="md" role="status">
          {t('consumer.pay.noMatch')}
        </Text>
      ) : (
        <Stack gap="xs">
          <Checkbox
            label={t('consumer.pay.selectAll')}
            checked={allVisibleChosen}
            indeterminate={!allVisibleChosen && someVisibleChosen}
            onChange={toggleAll}
            disabled={visiblePayable.length === 0}
            px="md"
            py={6}
          />
          {groups.map(([account, items]) => (
            <Stack
              gap="xs"
              key={account}
              component="section"
              aria-label={t('consumer.pay.account', { number: account })}
            >
              {manyAccounts && (
                <Title order={2} size="h5" mt="xs">
                  {t('consumer.pay.account', { number: account })}
                </Title>
              )}
              {items.map((b) => (
                <BillItem
                  key={b.id}
                  bill={b}
                  checked={selected.has(b.id)}
                  onChange={(on) => toggle(b.id, on)}
                />
              ))}
            </Stack>
          ))}
        </Stack>
      )}

      <Card withBorder radius="lg" padding="lg">
        {chosen.length === 0 ? (
          <>
            <Title order={2} size="h4" mb={4}>
              {t('consumer.pay.methodsTitle')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('consumer.pay.methodsHint')}
            </Text>
          </>
        ) : (
          <GatewayPicker
            methods={methods}
            value={gateway}
            onChange={(g) => {
              setGateway(g);
              track('Payment Method Selected', { gateway_name: g });
            }}
            label={t('consumer.pay.methodsTitle')}
          />
        )}
      </Card>

      <Paper withBorder shadow="md" radius="lg" p="md" className="pay-footer" data-testid="pay-footer">
        <Group justify="space-between" wrap="nowrap" gap="sm">
          <Box aria-live="polite" miw={0}>
            <Text size="sm" c="dimmed">
              {t('consumer.pay.selectedCount', { count: chosen.length })}
            </Text>
            <Text fw={700} size="xl" data-testid="pay-total">
              <Text component="span" size="sm" fw={500} mr={6}>
                {t('consumer.pay.total')}
              </Text>
              {f.money(total, currency)}
            </Text>
          </Box>
          <Button size="md" disabled={!canPay} onClick={() => setStep('review')} style={{ flexShrink: 0 }}>
            {t('consumer.pay.payNow')}
          </Button>
        </Group>
        {hint && (
          <Text size="xs" c="dimmed" mt={4} data-testid="pay-hint">
            {hint}
          </Text>
        )}
      </Paper>
    </Stack>
  );
}

function BillItem({
  bill: b,
  checked,
  onChange,
}: {
  bill: MyBill;
  checked: boolean;
  onChange: (on: boolean) => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const amount = f.money(b.amount_due, b.currency);
  const period = periodText(b, f, t);
  return (
    <Group wrap="nowrap" gap={6} align="stretch">
      <Checkbox.Card
        style={{ flex: 1, minWidth: 0 }}
        checked={checked && b.payable}
        onChange={onChange}
        disabled={!b.payable}
        radius="md"
        className="bill-item"
        data-testid={`bill-${b.bill_number}`}
        aria-label={t('consumer.pay.itemLabel', {
          number: b.bill_number,
          service: b.service_name,
          period,
          amount,
        })}
      >
        <Group wrap="nowrap" align="flex-start" gap="md" p="md">
          <Checkbox.Indicator mt={2} disabled={!b.payable} />
          <Group
            justify="space-between"
            align="flex-start"
            wrap="nowrap"
            gap="sm"
            style={{ flex: 1 }}
            miw={0}
          >
            <Box miw={0}>
              <Group gap={6} wrap="wrap">
                <Text component="span" fw={700}>
                  {b.bill_number}
                </Text>
                <Badge size="sm" radius="sm" variant="light" color={b.kind === 'service' ? 'grape' : 'blue'}>
                  {t(`consumer.kind.${b.kind}`)}
                </Badge>
                {(b.status === 'overdue' || !b.payable) && (
                  <Badge
                    size="sm"
                    radius="sm"
                    variant="light"
                    color={b.payable ? 'orange' : 'gray'}
                    c={b.payable ? '#ae3a0c' : undefined}
                  >
                    {t(`consumer.billStatus.${b.status}`)}
                  </Badge>
                )}
              </Group>
              <Text component="span" display="block" size="sm" mt={2}>
                {b.service_name}
              </Text>
              <Text component="span" display="block" size="sm" c="dimmed">
                {period}
              </Text>
              {b.late_fee_applies && (
                <Text component="span" display="block" size="xs" c="dimmed">
                  {t('consumer.pay.lateFee', { amount: f.money(b.late_fee, b.currency) })}
                </Text>
              )}
              {!b.payable && (
                <Text component="span" display="block" size="xs" c="dimmed">
                  {t('consumer.pay.notPayable')}
                </Text>
              )}
            </Box>
            <Box ta="right" style={{ flexShrink: 0 }}>
              <Text component="span" display="block" size="xs" c="dimmed">
                {t('consumer.pay.amountDue')}
              </Text>
              <Text component="span" display="block" fw={700} size="lg">
                {amount}
              </Text>
              <Text component="span" display="block" size="xs" c="dimmed">
                {t('consumer.pay.dueOn', { date: f.day(b.due_date) })}
              </Text>
            </Box>
          </Group>
        </Group>
      </Checkbox.Card>
      {/* Outside the card: a link inside its button would be a nested control. */}
      <Tooltip label={t('public.challan')}>
        <ActionIcon
          component="a"
          href={`/v1/me/bills/${encodeURIComponent(b.id)}/challan.pdf`}
          download
          variant="light"
          size="lg"
          h="auto"
          aria-label={t('public.challanFor', { number: b.bill_number })}
          data-testid={`challan-${b.bill_number}`}
        >
          <IconFileDownload size={20} aria-hidden="true" />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}

/** Why a checkout could not start, in the payer's words (a gateway's refusal verbatim). */
function startError(err: unknown, t: TFunction): string {
  if (err instanceof ApiError) {
    if (err.code === 'gateway_checkout_failed') return err.detail;
    if (err.code === 'validation_failed' && err.errors.some((e) => e.field.startsWith('bill_'))) {
      return t('consumer.pay.alreadyPaid');
    }
  }
  return problemMessage(err, t);
}

function Summary({
  chosen,
  method,
  total,
  currency,
  onBack,
}: {
  chosen: MyBill[];
  method: PaymentMethod;
  total: number;
  currency: string;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const start = useStartCheckout();
  return (
    <PaySummary
      labels={{
        title: t('consumer.pay.summaryTitle'),
        intro: t('consumer.pay.summaryIntro', { gateway: method.display_name }),
        method: t('consumer.pay.summaryMethod'),
        total: t('consumer.pay.summaryTotal'),
        back: t('consumer.pay.back'),
        pay: t('consumer.pay.payNow'),
        redirecting: t('consumer.pay.redirecting', { gateway: method.display_name }),
      }}
      items={
        <div>
          <Title order={3} size="h5" mb="xs">
            {t('consumer.pay.summaryItems')}
          </Title>
          <Stack gap={0} component="ul" className="plain-list">
            {chosen.map((b) => (
              <Group
                key={b.id}
                component="li"
                justify="space-between"
                wrap="nowrap"
                gap="sm"
                py="xs"
                className="summary-row"
              >
                <Box miw={0}>
                  <Text fw={600} component="span" display="block">
                    {b.bill_number}
                  </Text>
                  <Text size="sm" c="dimmed" component="span" display="block">
                    {b.service_name} · {periodText(b, f, t)}
                  </Text>
                </Box>
                <Text fw={600} style={{ flexShrink: 0 }}>
                  {f.money(b.amount_due, b.currency)}
                </Text>
              </Group>
            ))}
          </Stack>
        </div>
      }
      method={method}
      total={f.money(total, currency)}
      error={start.isError ? startError(start.error, t) : null}
      pending={start.isPending}
      redirecting={start.isSuccess}
      onBack={onBack}
      onPay={() => start.mutate({ gateway: method.gateway, bill_ids: chosen.map((b) => b.id) })}
    />
  );
}
