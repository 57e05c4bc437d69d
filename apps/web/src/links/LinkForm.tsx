import { currencyExponent } from '@billrail/contracts/money';
import {
  Button,
  Group,
  NumberInput,
  Radio,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconLink } from '@tabler/icons-react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../admin/components.tsx';
import { useFormat } from '../consumer/format.ts';
import { toMinor } from '../cso/actions.tsx';
import type { Account } from '../cso/types.ts';
import { fieldErrors, formAlert } from '../shared/errors.ts';
import { useSession } from '../shared/session.ts';
import { useAccountOptions, useCreateLink, useOpenBills } from './queries.ts';
import type { LinkCreate, PaymentLink } from './types.ts';

const API_FIELDS = [
  'bill_id',
  'account_id',
  'account_number',
  'amount',
  'description',
  'expires_at',
  'reusable',
];
const YEAR_MS = 365 * 86_400_000;
const accountLabel = (a: Account) => `${a.account_number} · ${a.name}`;

/** `YYYY-MM-DDTHH:MM` in the browser's zone, as a datetime-local input wants it. */
function localInput(d: Date) {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

type Field = 'account' | 'bill' | 'amount' | 'description' | 'expiry';

/**
 * A new payment link: for one of an account's open bills, or for an amount on the account; with a
 * description, an optional expiry, single use or reusable. Checked as the person types (each field
 * once touched, all of them on submit); the API's field errors land on the same fields.
 */
export function LinkForm({ onCreated }: { onCreated: (link: PaymentLink, account: Account) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const currency = useSession().tenant.currency;
  const create = useCreateLink();
  const [kind, setKind] = useState<'bill' | 'amount'>('bill');
  const [accountQuery, setAccountQuery] = useState('');
  const [account, setAccount] = useState<Account | null>(null);
  const [billId, setBillId] = useState<string | null>(null);
  const [amount, setAmount] = useState<string | number>('');
  const [description, setDescription] = useState('');
  const [expiry, setExpiry] = useState('');
  const [reusable, setReusable] = useState('single');
  const [touched, setTouched] = useState<Partial<Record<Field, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const touch = (f: Field) => setTouched((s) => (s[f] ? s : { ...s, [f]: true }));

  const [query] = useDebouncedValue(accountQuery.trim(), 250);
  const searching = account && accountQuery === accountLabel(account) ? '' : query;
  const accounts = useAccountOptions(searching);
  const accountOptions = [
    ...(account ? [account] : []),
    ...(accounts.data?.data ?? []).filter((a) => a.id !== account?.id),
  ];
  const bills = useOpenBills(account?.id ?? null);

  // The checks a person sees while typing; the server checks the same again.
  const minor = toMinor(amount, currency);
  const expiresAt = expiry ? new Date(expiry) : null;
  const problems: Partial<Record<Field, string>> = {
    ...(!account ? { account: t('links.form.accountRequired') } : {}),
    ...(kind === 'bill' && !billId ? { bill: t('links.form.billRequired') } : {}),
    ...(kind === 'amount' && String(amount).trim() === '' ? { amount: t('links.form.amountRequired') } : {}),
    ...(kind === 'amount' && String(amount).trim() !== '' && minor === null
      ? { amount: t('links.form.amountInvalid') }
      : {}),
    ...(description.trim().length > 200 ? { description: t('links.form.descriptionTooLong') } : {}),
    ...(expiresAt && Number.isNaN(expiresAt.getTime()) ? { expiry: t('links.form.expiryInvalid') } : {}),
    ...(expiresAt && expiresAt.getTime() <= Date.now() ? { expiry: t('links.form.expiryPast') } : {}),
    ...(expiresAt && expiresAt.getTime() > Date.now() + YEAR_MS ? { expiry: t('links.form.expiryFar') } : {}),
  };
  const shown = (f: Field) => (submitted || touched[f] ? problems[f] : undefined);
  const api = fieldErrors(create.error, t);
  const alert = formAlert(create.error, API_FIELDS, t);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(problems).length > 0 || !account) return;
    const body: LinkCreate = {
      reusable: reusable === 'reusable',
      ...(kind === 'bill' && billId ? { bill_id: billId } : {}),
      ...(kind === 'amount' && minor !== null ? { account_id: account.id, amount: minor } : {}),
      ...(description.trim() ? { description: description.trim() } : {}),
      ...(expiresAt ? { expires_at: expiresAt.toISOString() } : {}),
    };
    create.mutate(body, { onSuccess: (link) => onCreated(link, account) });
  };

  return (
    <form onSubmit={submit} noValidate data-testid="link-form">
      <Stack gap="md">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="link-kind-label">
            {t('links.form.kind')}
          </Text>
          <SegmentedControl
            aria-labelledby="link-kind-label"
            value={kind}
            onChange={(v) => setKind(v as 'bill' | 'amount')}
            data={[
              { value: 'bill', label: t('links.form.kindBill') },
              { value: 'amount', label: t('links.form.kindAmount') },
            ]}
            fullWidth
          />
        </Stack>
        <Select
          label={t('links.form.account')}
          placeholder={t('links.form.accountHint')}
          required
          searchable
          searchValue={accountQuery}
          onSearchChange={setAccountQuery}
          filter={({ options }) => options}
          data={accountOptions.map((a) => ({ value: a.id, label: accountLabel(a) }))}
          value={account?.id ?? null}
          onChange={(id) => {
            setAccount(accountOptions.find((a) => a.id === id) ?? null);
            setBillId(null);
            touch('account');
          }}
          onBlur={() => touch('account')}
          nothingFoundMessage={t('links.form.noAccounts')}
          error={shown('account') ?? api.account_id ?? api.account_number}
          comboboxProps={{ withinPortal: true }}
          data-autofocus
        />
        {kind === 'bill' ? (
          <Select
            label={t('links.form.bill')}
            placeholder={account ? t('links.form.billHint') : t('links.form.pickAccountFirst')}
            required
            disabled={!account}
            data={(bills.data ?? []).map((b) => ({
              value: b.id,
              label: `${b.bill_number} · ${b.service_name} · ${b.billing_period} · ${fmt.money(b.outstanding, b.currency)}`,
            }))}
            value={billId}
            onChange={(v) => {
              setBillId(v);
              touch('bill');
            }}
            onBlur={() => touch('bill')}
            nothingFoundMessage={t('links.form.noBills')}
            error={shown('bill') ?? api.bill_id}
            comboboxProps={{ withinPortal: true }}
          />
        ) : (
          <NumberInput
            label={t('links.form.amount', { currency })}
            required
            decimalScale={currencyExponent(currency)}
            min={0}
            hideControls
            value={amount}
            onChange={(v) => {
              setAmount(v);
              touch('amount');
            }}
            onBlur={() => touch('amount')}
            error={shown('amount') ?? api.amount}
          />
        )}
        <TextInput
          label={t('links.form.description')}
          description={t('links.form.descriptionHint')}
          value={description}
          onChange={(e) => {
            setDescription(e.currentTarget.value);
            touch('description');
          }}
          error={shown('description') ?? api.description}
        />
        <TextInput
          type="datetime-local"
          label={t('links.form.expiry')}
          description={t('links.form.expiryHint')}
          min={localInput(new Date())}
          value={expiry}
          onChange={(e) => {
            setExpiry(e.currentTarget.value);
            touch('expiry');
          }}
          error={shown('expiry') ?? api.expires_at}
        />
        <Radio.Group label={t('links.form.use')} value={reusable} onChange={setReusable} error={api.reusable}>
          <Stack gap="xs" mt={6}>
            <Radio value="single" label={t('links.form.single')} description={t('links.form.singleHint')} />
            <Radio
              value="reusable"
              label={t('links.form.reusable')}
              description={t('links.form.reusableHint')}
            />
          </Stack>
        </Radio.Group>
        {alert && <ErrorAlert error={create.error} />}
        <Group justify="flex-end">
          <Button
            type="submit"
            leftSection={<IconLink size={18} aria-hidden="true" />}
            loading={create.isPending}
          >
            {t('links.form.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
