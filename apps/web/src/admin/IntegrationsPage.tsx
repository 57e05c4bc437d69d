import { displayMoney, oneUnit as oneUnitOf } from '@billrail/contracts/money';
import {
  Alert,
  Button,
  Card,
  Code,
  Divider,
  Group,
  Loader,
  NativeSelect,
  PasswordInput,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertCircle, IconCircleCheck, IconPlugConnected } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { intlLocale } from '../consumer/format.ts';
import { fieldErrors, problemMessage } from '../shared/errors.ts';
import { useSession } from '../shared/session.ts';
import { AdminPage, CopyableCode, ErrorAlert, Tag, TONE, useDateTime } from './components.tsx';
import { GatewayLogo } from './GatewayLogo.tsx';
import {
  adminKeys,
  useConnect,
  useConnectCheckout,
  useGateways,
  useSaveCredentials,
  useSetActive,
} from './queries.ts';
import type { Checkout, Gateway, GatewayField } from './types.ts';
import './admin.css';

/**
 * Payment Integrations (seed 002, Tenant Admin): a card per gateway with its logo, name, status and
 * the activation toggle on the right (blue on, grey off); the configuration form only while it is
 * on, checked as the admin types; then Connect, a one-unit test payment at the gateway, whose
 * outcome comes back here (?checkout=<id>) with the gateway's detailed response.
 */
export function IntegrationsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const canManage = session.allowed_actions.includes('gateways.manage');
  const gateways = useGateways();
  const [params] = useSearchParams();
  const checkoutId = params.get('checkout');
  const checkout = useConnectCheckout(checkoutId);
  const client = useQueryClient();
  const settled = checkout.data && !['creating', 'open', 'processing'].includes(checkout.data.status);

  // The gateway's verdict changes the card (Connected, last response): fetch it once it is in.
  useEffect(() => {
    if (settled) void client.invalidateQueries({ queryKey: adminKeys.gateways });
  }, [settled, client]);

  const anyAvailable = gateways.data?.some((g) => g.available);
  return (
    <AdminPage title={t('admin.integrations.title')} description={t('admin.integrations.description')}>
      {gateways.data && !anyAvailable && (
        <Alert color="yellow" icon={<IconAlertCircle size={20} aria-hidden="true" />}>
          {t('admin.integrations.noneAvailable')}
        </Alert>
      )}
      <ErrorAlert error={gateways.error ?? checkout.error} />
      {gateways.isPending && <Loader aria-label={t('admin.loading')} />}
      <Stack gap="lg">
        {gateways.data?.map((g) => (
          <GatewayCard
            key={g.gateway}
            gateway={g}
            canManage={canManage}
            checkout={checkout.data?.gateway === g.gateway ? checkout.data : undefined}
          />
        ))}
      </Stack>
    </AdminPage>
  );
}

function StatusBadge({ g }: { g: Gateway }) {
  const { t } = useTranslation();
  // A connected gateway that is switched off takes no payments: grey, and says so, so the green
  // badge never suggests consumers can pay with it.
  if (g.status === 'connected' && !g.active) {
    return (
      <Tag tone="gray" testId={`status-${g.gateway}`}>
        {t('admin.integrations.status.connected_off')}
      </Tag>
    );
  }
  const color = ({ connected: 'green', connecting: 'blue', failed: 'red', not_connected: 'gray' } as const)[
    g.status
  ];
  return (
    <Tag tone={color} testId={`status-${g.gateway}`}>
      {t(`admin.integrations.status.${g.status}`)}
    </Tag>
  );
}

function GatewayCard({
  gateway: g,
  canManage,
  checkout,
}: {
  gateway: Gateway;
  canManage: boolean;
  checkout: Checkout | undefined;
}) {
  const { t } = useTranslation();
  const setActive = useSetActive(g.gateway);
  const nameId = `gateway-${g.gateway}-name`;
  return (
    <Card
      withBorder
      radius="lg"
      padding="lg"
      component="section"
      aria-labelledby={nameId}
      data-testid={`gateway-${g.gateway}`}
    >
      <Group justify="space-between" wrap="nowrap" align="center" gap="sm">
        <Group wrap="nowrap" gap="md" miw={0}>
          <GatewayLogo gateway={g.gateway} />
          <div style={{ minWidth: 0 }}>
            <Title order={2} size="h4" id={nameId}>
              {g.display_name}
            </Title>
            <Group gap={6} mt={4}>
              <StatusBadge g={g} />
              <Tag tone={g.configured ? 'teal' : 'gray'}>
                {g.configured ? t('admin.integrations.configured') : t('admin.integrations.notConfigured')}
              </Tag>
            </Group>
          </div>
        </Group>
        <Switch
          size="lg"
          color="blue"
          checked={g.active}
          disabled={!canManage || setActive.isPending}
          onChange={(e) => setActive.mutate(e.currentTarget.checked)}
          aria-label={t('admin.integrations.toggle', { name: g.display_name })}
          data-testid={`toggle-${g.gateway}`}
        />
      </Group>
      {setActive.error ? (
        <Stack mt="md">
          <ErrorAlert error={setActive.error} />
        </Stack>
      ) : null}
      {g.active ? (
        <GatewayConfig g={g} canManage={canManage} checkout={checkout} />
      ) : (
        <Text c="dimmed" size="sm" mt="md">
          {t('admin.integrations.offHint', { name: g.display_name })}
        </Text>
      )}
    </Card>
  );
}

/** The saved value of a field as the form starts from it (secrets always start empty). */
function savedValue(g: Gateway, f: GatewayField): string {
  const v = g.credentials[f.key];
  if (f.secret) return '';
  if (typeof v === 'string') return v;
  return f.options?.[0] ?? '';
}

/** What is wrong with one field now, checked with the API's own rules (pattern, reason, required). */
export function fieldProblem(g: Gateway, f: GatewayField, value: string, t: TFunction): string | null {
  const saved = g.credentials[f.key];
  const hasSaved = typeof saved === 'object' ? saved.set : typeof saved === 'string' && saved !== '';
  if (value === '') {
    return f.required && !hasSaved ? t('errors.field.required') : null;
  }
  if (f.max_length && value.length > f.max_length)
    return t('admin.integrations.tooLong', { count: f.max_length });
  if (f.pattern && !new RegExp(f.pattern).test(value)) {
    return f.pattern_reason ?? t('admin.integrations.invalidValue');
  }
  return null;
}

function GatewayConfig({
  g,
  canManage,
  checkout,
}: {
  g: Gateway;
  canManage: boolean;
  checkout: Checkout | undefined;
}) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const currency = session.tenant.currency;
  const savedKey = JSON.stringify(g.credentials);
  // The list is fetched again now and then; the form restarts only when the saved details change.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the saved credentials on purpose
  const initial = useMemo(
    () => Object.fromEntries(g.fields.map((f) => [f.key, savedValue(g, f)])),
    [savedKey],
  );
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [tried, setTried] = useState(false);
  useEffect(() => {
    setValues(initial);
    setTouched({});
    setTried(false);
  }, [initial]);

  const save = useSaveCredentials(g.gateway);
  const connect = useConnect(g.gateway);
  const problems: Record<string, string> = {};
  for (const f of g.fields) {
    const p = fieldProblem(g, f, values[f.key] ?? '', t);
    if (p) problems[f.key] = p;
  }
  const invalid = Object.keys(problems).length > 0;
  const dirty = g.fields.some((f) => (values[f.key] ?? '') !== (initial[f.key] ?? ''));
  const server = fieldErrors(save.error, t);
  const currencyOk = g.capabilities.currencies.includes('*') || g.capabilities.currencies.includes(currency);
  const oneUnit = displayMoney(oneUnitOf(currency), currency, intlLocale(i18n.language));

  const change = (key: string, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    setTouched((x) => ({ ...x, [key]: true }));
    if (save.isError || save.isSuccess) save.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (invalid || !canManage) return;
    const credentials: Record<string, string> = {};
    for (const f of g.fields) {
      const v = values[f.key] ?? '';
      if (v !== '') credentials[f.key] = v;
    }
    save.mutate(credentials);
  };

  const saveAlert =
    save.error && Object.keys(server).every((k) => !k.startsWith('credentials.'))
      ? problemMessage(save.error, t)
      : null;

  return (
    <Stack gap="md" mt="lg">
      <Divider />
      <form
        onSubmit={submit}
        noValidate
        aria-label={t('admin.integrations.formLabel', { name: g.display_name })}
      >
        <Stack gap="md">
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            {g.fields.map((f) => {
              const shown = touched[f.key] || tried ? problems[f.key] : undefined;
              const error = shown ?? server[`credentials.${f.key}`];
              const saved = g.credentials[f.key];
              const label = t(`admin.integrations.field.${f.key}`, { defaultValue: f.label });
              const common = {
                id: `${g.gateway}-${f.key}`,
                label,
                withAsterisk: f.required,
                required: f.required && !(typeof saved === 'object' && saved.set),
                error,
                disabled: !canManage,
                'data-field': f.key,
              };
              if (f.options) {
                return (
                  <NativeSelect
                    key={f.key}
                    {...common}
                    value={values[f.key] ?? ''}
                    onChange={(e) => change(f.key, e.currentTarget.value)}
                    data={f.options.map((o) => ({ value: o, label: t(`admin.integrations.option.${o}`, o) }))}
                  />
                );
              }
              if (f.secret) {
                const set = typeof saved === 'object' && saved.set;
                return (
                  <PasswordInput
                    key={f.key}
                    {...common}
                    value={values[f.key] ?? ''}
                    onChange={(e) => change(f.key, e.currentTarget.value)}
                    placeholder={set ? '••••••••' : (f.placeholder ?? undefined)}
                    description={
                      set
                        ? t('admin.integrations.secretSet', { last4: saved.last4 ?? '' })
                        : t('admin.integrations.secretNotSet')
                    }
                    autoComplete="off"
                    spellCheck={false}
                  />
                );
              }
              return (
                <TextInput
                  key={f.key}
                  {...common}
                  value={values[f.key] ?? ''}
                  onChange={(e) => change(f.key, e.currentTarget.value)}
                  placeholder={f.placeholder ?? undefined}
                  autoComplete="off"
                  spellCheck={false}
                />
              );
            })}
            <TextInput
              label={t('admin.integrations.currency')}
              value={currency}
              readOnly
              variant="filled"
              description={t('admin.integrations.currencyHint')}
              error={
                currencyOk
                  ? undefined
                  : t('admin.integrations.currencyUnsupported', {
                      name: g.display_name,
                      list: g.capabilities.currencies.join(', '),
                    })
              }
            />
          </SimpleGrid>
          {g.webhook_url && (
            <div>
              <Text size="sm" fw={500} id={`${g.gateway}-webhook-label`}>
                {t('admin.integrations.webhookUrl')}
              </Text>
              <Text size="xs" c="dimmed" mb={4}>
                {t('admin.integrations.webhookHint', { name: g.display_name })}
              </Text>
              <CopyableCode
                value={g.webhook_url}
                label={t('admin.integrations.copyWebhook')}
                testId={`webhook-${g.gateway}`}
              />
            </div>
          )}
          {saveAlert && (
            <Alert color="red" icon={<IconAlertCircle size={20} aria-hidden="true" />} role="alert">
              {saveAlert}
            </Alert>
          )}
          {save.isSuccess && !dirty && (
            <Alert color="green" icon={<IconCircleCheck size={20} aria-hidden="true" />}>
              {t('admin.integrations.saved')}
            </Alert>
          )}
          <Group justify="space-between" gap="sm">
            <Text size="sm" c={invalid && (tried || Object.keys(touched).length > 0) ? 'red.8' : 'dimmed'}>
              {invalid && (tried || Object.keys(touched).length > 0)
                ? t('admin.integrations.fixFields')
                : t('admin.integrations.requiredNote')}
            </Text>
            <Button
              type="submit"
              variant="default"
              loading={save.isPending}
              disabled={!canManage || invalid || (!dirty && g.configured)}
            >
              {t('admin.integrations.save')}
            </Button>
          </Group>
        </Stack>
      </form>
      <Divider />
      <Group justify="space-between" align="center" gap="md">
        <div style={{ flex: '1 1 260px' }}>
          <Text fw={600}>{t('admin.integrations.connectTitle')}</Text>
          <Text size="sm" c="dimmed">
            {t('admin.integrations.connectHint', { amount: oneUnit })}
          </Text>
          {dirty && g.configured && (
            <Text size="sm" c="orange.9" mt={4}>
              {t('admin.integrations.saveFirst')}
            </Text>
          )}
        </div>
        {g.connected && !dirty ? (
          <Button
            size="lg"
            disabled
            className="connected-button"
            leftSection={<IconCircleCheck size={22} aria-hidden="true" />}
            data-testid={`connect-${g.gateway}`}
          >
            {t('admin.integrations.connected')}
          </Button>
        ) : (
          <Button
            size="lg"
            leftSection={<IconPlugConnected size={22} aria-hidden="true" />}
            onClick={() => connect.mutate()}
            loading={connect.isPending || connect.isSuccess}
            disabled={!canManage || !g.configured || dirty || !currencyOk || g.status === 'connecting'}
            data-testid={`connect-${g.gateway}`}
          >
            {t('admin.integrations.connect', { amount: oneUnit })}
          </Button>
        )}
      </Group>
      {connect.error ? (
        <Alert
          color="red"
          icon={<IconAlertCircle size={20} aria-hidden="true" />}
          role="alert"
          title={t('admin.integrations.connectFailed')}
        >
          {problemMessage(connect.error, t)}
        </Alert>
      ) : null}
      <ConnectResult g={g} checkout={checkout} />
    </Stack>
  );
}

/** The outcome of the connect test: green when it paid, red with the gateway's words when not. */
function ConnectResult({ g, checkout }: { g: Gateway; checkout: Checkout | undefined }) {
  const { t, i18n } = useTranslation();
  const dateTime = useDateTime();
  const waiting = checkout && ['creating', 'open', 'processing'].includes(checkout.status);
  if (waiting) {
    return (
      <Alert color="blue" icon={<Loader size={18} aria-hidden="true" />} data-testid={`result-${g.gateway}`}>
        {t('admin.integrations.waiting', { name: g.display_name })}
      </Alert>
    );
  }
  const detail = g.last_connect;
  const fromCheckout = checkout && detail?.checkout_id !== checkout.id ? checkout : undefined;
  // The response shown is the one of the attempt the admin is looking at.
  const response = fromCheckout
    ? { checkout_id: fromCheckout.id, status: fromCheckout.status, failure: fromCheckout.failure }
    : detail;
  if (!detail && !fromCheckout) return null;
  // After an edit the saved details are new: the last test was of the old ones.
  if (!checkout && g.status === 'not_connected') return null;
  const status = fromCheckout ? fromCheckout.status : String(detail?.status ?? '');
  const ok = status === 'succeeded';
  const message = fromCheckout?.failure?.message ?? (detail?.message as string | undefined);
  const refund = detail?.refund as { status?: string } | 'manual' | undefined;
  const amount =
    typeof detail?.amount === 'number' && typeof detail.currency === 'string'
      ? displayMoney(detail.amount, detail.currency, intlLocale(i18n.language))
      : null;
  return (
    <Alert
      color={ok ? 'green' : 'red'}
      variant="light"
      icon={
        ok ? (
          <IconCircleCheck size={20} aria-hidden="true" />
        ) : (
          <IconAlertCircle size={20} aria-hidden="true" />
        )
      }
      title={
        ok ? t('admin.integrations.resultOk', { name: g.display_name }) : t('admin.integrations.resultFailed')
      }
      data-testid={`result-${g.gateway}`}
      role={ok ? 'status' : 'alert'}
      styles={{ title: { color: ok ? TONE.green : TONE.red } }}
    >
      <Stack gap="xs">
        {ok ? (
          <Text size="sm">
            {t('admin.integrations.resultOkBody', {
              amount: amount ?? '',
              refund:
                refund === 'manual' || (typeof refund === 'object' && refund?.status === 'manual')
                  ? t('admin.integrations.refundManual')
                  : t('admin.integrations.refundDone'),
            })}
          </Text>
        ) : (
          <Text size="sm" data-testid={`failure-${g.gateway}`}>
            {message ?? t('admin.integrations.noMessage')}
          </Text>
        )}
        {response && (
          <>
            {typeof response.at === 'string' && (
              <Text size="xs" c="dimmed">
                {t('admin.integrations.responseAt', { at: dateTime(response.at) })}
              </Text>
            )}
            <Text size="sm" fw={600}>
              {t('admin.integrations.gatewayResponse')}
            </Text>
            <Code block className="gateway-response" tabIndex={0} data-testid={`response-${g.gateway}`}>
              {JSON.stringify(response, null, 2)}
            </Code>
          </>
        )}
      </Stack>
    </Alert>
  );
}
