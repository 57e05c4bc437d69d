import { currencyExponent } from '@billrail/contracts/money';
import { Alert, Anchor, Button, Modal, NumberInput, Stack, Text, TextInput } from '@mantine/core';
import { IconPrinter } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../admin/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { ApiError } from '../shared/api.ts';
import { useSession } from '../shared/session.ts';
import { useAllocate, useCashPayment, useRefund } from './queries.ts';
import type { Payment } from './types.ts';

/** A decimal amount typed by a person ("120.50") to integer minor units, exactly (no float math). */
export function toMinor(value: string | number, currency: string): number | null {
  const exp = currencyExponent(currency);
  const m = /^(\d+)(?:[.,](\d*))?$/.exec(String(value).trim());
  if (!m || (m[2]?.length ?? 0) > exp) return null;
  const minor = Number(`${m[1]}${(m[2] ?? '').padEnd(exp, '0')}`);
  return minor > 0 && Number.isSafeInteger(minor) ? minor : null;
}

const fieldError = (err: unknown, field: string) =>
  err instanceof ApiError ? err.fieldError(field) : undefined;

export const receiptUrl = (id: string) => `/v1/payments/${encodeURIComponent(id)}/receipt.pdf`;

/** Cash counter: records money taken in person; then offers the receipt to print. */
export function CashPaymentModal({
  opened,
  onClose,
  accountNumber = '',
}: {
  opened: boolean;
  onClose: () => void;
  accountNumber?: string;
}) {
  const { t } = useTranslation();
  const session = useSession();
  const currency = session.tenant.currency;
  const fmt = useFormat();
  const cash = useCashPayment();
  const [account, setAccount] = useState(accountNumber);
  const [amount, setAmount] = useState<string | number>('');
  const [receipt, setReceipt] = useState('');
  const [note, setNote] = useState('');
  const [amountError, setAmountError] = useState<string | null>(null);
  const close = () => {
    cash.reset();
    setAmount('');
    setReceipt('');
    setNote('');
    onClose();
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const minor = toMinor(amount, currency);
    if (minor === null) return setAmountError(t('cso.cash.amountInvalid'));
    setAmountError(null);
    cash.mutate({
      account_number: account.trim(),
      amount: minor,
      currency,
      ...(receipt.trim() ? { receipt_number: receipt.trim() } : {}),
      ...(note.trim() ? { note: note.trim() } : {}),
    });
  };
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('cso.close') }}
      opened={opened}
      onClose={close}
      title={t('cso.cash.title')}
      centered
    >
      {cash.data ? (
        <Stack>
          <Alert color="green" title={t('cso.cash.recorded')}>
            {t('cso.cash.recordedText', {
              amount: fmt.money(cash.data.amount, cash.data.currency),
              account: cash.data.account_number,
            })}
          </Alert>
          <Text size="sm" c="dimmed">
            {cash.data.id}
          </Text>
          <Button
            component="a"
            href={receiptUrl(cash.data.id)}
            target="_blank"
            leftSection={<IconPrinter size={16} aria-hidden="true" />}
          >
            {t('cso.cash.printReceipt')}
          </Button>
          <Button variant="default" onClick={close}>
            {t('cso.close')}
          </Button>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput
              label={t('cso.cash.account')}
              required
              value={account}
              onChange={(e) => setAccount(e.currentTarget.value)}
              error={fieldError(cash.error, 'account_number')}
              data-autofocus
            />
            <NumberInput
              label={t('cso.cash.amount', { currency })}
              required
              decimalScale={currencyExponent(currency)}
              min={0}
              hideControls
              value={amount}
              onChange={setAmount}
              error={amountError ?? fieldError(cash.error, 'amount')}
            />
            <TextInput
              label={t('cso.cash.receipt')}
              value={receipt}
              onChange={(e) => setReceipt(e.currentTarget.value)}
              error={fieldError(cash.error, 'receipt_number')}
            />
            <TextInput
              label={t('cso.cash.note')}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
            />
            {cash.error && !fieldError(cash.error, 'account_number') && <ErrorAlert error={cash.error} />}
            <Button type="submit" loading={cash.isPending}>
              {t('cso.cash.submit')}
            </Button>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** Refund in full or in part, always with a reason (seed 002: Refund status). */
export function RefundModal({ payment, onClose }: { payment: Payment | null; onClose: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const refund = useRefund();
  const [amount, setAmount] = useState<string | number>('');
  const [reason, setReason] = useState('');
  const [amountError, setAmountError] = useState<string | null>(null);
  const refundable = payment ? payment.amount - payment.refunded_amount : 0;
  const close = () => {
    refund.reset();
    setAmount('');
    setReason('');
    setAmountError(null);
    onClose();
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!payment) return;
    let minor: number | undefined;
    if (String(amount).trim() !== '') {
      const m = toMinor(amount, payment.currency);
      if (m === null || m > refundable) return setAmountError(t('cso.refund.amountInvalid'));
      minor = m;
    }
    setAmountError(null);
    refund.mutate(
      { id: payment.id, reason: reason.trim(), ...(minor ? { amount: minor } : {}) },
      { onSuccess: close },
    );
  };
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('cso.close') }}
      opened={!!payment}
      onClose={close}
      title={t('cso.refund.title')}
      centered
    >
      {payment && (
        <form onSubmit={submit} noValidate>
          <Stack>
            <Text size="sm">
              {t('cso.refund.refundable', {
                amount: fmt.money(refundable, payment.currency),
                id: payment.id,
              })}
            </Text>
            <NumberInput
              label={t('cso.refund.amount')}
              description={t('cso.refund.amountHint')}
              decimalScale={currencyExponent(payment.currency)}
              min={0}
              hideControls
              value={amount}
              onChange={setAmount}
              error={amountError ?? fieldError(refund.error, 'amount')}
            />
            <TextInput
              label={t('cso.reason')}
              required
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              error={fieldError(refund.error, 'reason')}
            />
            {refund.error && !fieldError(refund.error, 'reason') && <ErrorAlert error={refund.error} />}
            <Button
              type="submit"
              color="orange"
              loading={refund.isPending}
              disabled={reason.trim().length < 3}
            >
              {t('cso.refund.submit')}
            </Button>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** Unidentified money (suspense) to the account it belongs to: its open bills, then credit. */
export function AllocateModal({ payment, onClose }: { payment: Payment | null; onClose: () => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const allocate = useAllocate();
  const [account, setAccount] = useState('');
  const [reason, setReason] = useState('');
  const close = () => {
    allocate.reset();
    setAccount('');
    setReason('');
    onClose();
  };
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('cso.close') }}
      opened={!!payment}
      onClose={close}
      title={t('cso.allocate.title')}
      centered
    >
      {payment && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            allocate.mutate(
              { id: payment.id, account_number: account.trim(), reason: reason.trim() },
              { onSuccess: close },
            );
          }}
        >
          <Stack>
            <Text size="sm">
              {t('cso.allocate.text', {
                amount: fmt.money(payment.suspense_amount, payment.currency),
                ref: payment.channel_ref,
              })}
            </Text>
            <TextInput
              label={t('cso.cash.account')}
              required
              value={account}
              onChange={(e) => setAccount(e.currentTarget.value)}
              error={fieldError(allocate.error, 'account_number')}
            />
            <TextInput
              label={t('cso.reason')}
              required
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              error={fieldError(allocate.error, 'reason')}
            />
            {allocate.error && !fieldError(allocate.error, 'account_number') && (
              <ErrorAlert error={allocate.error} />
            )}
            <Button
              type="submit"
              loading={allocate.isPending}
              disabled={!account.trim() || reason.trim().length < 3}
            >
              {t('cso.allocate.submit')}
            </Button>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

export function ReceiptLink({ id }: { id: string }) {
  const { t } = useTranslation();
  return (
    <Anchor href={receiptUrl(id)} target="_blank" size="sm">
      {t('cso.receipt')}
    </Anchor>
  );
}
