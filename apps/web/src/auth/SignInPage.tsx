import type { Branding } from '@billrail/contracts';
import { Alert, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDocumentTitle } from '@mantine/hooks';
import { IconAlertCircle, IconClockExclamation, IconInfoCircle, IconLogout } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useParams } from 'react-router';
import { ApiError, api } from '../shared/api.ts';
import { useBrandColor } from '../shared/brand.tsx';
import { fieldErrors, formAlert } from '../shared/errors.ts';
import { LanguagePicker } from '../shared/LanguagePicker.tsx';
import { BillrailMark, TenantLogo } from '../shared/Logo.tsx';
import { PasswordField } from '../shared/PasswordField.tsx';
import { Backdrop, FullPageLoader } from '../shared/pages.tsx';
import { lastTenant, type SignedOutReason, useSessionState, useSignIn } from '../shared/session.ts';

/** What the /app layout passes along when it sends someone here. */
export interface SignInState {
  reason?: SignedOutReason;
  from?: string;
}

export const DEFAULT_TENANT = 'demo-water';
const FIELDS = ['tenant', 'email', 'password'] as const;
type Field = (typeof FIELDS)[number];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function useBranding(slug: string | undefined) {
  return useQuery({
    queryKey: ['branding', slug],
    queryFn: ({ signal }) => api<Branding>(`/v1/public/tenants/${encodeURIComponent(slug!)}`, { signal }),
    enabled: !!slug,
    staleTime: 5 * 60_000,
    retry: false,
  });
}

export function SignInPage() {
  const { t } = useTranslation();
  const { slug } = useParams();
  const location = useLocation();
  const state = (location.state ?? {}) as SignInState;
  const session = useSessionState();
  const branding = useBranding(slug);
  const tenant = branding.data;
  const signIn = useSignIn();

  const [values, setValues] = useState<Record<Field, string>>(() => ({
    tenant: slug ?? lastTenant() ?? DEFAULT_TENANT,
    email: '',
    password: '',
  }));
  const [clientErrors, setClientErrors] = useState<Partial<Record<Field, string>>>({});

  useBrandColor(tenant?.primary_color);
  useDocumentTitle(`${t('signin.documentTitle')} · ${tenant?.display_name ?? 'Billrail'}`);

  // Where to go once signed in: back to the page the session expired on, else the app's home.
  const target = state.from?.startsWith('/app') ? state.from : '/app';
  if (session.data?.status === 'signed_in') return <Navigate to={target} replace />;
  if (session.isPending) return <FullPageLoader />;

  const serverErrors = signIn.isPending ? {} : fieldErrors(signIn.error, t);
  const errorOf = (field: Field) => clientErrors[field] ?? serverErrors[field];
  const alert = signIn.isPending ? null : formAlert(signIn.error, FIELDS, t);
  const unknownTenant = branding.error instanceof ApiError && branding.error.status === 404;

  const change = (field: Field) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    setClientErrors((e) => ({ ...e, [field]: undefined }));
    if (signIn.error) signIn.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = {
      tenant: values.tenant.trim().toLowerCase(),
      email: values.email.trim(),
      password: values.password,
    };
    const errors: Partial<Record<Field, string>> = {};
    if (!input.tenant) errors.tenant = t('signin.required.tenant');
    if (!input.email) errors.email = t('signin.required.email');
    else if (!EMAIL.test(input.email)) errors.email = t('signin.invalidEmail');
    if (!input.password) errors.password = t('signin.required.password');
    setClientErrors(errors);
    if (Object.keys(errors).length > 0) {
      document.getElementById(`signin-${Object.keys(errors)[0]}`)?.focus();
      return;
    }
    signIn.mutate(input);
  };

  return (
    <Backdrop>
      <Group w="100%" maw={440} justify="flex-end" mb="xs">
        <LanguagePicker />
      </Group>
      <Paper withBorder shadow="sm" radius="lg" w="100%" maw={440} p={{ base: 'lg', xs: 32 }}>
        <Stack gap="lg">
          <Stack align="center" gap="xs" ta="center">
            {tenant ? <TenantLogo tenant={tenant} size={56} /> : <BillrailMark size={56} />}
            <Title order={1} size="h2" mt="xs">
              {tenant ? t('signin.headingTenant', { name: tenant.display_name }) : t('signin.heading')}
            </Title>
            <Text c="dimmed" size="sm">
              {t('signin.subtitle')}
            </Text>
          </Stack>

          {state.reason === 'session_expired' && (
            <Alert
              color="orange"
              icon={<IconClockExclamation size={20} aria-hidden="true" />}
              data-testid="session-expired"
            >
              {t('signin.expired')}
            </Alert>
          )}
          {state.reason === 'signed_out' && (
            <Alert color="gray" icon={<IconLogout size={20} aria-hidden="true" />}>
              {t('signin.signedOut')}
            </Alert>
          )}
          {unknownTenant && (
            <Alert color="orange" icon={<IconInfoCircle size={20} aria-hidden="true" />}>
              {t('signin.unknownTenant', { slug })}
            </Alert>
          )}
          {alert && (
            <Alert
              color="red"
              icon={<IconAlertCircle size={20} aria-hidden="true" />}
              data-testid="signin-error"
            >
              {alert}
            </Alert>
          )}

          <form onSubmit={submit} noValidate>
            <Stack gap="md">
              <TextInput
                id="signin-tenant"
                name="tenant"
                label={t('signin.organisation')}
                description={t('signin.organisationHint')}
                value={values.tenant}
                onChange={(e) => change('tenant')(e.currentTarget.value)}
                error={errorOf('tenant')}
                autoComplete="organization"
                autoCapitalize="none"
                autoCorrect="off"
                spellCheck={false}
                required
              />
              <TextInput
                id="signin-email"
                name="email"
                type="email"
                label={t('signin.email')}
                value={values.email}
                onChange={(e) => change('email')(e.currentTarget.value)}
                error={errorOf('email')}
                autoComplete="username"
                inputMode="email"
                autoCapitalize="none"
                spellCheck={false}
                required
              />
              <PasswordField
                id="signin-password"
                name="password"
                label={t('signin.password')}
                value={values.password}
                onChange={(e) => change('password')(e.currentTarget.value)}
                error={errorOf('password')}
                autoComplete="current-password"
                required
              />
              <Button type="submit" fullWidth size="md" mt="xs" loading={signIn.isPending}>
                {t('signin.submit')}
              </Button>
            </Stack>
          </form>
        </Stack>
      </Paper>
      {tenant && (
        <Text size="xs" c="dimmed" mt="md">
          {t('signin.poweredBy')}
        </Text>
      )}
    </Backdrop>
  );
}
