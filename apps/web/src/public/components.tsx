import type { Branding } from '@billrail/contracts';
import { Alert, Anchor, Badge, Box, Button, Card, Group, Stack, Text, TextInput } from '@mantine/core';
import type { TFunction } from 'i18next';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFormat } from '../consumer/format.ts';
import type { PaymentMethod } from '../consumer/types.ts';
import { GatewayPicker } from '../pay/GatewayPicker.tsx';
import { PaySummary } from '../pay/PaySummary.tsx';
import { ApiError } from '../shared/api.ts';
import { useBrandColor } from '../shared/brand.tsx';
import { problemMessage } from '../shared/errors.ts';
import { LanguagePicker } from '../shared/LanguagePicker.tsx';
import { BillrailMark, TenantLogo } from '../shared/Logo.tsx';
import { Backdrop } from '../shared/pages.tsx';
import { type PublicBill, useStartPublicCheckout } from './api.ts';
import './public.css';

/**
 * The frame of the pages a payer reaches without an account: the biller's logo, name and colour
 * once known (Billrail's before), the language picker, and links to quick pay and verification.
 */
export function PublicLayout({ biller, children }: { biller?: Branding | null; children: ReactNode }) {
  const { t } = useTranslation();
  useBrandColor(biller?.primary_color);
  return (
    <Backdrop>
      <Stack w="100%" maw={640} gap="lg">
        <Group justify="space-between" wrap="wrap" gap="sm" component="header">
          <Group gap="sm" wrap="nowrap">
            {biller ? <TenantLogo tenant={biller} size={44} /> : <BillrailMark size={44} />}
            <Text fw={700} size="lg" data-testid="biller-name">
              {biller?.display_name ?? 'Billrail'}
            </Text>
          </Group>
          <LanguagePicker />
        </Group>
        <Box component="section">{children}</Box>
        <Group gap="lg" justify="center" component="nav" aria-label={t('public.nav')}>
          <Anchor component={Link} to="/pay" size="sm">
            {t('public.quickPay.navLink')}
          </Anchor>
          <Anchor component={Link} to="/verify" size="sm">
            {t('public.verify.navLink')}
          </Anchor>
        </Group>
      </Stack>
    </Backdrop>
  );
}

const BILL_STATUS_COLOR: Record<PublicBill['status'], { color: string; text: string }> = {
  unpaid: { color: 'orange', text: '#8a3508' },
  partially_paid: { color: 'yellow', text: '#7a4100' },
  overdue: { color: 'red', text: '#a12222' },
  paid: { color: 'green', text: '#226e32' },
  cancelled: { color: 'gray', text: '#3d4248' },
  expired: { color: 'gray', text: '#3d4248' },
};

export function BillStatusBadge({ status }: { status: PublicBill['status'] }) {
  const { t } = useTranslation();
  const c = BILL_STATUS_COLOR[status];
  return (
    <Badge color={c.color} c={c.text} variant="light" size="lg" radius="sm" data-status={status}>
      {t(`public.billStatus.${status}`)}
    </Badge>
  );
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      <Text component="dd" fw={500} data-testid={testId}>
        {children}
      </Text>
    </div>
  );
}

/** What a printed challan shows of a bill (the holder's name masked by the server). */
export function BillDetails({ bill, showPaid = false }: { bill: PublicBill; showPaid?: boolean }) {
  const { t } = useTranslation();
  const f = useFormat();
  return (
    <dl className="public-details">
      <Row label={t('public.bill.number')} testId="bill-number">
        {bill.bill_number}
      </Row>
      <Row label={t('public.bill.reference')}>
        <Text component="span" ff="monospace">
          {bill.reference_display}
        </Text>
      </Row>
      <Row label={t('public.bill.period')}>
        {bill.period_start && bill.period_end
          ? f.dayRange(bill.period_start, bill.period_end)
          : bill.billing_period || bill.service_name}
      </Row>
      <Row label={t('public.bill.service')}>{bill.service_name}</Row>
      <Row label={t('public.bill.dueDate')}>{f.day(bill.due_date)}</Row>
      <Row label={t('public.bill.holder')}>{bill.account_holder}</Row>
      <Row label={t('public.bill.amount')}>{f.money(bill.amount, bill.currency)}</Row>
      {showPaid ? (
        <Row label={t('public.bill.amountPaid')}>{f.money(bill.amount_paid, bill.currency)}</Row>
      ) : (
        bill.late_fee > 0 && (
          <Row label={t('public.bill.lateFee')}>{f.money(bill.late_fee, bill.currency)}</Row>
        )
      )}
    </dl>
  );
}

const LINK_STATES = ['used', 'disabled', 'expired'] as const;

/** Why starting a payment failed, in the payer's words. */
function startError(err: unknown, t: TFunction): string {
  if (err instanceof ApiError) {
    if (err.code === 'payment_link_busy') return t('public.link.busy');
    const state = LINK_STATES.find((s) => err.code === `payment_link_${s}`);
    if (state) return t(`public.link.${state}Title`);
    if (err.code === 'validation_failed' && err.errors.some((e) => e.reason === 'is already paid'))
      return t('public.quickPay.alreadyPaid');
    if (err.code === 'gateway_checkout_failed') return err.detail;
  }
  return problemMessage(err, t);
}

/**
 * Choose a gateway (cards), optionally an email for the receipt, review a summary, then go to the
 * gateway's hosted page. Shared by quick pay and payment links.
 */
export function PayFlow({
  methods,
  amount,
  currency,
  item,
  biller,
  startPath,
}: {
  methods: PaymentMethod[];
  amount: number;
  currency: string;
  item: string;
  biller: Branding;
  startPath: string;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const [gateway, setGateway] = useState<string | null>(methods.length === 1 ? methods[0]!.gateway : null);
  const [email, setEmail] = useState('');
  const [step, setStep] = useState<'choose' | 'review'>('choose');
  const start = useStartPublicCheckout(startPath);
  const method = methods.find((m) => m.gateway === gateway) ?? null;
  const emailOk = email === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);

  if (methods.length === 0) {
    return (
      <Alert color="blue" title={t('public.pay.unavailableTitle')} styles={{ title: { color: '#1c4f82' } }}>
        {t('public.pay.unavailableBody', { tenant: biller.display_name })}
      </Alert>
    );
  }

  if (step === 'review' && method) {
    return (
      <PaySummary
        labels={{
          title: t('public.pay.summaryTitle'),
          method: t('public.pay.method'),
          total: t('public.pay.total'),
          back: t('public.pay.back'),
          pay: t('public.pay.payAmount', { amount: f.money(amount, currency) }),
          redirecting: t('public.pay.redirecting', { gateway: method.display_name }),
        }}
        items={
          <Group justify="space-between" wrap="nowrap" gap="sm">
            <Text>{item}</Text>
            <Text fw={600}>{f.money(amount, currency)}</Text>
          </Group>
        }
        method={method}
        extraRows={
          email && (
            <Group justify="space-between" wrap="nowrap">
              <Text>{t('public.pay.receiptTo')}</Text>
              <Text fw={600} style={{ wordBreak: 'break-all' }}>
                {email}
              </Text>
            </Group>
          )
        }
        total={f.money(amount, currency)}
        error={start.isError ? startError(start.error, t) : null}
        pending={start.isPending}
        redirecting={start.isSuccess}
        onBack={() => setStep('choose')}
        onPay={() => start.mutate({ gateway: method.gateway, ...(email ? { payer_email: email } : {}) })}
      />
    );
  }

  return (
    <Card withBorder radius="lg" padding="lg">
      <Stack gap="md">
        <GatewayPicker
          methods={methods}
          value={gateway}
          onChange={setGateway}
          label={t('public.pay.methodsTitle')}
        />
        <TextInput
          label={t('public.pay.email')}
          description={t('public.pay.emailHelp')}
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value.trim())}
          error={emailOk ? undefined : t('errors.field.email')}
        />
        <Group justify="space-between" wrap="nowrap">
          <Text fw={700} size="lg">
            {t('public.pay.total')} {f.money(amount, currency)}
          </Text>
          <Button size="md" disabled={!method || !emailOk} onClick={() => setStep('review')}>
            {t('public.pay.continue')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
