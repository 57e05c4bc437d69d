import {
  Alert,
  Button,
  Card,
  ColorInput,
  Group,
  Image,
  NativeSelect,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconCircleCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../shared/api.ts';
import { fieldErrors, formAlert } from '../shared/errors.ts';
import { LANGUAGES } from '../shared/i18n.ts';
import { sessionKey } from '../shared/session.ts';
import { brandShades } from '../shared/theme.ts';
import { AdminPage, ErrorAlert } from './components.tsx';
import { QrisMerchantSection } from './QrisMerchantSection.tsx';
import {
  QRIS_API_FIELD,
  QRIS_FIELDS,
  type QrisField,
  type QrisForm,
  qrisFormOf,
  qrisProblems,
  qrisWireOf,
} from './qris.ts';
import { adminKeys } from './queries.ts';
import type { TenantView } from './types.ts';
import './admin.css';

const FIELDS = [
  'display_name',
  'logo_url',
  'primary_color',
  'locale',
  'time_zone',
  'report_emails',
  'report_time',
  'qris_merchant',
  ...Object.values(QRIS_API_FIELD),
] as const;

interface Form {
  display_name: string;
  logo_url: string;
  primary_color: string;
  locale: string;
  time_zone: string;
  report_emails: string[];
  report_time: string;
}

const formOf = (t: TenantView): Form => ({
  display_name: t.display_name,
  logo_url: t.logo_url ?? '',
  primary_color: t.primary_color,
  locale: t.locale,
  time_zone: t.time_zone,
  report_emails: t.report_emails,
  report_time: t.report_time,
});

const COLOR = /^#[0-9a-fA-F]{6}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOGO = /^(https?:\/\/|\/)/;

/** Tenant settings and branding: what payers and staff see, and the daily report. */
export function SettingsPage() {
  const { t } = useTranslation();
  const tenant = useQuery({
    queryKey: adminKeys.tenant,
    queryFn: ({ signal }) => api<TenantView>('/v1/tenant', { signal }),
  });
  return (
    <AdminPage title={t('admin.settings.title')} description={t('admin.settings.description')} maw={900}>
      <ErrorAlert error={tenant.error} />
      {tenant.data && <SettingsForm tenant={tenant.data} />}
    </AdminPage>
  );
}

function SettingsForm({ tenant }: { tenant: TenantView }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [form, setForm] = useState<Form>(() => formOf(tenant));
  const [qris, setQris] = useState<QrisForm>(() => qrisFormOf(tenant.qris_merchant));
  // The QRIS fields start empty: each shows its problem once left or changed, all on a save.
  const [touched, setTouched] = useState<Partial<Record<QrisField, boolean>>>({});
  const [tried, setTried] = useState(false);
  useEffect(() => {
    setForm(formOf(tenant));
    setQris(qrisFormOf(tenant.qris_merchant));
    setTouched({});
    setTried(false);
  }, [tenant]);
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<TenantView>('/v1/tenant', { method: 'PATCH', body }),
    onSuccess: (saved) => {
      client.setQueryData(adminKeys.tenant, saved);
      // The header, colours and logo come from the session's branding: fetch it again.
      void client.invalidateQueries({ queryKey: sessionKey });
    },
  });
  const server = fieldErrors(save.error, t);
  const alert = formAlert(save.error, FIELDS, t);
  const problems: Partial<Record<keyof Form, string>> = {};
  if (!form.display_name.trim()) problems.display_name = t('errors.field.required');
  if (form.logo_url.trim() && !LOGO.test(form.logo_url.trim()))
    problems.logo_url = t('admin.settings.logoInvalid');
  if (!COLOR.test(form.primary_color)) problems.primary_color = t('admin.settings.colorInvalid');
  const badEmail = form.report_emails.find((e) => !EMAIL.test(e));
  if (badEmail) problems.report_emails = t('admin.settings.emailInvalid', { email: badEmail });
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(form.report_time))
    problems.report_time = t('admin.settings.timeInvalid');
  const qrisAll = qrisProblems(qris, t);
  const qrisShown: Partial<Record<QrisField, string>> = {};
  for (const k of QRIS_FIELDS) {
    const p = qrisAll[k];
    if (p && (tried || touched[k])) qrisShown[k] = p;
  }
  const invalid = Object.keys(problems).length > 0 || Object.keys(qrisAll).length > 0;
  // Save stays enabled while a problem is not shown yet: pressing it shows them all.
  const blocked = Object.keys(problems).length > 0 || Object.keys(qrisShown).length > 0;

  const change = <K extends keyof Form>(key: K, value: Form[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    if (save.isSuccess || save.isError) save.reset();
  };
  const changeQris = <K extends keyof QrisForm>(key: K, value: QrisForm[K]) => {
    setQris((q) => ({ ...q, [key]: value }));
    if (key !== 'enabled') setTouched((x) => ({ ...x, [key]: true }));
    if (save.isSuccess || save.isError) save.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (invalid) return;
    save.mutate({
      display_name: form.display_name.trim(),
      logo_url: form.logo_url.trim() || null,
      primary_color: form.primary_color.toLowerCase(),
      locale: form.locale,
      time_zone: form.time_zone,
      report_emails: form.report_emails,
      report_time: form.report_time,
      // Sent when there is one to save or to remove (only IDR tenants can have one).
      ...(qris.enabled
        ? { qris_merchant: qrisWireOf(qris) }
        : tenant.qris_merchant
          ? { qris_merchant: null }
          : {}),
    });
  };
  const err = (k: keyof Form) => problems[k] ?? server[k];
  const preview = COLOR.test(form.primary_color) ? form.primary_color : tenant.primary_color;
  const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 2 }).format(
    tenant.platform_fee_bps / 10000,
  );

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="lg">
        {save.isSuccess && (
          <Alert
            color="green"
            icon={<IconCircleCheck size={20} aria-hidden="true" />}
            data-testid="settings-saved"
          >
            {t('admin.settings.saved')}
          </Alert>
        )}
        {alert && <ErrorAlert error={save.error} />}
        <Card withBorder radius="lg" padding="lg">
          <Stack gap="md">
            <Title order={2} size="h4">
              {t('admin.settings.branding')}
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <TextInput
                label={t('admin.settings.displayName')}
                required
                value={form.display_name}
                onChange={(e) => change('display_name', e.currentTarget.value)}
                error={err('display_name')}
                maxLength={120}
              />
              <TextInput
                label={t('admin.settings.logoUrl')}
                description={t('admin.settings.logoHint')}
                value={form.logo_url}
                onChange={(e) => change('logo_url', e.currentTarget.value)}
                error={err('logo_url')}
              />
              <ColorInput
                label={t('admin.settings.primaryColor')}
                required
                format="hex"
                value={form.primary_color}
                onChange={(v) => change('primary_color', v)}
                error={err('primary_color')}
                withEyeDropper={false}
                swatches={['#1c7ed6', '#0b7285', '#2b8a3e', '#e8590c', '#c2255c', '#6741d9', '#343a40']}
              />
            </SimpleGrid>
            <div>
              <Text size="sm" fw={500} mb={6}>
                {t('admin.settings.preview')}
              </Text>
              <Card withBorder radius="md" padding="sm" data-testid="brand-preview">
                <Group gap="sm" wrap="nowrap">
                  {form.logo_url && !problems.logo_url ? (
                    <Image src={form.logo_url} alt="" h={36} w={36} fit="contain" />
                  ) : (
                    <div className="brand-swatch" style={{ background: preview }} aria-hidden="true" />
                  )}
                  <Text fw={700} size="lg" truncate="end" style={{ flex: 1 }}>
                    {form.display_name || tenant.display_name}
                  </Text>
                  <Button color={brandShades(preview)[6]} tabIndex={-1} component="span" aria-hidden="true">
                    {t('admin.settings.sampleButton')}
                  </Button>
                </Group>
              </Card>
            </div>
          </Stack>
        </Card>
        <Card withBorder radius="lg" padding="lg">
          <Stack gap="md">
            <Title order={2} size="h4">
              {t('admin.settings.regional')}
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <NativeSelect
                label={t('admin.settings.locale')}
                value={form.locale}
                onChange={(e) => change('locale', e.currentTarget.value)}
                data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
                error={err('locale')}
              />
              <Select
                label={t('admin.settings.timeZone')}
                searchable
                data={zones}
                value={form.time_zone}
                onChange={(v) => v && change('time_zone', v)}
                error={err('time_zone')}
                nothingFoundMessage={t('admin.settings.noZone')}
              />
              <TextInput
                label={t('admin.settings.currency')}
                value={tenant.currency}
                readOnly
                variant="filled"
              />
              <TextInput
                label={t('admin.settings.platformFee')}
                description={t('admin.settings.platformFeeHint')}
                value={percent}
                readOnly
                variant="filled"
              />
            </SimpleGrid>
          </Stack>
        </Card>
        <Card withBorder radius="lg" padding="lg">
          <Stack gap="md">
            <Title order={2} size="h4">
              {t('admin.settings.reports')}
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <TagsInput
                label={t('admin.settings.reportEmails')}
                description={t('admin.settings.reportEmailsHint')}
                value={form.report_emails}
                onChange={(v) => change('report_emails', v)}
                error={err('report_emails')}
                maxTags={20}
                splitChars={[',', ' ', ';']}
              />
              <TextInput
                label={t('admin.settings.reportTime')}
                description={t('admin.settings.reportTimeHint', { zone: form.time_zone })}
                type="time"
                value={form.report_time}
                onChange={(e) => change('report_time', e.currentTarget.value)}
                error={err('report_time')}
              />
            </SimpleGrid>
          </Stack>
        </Card>
        <QrisMerchantSection
          currency={tenant.currency}
          form={qris}
          errors={Object.fromEntries(QRIS_FIELDS.map((k) => [k, qrisShown[k] ?? server[QRIS_API_FIELD[k]]]))}
          switchError={server.qris_merchant}
          onChange={changeQris}
          onBlur={(k) => setTouched((x) => ({ ...x, [k]: true }))}
        />
        <Group justify="flex-end">
          <Button type="submit" size="md" loading={save.isPending} disabled={blocked}>
            {t('admin.settings.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
