import {
  Alert,
  Button,
  Card,
  ColorInput,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { fieldErrors, formAlert } from '../shared/errors.ts';
import { Page } from './components.tsx';
import { type TenantCreate, useOnboardTenant } from './queries.ts';

const CURRENCIES = [
  'USD',
  'EUR',
  'GBP',
  'IDR',
  'PKR',
  'INR',
  'MXN',
  'BRL',
  'JPY',
  'KES',
  'NGN',
  'PHP',
  'SGD',
  'AUD',
];
const LOCALES = [
  { value: 'en', label: 'English' },
  { value: 'es', label: 'Español' },
  { value: 'id', label: 'Bahasa Indonesia' },
];
const FIELDS = [
  'name',
  'slug',
  'currency',
  'time_zone',
  'locale',
  'display_name',
  'logo_url',
  'primary_color',
  'platform_fee_bps',
  'admin.name',
  'admin.email',
  'admin.password',
] as const;

function timeZones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  return supported ? supported('timeZone') : ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Jakarta'];
}

/** Platform admin: a tenant and its first administrator in one all-or-nothing call. */
export function OnboardPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const onboard = useOnboardTenant();
  const zones = useMemo(timeZones, []);
  const [v, setV] = useState({
    name: '',
    slug: '',
    currency: 'USD',
    time_zone: 'UTC',
    locale: 'en',
    display_name: '',
    logo_url: '',
    primary_color: '#1c7ed6',
    platform_fee_bps: 0 as number | string,
    admin_name: '',
    admin_email: '',
    admin_password: '',
  });
  const set = (k: keyof typeof v) => (value: string | number | null) =>
    setV((s) => ({ ...s, [k]: value ?? '' }));
  const errors = fieldErrors(onboard.error, t);
  const alert = formAlert(onboard.error, FIELDS, t);

  function submit(e: FormEvent) {
    e.preventDefault();
    const body: TenantCreate = {
      name: v.name.trim(),
      slug: v.slug.trim(),
      currency: v.currency,
      time_zone: v.time_zone,
      locale: v.locale as TenantCreate['locale'],
      ...(v.display_name.trim() ? { display_name: v.display_name.trim() } : {}),
      ...(v.logo_url.trim() ? { logo_url: v.logo_url.trim() } : {}),
      primary_color: v.primary_color,
      platform_fee_bps: Number(v.platform_fee_bps) || 0,
      admin: { name: v.admin_name.trim(), email: v.admin_email.trim(), password: v.admin_password },
    };
    onboard.mutate(body, {
      onSuccess: (r) =>
        navigate('/app/platform/tenants', {
          state: { onboarded: { name: r.tenant.display_name, slug: r.tenant.slug } },
        }),
    });
  }

  return (
    <Page title={t('platform.onboard.title')} description={t('platform.onboard.description')} maw={880}>
      <form onSubmit={submit} noValidate>
        <Stack gap="lg">
          {alert && (
            <Alert color="red" c="#a51d1d" role="alert">
              {alert}
            </Alert>
          )}
          <Card withBorder radius="lg" padding="lg">
            <Title order={2} size="h4" mb="md">
              {t('platform.onboard.tenant')}
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label={t('platform.onboard.name')}
                required
                value={v.name}
                onChange={(e) => set('name')(e.currentTarget.value)}
                error={errors.name}
              />
              <TextInput
                label={t('platform.onboard.slug')}
                description={t('platform.onboard.slugHint')}
                required
                value={v.slug}
                onChange={(e) => set('slug')(e.currentTarget.value.toLowerCase())}
                error={errors.slug}
              />
              <Select
                label={t('platform.onboard.currency')}
                description={t('platform.onboard.currencyHint')}
                required
                searchable
                data={CURRENCIES}
                value={v.currency}
                onChange={set('currency')}
                error={errors.currency}
                allowDeselect={false}
              />
              <Select
                label={t('platform.onboard.timeZone')}
                required
                searchable
                data={zones}
                value={v.time_zone}
                onChange={set('time_zone')}
                error={errors.time_zone}
                allowDeselect={false}
                limit={50}
              />
              <Select
                label={t('platform.onboard.locale')}
                required
                data={LOCALES}
                value={v.locale}
                onChange={set('locale')}
                error={errors.locale}
                allowDeselect={false}
              />
              <NumberInput
                label={t('platform.onboard.fee')}
                description={t('platform.onboard.feeHint')}
                min={0}
                max={10000}
                allowDecimal={false}
                value={v.platform_fee_bps}
                onChange={set('platform_fee_bps')}
                error={errors.platform_fee_bps}
              />
            </SimpleGrid>
          </Card>
          <Card withBorder radius="lg" padding="lg">
            <Title order={2} size="h4" mb="md">
              {t('platform.onboard.branding')}
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label={t('platform.onboard.displayName')}
                value={v.display_name}
                placeholder={v.name}
                onChange={(e) => set('display_name')(e.currentTarget.value)}
                error={errors.display_name}
              />
              <TextInput
                label={t('platform.onboard.logoUrl')}
                value={v.logo_url}
                placeholder="https://…/logo.svg"
                onChange={(e) => set('logo_url')(e.currentTarget.value)}
                error={errors.logo_url}
              />
              <ColorInput
                label={t('platform.onboard.color')}
                value={v.primary_color}
                onChange={set('primary_color')}
                format="hex"
                withEyeDropper={false}
                error={errors.primary_color}
              />
            </SimpleGrid>
          </Card>
          <Card withBorder radius="lg" padding="lg">
            <Title order={2} size="h4" mb="md">
              {t('platform.onboard.admin')}
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label={t('platform.onboard.adminName')}
                required
                value={v.admin_name}
                onChange={(e) => set('admin_name')(e.currentTarget.value)}
                error={errors['admin.name']}
              />
              <TextInput
                label={t('platform.onboard.adminEmail')}
                type="email"
                required
                autoComplete="off"
                value={v.admin_email}
                onChange={(e) => set('admin_email')(e.currentTarget.value)}
                error={errors['admin.email']}
              />
              <PasswordInput
                label={t('platform.onboard.adminPassword')}
                required
                autoComplete="new-password"
                value={v.admin_password}
                onChange={(e) => set('admin_password')(e.currentTarget.value)}
                error={errors['admin.password']}
              />
            </SimpleGrid>
          </Card>
          <Group justify="flex-end">
            <Button variant="default" component={Link} to="/app/platform/tenants">
              {t('platform.onboard.cancel')}
            </Button>
            <Button type="submit" loading={onboard.isPending}>
              {t('platform.onboard.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
}
